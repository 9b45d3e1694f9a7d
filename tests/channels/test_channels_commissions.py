"""The commission ledger without WeChat: rules (rate, fixed, tiers, category inheritance, discounts), one
commission per attributed paid order, reversals on full and partial refunds (replayed refunds reverse
once), claw-backs netted off the next payout, and period statements (CSV and XLSX) that add up."""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from wxmall.catalog.testing import make_category, make_product
from wxmall.channels import commission, queries, settlement, statements
from wxmall.channels.actions import commissions
from wxmall.channels.models import (
    Attribution,
    Commission,
    CommissionStatus,
    Reversal,
    SettleMethod,
)
from wxmall.channels.testing import attributed_order, make_rule, make_sharer, pay_locally
from wxmall.core.errors import DomainError
from wxmall.orders import actions as order_actions
from wxmall.orders.state import ActorKind, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sharer():
    return make_sharer("o_sharer_wang", nickname="王小明")


def _paid(customer, address, sku, sharer, **kw):
    order = attributed_order(customer, address, sku, sharer, **kw)
    pay_locally(order)
    order.refresh_from_db()
    return order


def test_a_rate_rule_earns_its_share_of_what_the_buyer_paid(customer, address, sku, sharer):
    make_rule(product=sku.product, rate_bp=1000)
    order = _paid(customer, address, sku, sharer, quantity=2)
    row = Commission.objects.get(order=order)
    assert (row.base, row.amount, row.method, row.status) == (
        259800,
        25980,
        SettleMethod.PROFIT_SHARING,
        CommissionStatus.ACCRUED,
    )
    assert row.settle_after > timezone.now() + timedelta(days=14)
    attribution = Attribution.objects.get(order=order)
    assert attribution.sharer == sharer and attribution.source == Attribution.Source.H5


def test_category_rules_inherit_and_fixed_rules_pay_per_unit():
    parent = make_category("电脑整机")
    child = make_category("台式机", parent=parent)
    product = make_product("办公台式机", category=child, skus=[{"price": 300000}])
    make_rule(category=parent, fixed=5000)
    assert commission.rules_for([product])[product.pk].fixed == 5000
    own = make_rule(product=product, rate_bp=500)
    assert commission.rules_for([product])[product.pk] == own


def test_tiers_raise_the_rate_and_bad_rules_are_refused():
    assert commission.validate("rate", 800, 0, [{"from": 100000, "rate_bp": 1200}]) == [
        {"from": 100000, "rate_bp": 1200}
    ]
    rule = SimpleNamespace(
        rate_bp=800, tiers=[{"from": 100000, "rate_bp": 1200}, {"from": 500000, "rate_bp": 1500}]
    )
    assert [commission.rate_for(rule, g) for g in (99999, 100000, 600000)] == [800, 1200, 1500]
    for bad in (
        ("rate", 0, 0, []),
        ("rate", 9500, 0, []),
        ("rate", 800, 0, [{"from": 100, "rate_bp": 700}]),  # a tier may only raise the rate
        ("rate", 800, 0, [{"from": 200, "rate_bp": 900}, {"from": 100, "rate_bp": 1000}]),
        ("fixed", 0, 0, []),
        ("rate", 800, 0, [{"from": "100", "rate_bp": 900}]),
    ):
        with pytest.raises(DomainError):
            commission.validate(*bad)


def test_discounts_lower_the_base_and_a_split_never_exceeds_the_ratio(
    customer, address, sku, sharer, settings
):
    settings.CHANNELS_PROFIT_SHARING_MAX_RATIO_BP = 500
    make_rule(product=sku.product, rate_bp=2000)
    order = _paid(customer, address, sku, sharer)
    row = Commission.objects.get(order=order)
    assert row.amount == order.total * 500 // 10000  # capped at what WeChat would let us split


def test_one_commission_per_order_however_often_it_is_paid(customer, address, sku, sharer):
    make_rule(product=sku.product)
    order = _paid(customer, address, sku, sharer)
    pay_locally(order, order.payment_transaction_id)  # the notification again
    commissions.accrue(order, sharer)
    assert Commission.objects.filter(order=order).count() == 1


def test_no_commission_without_a_rule_or_for_an_unbound_sharer(customer, address, sku, sharer, cheap_sku):
    assert not Commission.objects.filter(order=_paid(customer, address, cheap_sku, sharer)).exists()
    make_rule(product=sku.product)
    order = attributed_order(customer, address, sku, sharer)
    sharer.bound = False
    sharer.save()
    pay_locally(order)
    assert not Commission.objects.filter(order=order).exists()


def test_partial_refunds_reverse_in_proportion_and_replays_change_nothing(customer, address, sku, sharer):
    make_rule(product=sku.product)
    order = _paid(customer, address, sku, sharer)
    row = Commission.objects.get(order=order)
    paid = order.total
    refund = SimpleNamespace(order_id=order.pk, out_refund_no=f"{order.order_no}_1_R1")
    commissions.on_refund_succeeded(None, refund, refunded_total=paid // 4, paid_total=paid)
    commissions.on_refund_succeeded(None, refund, refunded_total=paid // 4, paid_total=paid)  # replay
    row.refresh_from_db()
    assert row.reversed_amount == (row.amount + 3) // 4 and row.status == CommissionStatus.ACCRUED
    assert Reversal.objects.filter(commission=row).count() == 1
    # The rest refunded: the order moves to refunded, and its hook finds nothing more to reverse twice.
    second = SimpleNamespace(order_id=order.pk, out_refund_no=f"{order.order_no}_1_R2")
    commissions.on_refund_succeeded(None, second, refunded_total=paid, paid_total=paid)
    order_actions.transition(order.pk, OrderStatus.REFUND_REQUESTED, actor_kind=ActorKind.STAFF)
    order_actions.transition(order.pk, OrderStatus.REFUNDED, actor_kind=ActorKind.WECHAT)
    row.refresh_from_db()
    assert (row.reversed_amount, row.net, row.status) == (row.amount, 0, CommissionStatus.REVERSED)
    assert sum(Reversal.objects.filter(commission=row).values_list("amount", flat=True)) == row.amount


def test_a_full_refund_reverses_all_and_releases_the_frozen_funds(customer, address, sku, sharer):
    from wxmall.core.models import OutboxMessage

    make_rule(product=sku.product)
    order = _paid(customer, address, sku, sharer)
    order_actions.transition(order.pk, OrderStatus.REFUND_REQUESTED, actor_kind=ActorKind.STAFF)
    order_actions.transition(order.pk, OrderStatus.REFUNDED, actor_kind=ActorKind.WECHAT)
    row = Commission.objects.get(order=order)
    assert row.status == CommissionStatus.REVERSED and row.net == 0
    assert OutboxMessage.objects.filter(destination="channels_pay", kind=settlement.UNFREEZE).count() == 1
    assert (
        settlement.start(row.pk, now=timezone.now() + timedelta(days=30)).status == CommissionStatus.REVERSED
    )


def test_money_paid_to_a_person_is_recovered_from_their_next_commission(customer, address, sku, sharer):
    make_rule(product=sku.product)
    first = _paid(customer, address, sku, sharer)
    row = Commission.objects.get(order=first)
    Commission.objects.filter(pk=row.pk).update(status=CommissionStatus.SETTLED, paid_amount=row.amount)
    commissions.reverse(row.pk, ref="R1", refunded=1, paid=2)
    owed = Reversal.objects.get(commission=row)
    assert owed.status == Reversal.Status.TO_RECOVER and owed.amount == (row.amount + 1) // 2
    second = _paid(customer, address, sku, sharer)
    later = settlement.start(Commission.objects.get(order=second).pk, now=timezone.now() + timedelta(days=16))
    owed.refresh_from_db()
    assert later.status == CommissionStatus.SPLITTING
    assert later.paid_amount == later.amount - owed.amount and owed.status == Reversal.Status.RECOVERED


def test_a_commission_waits_for_a_refund_being_decided(customer, address, sku, sharer):
    make_rule(product=sku.product)
    order = _paid(customer, address, sku, sharer)
    order_actions.transition(order.pk, OrderStatus.REFUND_REQUESTED, actor_kind=ActorKind.STAFF)
    row = Commission.objects.get(order=order)
    assert (
        settlement.start(row.pk, now=timezone.now() + timedelta(days=16)).status == CommissionStatus.ACCRUED
    )


def test_the_statement_adds_up_in_csv_and_xlsx(customer, address, sku, sharer):
    make_rule(product=sku.product)
    order = _paid(customer, address, sku, sharer)
    row = Commission.objects.get(order=order)
    commissions.reverse(row.pk, ref="R1", refunded=1, paid=2)
    row.refresh_from_db()
    period = f"{timezone.localdate():%Y-%m}"
    start, end = queries.period_bounds(period)
    lines, totals = queries.statement(start, end)
    assert [(t["sharer"], t["accrued"], t["reversed"], t["net"]) for t in totals] == [
        ("王小明", row.amount, row.reversed_amount, row.net)
    ]
    text = statements.to_csv(period, lines, totals).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[2][0] == "王小明" and rows[2][3] == f"{(row.net) // 100}.{row.net % 100:02d}"
    book = load_workbook(io.BytesIO(statements.to_xlsx(period, lines, totals)))
    detail = list(book["明细"].iter_rows(values_only=True))
    assert [r[3] for r in detail[1:]] == ["佣金", "冲销"]
    assert queries.period_bounds("2026-13") is None and queries.period_bounds("2999-01") is None


def test_a_hostile_nickname_is_not_a_formula_in_the_export(customer, address, sku):
    sharer = make_sharer(nickname='=HYPERLINK("http://evil")')
    make_rule(product=sku.product)
    _paid(customer, address, sku, sharer)
    lines, totals = queries.statement(*queries.period_bounds(f"{timezone.localdate():%Y-%m}"))
    assert "\n'=HYPERLINK" in statements.to_csv("p", lines, totals).decode().replace('"', "")


def test_profit_sharing_is_asked_for_an_attributed_order_with_a_rule(
    customer, address, sku, sharer, cheap_sku
):
    from wxmall.payments.events import wants_profit_sharing

    make_rule(product=sku.product)
    assert wants_profit_sharing(attributed_order(customer, address, sku, sharer))
    assert not wants_profit_sharing(attributed_order(customer, address, cheap_sku, sharer))
