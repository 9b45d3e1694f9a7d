"""Read side of the catalogue, shared by the storefront pages and the JSON API.

Every function takes raw values as they arrive from a query string (strings, or None) as well as
typed ones, and turns bad input into `DomainError(CatalogError.INVALID_FILTER)` instead of letting it
reach the database. Lists load their SKUs with one prefetch, never one query per product."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from wxmall.core.errors import DomainError

from .errors import CatalogError
from .models import SKU, Category, Product

MAX_QUERY_LENGTH = 64  # a longer keyword is cut: nothing that long is in a product title
MAX_TERMS = 6  # whitespace-separated keywords, all of which must match
MAX_FILTER_VALUES = 20  # values of one multi-choice filter (cpu=a,b,...)
MAX_FEN = 2**31 - 1  # the range of a price column on every database backend
MAX_PAGE = 10_000

SORTS: dict[str, tuple[str, ...]] = {
    # Every ordering ends on a unique column, so pages never repeat or skip a product.
    "default": ("sort_order", "-id"),
    "price_asc": ("min_price", "-id"),
    "price_desc": ("-min_price", "-id"),
    "sales": ("-sales_count", "-id"),
    "new": ("-created_at", "-id"),
}

SPEC_FIELDS = ("cpu", "memory", "storage")  # the SKU columns customers filter by
SPEC_LABELS = {"cpu": "处理器", "memory": "内存", "storage": "存储", "colour": "颜色"}

STOCK_IN = "in_stock"
STOCK_LOW = "low"
STOCK_SOLD_OUT = "sold_out"


# --- results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Product]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.page_size)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int  # products (not SKUs) in the result set that have this value


@dataclass
class CategoryNode:
    id: int
    name: str
    slug: str
    product_count: int = 0  # listed products here and in every subcategory
    children: list[CategoryNode] = field(default_factory=list)


@dataclass(frozen=True)
class SpecAxis:
    key: str  # "cpu", "memory", "storage", "colour" or an extra_specs key
    label: str
    values: list[str]


# --- input cleaning -----------------------------------------------------------------------------------


def _invalid(message: str, **details: Any) -> DomainError:
    return DomainError(CatalogError.INVALID_FILTER, message, **details)


def clean_text(value: Any, max_length: int = MAX_QUERY_LENGTH) -> str:
    """A user-typed string made safe to compare: no control characters (PostgreSQL refuses NUL),
    no lone surrogates (not encodable), whitespace collapsed, length capped. Emoji and markup stay:
    they are only ever compared, and escaped wherever they are shown."""
    if value is None:
        return ""
    text = str(value).encode("utf-8", "ignore").decode("utf-8")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())[:max_length].strip()


def parse_int(value: Any, name: str, label: str, minimum: int, maximum: int) -> int | None:
    """An optional integer filter: None or "" means absent; anything else must be a whole number in
    [minimum, maximum] (floats, "1e3", "12元" and booleans are refused rather than guessed at)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _invalid(f"{label}必须是整数", field=name)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,19}\s*", value):
        number = int(value)
    else:
        raise _invalid(f"{label}必须是整数", field=name)
    if not minimum <= number <= maximum:
        raise _invalid(f"{label}必须在 {minimum} 到 {maximum} 之间", field=name)
    return number


def parse_choices(value: Any) -> list[str]:
    """A multi-choice filter given as a list, or as one comma-separated string (也接受中文逗号)."""
    if value is None:
        return []
    raw = [value] if isinstance(value, str) else list(value)
    values: list[str] = []
    for item in raw:
        for part in re.split(r"[,，]", str(item)):
            cleaned = clean_text(part)
            if cleaned and cleaned not in values:
                values.append(cleaned)
    if len(values) > MAX_FILTER_VALUES:
        raise _invalid(f"同一筛选项最多选择 {MAX_FILTER_VALUES} 个值")
    return values


def parse_id(value: Any, error: CatalogError) -> int:
    """An object id from a URL or a form; anything that is not one is simply not found."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise DomainError(error) from None
    if isinstance(value, bool) or not 0 < number <= 2**63 - 1:
        raise DomainError(error)
    return number


# --- products -----------------------------------------------------------------------------------------


def _active_skus_prefetch() -> Prefetch:
    return Prefetch(
        "skus", queryset=SKU.objects.filter(is_active=True).order_by("price", "id"), to_attr="active_skus"
    )


def listed_products() -> QuerySet[Product]:
    """Products a customer can see: listed, with at least one active SKU (sold-out ones included).
    A category's `is_active` only hides it from navigation; delisting is what hides a product."""
    has_active_sku = Exists(SKU.objects.filter(product=OuterRef("pk"), is_active=True))
    return Product.objects.filter(has_active_sku, is_listed=True)


def with_skus(products: QuerySet[Product]) -> QuerySet[Product]:
    """Attach the category and `active_skus` (cheapest first) in two queries for the whole list."""
    return products.select_related("category").prefetch_related(_active_skus_prefetch())


def product_detail(product_id: Any) -> Product:
    """A listed product with its category and `active_skus`. Unknown or delisted: product_not_found."""
    pk = parse_id(product_id, CatalogError.PRODUCT_NOT_FOUND)
    product = with_skus(listed_products().filter(pk=pk)).first()
    if product is None:
        raise DomainError(CatalogError.PRODUCT_NOT_FOUND)
    return product


def get_category(slug: Any) -> Category:
    category = Category.objects.filter(slug=clean_text(slug), is_active=True).first()
    if category is None:
        raise DomainError(CatalogError.CATEGORY_NOT_FOUND)
    return category


def _category_children() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    return children


def _with_descendants(roots: Iterable[int], children: dict[int | None, list[int]]) -> list[int]:
    found: list[int] = []
    todo = list(roots)
    while todo:
        pk = todo.pop()
        if pk not in found:  # a hand-made cycle must not loop forever
            found.append(pk)
            todo.extend(children.get(pk, []))
    return found


def category_and_descendant_ids(category: Category) -> list[int]:
    """The category and every category below it, at any depth. One query: the table is small."""
    return _with_descendants([category.pk], _category_children())


def _keyword_filter(term: str, children: dict[int | None, list[int]]) -> Q:
    """One keyword matches the product's own text and spec values, its category or any category above
    it ("笔记本" finds the 游戏本 too), or any active SKU's specs. Substring matching: Chinese has no word
    boundaries, and LIKE wildcards in the term are escaped by the ORM."""
    sku_match = SKU.objects.filter(product=OuterRef("pk"), is_active=True).filter(
        Q(cpu__icontains=term)
        | Q(memory__icontains=term)
        | Q(storage__icontains=term)
        | Q(colour__icontains=term)
        | Q(code__iexact=term)
    )
    named = Category.objects.filter(name__icontains=term).values_list("pk", flat=True)
    return (
        Q(title__icontains=term)
        | Q(subtitle__icontains=term)
        | Q(brand__icontains=term)
        | Q(search_text__icontains=term)
        | Q(category_id__in=_with_descendants(named, children))
        | Exists(sku_match)
    )


def filtered_products(
    *,
    q: Any = None,
    category: Any = None,
    min_price: Any = None,
    max_price: Any = None,
    cpu: Any = None,
    memory: Any = None,
    storage: Any = None,
    brand: Any = None,
) -> QuerySet[Product]:
    """Listed products matching every given filter (unordered, unpaginated).

    Spec filters (cpu, memory, storage) must hold for one and the same active SKU: "i7 + 32GB" means
    a variant that has both, not a product with an i7 variant and another 32GB one. Several values of
    one filter mean any of them. Prices compare with the product's lowest active SKU price."""
    products = listed_products()
    terms = clean_text(q).split()[:MAX_TERMS]
    children = _category_children() if terms else {}
    for term in terms:
        products = products.filter(_keyword_filter(term, children))

    if category not in (None, ""):
        products = products.filter(category_id__in=category_and_descendant_ids(get_category(category)))

    low = parse_int(min_price, "min_price", "最低价", 0, MAX_FEN)
    high = parse_int(max_price, "max_price", "最高价", 0, MAX_FEN)
    if low is not None and high is not None and low > high:
        raise _invalid("最低价不能高于最高价", field="min_price")
    if low is not None:
        products = products.filter(min_price__gte=low)
    if high is not None:
        products = products.filter(min_price__lte=high)

    spec_filter = Q()
    for name, value in (("cpu", cpu), ("memory", memory), ("storage", storage)):
        choices = parse_choices(value)
        if choices:
            spec_filter &= Q(**{f"{name}__in": choices})
    if spec_filter:
        products = products.filter(
            Exists(SKU.objects.filter(spec_filter, product=OuterRef("pk"), is_active=True))
        )

    brands = parse_choices(brand)
    if brands:
        products = products.filter(brand__in=brands)
    return products


def search_products(
    *,
    q: Any = None,
    category: Any = None,
    min_price: Any = None,
    max_price: Any = None,
    cpu: Any = None,
    memory: Any = None,
    storage: Any = None,
    brand: Any = None,
    sort: Any = "default",
    page: Any = 1,
    page_size: Any = 20,
) -> Page:
    """One page of `filtered_products`, sorted. A page past the end is empty, not an error, so an
    infinite-scroll client simply stops."""
    order = SORTS.get(clean_text(sort) or "default")
    if order is None:
        raise _invalid("不支持的排序方式", field="sort", allowed=list(SORTS))
    page_number = parse_int(page, "page", "页码", 1, MAX_PAGE) or 1
    size = parse_int(page_size, "page_size", "每页数量", 1, settings.CATALOG_MAX_PAGE_SIZE) or 20

    products = filtered_products(
        q=q,
        category=category,
        min_price=min_price,
        max_price=max_price,
        cpu=cpu,
        memory=memory,
        storage=storage,
        brand=brand,
    )
    total = products.count()
    offset = (page_number - 1) * size
    items = list(with_skus(products.order_by(*order))[offset : offset + size]) if offset < total else []
    return Page(items=items, total=total, page=page_number, page_size=size)


def bestsellers(limit: int = 8, *, exclude_id: int | None = None) -> list[Product]:
    products = listed_products().order_by(*SORTS["sales"])
    if exclude_id is not None:
        products = products.exclude(pk=exclude_id)
    return list(with_skus(products)[:limit])


# --- facets -------------------------------------------------------------------------------------------

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(TB|GB|MB)", re.IGNORECASE)
_UNIT = {"MB": 1, "GB": 1024, "TB": 1024 * 1024}


def _natural_size_key(value: str) -> tuple:
    """Order sizes naturally: "8GB" < "16GB" < "512GB" < "1TB"; values without a size keep their place after them."""
    match = _SIZE.search(value)
    if not match:
        return (1, 0.0, value)
    return (0, float(match.group(1)) * _UNIT[match.group(2).upper()], value)


def facets(products: QuerySet[Product]) -> dict[str, list[FacetValue]]:
    """Distinct cpu / memory / storage / brand values in `products`, each with how many of those
    products offer it, for filter chips. Four grouped queries whatever the size of the set."""
    ids = products.order_by().values("pk")
    skus = SKU.objects.filter(is_active=True, product__in=ids).order_by()
    result: dict[str, list[FacetValue]] = {}
    for name in SPEC_FIELDS:
        rows = (
            skus.exclude(**{name: ""})
            .values_list(name)
            .annotate(n=Count("product", distinct=True))
            .values_list(name, "n")
        )
        values = [FacetValue(value, n) for value, n in rows]
        if name == "cpu":
            values.sort(key=lambda f: (-f.count, f.value))
        else:
            values.sort(key=lambda f: _natural_size_key(f.value))
        result[name] = values
    brand_rows = (
        Product.objects.filter(pk__in=ids)
        .exclude(brand="")
        .order_by()
        .values_list("brand")
        .annotate(n=Count("pk"))
        .values_list("brand", "n")
    )
    result["brand"] = sorted((FacetValue(b, n) for b, n in brand_rows), key=lambda f: (-f.count, f.value))
    return result


# --- categories ---------------------------------------------------------------------------------------


def category_tree() -> list[CategoryNode]:
    """Active categories as a tree (roots first, by sort order), each with the number of listed
    products in it and below it. Two queries. A child of an inactive category is hidden with it."""
    categories = list(Category.objects.filter(is_active=True).order_by("sort_order", "id"))
    own_counts = dict(
        listed_products()
        .order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    nodes = {c.pk: CategoryNode(id=c.pk, name=c.name, slug=c.slug) for c in categories}
    roots: list[CategoryNode] = []
    for c in categories:
        if c.parent_id is None:
            roots.append(nodes[c.pk])
        elif c.parent_id in nodes:
            nodes[c.parent_id].children.append(nodes[c.pk])

    def count(node: CategoryNode) -> int:
        # Only nodes reachable from a root are visited, so a hand-made parent cycle cannot recurse.
        node.product_count = own_counts.get(node.id, 0) + sum(count(child) for child in node.children)
        return node.product_count

    for root in roots:
        count(root)
    return roots


def category_path(category: Category) -> list[Category]:
    """Breadcrumbs: root first, the category itself last."""
    path, seen = [category], {category.pk}
    while path[0].parent_id and path[0].parent_id not in seen:
        parent = Category.objects.get(pk=path[0].parent_id)
        seen.add(parent.pk)
        path.insert(0, parent)
    return path


# --- SKUs ---------------------------------------------------------------------------------------------


def stock_status(stock: int) -> tuple[str, str]:
    """(status, Chinese label): customers see a band, not a warehouse count."""
    if stock <= 0:
        return STOCK_SOLD_OUT, "已售罄"
    if stock <= settings.CATALOG_LOW_STOCK_THRESHOLD:
        return STOCK_LOW, f"仅剩 {stock} 件"
    return STOCK_IN, "有货"


def sku_detail(sku_id: Any) -> SKU:
    """A SKU of a listed product, active or not (a cart must be able to say "已停售")."""
    pk = parse_id(sku_id, CatalogError.SKU_NOT_FOUND)
    sku = SKU.objects.select_related("product__category").filter(pk=pk, product__is_listed=True).first()
    if sku is None:
        raise DomainError(CatalogError.SKU_NOT_FOUND)
    return sku


def purchasable_sku(sku_id: Any, quantity: int = 1) -> SKU:
    """The SKU if it can be bought now in that quantity, else the reason as a DomainError.
    Advisory only: the binding check is `stock.take`, inside the order's transaction."""
    sku = sku_detail(sku_id)
    if not sku.is_active:
        raise DomainError(CatalogError.SKU_UNAVAILABLE)
    if sku.stock < quantity:
        raise DomainError(CatalogError.OUT_OF_STOCK, available=sku.stock)
    return sku


def spec_axes(skus: Iterable[SKU]) -> list[SpecAxis]:
    """The dimensions the given SKUs differ or are described in, for a variant picker: the spec
    columns first, then extra_specs keys in first-seen order; values in first-seen order."""
    skus = list(skus)
    axes: list[SpecAxis] = []
    for key in ("cpu", "memory", "storage", "colour"):
        values = list(dict.fromkeys(v for v in (getattr(s, key) for s in skus) if v))
        if values:
            axes.append(SpecAxis(key, SPEC_LABELS[key], values))
    extra_keys = list(dict.fromkeys(k for s in skus for k in s.extra_specs))
    for key in extra_keys:
        values = list(dict.fromkeys(str(s.extra_specs[key]) for s in skus if s.extra_specs.get(key)))
        if values:
            axes.append(SpecAxis(str(key), str(key), values))
    return axes


def staff_products(term: str = "", category_id: int | None = None, listed: str = "") -> QuerySet[Product]:
    """The console's product list: every product (listed or not), newest first, with SKU figures.
    `term` matches the title, brand, slug or a SKU code; `listed` is "yes", "no" or "" (all)."""
    products = Product.objects.select_related("category").order_by("-id")
    if term:
        products = products.filter(
            Q(title__icontains=term)
            | Q(brand__icontains=term)
            | Q(slug__icontains=term)
            | Q(skus__code__icontains=term)
        ).distinct()
    if category_id:
        products = products.filter(category_id__in=category_and_descendant_ids(Category(pk=category_id)))
    if listed in ("yes", "no"):
        products = products.filter(is_listed=listed == "yes")
    return products.annotate(
        sku_total=Count("skus", distinct=True),
        stock_total=Sum("skus__stock", filter=Q(skus__is_active=True)),
    )
