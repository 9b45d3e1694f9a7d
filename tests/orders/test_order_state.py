"""The order state machine: legal paths, refusals that write nothing, what each move releases, payment
idempotency, auto-cancel, the audit trail and the merchant outbox message."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from helpers.db import refused
from wxmall.accounts import actions as accounts
from wxmall.accounts.testing import make_address, make_customer
from wxmall.catalog.testing import make_sku
from wxmall.celery import app as celery_app
from wxmall.checkout import actions as checkout
from wxmall.checkout.testing import make_coupon, make_flash_sale
from wxmall.core.errors import DomainError
from wxmall.core.models import OutboxMessage
from wxmall.orders import actions, queries, state
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.state import OrderStatus as S
from wxmall.orders.tasks import cancel_expired_orders

pytestmark = pytest.mark.django_db

WEBHOOK = {
    "merchant_webhook": {
        "handler": "wxmall.core.webhook.post_webhook",
        "url": "http://127.0.0.1:9/hook",
        "secret": "s3cret",
    }
}


@pytest.fixture
def order(customer, address, sku):
    return checkout.place_order(customer, items=[(sku.pk, 2)], address_id=address.pk)


@pytest.fixture
def staff(db):
    return make_customer("clerk", is_staff=True)


def pay(order):
    return actions.mark_paid(order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total)


def test_happy_path_sets_timestamps_and_writes_one_event_per_move(order, staff, sku):
    pay(order)
    actions.ship(order.pk, staff)
    actions.deliver(order.pk, staff)
    done = actions.complete(order.pk, staff)
    assert done.status == S.COMPLETED
    order.refresh_from_db()
    assert order.paid_at <= order.shipped_at <= order.delivered_at <= order.completed_at
    assert list(
        OrderEvent.objects.filter(order=order).values_list("from_status", "to_status", "actor_kind")
    ) == [
        ("", "pending_payment", "customer"),
        ("pending_payment", "paid", "wechat"),
        ("paid", "shipped", "staff"),
        ("shipped", "delivered", "staff"),
        ("delivered", "completed", "staff"),
    ]
    assert OrderEvent.objects.filter(order=order, to_status="shipped").get().actor_id == staff.pk
    sku.refresh_from_db()
    assert sku.stock == 8 and sku.product.sales_count == 2


@pytest.mark.parametrize(
    "path, illegal",
    [
        ([], S.SHIPPED),
        ([], S.COMPLETED),
        ([], S.REFUNDED),
        ([], S.REFUND_REQUESTED),
        ([S.PAID], S.CANCELLED),
        ([S.PAID], S.DELIVERED),
        ([S.PAID, S.SHIPPED], S.PAID),
        ([S.CANCELLED], S.PAID),
        ([S.CANCELLED], S.PENDING_PAYMENT),
        ([S.PAID], "teleported"),
    ],
)
def test_illegal_transitions_are_refused_and_write_nothing(order, staff, path, illegal):
    for step in path:
        pay(order) if step == S.PAID else actions.transition(order.pk, step, actor=staff, actor_kind="staff")
    exc = refused(
        "illegal_transition", actions.transition, order.pk, illegal, actor=staff, actor_kind="staff"
    )
    assert exc.status == 409


def test_actor_kinds_are_enforced(order, customer):
    refused(
        "transition_not_permitted",
        actions.transition,
        order.pk,
        S.PAID,
        actor=customer,
        actor_kind="customer",
    )
    pay(order)
    refused(
        "transition_not_permitted",
        actions.transition,
        order.pk,
        S.SHIPPED,
        actor=customer,
        actor_kind="customer",
    )
    refused("transition_not_permitted", actions.transition, order.pk, S.SHIPPED, actor_kind="martian")


def test_unknown_order_is_not_found(db):
    refused("order_not_found", actions.transition, 987654, S.CANCELLED, actor_kind="system")


def test_customer_cancel_releases_stock_flash_sale_units_and_coupon_use(customer, address, sku, cheap_sku):
    sale = make_flash_sale(sku, quota=3)
    flash_order = checkout.place_order(
        customer, items=[(sku.pk, 1)], address_id=address.pk, flash_sale_id=sale.pk
    )
    coupon = make_coupon(code="BACK", value=100, per_user_limit=1, total_quota=1)
    coupon_order = checkout.place_order(
        customer, items=[(cheap_sku.pk, 2)], address_id=address.pk, coupon_code="BACK"
    )
    actions.cancel_by_customer(customer, flash_order.order_no, "不想要了")
    actions.cancel_by_customer(customer, coupon_order.order_no)
    sku.refresh_from_db()
    cheap_sku.refresh_from_db()
    sale.refresh_from_db()
    coupon.refresh_from_db()
    assert (sku.stock, cheap_sku.stock, sale.sold, coupon.used_count) == (10, 50, 0, 0)
    assert OrderEvent.objects.get(order=flash_order, to_status="cancelled").reason == "不想要了"
    # The coupon and the flash sale can be used again by the same customer.
    checkout.place_order(customer, items=[(cheap_sku.pk, 2)], address_id=address.pk, coupon_code="BACK")
    checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, flash_sale_id=sale.pk)


def test_customer_cannot_cancel_someone_elses_or_a_paid_order(order, other_customer, customer):
    refused("order_not_found", actions.cancel_by_customer, other_customer, order.order_no)
    pay(order)
    refused("illegal_transition", actions.cancel_by_customer, customer, order.order_no)


def test_refund_before_shipping_releases_stock(order, customer, staff, sku):
    pay(order)
    actions.request_refund(customer, order.order_no, "拍错了")
    order.refresh_from_db()
    assert (order.status, order.refund_from_status) == (S.REFUND_REQUESTED, S.PAID)
    actions.transition(order.pk, S.REFUNDED, actor=staff, actor_kind="staff")
    sku.refresh_from_db()
    assert sku.stock == 10


def test_refund_after_shipping_does_not_release_stock(order, customer, staff, sku):
    pay(order)
    actions.ship(order.pk, staff)
    actions.request_refund(customer, order.order_no)
    actions.transition(order.pk, S.REFUNDED, actor=staff, actor_kind="staff")
    sku.refresh_from_db()
    assert sku.stock == 8


def test_rejected_refund_returns_to_where_it_came_from_only(order, customer, staff):
    pay(order)
    actions.ship(order.pk, staff)
    actions.request_refund(customer, order.order_no)
    refused("illegal_transition", actions.transition, order.pk, S.PAID, actor=staff, actor_kind="staff")
    back = actions.transition(
        order.pk, S.SHIPPED, actor=staff, actor_kind="staff", reason="商品已签出，拒绝退款"
    )
    assert (back.status, back.refund_from_status) == (S.SHIPPED, "")
    assert state.next_statuses(S.SHIPPED, "staff") == [S.DELIVERED, S.REFUND_REQUESTED]


def test_mark_paid_is_idempotent_and_checks_the_amount(order):
    refused(
        "amount_mismatch", actions.mark_paid, order.order_no, "4200000001", timezone.now(), order.total - 1
    )
    paid_at = timezone.now() - timedelta(seconds=5)
    first = actions.mark_paid(order.order_no, "4200000001", paid_at, order.total)
    assert (first.status, first.paid_at, first.payment_transaction_id) == (S.PAID, paid_at, "4200000001")
    events = OrderEvent.objects.count()
    again = actions.mark_paid(order.order_no, "4200000001", timezone.now(), order.total)
    assert again.paid_at == paid_at and OrderEvent.objects.count() == events
    refused(
        "paid_by_other_transaction",
        actions.mark_paid,
        order.order_no,
        "4200000002",
        timezone.now(),
        order.total,
    )
    refused("order_not_found", actions.mark_paid, "WX000000", "4200000003", timezone.now(), 1)


def test_payment_for_a_cancelled_order_is_refused(order, customer):
    actions.cancel_by_customer(customer, order.order_no)
    refused(
        "illegal_transition", actions.mark_paid, order.order_no, "4200000009", timezone.now(), order.total
    )


def test_auto_cancel_takes_only_expired_unpaid_orders(customer, address, sku, settings):
    expired = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    expired_paid = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    fresh = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    Order.objects.filter(pk__in=[expired.pk, expired_paid.pk]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    pay(expired_paid)
    assert cancel_expired_orders() == 1
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {expired.pk: S.CANCELLED, expired_paid.pk: S.PAID, fresh.pk: S.PENDING_PAYMENT}
    event = OrderEvent.objects.get(order=expired, to_status="cancelled")
    assert (event.actor_kind, event.actor_id) == ("system", None)
    sku.refresh_from_db()
    assert sku.stock == 8
    assert cancel_expired_orders() == 0


def test_auto_cancel_is_scheduled_every_minute():
    entry = celery_app.conf.beat_schedule["orders-cancel-expired"]
    assert entry["task"] == cancel_expired_orders.name and entry["schedule"] == 60.0


def test_order_for_hides_other_customers_orders(order, customer, other_customer):
    assert queries.order_for(customer, order.order_no).pk == order.pk
    with pytest.raises(DomainError) as exc:
        queries.order_for(other_customer, order.order_no)
    assert exc.value.code == "order_not_found" and exc.value.status == 404
    assert list(queries.orders_for(other_customer)) == []
    with pytest.raises(DomainError):
        queries.orders_for(customer, status="bogus")


def test_orders_for_filters_and_avoids_n_plus_one(customer, address, sku, django_assert_num_queries):
    for _ in range(4):
        checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    pay(Order.objects.first())
    with django_assert_num_queries(2):
        orders = list(queries.orders_for(customer))
        assert sum(len(o.lines.all()) for o in orders) == 4
    assert len(queries.orders_for(customer, status=S.PAID)) == 1


def test_today_summary_counts_paid_orders_of_the_beijing_day(customer, address, sku, cheap_sku):
    beijing = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 11, 23, 0, 30, tzinfo=beijing)  # just after midnight in Beijing (16:30 UTC before)
    a = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    b = checkout.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    c = checkout.place_order(customer, items=[(cheap_sku.pk, 2)], address_id=address.pk)
    checkout.place_order(customer, items=[(cheap_sku.pk, 3)], address_id=address.pk)  # unpaid
    actions.mark_paid(a.order_no, "T-A", now - timedelta(minutes=10), a.total)
    actions.mark_paid(b.order_no, "T-B", now - timedelta(minutes=40), b.total)  # yesterday in Beijing
    actions.mark_paid(c.order_no, "T-C", now - timedelta(minutes=5), c.total)
    assert queries.today_summary(now) == {"count": 2, "gmv": a.total + c.total}


def test_transition_writes_exactly_one_outbox_row_when_webhook_configured(order, staff, settings):
    settings.OUTBOX_DESTINATIONS = settings.OUTBOX_DESTINATIONS | WEBHOOK
    pay(order)
    rows = list(OutboxMessage.objects.filter(kind="order.status_changed"))
    assert len(rows) == 1
    event = OrderEvent.objects.get(order=order, to_status="paid")
    assert rows[0].destination == "merchant_webhook"
    assert rows[0].idempotency_key == f"order-status:{order.order_no}:{event.pk}"
    assert rows[0].payload == {
        "order_no": order.order_no,
        "from": "pending_payment",
        "to": "paid",
        "at": event.created_at.isoformat(),
        "total": order.total,
    }
    # A refused transition writes none.
    with pytest.raises(DomainError):
        actions.transition(order.pk, S.COMPLETED, actor=staff, actor_kind="staff")
    assert OutboxMessage.objects.filter(kind="order.status_changed").count() == 1
    assert OutboxMessage.objects.exclude(destination="points").count() == 1  # points accrue off the path


def test_placement_enqueues_and_unconfigured_webhook_writes_nothing(customer, address, sku, settings):
    checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    assert OutboxMessage.objects.count() == 0  # MERCHANT_WEBHOOK_URL unset in tests
    settings.OUTBOX_DESTINATIONS = settings.OUTBOX_DESTINATIONS | WEBHOOK
    placed = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    message = OutboxMessage.objects.get()
    assert message.payload["order_no"] == placed.order_no
    assert (message.payload["from"], message.payload["to"]) == (None, "pending_payment")


def test_refused_placement_writes_no_outbox_row(customer, address, settings):
    settings.OUTBOX_DESTINATIONS = settings.OUTBOX_DESTINATIONS | WEBHOOK
    scarce = make_sku(stock=0)
    with pytest.raises(DomainError):
        checkout.place_order(customer, items=[(scarce.pk, 1)], address_id=address.pk)
    assert OutboxMessage.objects.count() == 0


def test_address_book_rules(customer, other_customer, settings):
    first = accounts.add_address(
        customer,
        recipient="王五",
        phone="13700000000",
        province="上海市",
        city="上海市",
        district="浦东新区",
        detail="世纪大道 100 号",
    )
    assert first.is_default
    second = accounts.add_address(
        customer,
        recipient="赵六",
        phone="13600000000",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        detail="文三路 1 号",
        is_default=True,
    )
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    accounts.delete_address(customer, second.pk)
    first.refresh_from_db()
    assert first.is_default
    refused("address_not_found", accounts.delete_address, other_customer, first.pk)
    refused("address_not_found", accounts.set_default_address, other_customer, first.pk)
    exc = refused(
        "invalid_address",
        accounts.add_address,
        customer,
        recipient="",
        phone="12345",
        province="x",
        city="y",
        detail="z",
    )
    assert exc.details["fields"] == ["recipient", "phone", "detail"]
    settings.CHECKOUT_MAX_ADDRESSES = 2
    make_address(customer)
    refused(
        "address_limit",
        accounts.add_address,
        customer,
        recipient="满了",
        phone="13500000000",
        province="江苏省",
        city="南京市",
        district="玄武区",
        detail="中山路 1 号",
    )
    assert make_address(other_customer).pk  # the limit is per customer


def test_cancel_task_is_registered_with_celery(order):
    from wxmall.celery import app

    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "wxmall.orders.cancel_expired_orders" in app.tasks
    assert app.tasks["wxmall.orders.cancel_expired_orders"].apply().get() == 1
    order.refresh_from_db()
    assert order.status == S.CANCELLED


def test_customer_confirms_receipt_of_a_shipped_order(api, order, staff):
    pay(order)
    actions.ship(order.pk, staff)
    response = api.post(f"/api/orders/{order.order_no}/confirm-received")
    assert response.status_code == 200 and response.json()["status"] == "delivered"
    assert OrderEvent.objects.get(order=order, to_status="delivered").actor_kind == "customer"
