"""Partial refunds of a WeChat Store order against wxsandbox reverse the sharer's commission in proportion.

Rounding rule (actions/commissions.py): reversed total = ceil(commission × refunded ÷ paid) from the
running totals, capped at the commission. Several partial after-sales never reverse more than was earned
and a replayed after-sale reverses nothing; one refunded after the commission was paid out by merchant
transfer books a claw-back `Reversal` (to recover from the sharer's next payout) and leaves the paid
commission as it was."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wxmall.channels import settlement
from wxmall.channels.actions import sharers
from wxmall.channels.models import Commission, CommissionStatus, Reversal, SettleMethod, Sharer
from wxmall.channels.testing import make_rule
from wxmall.core.relay import relay
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.store import tasks
from wxmall.store.actions import aftersales

UNIT, COUNT, RATE_BP = 399_900, 3, 500


def ceil_share(amount: int, refunded: int, paid: int) -> int:
    return min(amount, -(-amount * refunded // paid))


@pytest.fixture
def sold(wx_store, on_store, settings):
    """Three units bought from the Store through a bound sharer paid by merchant transfer (Pay: sandbox)."""
    from wxmall.payments.testing import pay_settings

    oa, mp = wx_store.app_of_kind("official_account"), wx_store.app_of_kind("mini_program")
    settings.WECHAT_PAY = pay_settings(wx_store.merchant, oa.appid, mp.appid)
    settings.WECHAT_PAY_API_BASE = wx_store.base_url
    sharers.invite()
    wx_store.control("POST", "store/sharers", json={"user": "wangfang"})
    sharers.sync()
    Sharer.objects.update(receiver_account=wx_store.openid("wangfang", oa.appid))
    make_rule(product=on_store.sku.product, rate_bp=RATE_BP)
    placed = wx_store.control(
        "POST",
        "store/orders",
        json={
            "user": "xiaoming",
            "product_id": on_store.store_product.store_product_id,
            "sku_id": on_store.store_sku_id,
            "count": COUNT,
            "sharer": {"user": "wangfang", "share_scene": 7},
        },
    )["order"]
    wx_store.control("POST", f"store/orders/{placed['order_id']}/pay")
    tasks.poll_orders()
    return placed["order_id"]


def _refund(wx_store, on_store, order_id: str, *, count: int, amount: int) -> str:
    """The buyer asks WeChat for a refund of `count` units (`amount` fen); the merchant accepts."""
    sale = wx_store.control(
        "POST",
        "store/aftersales",
        json={
            "order_id": order_id,
            "sku_id": on_store.store_sku_id,
            "type": "REFUND",
            "count": count,
            "amount": amount,
        },
    )
    sale_id = (sale.get("after_sale_order") or sale)["after_sale_order_id"]
    aftersales.sync(sale_id)
    wx_store.control("POST", "clock/advance", json={"seconds": 61})  # WeChat refunds an order once a minute
    aftersales.decide(sale_id, accept=True)
    relay()
    aftersales.sync(sale_id)
    return sale_id


def test_partial_store_refunds_reverse_in_proportion_and_never_more_than_earned(wx_store, on_store, sold):
    row = Commission.objects.get()
    paid = Order.objects.get(pk=row.order_id).total
    assert (row.method, row.amount, paid) == (
        SettleMethod.TRANSFER,
        UNIT * COUNT * RATE_BP // 10000,
        UNIT * COUNT,
    )

    first = _refund(wx_store, on_store, sold, count=1, amount=133_333)  # an odd amount: the rounding shows
    row.refresh_from_db()
    assert row.reversed_amount == ceil_share(row.amount, 133_333, paid)
    assert row.status == CommissionStatus.ACCRUED
    assert Order.objects.get(pk=row.order_id).status == OrderStatus.PAID  # partial: the order stays paid

    aftersales.sync(first)  # WeChat's push again, or the poll: nothing more
    row.refresh_from_db()
    assert row.reversed_amount == ceil_share(row.amount, 133_333, paid)
    assert Reversal.objects.filter(commission=row).count() == 1

    _refund(wx_store, on_store, sold, count=1, amount=UNIT)
    row.refresh_from_db()
    assert row.reversed_amount == ceil_share(row.amount, 133_333 + UNIT, paid) < row.amount

    # The last unit: every item is refunded (for less than was paid), WeChat closes the order, and the
    # order's move to `refunded` reverses the rest; the entries add up to exactly what was earned.
    _refund(wx_store, on_store, sold, count=1, amount=UNIT)
    row.refresh_from_db()
    reversals = Reversal.objects.filter(commission=row).order_by("id")
    steps = [r.ref.split(":")[0] for r in reversals]
    assert steps == ["aftersale", "aftersale", "aftersale", "order"]
    assert reversals[2].amount == ceil_share(row.amount, 133_333 + 2 * UNIT, paid) - ceil_share(
        row.amount, 133_333 + UNIT, paid
    )
    assert sum(r.amount for r in reversals) == row.reversed_amount == row.amount
    assert (row.net, row.status) == (0, CommissionStatus.REVERSED)
    assert Order.objects.get(pk=row.order_id).status == OrderStatus.REFUNDED


def test_a_store_refund_after_the_payout_books_a_claw_back(wx_store, on_store, sold):
    row = Commission.objects.get()
    started = settlement.start(row.pk, now=timezone.now() + timedelta(days=16))
    assert started.status == CommissionStatus.SPLITTING and started.method == SettleMethod.TRANSFER
    relay()  # the transfer bill; wangfang accepts it in WeChat
    wx_store.control("POST", f"pay/transfers/{started.out_bill_no}/confirm", json={"accept": True})
    settlement.poll()
    row.refresh_from_db()
    assert (row.status, row.paid_amount) == (CommissionStatus.SETTLED, row.amount)

    _refund(wx_store, on_store, sold, count=1, amount=UNIT)
    row.refresh_from_db()
    owed = Reversal.objects.get(commission=row)
    assert owed.status == Reversal.Status.TO_RECOVER
    assert owed.amount == ceil_share(row.amount, UNIT, UNIT * COUNT)
    # History stays: the payout is still what was paid; the claw-back is its own entry.
    assert (row.status, row.paid_amount) == (CommissionStatus.SETTLED, row.amount)


def test_a_second_refund_within_wechats_minute_is_retried_not_dead_lettered(wx_store, on_store, sold):
    """WeChat refunds one order once a minute (10021059): the merchant accepting two after-sales in a row
    must get both refunded, the second on a later attempt, not a dead letter for the console."""
    from wxmall.core.models import OutboxMessage, OutboxStatus

    first = _refund(wx_store, on_store, sold, count=1, amount=100_000)
    sale = wx_store.control(
        "POST",
        "store/aftersales",
        json={
            "order_id": sold,
            "sku_id": on_store.store_sku_id,
            "type": "REFUND",
            "count": 1,
            "amount": 100_000,
        },
    )
    second = (sale.get("after_sale_order") or sale)["after_sale_order_id"]
    aftersales.sync(second)
    aftersales.decide(second, accept=True)  # within the minute of the first refund
    relay()
    row = OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).get()
    assert row.status == OutboxStatus.PENDING and "10021059" in row.last_error

    wx_store.control("POST", "clock/advance", json={"seconds": 61})
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # its backoff, elapsed
    relay()
    aftersales.sync(second)
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED
    assert first != second
    assert Commission.objects.get().reversed_amount == ceil_share(
        Commission.objects.get().amount,
        200_000,
        Order.objects.get(pk=Commission.objects.get().order_id).total,
    )
