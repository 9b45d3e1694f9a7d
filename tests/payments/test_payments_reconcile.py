"""Daily reconciliation against wxsandbox's real trade bill (pointer, GZIP download, SHA-1, CSV)."""

import pytest
from django.core.management import call_command
from django.test import Client

from wxmall.accounts.testing import make_customer
from wxmall.checkout.actions import place_order
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions, reconcile
from wxmall.payments.models import (
    DifferenceKind,
    DifferenceStatus,
    Payment,
    PaymentStatus,
    ReconciliationDifference,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db):
    return make_customer("recon-clerk", is_staff=True)


def confirm_on_wechat(pay_hub, order, customer):
    """The customer pays in WeChat; no notification reaches the hub (no live server listens)."""
    payment = actions.start_payment(order.order_no, customer, "native")
    pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    return payment


def bill_day(pay_hub):
    day = pay_hub.sandbox.clock.datetime().date()
    pay_hub.advance_clock(86400)  # the bill exists once the day is over
    return day


def test_a_clean_day_has_no_difference_and_the_money_sums(pay_hub, customer, address, sku, cheap_sku):
    orders = [place_order(customer, items=[(s.pk, 1)], address_id=address.pk) for s in (sku, cheap_sku)]
    for order in orders:
        payment = confirm_on_wechat(pay_hub, order, customer)
        assert actions.query_payment(payment.pk).outcome == "applied"
    day = bill_day(pay_hub)
    run = reconcile.reconcile_day(day)
    assert run.differences == 0 and not ReconciliationDifference.objects.exists()
    total = sum(o.total for o in orders)
    fee = sum((o.total * 6 + 500) // 1000 for o in orders)  # wxsandbox's 0.60 % fee column, rounded per row
    assert run.bill_rows == 2
    assert run.totals["ALL"] == {"count": 2, "paid": total, "refunded": 0, "fee": fee, "net": total - fee}
    assert run.totals["NATIVE"]["net"] == total - fee


def test_a_payment_only_wechat_saw_is_a_difference_repaired_by_query(pay_hub, order, customer, staff):
    payment = confirm_on_wechat(pay_hub, order, customer)
    day = bill_day(pay_hub)
    run = reconcile.reconcile_day(day)
    diff = ReconciliationDifference.objects.get()
    assert run.differences == 1 and diff.kind == DifferenceKind.STATE
    assert diff.reference == payment.out_trade_no and diff.wechat_amount == order.total
    # Re-running the day neither duplicates nor loses it.
    reconcile.reconcile_day(day)
    assert ReconciliationDifference.objects.count() == 1
    assert reconcile.repair_by_query(diff.pk, staff)
    diff.refresh_from_db()
    assert diff.status == DifferenceStatus.FIXED and diff.resolved_by == staff and diff.resolved_at
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not reconcile.repair_by_query(diff.pk, staff)  # once
    reconcile.reconcile_day(day)
    diff.refresh_from_db()
    assert diff.status == DifferenceStatus.FIXED and ReconciliationDifference.objects.count() == 1


def test_paid_here_but_not_on_wechat_and_amount_differences(pay_hub, customer, address, sku, cheap_sku):
    good = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    ghost = place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    paid = confirm_on_wechat(pay_hub, good, customer)
    actions.query_payment(paid.pk)
    # A local record claims a payment WeChat never took, and another's amount was altered here.
    forged = actions.start_payment(ghost.order_no, customer, "native")
    Payment.objects.filter(pk=forged.pk).update(
        status=PaymentStatus.PAID,
        paid_amount=forged.amount,
        paid_at=Payment.objects.get(pk=paid.pk).paid_at,
    )
    Payment.objects.filter(pk=paid.pk).update(amount=paid.amount + 1)
    run = reconcile.reconcile_day(bill_day(pay_hub))
    kinds = {d.reference: d.kind for d in ReconciliationDifference.objects.all()}
    assert kinds == {
        forged.out_trade_no: DifferenceKind.MISSING_ON_WECHAT,
        paid.out_trade_no: DifferenceKind.AMOUNT,
    }
    assert run.differences == 2


def test_a_day_without_transactions_reconciles_empty(pay_hub):
    day = bill_day(pay_hub)
    call_command("reconcile_bill", "--date", day.isoformat())
    assert not ReconciliationDifference.objects.exists()


def test_bill_parser_refuses_malformed_files():
    with pytest.raises(reconcile.BillFormatError):
        reconcile.parse_trade_bill("hello,world\r\n")
    header = "交易时间,交易类型,交易状态,微信订单号,商户订单号,商户退款单号,应结订单金额,退款金额,手续费"
    with pytest.raises(reconcile.BillFormatError):  # no summary: truncated file
        reconcile.parse_trade_bill(header + "\r\n`x,`NATIVE,`SUCCESS,`1,`A,`0,`1.00,`0.00,`0.01\r\n")
    with pytest.raises(reconcile.BillFormatError):
        reconcile.parse_trade_bill(
            header + "\r\n`x,`NATIVE,`SUCCESS,`1,`A,`0,`1.001,`0.00,`0.01\r\n总交易单数\r\n"
        )


def test_console_lists_differences_and_staff_resolve_with_a_note(pay_hub, order, customer, staff):
    confirm_on_wechat(pay_hub, order, customer)
    day = bill_day(pay_hub)
    reconcile.reconcile_day(day)
    diff = ReconciliationDifference.objects.get()
    outsider = Client()
    outsider.force_login(customer)
    assert outsider.get("/console/reconciliation/").status_code == 302
    clerk = Client()
    clerk.force_login(staff)
    page = clerk.get("/console/reconciliation/")
    assert (
        page.status_code == 200
        and "对账" in page.content.decode()
        and diff.reference in page.content.decode()
    )
    url = f"/console/reconciliation/{diff.pk}/resolve/"
    clerk.post(url, {"status": "explained", "note": ""})
    diff.refresh_from_db()
    assert diff.status == DifferenceStatus.OPEN  # a note is required
    clerk.post(url, {"status": "explained", "note": "<script>线下已核实</script>"})
    diff.refresh_from_db()
    assert diff.status == DifferenceStatus.EXPLAINED and diff.resolved_by == staff
    assert "<script>线下" not in clerk.get("/console/reconciliation/").content.decode()


def test_a_bill_file_that_does_not_match_its_hash_is_refused(pay_hub, order, customer):
    import gzip

    from wxmall.payments import wechatpay
    from wxmall.payments.models import ReconciliationRun

    payment = confirm_on_wechat(pay_hub, order, customer)
    actions.query_payment(payment.pk)
    day = bill_day(pay_hub)
    # Whatever WeChat's pointer says, the file served differs (a tampered or truncated download).
    forged = gzip.compress("交易时间,交易类型\r\n总交易单数\r\n`0\r\n".encode(), mtime=0).hex()
    pay_hub.sandbox.state.execute(
        "CREATE TRIGGER forge AFTER INSERT ON pay_bill_files BEGIN"
        f" UPDATE pay_bill_files SET content = X'{forged}' WHERE token = NEW.token; END"
    )
    with pytest.raises(wechatpay.GatewayError) as refused:
        reconcile.reconcile_day(day)
    assert refused.value.code == "BILL_HASH_MISMATCH"
    assert not ReconciliationRun.objects.exists() and not ReconciliationDifference.objects.exists()


def test_the_beat_schedule_reconciles_yesterday_daily():
    from wxmall.celery import beat_schedule

    entry = beat_schedule()["payments-reconcile-yesterday"]
    assert entry["task"] == "wxmall.payments.reconcile_yesterday"
    assert entry["schedule"].hour == {10} and entry["schedule"].minute == {30}
