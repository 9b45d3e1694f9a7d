"""Commission arithmetic: which rule applies to an order line, and how much it earns. Integers only.

A product's own rule wins over its category's, a category's over its parent's. The base of a line is
what the buyer paid for it: its line total less its share of the order's discounts (coupon, points), so
a commission never exceeds what the shop received. Rates are basis points (1000 = 10%), rounded half
up per line; tiers raise the rate once the order's commissionable goods reach a threshold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wxmall.core.errors import DomainError

from .errors import ChannelsError
from .models import CommissionRule, RuleKind

MAX_RATE_BP = 9000  # the alliance's 0–90 % bound; WeChat Pay caps a split lower (see settlement)


@dataclass(frozen=True)
class Earned:
    rule: CommissionRule | None
    base: int
    amount: int


def validate(kind: str, rate_bp: int, fixed: int, tiers: list[dict]) -> list[dict]:
    """The rule's figures as stored, or ChannelsError.RULE_INVALID."""
    if kind not in RuleKind.values:
        raise DomainError(ChannelsError.RULE_INVALID)
    if kind == RuleKind.FIXED:
        if fixed < 1 or tiers:
            raise DomainError(ChannelsError.RULE_INVALID)
        return []
    if not 0 < rate_bp <= MAX_RATE_BP:
        raise DomainError(ChannelsError.RULE_INVALID)
    clean, last = [], 0
    for tier in tiers:
        start, rate = tier.get("from"), tier.get("rate_bp")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, rate)):
            raise DomainError(ChannelsError.RULE_INVALID)
        if start <= last or not rate_bp < rate <= MAX_RATE_BP:
            raise DomainError(ChannelsError.RULE_INVALID)
        clean.append({"from": start, "rate_bp": rate})
        last = start
    if len(clean) > 10:
        raise DomainError(ChannelsError.RULE_INVALID)
    return clean


def rate_for(rule: CommissionRule, goods: int) -> int:
    rate = rule.rate_bp
    for tier in rule.tiers or []:
        if goods >= tier["from"]:
            rate = tier["rate_bp"]
    return rate


def rules_for(products: Iterable) -> dict[int, CommissionRule]:
    """product id → the rule that applies to it (walking up the category tree)."""
    products = list(products)
    active = CommissionRule.objects.filter(is_active=True)
    by_product = {r.product_id: r for r in active.filter(product__in=products)}
    by_category = {r.category_id: r for r in active.filter(category__isnull=False)}
    found: dict[int, CommissionRule] = {}
    for product in products:
        rule = by_product.get(product.pk)
        category, seen = product.category, set()
        while rule is None and category is not None and category.pk not in seen:
            seen.add(category.pk)
            rule = by_category.get(category.pk)
            category = category.parent
        if rule is not None:
            found[product.pk] = rule
    return found


def paid_share(line_total: int, order) -> int:
    """The part of a line's total the buyer paid, after the order's discounts (proportional)."""
    goods = order.subtotal
    paid_goods = max(goods - order.discount - order.points_discount, 0)
    if goods <= 0:
        return 0
    return line_total * paid_goods // goods


def for_order(order) -> Earned:
    """What the order earns its sharer under the rules in force. Lines without a rule earn nothing."""
    lines = list(order.lines.select_related("sku__product__category__parent"))
    products = {line.sku.product for line in lines}
    rules = rules_for(products)
    covered = [(line, rules[line.sku.product_id]) for line in lines if line.sku.product_id in rules]
    if not covered:
        return Earned(None, 0, 0)
    bases = [(line, rule, paid_share(line.line_total, order)) for line, rule in covered]
    goods = sum(base for _, _, base in bases)
    amount = 0
    for line, rule, base in bases:
        if rule.kind == RuleKind.FIXED:
            amount += min(rule.fixed * line.quantity, base)
        else:
            amount += (base * rate_for(rule, goods) + 5000) // 10000
    return Earned(covered[0][1], goods, min(amount, goods))
