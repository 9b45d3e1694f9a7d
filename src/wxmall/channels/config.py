"""The channels app's settings, read in one place (defaults and meanings in settings.py / README)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def settle_delay() -> timedelta:
    """The after-sale window: a commission is paid out no earlier than this after the order was paid."""
    return timedelta(seconds=settings.CHANNELS_SETTLE_AFTER_SECONDS)


def max_split_bp() -> int:
    """WeChat Pay's maximum sharing ratio of the merchant (basis points); a split never asks for more."""
    return settings.CHANNELS_PROFIT_SHARING_MAX_RATIO_BP
