"""What the product editor and the importer submit, checked before anything is written: the spec sheet,
the spec matrix's SKU rows (one per combination of axis values, none twice), prices typed in yuan and
stock counts. Pure functions: they return clean values or raise `EditorErrors` listing every problem in
Chinese, row by row, so a person fixes them all at once."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from django import forms

from wxmall.core.money_forms import YuanField

# Axes stored in their own SKU columns (customers filter by them); any other axis goes to extra_specs.
AXIS_COLUMNS = {"处理器": "cpu", "内存": "memory", "存储": "storage", "颜色": "colour"}
COLUMN_LIMITS = {"cpu": 64, "memory": 32, "storage": 32, "colour": 32}
MAX_SKUS = 200
MAX_AXES = 6
MAX_STOCK = 1_000_000
MAX_SPEC_LINES = 40


class EditorErrors(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors))


@dataclass
class SkuRow:
    specs: dict[str, str]
    code: str
    price: int
    list_price: int = 0
    stock: int = 0
    stock_shown: int | None = None  # what the editor displayed, so a save moves stock by the difference
    is_active: bool = True
    id: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    extra_specs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for axis, value in self.specs.items():
            if axis in AXIS_COLUMNS:
                self.columns[AXIS_COLUMNS[axis]] = value
            else:
                self.extra_specs[axis] = value

    @property
    def combination(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((k, v) for k, v in self.specs.items() if v))

    @property
    def label(self) -> str:
        return " / ".join(v for v in self.specs.values() if v) or "（无规格）"


def combinations(axes: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """Every combination of the axes' values: [("内存", ["16GB", "32GB"]), ("颜色", ["银"])] ->
    [{"内存": "16GB", "颜色": "银"}, {"内存": "32GB", "颜色": "银"}]."""
    names = [name for name, _ in axes]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(v for _, v in axes))]


def parse_spec_sheet(text: str) -> dict[str, str]:
    """The spec sheet typed one "名称：值" per line (full- or half-width colon) -> an ordered dict."""
    sheet: dict[str, str] = {}
    errors = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_SPEC_LINES:
        raise EditorErrors([f"规格参数最多 {MAX_SPEC_LINES} 行"])
    for number, line in enumerate(lines, 1):
        name, sep, value = line.replace("：", ":").partition(":")
        if not sep or not name.strip() or not value.strip():
            errors.append(f"规格参数第 {number} 行应写成“名称：值”")
        elif len(name.strip()) > 20 or len(value.strip()) > 100:
            errors.append(f"规格参数第 {number} 行过长（名称最多 20 字，值最多 100 字）")
        elif name.strip() in sheet:
            errors.append(f"规格参数“{name.strip()}”重复")
        else:
            sheet[name.strip()] = value.strip()
    if errors:
        raise EditorErrors(errors)
    return sheet


def spec_sheet_text(specs: dict) -> str:
    return "\n".join(f"{k}：{v}" for k, v in (specs or {}).items())


def _stock(value, what: str, errors: list[str], prefix: str) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return 0
    if not text.isdigit():
        errors.append(f"{prefix}{what}应为 0 或正整数")
        return None
    if int(text) > MAX_STOCK:
        errors.append(f"{prefix}{what}不能超过 {MAX_STOCK}")
        return None
    return int(text)


def _money(value, what: str, errors: list[str], prefix: str, *, min_fen: int, required: bool) -> int | None:
    # Always text as a person typed it: a JSON number is yuan too, never taken as fen.
    text = "" if value is None else str(value)
    try:
        fen = YuanField(min_fen=min_fen, required=required).clean(text)
    except forms.ValidationError as error:
        errors.append(f"{prefix}{what}：{'；'.join(error.messages)}")
        return None
    return 0 if fen is None else fen


def clean_row(raw: dict, prefix: str, errors: list[str]) -> SkuRow | None:
    """One SKU row as typed (strings) -> SkuRow, or None with its problems appended to `errors`."""
    before = len(errors)
    specs = {}
    raw_specs = raw.get("specs") or {}
    if not isinstance(raw_specs, dict):
        errors.append(f"{prefix}规格格式不正确")
        raw_specs = {}
    for axis, value in raw_specs.items():
        axis, value = str(axis).strip(), str(value).strip()
        if not axis or not value:
            continue
        column = AXIS_COLUMNS.get(axis)
        if len(axis) > 20 or len(value) > COLUMN_LIMITS.get(column, 64):
            errors.append(f"{prefix}规格“{axis}”过长")
        specs[axis] = value
    code = str(raw.get("code") or "").strip()
    if not code:
        errors.append(f"{prefix}请填写 SKU 编码")
    elif len(code) > 64 or not code.isprintable() or " " in code:
        errors.append(f"{prefix}SKU 编码最多 64 个字符，且不能含空格")
    price = _money(raw.get("price"), "售价", errors, prefix, min_fen=1, required=True)
    list_price = _money(raw.get("list_price"), "划线价", errors, prefix, min_fen=0, required=False)
    stock = _stock(raw.get("stock"), "库存", errors, prefix)
    shown = raw.get("stock_shown")
    stock_shown = None if shown in (None, "") else _stock(shown, "原库存", errors, prefix)
    row_id = raw.get("id")
    if row_id not in (None, "") and not (str(row_id).isdigit() and len(str(row_id)) <= 18):
        errors.append(f"{prefix}SKU 编号无效")
    if len(errors) > before:
        return None
    return SkuRow(
        specs=specs,
        code=code,
        price=price,
        list_price=list_price,
        stock=stock,
        stock_shown=stock_shown,
        is_active=raw.get("is_active", True) not in (False, "false", "0", "否", ""),
        id=int(row_id) if row_id not in (None, "") else None,
    )


def refuse_duplicates(rows: list[SkuRow], errors: list[str], label=lambda n: f"第 {n} 个 SKU") -> None:
    """Two rows with the same combination of spec values, or the same code, are refused by name."""
    seen_combos: dict[tuple, int] = {}
    seen_codes: dict[str, int] = {}
    for number, row in enumerate(rows, 1):
        if row.combination in seen_combos:
            errors.append(
                f"{label(number)}与{label(seen_combos[row.combination])}的规格组合重复：{row.label}"
            )
        else:
            seen_combos[row.combination] = number
        if row.code in seen_codes:
            errors.append(f"{label(number)}与{label(seen_codes[row.code])}的 SKU 编码重复：{row.code}")
        else:
            seen_codes[row.code] = number


def clean_matrix(payload: str) -> list[SkuRow]:
    """The spec-matrix editor's JSON (a list of rows) -> SKU rows; every problem listed at once."""
    try:
        raw_rows = json.loads(payload or "[]")
    except ValueError:
        raise EditorErrors(["规格表格式不正确，请刷新页面后重试"]) from None
    if not isinstance(raw_rows, list) or not all(isinstance(r, dict) for r in raw_rows):
        raise EditorErrors(["规格表格式不正确，请刷新页面后重试"])
    if not raw_rows:
        raise EditorErrors(["请至少添加一个 SKU"])
    if len(raw_rows) > MAX_SKUS:
        raise EditorErrors([f"一个商品最多 {MAX_SKUS} 个 SKU"])
    errors: list[str] = []
    rows = [clean_row(raw, f"第 {n} 个 SKU：", errors) for n, raw in enumerate(raw_rows, 1)]
    axes = {axis for row in rows if row for axis in row.specs}
    if len(axes) > MAX_AXES:
        errors.append(f"规格维度最多 {MAX_AXES} 个")
    if not errors:
        refuse_duplicates(rows, errors)
    if errors:
        raise EditorErrors(errors)
    return rows


def matrix_rows(skus) -> list[dict]:
    """Existing SKUs as the editor's rows (prices in yuan strings as a person would type them)."""
    from wxmall.core.money import yuan

    columns = {column: axis for axis, column in AXIS_COLUMNS.items()}
    rows = []
    for sku in skus:
        specs = {columns[c]: getattr(sku, c) for c in columns if getattr(sku, c)}
        specs.update({str(k): str(v) for k, v in (sku.extra_specs or {}).items()})
        rows.append(
            {
                "id": sku.pk,
                "specs": specs,
                "code": sku.code,
                "price": yuan(sku.price),
                "list_price": yuan(sku.list_price) if sku.list_price else "",
                "stock": sku.stock,
                "stock_shown": sku.stock,
                "is_active": sku.is_active,
            }
        )
    return rows
