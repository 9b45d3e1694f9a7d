"""Commissions paid by WeChat Pay profit sharing against wxsandbox: the prepay freezes the funds, the split
runs after the after-sale window and once only (retries reuse the number), WeChat's refusals (receiver
not bound, funds already unfrozen) fail the commission with WeChat's reason and a retry gets a new number,
a refund after the split is returned from a merchant receiver, and a payment without frozen funds is paid
by merchant transfer."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpers.pay import settle
from wxmall.channels import settlement
from wxmall.channels.models import Commission, CommissionStatus, Reversal, SettleMethod, Sharer
from wxmall.channels.testing import attributed_order, make_merchant_sharer, make_rule, make_sharer
from wxmall.core.models import OutboxMessage
from wxmall.core.relay import relay
from wxmall.payments import actions, wechatpay
from wxmall.payments.config import pay_config
from wxmall.payments.models import Refund, RefundStatus
from wxsandbox.testing import run_sandbox

pytestmark = pytest.mark.django_db
LATER = timedelta(days=16)


@pytest.fixture(scope="module")
def sb(wxsandbox_base_config):
    with run_sandbox(wxsandbox_base_config) as handle:
        yield handle


@pytest.fixture
def hub(sb, settings):
    from wxmall.payments.testing import pay_settings

    oa, mp = sb.app_of_kind("official_account"), sb.app_of_kind("mini_program")
    settings.WECHAT_PAY = pay_settings(sb.merchant, oa.appid, mp.appid)
    settings.WECHAT_PAY_API_BASE = sb.base_url
    sb.control("DELETE", "faults")
    return sb


@pytest.fixture
def person(hub):
    """A sharer paid to their WeChat balance: their openid under the Pay appid."""
    openid = hub.openid("xiaoming", hub.app_of_kind("official_account").appid)
    return make_sharer(f"o_shop_{openid[-8:]}", nickname="小明", receiver_account=openid)


def _pay(sb, order, customer):
    payment = actions.start_payment(order.order_no, customer, "native")
    sb.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    actions.query_payment(payment.pk)
    sb.control("POST", "clock/advance", json={"seconds": 61})  # WeChat shares no earlier than 1 min after
    order.refresh_from_db()
    payment.refresh_from_db()
    return payment


def _settled(row):
    """Relay, then let WeChat finish (PROCESSING → FINISHED) and poll, until the row is final."""
    sb_clock = row._sb

    def done():
        sb_clock.control("POST", "clock/advance", json={"seconds": 3})
        settlement.poll()
        return Commission.objects.get(pk=row.pk).status != CommissionStatus.SPLITTING

    settle(done)
    return Commission.objects.get(pk=row.pk)


def _due(hub, customer, address, sku, sharer):
    make_rule(product=sku.product, rate_bp=1000)
    order = attributed_order(customer, address, sku, sharer)
    payment = _pay(hub, order, customer)
    row = Commission.objects.get(order=order)
    row._sb = hub
    return order, payment, row


def test_the_split_waits_for_the_window_and_moves_money_once(hub, customer, address, sku, person):
    order, payment, row = _due(hub, customer, address, sku, person)
    assert payment.profit_sharing and row.method == SettleMethod.PROFIT_SHARING
    assert wechatpay.unsplit_amount(pay_config(), payment.transaction_id) == order.total  # frozen
    assert settlement.start(row.pk).status == CommissionStatus.ACCRUED  # still in the after-sale window
    started = settlement.start(row.pk, now=timezone.now() + LATER)
    assert (
        started.status == CommissionStatus.SPLITTING
        and started.out_order_no == f"{order.order_no}_CM{row.pk}_1"
    )
    started._sb = hub
    final = _settled(started)
    assert final.status == CommissionStatus.SETTLED and final.paid_amount == row.amount
    assert Sharer.objects.get(pk=person.pk).receiver_added_at is not None
    # The rest of the order's money went to the shop with the split (unfreeze_unsplit).
    assert wechatpay.unsplit_amount(pay_config(), payment.transaction_id) == 0
    # Redelivering the split, or starting again, moves nothing more.
    message = OutboxMessage.objects.get(destination="channels_pay", kind=settlement.SPLIT)
    assert settlement.deliver(message, {}) == {"skipped": CommissionStatus.SETTLED}
    assert settlement.start(row.pk, now=timezone.now() + LATER).status == CommissionStatus.SETTLED
    status, body = wechatpay.query_share(
        pay_config(), transaction_id=payment.transaction_id, out_order_no=final.out_order_no
    )
    assert status == 200 and [r["amount"] for r in body["receivers"] if r["account"] == person.account] == [
        row.amount
    ]


def test_an_outage_retries_with_the_same_number(hub, customer, address, sku, person):
    _, payment, row = _due(hub, customer, address, sku, person)
    hub.control("POST", "faults", json={"target": "pay.profitsharing.create", "http_status": 500, "times": 1})
    started = settlement.start(row.pk, now=timezone.now() + LATER)
    relay()  # the 500: the row backs off and keeps its number
    assert Commission.objects.get(pk=row.pk).status == CommissionStatus.SPLITTING
    OutboxMessage.objects.filter(destination="channels_pay").update(next_attempt_at=timezone.now())
    started._sb = hub
    assert _settled(started).status == CommissionStatus.SETTLED
    assert Commission.objects.get(pk=row.pk).out_order_no.endswith(f"_CM{row.pk}_1")


def test_a_receiver_wechat_does_not_know_fails_clearly_and_a_retry_adds_it(
    hub, customer, address, sku, person
):
    _, payment, row = _due(hub, customer, address, sku, person)
    # The hub added the receiver once, but the relation is gone on WeChat's side (deleted in 商户平台).
    Sharer.objects.filter(pk=person.pk).update(receiver_added_at=timezone.now())
    wechatpay.client(pay_config()).profitsharing_delete_receiver("PERSONAL_OPENID", person.account)
    settlement.start(row.pk, now=timezone.now() + LATER)
    relay()
    failed = Commission.objects.get(pk=row.pk)
    assert failed.status == CommissionStatus.FAILED and "分账接收方关系不存在" in failed.failure
    assert OutboxMessage.objects.get(destination="channels_pay").status == "dead"
    assert Sharer.objects.get(pk=person.pk).receiver_added_at is None
    again = settlement.retry(row.pk)
    assert again.status == CommissionStatus.SPLITTING and again.out_order_no.endswith(f"_CM{row.pk}_2")
    again._sb = hub
    assert _settled(again).status == CommissionStatus.SETTLED


def test_funds_already_unfrozen_cannot_be_split(hub, customer, address, sku, person):
    _, payment, row = _due(hub, customer, address, sku, person)
    wechatpay.unfreeze(
        pay_config(), transaction_id=payment.transaction_id, out_order_no="UNF1", description="解冻"
    )
    settlement.start(row.pk, now=timezone.now() + LATER)
    relay()
    failed = Commission.objects.get(pk=row.pk)
    assert failed.status == CommissionStatus.FAILED and "订单已分账完结" in failed.failure
    assert failed.settled_at is None


def test_a_refund_after_the_split_is_returned_from_a_merchant_receiver(hub, customer, address, sku):
    sharer = make_merchant_sharer()
    order, payment, row = _due(hub, customer, address, sku, sharer)
    started = settlement.start(row.pk, now=timezone.now() + LATER)
    started._sb = hub
    assert _settled(started).status == CommissionStatus.SETTLED
    refund = actions.refund_order(order.pk, order.total // 2, "部分退款")
    settle(lambda: Refund.objects.get(pk=refund.pk).status != RefundStatus.REQUESTED)
    hub.control("POST", "clock/advance", json={"seconds": 120})
    actions.query_refund(refund.pk)
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.SUCCESS
    reversal = Reversal.objects.get(commission=row)
    assert (
        reversal.amount == (row.amount + 1) // 2
        and reversal.out_return_no == f"{order.order_no}_CMR{row.pk}_1"
    )
    settle(lambda: Reversal.objects.get(pk=reversal.pk).status != Reversal.Status.RETURNING)
    assert Reversal.objects.get(pk=reversal.pk).status == Reversal.Status.RETURNED
    status, body = wechatpay.query_return(
        pay_config(),
        out_order_no=Commission.objects.get(pk=row.pk).out_order_no,
        out_return_no=reversal.out_return_no,
    )
    assert status == 200 and body["amount"] == reversal.amount  # WeChat holds exactly this return
    actions.query_refund(refund.pk)  # the refund's outcome again: nothing is returned twice
    assert Reversal.objects.filter(commission=row).count() == 1


def test_an_order_paid_without_frozen_funds_is_paid_by_transfer(hub, customer, address, sku, person):
    order = attributed_order(customer, address, sku, person)
    payment = _pay(hub, order, customer)  # no rule yet: the prepay froze nothing
    assert not payment.profit_sharing and not Commission.objects.exists()
    make_rule(product=sku.product)
    from wxmall.channels.actions.commissions import accrue

    row = accrue(order, person)
    started = settlement.start(row.pk, now=timezone.now() + LATER)
    assert started.method == SettleMethod.TRANSFER and started.out_bill_no == f"{order.order_no}T{row.pk}N1"
    relay()
    assert Commission.objects.get(pk=row.pk).status == CommissionStatus.SPLITTING  # waits for the user
    hub.control("POST", f"pay/transfers/{started.out_bill_no}/confirm", json={"accept": True})
    settlement.poll()
    assert Commission.objects.get(pk=row.pk).status == CommissionStatus.SETTLED


def test_a_transfer_from_2000_yuan_needs_the_consented_real_name(hub, customer, address, sku, person):
    from wxmall.channels.actions import sharers
    from wxmall.channels.actions.commissions import accrue
    from wxmall.channels.errors import ChannelsError
    from wxmall.core.errors import DomainError

    order = attributed_order(customer, address, sku, person, quantity=6)
    _pay(hub, order, customer)  # no rule yet: nothing frozen, so a merchant transfer
    make_rule(product=sku.product, rate_bp=9000)
    row = accrue(order, person)
    assert row.amount >= wechatpay.TRANSFER_NAME_FROM
    started = settlement.start(row.pk, now=timezone.now() + LATER)
    relay()
    failed = Commission.objects.get(pk=row.pk)
    assert (failed.status, failed.failure) == (
        CommissionStatus.FAILED,
        ChannelsError.REAL_NAME_MISSING.message,
    )
    state = hub.sandbox.state
    assert state.one("SELECT 1 FROM pay_transfers WHERE out_bill_no = ?", (started.out_bill_no,)) is None

    with pytest.raises(DomainError):  # no consent: nothing is kept
        sharers.record_real_name(person.pk, "王小明", consented=False)
    with pytest.raises(DomainError):  # not a name
        sharers.record_real_name(person.pk, "=cmd|' /C calc'!A0", consented=True)
    assert Sharer.objects.get(pk=person.pk).real_name == ""
    sharers.record_real_name(person.pk, " 王小明 ", consented=True)
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT real_name FROM channels_sharer WHERE id = %s", [person.pk])
        assert "王小明" not in cursor.fetchone()[0]

    again = settlement.retry(row.pk)
    relay()
    bill = state.one(
        "SELECT user_name, amount FROM pay_transfers WHERE out_bill_no = ?", (again.out_bill_no,)
    )
    assert (bill["user_name"], bill["amount"]) == ("王小明", row.amount)  # decrypted by WeChat's key
    hub.control("POST", f"pay/transfers/{again.out_bill_no}/confirm", json={"accept": True})
    settlement.poll()
    assert Commission.objects.get(pk=row.pk).status == CommissionStatus.SETTLED

    sharers.record_real_name(person.pk, "", consented=False)  # consent withdrawn: the name goes
    assert (
        Sharer.objects.get(pk=person.pk).real_name,
        Sharer.objects.get(pk=person.pk).name_consent_at,
    ) == (
        "",
        None,
    )
