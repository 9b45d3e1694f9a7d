"""Catalogue JSON API, mounted at /api/catalog. Read-only and public. Prices are integer fen, each
with a display string beside it; errors are {"code", "message"} like everywhere else."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from wxmall.core.errors import DomainError
from wxmall.core.money import yuan
from wxmall.core.schemas import ErrorOut, errors

from . import queries
from .errors import CatalogError
from .images import IMAGE_COUNT, product_svg
from .models import SKU, Category, Product

router = Router(tags=["商品目录"])


# --- schemas ------------------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    product_count: int
    children: list["CategoryOut"]


CategoryOut.model_rebuild()


class CategoryRef(Schema):
    id: int
    name: str
    slug: str


class SkuOut(Schema):
    id: int
    code: str
    cpu: str
    memory: str
    storage: str
    colour: str
    extra_specs: dict[str, str]
    spec_label: str
    price: int = Field(..., description="售价，单位：分")
    price_display: str
    list_price: int = Field(..., description="划线价，单位：分；0 表示不显示")
    list_price_display: str
    stock: int
    stock_status: str = Field(..., description="in_stock | low | sold_out")
    stock_label: str
    is_active: bool


class ProductCardOut(Schema):
    id: int
    title: str
    subtitle: str
    brand: str
    category: CategoryRef
    cover: str
    price: int = Field(..., description="最低售价，单位：分")
    price_display: str
    list_price: int = Field(..., description="最低价规格的划线价，单位：分；0 表示不显示")
    list_price_display: str
    sales_count: int
    in_stock: bool
    sku_count: int


class SpecAxisOut(Schema):
    key: str
    label: str
    values: list[str]


class ProductOut(ProductCardOut):
    description: str
    specs: dict[str, str]
    images: list[str]
    spec_axes: list[SpecAxisOut]
    skus: list[SkuOut]


class FacetOut(Schema):
    value: str
    count: int


class FacetsOut(Schema):
    cpu: list[FacetOut]
    memory: list[FacetOut]
    storage: list[FacetOut]
    brand: list[FacetOut]


class ProductPageOut(Schema):
    items: list[ProductCardOut]
    total: int
    page: int
    page_size: int
    pages: int
    facets: FacetsOut | None = None


class SkuDetailOut(SkuOut):
    product_id: int
    product_title: str
    product_cover: str
    is_purchasable: bool


SpecValue = Annotated[str, Field(max_length=64)]


class ProductFilters(Schema):
    """Raw strings on purpose: `queries` validates them and answers invalid_filter with the reason. An
    empty value means "not given". Every parameter is a plain string or a list of strings in the schema
    (not "string or null"), so a client or fuzzer cannot send something the schema leaves ambiguous."""

    # Long keywords are cut to the first terms by `queries`, as the storefront search does.
    q: str = Field("", max_length=10_000, description="关键词，匹配名称、卖点、品牌、分类与规格")
    category: str = Field("", max_length=64, description="分类标识（包含子分类）")
    min_price: str = Field("", max_length=24, description="最低价（分）")
    max_price: str = Field("", max_length=24, description="最高价（分）")
    cpu: list[SpecValue] = Field(default_factory=list, max_length=20, description="处理器，可多选")
    memory: list[SpecValue] = Field(default_factory=list, max_length=20, description="内存，可多选")
    storage: list[SpecValue] = Field(default_factory=list, max_length=20, description="存储，可多选")
    brand: list[SpecValue] = Field(default_factory=list, max_length=20, description="品牌，可多选")
    sort: str = Field("default", max_length=16, description="default | price_asc | price_desc | sales | new")
    page: str = Field("", max_length=24, description="页码，从 1 开始")
    page_size: str = Field("", max_length=24, description="每页数量")
    facets: bool = Field(False, description="同时返回筛选项（按关键词、分类、价格范围统计）")


# --- serialisers --------------------------------------------------------------------------------------


def _money(fen: int) -> str:
    return f"¥{yuan(fen)}"


def sku_out(sku: SKU) -> dict:
    status, label = queries.stock_status(sku.stock)
    return {
        "id": sku.pk,
        "code": sku.code,
        "cpu": sku.cpu,
        "memory": sku.memory,
        "storage": sku.storage,
        "colour": sku.colour,
        "extra_specs": {str(k): str(v) for k, v in sku.extra_specs.items()},
        "spec_label": sku.spec_label,
        "price": sku.price,
        "price_display": _money(sku.price),
        "list_price": sku.list_price,
        "list_price_display": _money(sku.list_price) if sku.list_price else "",
        "stock": sku.stock,
        "stock_status": status,
        "stock_label": label,
        "is_active": sku.is_active,
    }


def _category_ref(category: Category) -> dict:
    return {"id": category.pk, "name": category.name, "slug": category.slug}


def product_card_out(product: Product) -> dict:
    """Needs `with_skus` (the prefetched `active_skus`, cheapest first)."""
    skus = product.active_skus
    cheapest = skus[0] if skus else None
    list_price = cheapest.list_price if cheapest else 0
    return {
        "id": product.pk,
        "title": product.title,
        "subtitle": product.subtitle,
        "brand": product.brand,
        "category": _category_ref(product.category),
        "cover": product.cover,
        "price": product.min_price,
        "price_display": _money(product.min_price),
        "list_price": list_price,
        "list_price_display": _money(list_price) if list_price else "",
        "sales_count": product.sales_count,
        "in_stock": any(s.stock > 0 for s in skus),
        "sku_count": len(skus),
    }


def product_out(product: Product) -> dict:
    return {
        **product_card_out(product),
        "description": product.description,
        "specs": {str(k): str(v) for k, v in product.specs.items()},
        "images": list(product.images),
        "spec_axes": [axis.__dict__ for axis in queries.spec_axes(product.active_skus)],
        "skus": [sku_out(s) for s in product.active_skus],
    }


def _facets_out(facets: dict[str, list[queries.FacetValue]]) -> dict:
    return {name: [{"value": f.value, "count": f.count} for f in values] for name, values in facets.items()}


def _category_out(node: queries.CategoryNode) -> dict:
    return {
        "id": node.id,
        "name": node.name,
        "slug": node.slug,
        "product_count": node.product_count,
        "children": [_category_out(child) for child in node.children],
    }


# --- endpoints ----------------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], summary="分类树")
def list_categories(request: HttpRequest):
    return [_category_out(node) for node in queries.category_tree()]


@router.get(
    "/products",
    response={200: ProductPageOut, **errors(400, 404)},
    summary="搜索与筛选商品",
    # Many long filters can exceed the web server's request-line limit: it answers 414 before the hub.
    openapi_extra={"responses": {"414": {"description": "URI Too Long（由 Web 服务器返回）"}}},
)
def list_products(request: HttpRequest, filters: Query[ProductFilters]):
    page = queries.search_products(
        q=filters.q,
        category=filters.category,
        min_price=filters.min_price,
        max_price=filters.max_price,
        cpu=filters.cpu,
        memory=filters.memory,
        storage=filters.storage,
        brand=filters.brand,
        sort=filters.sort,
        page=filters.page,
        page_size=filters.page_size,
    )
    body = {
        "items": [product_card_out(p) for p in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "pages": page.pages,
    }
    if filters.facets:
        # Chips are counted over the keyword/category/price scope, not over the chips already chosen,
        # so picking "32GB" does not make the other memory sizes vanish.
        scope = queries.filtered_products(
            q=filters.q, category=filters.category, min_price=filters.min_price, max_price=filters.max_price
        )
        body["facets"] = _facets_out(queries.facets(scope))
    return body


@router.get("/products/{product_id}", response={200: ProductOut, 404: ErrorOut}, summary="商品详情")
def get_product(request: HttpRequest, product_id: str):
    return product_out(queries.product_detail(product_id))


@router.get("/skus/{sku_id}", response={200: SkuDetailOut, 404: ErrorOut}, summary="规格详情")
def get_sku(request: HttpRequest, sku_id: str):
    sku = queries.sku_detail(sku_id)
    return {
        **sku_out(sku),
        "product_id": sku.product_id,
        "product_title": sku.product.title,
        "product_cover": sku.product.cover,
        "is_purchasable": sku.is_purchasable,
    }


@router.get(
    "/products/{product_id}/images/{index}.svg",
    url_name="catalog_product_image",
    response=errors(400, 404),
    summary="商品图片（SVG）",
    openapi_extra={
        "responses": {
            "200": {"description": "SVG", "content": {"image/svg+xml": {"schema": {"type": "string"}}}}
        }
    },
)
def product_image(request: HttpRequest, product_id: str, index: int):
    """Drawn from the product's data; served for delisted products too (the admin shows them)."""
    pk = queries.parse_id(product_id, CatalogError.PRODUCT_NOT_FOUND)
    product = Product.objects.select_related("category__parent").filter(pk=pk).first()
    if product is None or not 0 <= index < IMAGE_COUNT:
        raise DomainError(CatalogError.PRODUCT_NOT_FOUND)
    response = HttpResponse(product_svg(product, index), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    # Opened directly, an SVG is a document: forbid scripts and outside loads whatever it contains.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
