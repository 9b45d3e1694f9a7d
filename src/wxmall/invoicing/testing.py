"""Test factories for invoicing: the hub pointed at wxsandbox's invoicing platform, paid orders, buyers."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

VALID_USCC = "9144030071526726XG"  # reference §2.1 worked example 2
MISTYPED_USCC = "9144030071526726XQ"  # one character off: the check character catches it


def use_platform(settings: Any, handle: Any, **extra: Any) -> None:
    """Point INVOICE_PLATFORM at `handle`'s fake platform with its credentials (pytest-django settings)."""
    credentials = handle.control("GET", "fapiao/credentials")
    settings.INVOICE_PLATFORM = {
        "adapter": "wxmall.invoicing.platform.FapiaoPlatform",
        "base_url": handle.base_url,
        "app_key": credentials["app_key"],
        "app_secret": credentials["app_secret"],
        "timeout": 5,
    } | extra


def paid_order(customer, *, price: int = 599900, quantity: int = 1, title: str = "轻薄笔记本 Air 14"):
    """A placed order marked paid as WeChat Pay's notification would (no payment row)."""
    from wxmall.accounts.testing import make_address
    from wxmall.catalog.testing import make_sku
    from wxmall.checkout.actions import place_order
    from wxmall.orders import actions as orders

    sku = make_sku(price=price, stock=quantity + 5, title=title)
    order = place_order(customer, items=[(sku.pk, quantity)], address_id=make_address(customer).pk)
    return orders.mark_paid(order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total)


def company(**changes: Any):
    """A checked company buyer for a special VAT invoice (all four 购买方 items)."""
    from .actions import check_buyer

    values = {
        "invoice_type": "special",
        "kind": "company",
        "name": "深圳市前海数码科技有限公司",
        "tax_id": VALID_USCC,
        "address": "深圳市南山区科技园南路 88 号",
        "phone": "0755-86000000",
        "bank_name": "招商银行深圳科技园支行",
        "bank_account": "755912345678901",
    }
    return check_buyer(**(values | changes))


def person(name: str = "王小明"):
    from .actions import check_buyer

    return check_buyer(invoice_type="normal", kind="individual", name=name)
