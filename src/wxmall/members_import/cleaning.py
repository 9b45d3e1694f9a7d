"""One mapped row → what to import, or the reason it is refused. Pure functions: no database."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from wxmall.accounts import phones

# Target fields the merchant maps columns onto (Chinese labels for the console, header guesses).
FIELDS = {
    "name": ("姓名/昵称", ("姓名", "昵称", "name", "nickname", "会员名")),
    "phone": ("手机号", ("手机", "手机号", "电话", "phone", "mobile", "tel")),
    "email": ("邮箱", ("邮箱", "email", "e-mail", "电子邮件")),
    "unionid": ("微信 UnionID", ("unionid", "union_id")),
    "points": ("积分", ("积分", "points", "point")),
    "tags": ("标签（逗号或竖线分隔）", ("标签", "tags", "tag")),
    "order_count": ("历史订单数", ("订单数", "历史订单数", "orders", "order_count")),
    "order_total": ("历史消费金额（元）", ("消费金额", "累计消费", "total", "order_total", "spent")),
    "last_order_at": ("最近下单日期", ("最近下单", "最后下单", "last_order", "last_order_at")),
    "addr_recipient": ("收货人", ("收货人", "recipient", "consignee")),
    "addr_phone": ("收货手机号", ("收货手机", "收货电话", "recipient_phone")),
    "addr_province": ("省份", ("省份", "省", "province")),
    "addr_city": ("城市", ("城市", "市", "city")),
    "addr_district": ("区县", ("区县", "区", "district")),
    "addr_detail": ("详细地址", ("详细地址", "地址", "address", "detail")),
}
ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")
ADDRESS_LIMITS = {"recipient": 32, "phone": 11, "province": 32, "city": 32, "district": 32, "detail": 200}
KEY_FIELDS = ("phone", "email", "unionid")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(\.[A-Za-z0-9\-]{1,63})+")
UNIONID = re.compile(r"[A-Za-z0-9_\-]{16,64}")
TAG_SPLIT = re.compile(r"[,，|;；]")
MAX_POINTS = 10_000_000
MAX_TOTAL_FEN = 10**12
CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(slots=True)
class Clean:
    name: str = ""
    phone: str = ""  # normal form
    email: str = ""  # lower case
    unionid: str = ""
    points: int = 0
    tags: list[str] = field(default_factory=list)
    order_count: int = 0
    order_total: int = 0  # fen
    last_order_at: date | None = None
    address: tuple[str, ...] | None = None  # ADDRESS_FIELDS, validated


def guess_mapping(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        text = header.strip().lower()
        for name, (_, guesses) in FIELDS.items():
            if name not in found and any(g.lower() == text or g.lower() in text for g in guesses):
                found[name] = index
                break
    return found


def _yuan_to_fen(text: str) -> int | None:
    try:
        amount = Decimal(text.replace(",", "").replace("¥", "").replace("￥", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    fen = int((amount * 100).to_integral_value())
    return fen if fen <= MAX_TOTAL_FEN else None


def _count(text: str, most: int) -> int | None:
    text = text.replace(",", "")
    if not text:
        return 0
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() and int(text) <= most else None


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str) -> date | None | str:
    if not text:
        return None
    if ISO_DATE.fullmatch(text):  # the common spelling: fromisoformat is ~20x cheaper than strptime
        try:
            return date.fromisoformat(text)
        except ValueError:
            return "bad"
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return "bad"


def clean(values: list[str], mapping: dict[str, int]) -> Clean | str:
    """The importable form of one row, or the reason (Chinese) it is refused."""
    return Cleaner(mapping)(values)


class Cleaner:
    """`clean` for one column mapping, with the mapping resolved once: a job's million rows then each cost
    one C-level pick of their cells instead of a dict lookup and bounds check per field."""

    _ORDER = (
        "name",
        "phone",
        "email",
        "unionid",
        "points",
        "order_count",
        "order_total",
        "last_order_at",
        "tags",
        *(f"addr_{name}" for name in ADDRESS_FIELDS),
    )

    def __init__(self, mapping: dict[str, int]):
        indices = [mapping.get(name) for name in self._ORDER]
        self.width = 1 + max((i for i in indices if i is not None), default=-1)
        # An unmapped field reads the blank slot just past the mapped columns.
        self._pick = operator.itemgetter(*(self.width if i is None else i for i in indices))
        self._blank = [""] * (self.width + 1)
        self._has_address = any(f"addr_{name}" in mapping for name in ADDRESS_FIELDS)

    def __call__(self, values: list[str]) -> Clean | str:
        cells = values[: self.width]
        cells += self._blank[len(cells) :]
        (name, raw_phone, email, unionid, points, count, total_text, last, tag_text, *address) = map(
            str.strip, self._pick(cells)
        )
        if CONTROL.search(name):
            return "姓名含控制字符"
        phone = ""
        if raw_phone:
            phone = phones.normalize(raw_phone)
            if phone is None:
                return "手机号格式不正确"
        if email:
            email = email.lower()
            if not EMAIL.fullmatch(email) or len(email) > 254:
                return "邮箱格式不正确"
        if unionid and not UNIONID.fullmatch(unionid):
            return "UnionID 格式不正确"
        if not (phone or email or unionid):
            return "缺少手机号、邮箱或 UnionID"
        points = _count(points, MAX_POINTS)
        if points is None:
            return "积分不是 0 到 10000000 的整数"
        count = _count(count, 1_000_000)
        if count is None:
            return "历史订单数不正确"
        total = _yuan_to_fen(total_text) if total_text else 0
        if total is None:
            return "历史消费金额不正确"
        last = _date(last)
        if last == "bad":
            return "最近下单日期格式不正确"
        tags = []
        if tag_text:
            for tag in TAG_SPLIT.split(tag_text):
                tag = tag.strip()
                if tag and not CONTROL.search(tag) and tag not in tags:
                    tags.append(tag[:32])
        place = None
        if self._has_address:
            place = _address(dict(zip(ADDRESS_FIELDS, address, strict=True)))
            if isinstance(place, str):
                return place
        return Clean(name[:64], phone, email, unionid, points, tags[:20], count, total, last, place)


def _address(parts: dict[str, str]) -> tuple[str, ...] | None | str:
    """A shipping address when any of its columns has a value: all of recipient, a mobile number,
    province, city and detail are then required (district is optional)."""
    if not any(parts.values()):
        return None
    if any(CONTROL.search(value) for value in parts.values()):
        return "地址含控制字符"
    missing = [
        label
        for name, label in (
            ("recipient", "收货人"),
            ("province", "省份"),
            ("city", "城市"),
            ("detail", "详细地址"),
        )
        if not parts[name]
    ]
    if missing:
        return f"地址缺少{'、'.join(missing)}"
    phone = phones.normalize(parts["phone"]) if parts["phone"] else None
    if phone is None:
        return "收货手机号格式不正确"
    parts["phone"] = phone
    too_long = [name for name, most in ADDRESS_LIMITS.items() if len(parts[name]) > most]
    if too_long:
        return "地址字段过长"
    return tuple(parts[name] for name in ADDRESS_FIELDS)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: str) -> str:
    """A cell for a spreadsheet export that Excel/WPS will not run as a formula (OWASP CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
