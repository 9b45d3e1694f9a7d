"""Commission rules: one active rule per product and per category; saving a new one retires the old."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from wxmall.catalog.models import Category, Product
from wxmall.core.errors import DomainError

from .. import commission
from ..errors import ChannelsError
from ..models import CommissionRule, RuleKind


def save_rule(
    *, scope: str, target_id: int, kind: str, rate_bp: int = 0, fixed: int = 0, tiers=()
) -> CommissionRule:
    model = {"product": Product, "category": Category}.get(scope)
    if model is None or not model.objects.filter(pk=target_id).exists():
        raise DomainError(ChannelsError.RULE_SCOPE)
    clean = commission.validate(kind, rate_bp, fixed, list(tiers))
    try:
        with transaction.atomic():
            CommissionRule.objects.select_for_update().filter(
                **{f"{scope}_id": target_id}, is_active=True
            ).update(is_active=False)
            return CommissionRule.objects.create(
                **{f"{scope}_id": target_id},
                kind=kind,
                rate_bp=rate_bp if kind == RuleKind.RATE else 0,
                fixed=fixed if kind == RuleKind.FIXED else 0,
                tiers=clean,
            )
    except IntegrityError:  # a concurrent save of the same scope won: ask again
        raise DomainError(ChannelsError.RULE_SCOPE) from None
