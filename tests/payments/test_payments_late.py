"""A payment that lands after its order was cancelled: refunded (default) or, with
WECHAT_PAY_LATE_PAYMENT=reserve, the stock taken again and the order revived as paid — all lines or none."""

import pytest

from wxmall.catalog.models import SKU
from wxmall.checkout.actions import place_order
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions
from wxmall.payments.models import LatePayment, NotificationOutcome, PaymentStatus, Refund

pytestmark = pytest.mark.django_db(transaction=True)


def paid_after_cancel(pay_hub, order, customer):
    """The customer keeps the QR code open, the order is cancelled, then they pay; the hub learns it by
    the active query (the same path as a notification)."""
    payment = actions.start_payment(order.order_no, customer, "native")
    order_actions.cancel_by_customer(customer, order.order_no)
    pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    return payment, actions.query_payment(payment.pk)


def stock(*skus):
    return [SKU.objects.get(pk=s.pk).stock for s in skus]


def test_by_default_a_late_payment_is_refunded_and_recorded(pay_hub, order, customer, sku):
    payment, applied = paid_after_cancel(pay_hub, order, customer)
    payment.refresh_from_db()
    assert applied.outcome == NotificationOutcome.FLAGGED
    assert payment.status == PaymentStatus.FLAGGED and payment.late_payment == LatePayment.REFUNDED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    refund = Refund.objects.get()
    assert (refund.amount, refund.out_refund_no) == (order.total, f"{payment.out_trade_no}_auto")
    assert stock(sku) == [10]  # the cancellation gave the unit back and nothing took it again


def test_reserve_revives_the_order_when_every_line_is_in_stock(
    pay_hub, settings, customer, address, sku, cheap_sku
):
    settings.WECHAT_PAY_LATE_PAYMENT = "reserve"
    order = place_order(customer, items=[(sku.pk, 2), (cheap_sku.pk, 3)], address_id=address.pk)
    assert stock(sku, cheap_sku) == [8, 47]
    payment, applied = paid_after_cancel(pay_hub, order, customer)
    assert applied.outcome == NotificationOutcome.APPLIED
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.late_payment == LatePayment.REVIVED
    assert order.status == OrderStatus.PAID and order.payment_transaction_id == payment.transaction_id
    assert stock(sku, cheap_sku) == [8, 47]  # given back on cancel, taken again on revival
    assert not Refund.objects.exists()
    event = OrderEvent.objects.filter(order=order).order_by("-id").first()
    assert (event.from_status, event.to_status) == (OrderStatus.CANCELLED, OrderStatus.PAID)
    # WeChat tells us again (a notification after the query): nothing changes a second time.
    assert actions.query_payment(payment.pk).outcome == NotificationOutcome.DUPLICATE
    assert stock(sku, cheap_sku) == [8, 47] and not Refund.objects.exists()


def test_reserve_refunds_when_a_line_sold_out_meanwhile_and_takes_nothing(
    pay_hub, settings, customer, address, sku, cheap_sku
):
    settings.WECHAT_PAY_LATE_PAYMENT = "reserve"
    order = place_order(customer, items=[(cheap_sku.pk, 3), (sku.pk, 2)], address_id=address.pk)
    payment = actions.start_payment(order.order_no, customer, "native")
    order_actions.cancel_by_customer(customer, order.order_no)
    # Between the cancellation and the late payment, someone else buys 9 of the 10 laptops.
    from wxmall.accounts.testing import make_address, make_customer

    other = make_customer("late-rival")
    place_order(other, items=[(sku.pk, 9)], address_id=make_address(other).pk)
    assert stock(sku, cheap_sku) == [1, 50]
    pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    applied = actions.query_payment(payment.pk)
    payment.refresh_from_db()
    assert applied.outcome == NotificationOutcome.FLAGGED and "库存不足" in payment.flag_reason
    assert payment.status == PaymentStatus.FLAGGED and payment.late_payment == LatePayment.REFUNDED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    # All or nothing: the cables (ascending sku id, taken first) went back with the savepoint.
    assert stock(sku, cheap_sku) == [1, 50]
    assert Refund.objects.get().amount == order.total


def test_reserve_never_revives_an_order_with_a_coupon(pay_hub, settings, customer, address, sku):
    from wxmall.checkout.testing import make_coupon

    settings.WECHAT_PAY_LATE_PAYMENT = "reserve"
    coupon = make_coupon()
    order = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, coupon_code=coupon.code)
    payment, applied = paid_after_cancel(pay_hub, order, customer)
    payment.refresh_from_db()
    assert applied.outcome == NotificationOutcome.FLAGGED and payment.late_payment == LatePayment.REFUNDED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED and stock(sku) == [10]


def test_the_setting_is_validated_at_start(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = os.environ | {
        "WXMALL_DEMO": "1",
        "WXMALL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "wxmall.settings",
        "WECHAT_PAY_LATE_PAYMENT": "keep-it<script>",
    }
    code = "import django; django.setup()"
    project = Path(__file__).resolve().parents[2]
    refused = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "WECHAT_PAY_LATE_PAYMENT" in refused.stderr
    env["WECHAT_PAY_LATE_PAYMENT"] = "RESERVE"
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "; from django.conf import settings; print(settings.WECHAT_PAY_LATE_PAYMENT)",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0 and started.stdout.strip() == "reserve", started.stderr
