"""Freight (运费) for a basket and a province, from the freight templates. Checkout prices every order
with `plan_for(...).fee(goods_amount)`; store pickup ships nothing and never asks.

Rules (documented once, here):
- Each line ships under its product's template, or the default template. Lines are grouped by template
  and each group is charged once: its units (pieces, or grams × pieces for a weight template) priced by
  the template's rule for the province — first unit(s) at `first_fee`, then each started block of
  `additional_units` at `additional_fee`. A product with no weight set adds nothing to a weight group.
- A group is free when the order's goods amount after discounts reaches its template's `free_over`.
- A province in a template's `undeliverable` list cannot receive that template's products: the plan names
  them, checkout shows it and refuses to place the order.
- Without a default template (a fresh install), lines of products with no template of their own are
  charged the built-in default once: CHECKOUT_SHIPPING_FEE, free from CHECKOUT_FREE_SHIPPING_THRESHOLD.
- An unknown province (a quote before an address is chosen) is priced by each template's catch-all rule.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from wxmall.catalog.models import Product

from .models import FreightMethod, FreightRule, FreightTemplate, ProductFreight


def rule_fee(rule: FreightRule, units: int) -> int:
    if units <= 0:
        return 0
    extra = max(units - rule.first_units, 0)
    blocks = -(-extra // rule.additional_units)  # started blocks: ceiling division
    return rule.first_fee + blocks * rule.additional_fee


def rule_for(template: FreightTemplate, province: str) -> FreightRule | None:
    rules = getattr(template, "loaded_rules", None) or list(template.rules.all())
    for rule in rules:
        if province and province in rule.provinces:
            return rule
    return next((rule for rule in rules if not rule.provinces), None)


@dataclass(frozen=True)
class _Group:
    template: FreightTemplate
    rule: FreightRule
    units: int


@dataclass(frozen=True)
class Plan:
    groups: list[_Group] = field(default_factory=list)
    undeliverable: list[str] = field(default_factory=list)  # product titles the province cannot receive
    builtin: bool = False  # some line has no template and there is no default: the settings' flat fee

    def fee(self, goods_amount: int) -> int:
        flat = self.builtin and goods_amount < settings.CHECKOUT_FREE_SHIPPING_THRESHOLD
        return (settings.CHECKOUT_SHIPPING_FEE if flat else 0) + sum(
            0
            if g.template.free_over is not None and goods_amount >= g.template.free_over
            else rule_fee(g.rule, g.units)
            for g in self.groups
        )

    @property
    def problem(self) -> str:
        if not self.undeliverable:
            return ""
        return f"收货地区不在配送范围内：{'、'.join(self.undeliverable)}"


def _settings_of(products: list) -> dict[int, ProductFreight]:
    """Each product's freight setting: taken from `select_related("product__freight")` where the caller
    loaded it (checkout does), else read in one query."""
    found, missing = {}, []
    for product in products:
        if not Product.freight.is_cached(product):
            missing.append(product.pk)
            continue
        with contextlib.suppress(ProductFreight.DoesNotExist):  # none: the default template
            found[product.pk] = product.freight
    if missing:
        found.update({pf.product_id: pf for pf in ProductFreight.objects.filter(product_id__in=missing)})
    return found


def plan_for(lines: list[tuple[object, int]], province: str) -> Plan:
    """`lines`: (catalog.Product, quantity) pairs. One query (the rules of the templates in play, with
    their templates) when the products' settings came with them."""
    setup = _settings_of([product for product, _ in lines])
    wanted = {pf.template_id for pf in setup.values() if pf.template_id}
    templates: dict[int, FreightTemplate] = {}
    for rule in FreightRule.objects.filter(
        Q(template__is_default=True) | Q(template_id__in=wanted)
    ).select_related("template"):
        template = templates.setdefault(rule.template_id, rule.template)
        template.loaded_rules = [*getattr(template, "loaded_rules", []), rule]
    default = next((t for t in templates.values() if t.is_default), None)
    units: dict[int, int] = {}
    titles: dict[int, list[str]] = {}
    undeliverable: list[str] = []
    builtin = False
    for product, quantity in lines:
        pf = setup.get(product.pk)
        template = templates.get(pf.template_id) if pf and pf.template_id else default
        if template is None:
            builtin = True  # no template of its own and no default: the built-in flat fee
            continue
        if province and province in template.undeliverable:
            undeliverable.append(product.title)
            continue
        per_unit = (pf.weight_grams if pf else 0) if template.method == FreightMethod.WEIGHT else 1
        units[template.pk] = units.get(template.pk, 0) + per_unit * quantity
        titles.setdefault(template.pk, []).append(product.title)
    groups = []
    for template_id, count in units.items():
        rule = rule_for(templates[template_id], province)
        if rule is None:  # a template saved without a catch-all rule cannot price this province
            undeliverable.extend(titles[template_id])
        else:
            groups.append(_Group(templates[template_id], rule, count))
    return Plan(groups=groups, undeliverable=undeliverable, builtin=builtin)
