"""Daily reconciliation against wxsandbox's real trade bill (pointer, GZIP download, SHA-1, CSV)."""

import pytest
from django.core.management import call_command
from django.test import Client

from wxmall.accounts.testing import make_customer
from wxmall.checkout.actions import place_order
from wxmall.customers.testing import as_owner
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
    return as_owner(make_customer("recon-clerk", is_staff=True))


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


def _four_methods_and_refunds(pay_hub, customer, address, sku, cheap_sku):
    """Native 1,299.00, H5 29.90, Mini Program 29.90 (19.90 + 10.00 shipping) paid on WeChat; 100.00 of the laptop refunded by the
    hub; and a 5.00 refund of the H5 order made on WeChat's side (the merchant platform), unknown here."""
    from wxmall.accounts.models import WeChatIdentity
    from wxmall.core.relay import relay
    from wxmall.payments import wechatpay
    from wxmall.payments.config import pay_config

    mp = pay_hub.app_of_kind("mini_program")
    mp_openid = pay_hub.openid("wangfang", mp.appid)
    WeChatIdentity.objects.create(user=customer, appid=mp.appid, openid=mp_openid)
    laptop, cable, cable_mp = (
        place_order(customer, items=[(s.pk, 1)], address_id=address.pk) for s in (sku, cheap_sku, cheap_sku)
    )
    native = actions.start_payment(laptop.order_no, customer, "native")
    pay_hub.control("POST", "pay/confirm", json={"code_url": native.code_url, "user_id": "lihua"})
    h5 = actions.start_payment(cable.order_no, customer, "h5", client_ip="203.0.113.9")
    pay_hub.control("POST", "pay/confirm", json={"h5_url": h5.h5_url, "user_id": "lihua"})
    mini = actions.start_payment(cable_mp.order_no, customer, "miniprogram", openid=mp_openid)
    pay_hub.control("POST", "pay/confirm", json={"prepay_id": mini.prepay_id, "user_id": "wangfang"})
    for payment in (native, h5, mini):
        assert actions.query_payment(payment.pk).outcome == "applied"
    refund = actions.refund_order(laptop.pk, 10000, "部分退款")
    relay()
    pay_hub.advance_clock(2)
    actions.apply_refund_result(wechatpay.query_refund(pay_config(), refund.out_refund_no)[1])
    wechatpay.refund(
        pay_config(),
        out_trade_no=h5.out_trade_no,
        out_refund_no="PLATFORM-RF-1",
        amount=500,
        total=h5.amount,
        reason="商户平台手工退款",
    )
    return (laptop, cable, cable_mp), refund


def test_fees_and_net_income_per_method_and_fund_flow_differences(pay_hub, customer, address, sku, cheap_sku):
    orders, refund = _four_methods_and_refunds(pay_hub, customer, address, sku, cheap_sku)
    assert [o.total for o in orders] == [129900, 2990, 2990]
    run = reconcile.reconcile_day(bill_day(pay_hub))
    t = run.totals
    # Native: 1299.00 at 0.60 % = 7.794 → 7.79; the 100.00 refund returns 0.60 → fee 7.19, net
    # 1299.00 - 100.00 - 7.19 = 1191.81. H5: 29.90 at 1.00 % = 0.299 → 0.30, net 29.60. Mini Program:
    # 29.90 at 0.60 % = 0.1794 → 0.18, net 29.72. The platform refund is accepted (its money moved) but
    # nobody asked about it, so it is still PROCESSING: not in the trade bill, in the fund flows.
    assert t["NATIVE"] == {"count": 2, "paid": 129900, "refunded": 10000, "fee": 719, "net": 119181}
    assert t["MWEB"] == {"count": 1, "paid": 2990, "refunded": 0, "fee": 30, "net": 2960}
    assert t["MINIPROGRAM"] == {"count": 1, "paid": 2990, "refunded": 0, "fee": 18, "net": 2972}
    assert "JSAPI" not in t and t["ALL"]["net"] == 119181 + 2960 + 2972
    f = run.fund_totals["BASIC"]
    # In: 1299.00 + 29.90 + 29.90 + 0.60 + 0.05 (5.00 at 1 %) = 1359.45;
    # out: 7.79 + 0.30 + 0.18 + 100.00 + 5.00 = 113.27; fee 8.27 - 0.65 = 7.62; net 1246.18.
    assert f == {"count": 10, "income": 135945, "expense": 11327, "fee": 762, "refund": 10500, "net": 124618}
    assert run.fund_totals["ALL"] == f and "FEES" not in run.fund_totals
    diffs = {d.kind: d for d in ReconciliationDifference.objects.all()}
    unknown = diffs[DifferenceKind.FUNDS_REFUND_UNKNOWN]
    assert (
        unknown.reference == "PLATFORM-RF-1" and unknown.wechat_amount == 500 and unknown.local_amount is None
    )
    assert DifferenceKind.FUNDS_AMOUNT not in diffs and DifferenceKind.FUNDS_INCOME_UNKNOWN not in diffs
    # The console shows the money per method and per day, in yuan.
    clerk = Client()
    clerk.force_login(as_owner(make_customer("recon-funds", is_staff=True)))
    page = clerk.get("/console/reconciliation/").content.decode()
    assert "小程序支付" in page and "1191.81" in page and "1246.18" in page and "PLATFORM-RF-1" in page


def test_a_flow_whose_amount_differs_from_ours_is_a_difference(pay_hub, order, customer):
    payment = confirm_on_wechat(pay_hub, order, customer)
    actions.query_payment(payment.pk)
    Payment.objects.filter(pk=payment.pk).update(paid_amount=payment.amount - 1, amount=payment.amount - 1)
    reconcile.reconcile_day(bill_day(pay_hub))
    funds = ReconciliationDifference.objects.get(kind=DifferenceKind.FUNDS_AMOUNT)
    assert (funds.wechat_amount, funds.local_amount) == (order.total, order.total - 1)


def test_fund_flow_parser_refuses_malformed_files():
    from wxmall.payments import fundflow

    header = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号"
    row = "`2026-01-01 10:00:00,`42,`1,`交易,`交易,`收入,`1.00,`1.00,`system,`,`A_1"
    with pytest.raises(reconcile.BillFormatError):
        fundflow.parse("交易时间,交易类型\r\n", "BASIC")
    with pytest.raises(reconcile.BillFormatError):  # truncated: no summary
        fundflow.parse(f"{header}\r\n{row}\r\n", "BASIC")
    with pytest.raises(reconcile.BillFormatError):
        fundflow.parse(f"{header}\r\n{row.replace('收入', '转入')}\r\n资金流水总笔数\r\n", "BASIC")
    flows = fundflow.parse(f"{header}\r\n{row}\r\n资金流水总笔数,收入笔数\r\n`1,`1\r\n", "BASIC")
    assert flows == [fundflow.Flow("BASIC", "42", "交易", "交易", True, 100, "A_1")]
