"""Products in and out as spreadsheets (CSV or XLSX), one row per SKU. Export is what import reads, so a
merchant can export, edit in Excel or WPS, and import back. Import is two steps: `plan` checks the
whole file and lists every bad row in Chinese (writing nothing); `apply` writes a clean plan in one
transaction. Products are matched by 商品标识 (slug), SKUs by SKU 编码; what the file does not name is
left as it is."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from openpyxl import Workbook, load_workbook

from wxmall.core.money import yuan

from . import stock
from .actions import audit_listing, audit_prices, refresh_product
from .editor import AXIS_COLUMNS, SkuRow, clean_row, refuse_duplicates
from .events import products_changed
from .images import image_urls
from .models import SKU, Category, Product

AXES = list(AXIS_COLUMNS)  # 处理器, 内存, 存储, 颜色
HEADERS = [
    "商品标识",
    "商品名称",
    "分类",
    "品牌",
    "卖点",
    "上架",
    "SKU 编码",
    *AXES,
    "售价（元）",
    "划线价（元）",
    "库存",
]
REQUIRED = {"商品标识", "商品名称", "分类", "SKU 编码", "售价（元）"}
YES, NO = {"是", "上架", "1", "true", "yes", "y"}, {"否", "下架", "0", "false", "no", "n"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ImportRefused(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors))


# -- export -----------------------------------------------------------------------------------------------
def _safe(value) -> object:
    """A cell a spreadsheet will not run as a formula (CSV/formula injection): text starting with = + - @
    gets a leading apostrophe, which Excel and WPS show as plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_rows(products) -> list[list]:
    columns = {axis: column for axis, column in AXIS_COLUMNS.items()}
    rows = []
    for product in products.select_related("category").prefetch_related("skus"):
        for sku in product.skus.all():
            rows.append(
                [
                    product.slug or "",
                    product.title,
                    product.category.slug,
                    product.brand,
                    product.subtitle,
                    "是" if product.is_listed else "否",
                    sku.code,
                    *[getattr(sku, columns[axis]) for axis in AXES],
                    yuan(sku.price),
                    yuan(sku.list_price) if sku.list_price else "",
                    sku.stock,
                ]
            )
    return rows


def export_csv(products) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows([[_safe(v) for v in row] for row in export_rows(products)])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def export_xlsx(products) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "商品"
    sheet.append(HEADERS)
    for row in export_rows(products):
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- import: read -----------------------------------------------------------------------------------------
def read_table(name: str, data: bytes) -> list[dict[str, str]]:
    """The file's rows as {header: text}. Refuses a file that is too large, of another type, unreadable,
    without the required columns, or with too many rows."""
    if len(data) > settings.CATALOG_IMPORT_MAX_BYTES:
        raise ImportRefused([f"文件不能超过 {settings.CATALOG_IMPORT_MAX_BYTES // (1024 * 1024)} MB"])
    lower = name.lower()
    if lower.endswith(".csv"):
        table = _read_csv(data)
    elif lower.endswith(".xlsx"):
        table = _read_xlsx(data)
    else:
        raise ImportRefused(["仅支持 .csv 或 .xlsx 文件"])
    if not table:
        raise ImportRefused(["文件是空的"])
    header = [str(h or "").strip() for h in table[0]]
    missing = [h for h in HEADERS if h in REQUIRED and h not in header]
    if missing:
        raise ImportRefused([f"缺少列：{'、'.join(missing)}（请使用导出的表格作为模板）"])
    body = [r for r in table[1:] if any(str(c or "").strip() for c in r)]
    if len(body) > settings.CATALOG_IMPORT_MAX_ROWS:
        raise ImportRefused([f"一次最多导入 {settings.CATALOG_IMPORT_MAX_ROWS} 行"])
    if not body:
        raise ImportRefused(["文件中没有数据行"])
    return [
        {h: "" if c is None else str(c).strip() for h, c in zip(header, row, strict=False) if h}
        for row in body
    ]


def _read_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK unless told otherwise
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused(["无法识别文件编码，请另存为 UTF-8 CSV 或 XLSX"])
    if "\x00" in text:
        raise ImportRefused(["文件不是文本格式的 CSV"])
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportRefused([f"CSV 格式有误：{exc}"]) from exc


def _read_xlsx(data: bytes) -> list[list]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > settings.CATALOG_IMPORT_MAX_ROWS + 1:
                break
        book.close()
        return rows
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise ImportRefused(["无法读取 XLSX 文件，请确认文件未损坏"]) from exc


# -- import: plan and apply ---------------------------------------------------------------------------------
@dataclass
class PlannedProduct:
    slug: str
    title: str
    category: Category
    brand: str
    subtitle: str
    is_listed: bool
    exists: bool
    rows: list[SkuRow] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


@dataclass
class Plan:
    products: list[PlannedProduct]

    @property
    def sku_total(self) -> int:
        return sum(len(p.rows) for p in self.products)


def plan(table: list[dict[str, str]]) -> Plan:
    """Check every row; refuse the whole file (ImportRefused, every problem listed) if any row is bad."""
    errors: list[str] = []
    keys = {value for row in table for value in (row.get("分类", ""),) if value}
    categories = {c.slug: c for c in Category.objects.filter(Q(slug__in=keys) | Q(name__in=keys))}
    categories |= {c.name: c for c in categories.values()}
    products: dict[str, PlannedProduct] = {}
    for line, row in enumerate(table, start=2):  # line 1 is the header
        prefix = f"第 {line} 行："
        slug, title = row.get("商品标识", ""), row.get("商品名称", "")
        if (
            not slug
            or len(slug) > 80
            or not slug.replace("-", "").replace("_", "").isalnum()
            or not slug.isascii()
        ):
            errors.append(f"{prefix}商品标识须为字母、数字、- 或 _（最多 80 个）")
            continue
        if not title or len(title) > 120:
            errors.append(f"{prefix}商品名称不能为空，且最多 120 字")
            continue
        category = categories.get(row.get("分类", ""))
        if category is None:
            errors.append(f"{prefix}分类“{row.get('分类', '')}”不存在")
            continue
        listed_text = row.get("上架", "是").lower() or "是"
        if listed_text not in YES | NO:
            errors.append(f"{prefix}上架应填“是”或“否”")
            continue
        sku = clean_row(
            {
                "specs": {axis: row.get(axis, "") for axis in AXES},
                "code": row.get("SKU 编码", ""),
                "price": row.get("售价（元）", ""),
                "list_price": row.get("划线价（元）", ""),
                "stock": row.get("库存", ""),
            },
            prefix,
            errors,
        )
        if sku is None:
            continue
        planned = products.get(slug)
        if planned is None:
            planned = products[slug] = PlannedProduct(
                slug=slug,
                title=title,
                category=category,
                brand=row.get("品牌", "")[:64],
                subtitle=row.get("卖点", "")[:200],
                is_listed=listed_text in YES,
                exists=False,
            )
        planned.rows.append(sku)
        planned.lines.append(line)
    for planned in products.values():
        refuse_duplicates(planned.rows, errors, label=lambda n, p=planned: f"第 {p.lines[n - 1]} 行")
    codes = {row.code: p.slug for p in products.values() for row in p.rows}
    products_per_code = Counter(code for p in products.values() for code in {row.code for row in p.rows})
    errors += [f"SKU 编码 {code} 出现在多个商品中" for code, n in products_per_code.items() if n > 1]
    for sku in SKU.objects.filter(code__in=codes).select_related("product"):
        if sku.product.slug != codes[sku.code]:
            owner = f"商品“{sku.product.title}”（{sku.product.slug or '无标识'}）"
            errors.append(f"SKU 编码 {sku.code} 已属于{owner}，不能用于 {codes[sku.code]}")
    if errors:
        raise ImportRefused(list(dict.fromkeys(errors)))
    existing = set(Product.objects.filter(slug__in=list(products)).values_list("slug", flat=True))
    for planned in products.values():
        planned.exists = planned.slug in existing
    return Plan(list(products.values()))


def apply(import_plan: Plan, actor=None) -> list[int]:
    """Write a checked plan in one transaction; returns the product ids written. Stock is set to the
    file's number by a `stock.adjust` of the difference, under the SKU's row lock."""
    written = []
    with transaction.atomic():
        for planned in import_plan.products:
            was_listed = (
                Product.objects.select_for_update()
                .filter(slug=planned.slug)
                .values_list("is_listed", flat=True)
                .first()
            )
            product, _ = Product.objects.update_or_create(
                slug=planned.slug,
                defaults={
                    "title": planned.title,
                    "category": planned.category,
                    "brand": planned.brand,
                    "subtitle": planned.subtitle,
                    "is_listed": planned.is_listed,
                },
            )
            price_changes = []
            for row in planned.rows:
                sku = SKU.objects.select_for_update().filter(code=row.code).first()
                if sku is None:
                    sku = SKU(product=product, code=row.code, stock=0)
                elif sku.price != row.price:
                    price_changes.append((sku.code, sku.price, row.price))
                for column in ("cpu", "memory", "storage", "colour"):
                    setattr(sku, column, row.columns.get(column, ""))
                sku.price, sku.list_price = row.price, row.list_price
                sku.save()
                if row.stock != sku.stock:
                    stock.adjust(sku.pk, row.stock - sku.stock)
            audit_prices(actor, (product.pk, product.title), price_changes)
            if was_listed is not None and was_listed != product.is_listed:
                audit_listing(actor, (product.pk, product.title), product.is_listed)
            if not product.images:  # the drawn pictures until real ones are uploaded
                Product.objects.filter(pk=product.pk).update(images=image_urls(product.pk))
            refresh_product(product.pk)
            written.append(product.pk)
        products_changed.send(sender=Product, product_ids=written)
    return written
