"""Invoice lines, tax and totals in integer fen (reference wechat-invoice-fission.md §2.6).

Retail prices include VAT, so each line is split price-inclusive and rounded half up to the fen:
`amount = round(total / (1 + rate))`, `tax = total − amount`. The header sums the lines (合计金额 = Σ amount,
合计税额 = Σ tax, 价税合计 = both); tax is never recomputed on the total. Rates are in 1/10000 (1300 = 13 %),
as WeChat Pay writes them.

What an invoice covers is what the customer paid and kept: the order total (after coupons and points,
with shipping) minus its successful refunds. That amount is spread over the goods lines in proportion to
their line totals (largest remainder, so the lines add up to it exactly); discounts and a partial refund
therefore lower every line a little instead of inventing a negative line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.conf import settings

RATE_BASE = 10000


@dataclass(frozen=True)
class Line:
    name: str
    unit: str
    quantity: int
    total: int  # 价税合计 of the line, fen
    amount: int  # 金额 (without tax)
    tax: int
    tax_rate: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Totals:
    amount: int
    tax: int
    total: int


def split_inclusive(total: int, rate: int) -> tuple[int, int]:
    """(amount, tax) of a tax-inclusive `total`: 599900 at 1300 → (530885, 69015)."""
    base = RATE_BASE + rate
    amount = (2 * total * RATE_BASE + base) // (2 * base)  # half up, in integers
    return amount, total - amount


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """`total` spread over `weights` in proportion, summing exactly to `total` (largest remainder)."""
    whole = sum(weights)
    if whole <= 0:
        raise ValueError("weights must add up to a positive amount")
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def rate_for(category_slugs: Iterable[str]) -> int:
    """The tax rate of the first of a product's categories (its own, then its ancestors) that has one
    in INVOICE_TAX_RATES, else INVOICE_DEFAULT_TAX_RATE (13 %: computers and other goods)."""
    rates = settings.INVOICE_TAX_RATES
    for slug in category_slugs:
        if slug in rates:
            return rates[slug]
    return settings.INVOICE_DEFAULT_TAX_RATE


@dataclass(frozen=True)
class Goods:
    name: str
    quantity: int
    weight: int  # the order line's total, fen
    tax_rate: int
    unit: str = "台"


def build_lines(goods: Sequence[Goods], total: int) -> list[Line]:
    """Invoice lines for `goods` covering `total` fen; lines whose share rounds to nothing are dropped."""
    shares = allocate(total, [g.weight for g in goods])
    lines = []
    for item, share in zip(goods, shares, strict=True):
        if share <= 0:
            continue
        amount, tax = split_inclusive(share, item.tax_rate)
        lines.append(Line(item.name[:100], item.unit, item.quantity, share, amount, tax, item.tax_rate))
    return lines


def totals(lines: Iterable[Line]) -> Totals:
    lines = list(lines)
    amount, tax = sum(line.amount for line in lines), sum(line.tax for line in lines)
    return Totals(amount, tax, amount + tax)
