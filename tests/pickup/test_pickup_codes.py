"""The pickup code (核销码): issued once on payment, shown to its customer, verified by permitted staff
exactly once (also when two counters try at the same moment), refused for refunded, cancelled and
unpaid orders; refusals change nothing."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from helpers.db import assert_unchanged, refused, snapshot
from helpers.threads import run_parallel
from wxmall.checkout import actions as checkout
from wxmall.core.errors import DomainError
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.state import ActorKind, OrderStatus
from wxmall.pickup import actions
from wxmall.pickup.models import PickupEvent, PickupOrder
from wxmall.pickup.testing import mark_paid as pay
from wxmall.storefront.presenters import qr_svg

pytestmark = pytest.mark.django_db

COUNTER = "/console/pickup/"


def staff_client(user):
    client = Client()
    client.force_login(user)
    return client


# --- issuing -------------------------------------------------------------------------------------------
def test_payment_issues_a_random_12_digit_code_once(pickup_order, customer, sku, store):
    assert PickupOrder.objects.get(order=pickup_order).code is None  # unpaid: no code
    pay(pickup_order)
    pickup = PickupOrder.objects.get(order=pickup_order)
    assert re.fullmatch(r"[0-9]{12}", pickup.code) and pickup.code_issued_at is not None
    other = checkout.place_order(customer, items=[(sku.pk, 1)], pickup_store_id=store.pk)
    pay(other)
    assert PickupOrder.objects.get(order=other).code != pickup.code
    pay(pickup_order)  # WeChat's duplicate notification: same transaction, nothing new
    assert PickupOrder.objects.get(order=pickup_order).code == pickup.code
    assert list(PickupEvent.objects.filter(pickup=pickup).values_list("kind", flat=True)) == ["issued"]


def test_a_code_clash_is_retried_with_a_fresh_code(paid_pickup, customer, sku, store, monkeypatch):
    fresh = "123456789012"
    codes = iter([paid_pickup.code, fresh])
    monkeypatch.setattr(actions, "new_code", lambda: next(codes))
    other = checkout.place_order(customer, items=[(sku.pk, 1)], pickup_store_id=store.pk)
    pay(other)
    assert PickupOrder.objects.get(order=other).code == fresh


def test_delivery_orders_have_no_pickup_and_cannot_skip_shipping(customer, address, sku, clerk):
    order = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    pay(order)
    assert not PickupOrder.objects.exists()
    refused("pickup_delivery_not_shipped", order_actions.complete, order.pk, clerk)


def test_a_pickup_is_never_shipped_nor_completed_without_its_code(paid_pickup, clerk):
    refused("pickup_order_not_shippable", order_actions.ship, paid_pickup.order_id, clerk)
    refused("pickup_not_verified", order_actions.complete, paid_pickup.order_id, clerk)


def test_the_customer_sees_the_code_and_its_qr_only_on_their_paid_order(api, paid_pickup, other_customer):
    page = api.get(f"/orders/{paid_pickup.order.order_no}/").content.decode()
    assert paid_pickup.code_display in page and qr_svg(paid_pickup.code) in page
    assert "待自提" in page and "请凭核销码到门店取货" in page
    listed = api.get("/orders/").content.decode()
    assert re.search(r'class="status status-paid">待自提<', listed)
    assert api.get(f"/api/pickup/orders/{paid_pickup.order.order_no}").json()["code"] == paid_pickup.code
    stranger = staff_client(other_customer)
    assert stranger.get(f"/orders/{paid_pickup.order.order_no}/").status_code == 404
    assert stranger.get(f"/api/pickup/orders/{paid_pickup.order.order_no}").status_code == 404


# --- verifying -----------------------------------------------------------------------------------------
def test_staff_verify_once_the_order_completes_and_who_when_is_recorded(paid_pickup, clerk, api):
    counter = staff_client(clerk)
    found = counter.post(COUNTER, {"step": "lookup", "code": paid_pickup.code_display})
    assert found.status_code == 200 and paid_pickup.order.order_no in found.content.decode()
    assert "确认核销并交付商品" in found.content.decode()
    done = counter.post(COUNTER, {"step": "verify", "code": paid_pickup.code})
    assert done.status_code == 200 and "核销成功" in done.content.decode()

    pickup = PickupOrder.objects.select_related("order").get(pk=paid_pickup.pk)
    assert pickup.order.status == OrderStatus.COMPLETED and pickup.order.completed_at is not None
    assert pickup.verified_by == clerk and pickup.verified_at is not None
    event = OrderEvent.objects.filter(order=pickup.order).last()
    assert (event.from_status, event.to_status, event.actor, event.actor_kind) == (
        OrderStatus.PAID,
        OrderStatus.COMPLETED,
        clerk,
        ActorKind.STAFF,
    )
    assert PickupEvent.objects.filter(pickup=pickup, kind="verified", actor=clerk).count() == 1
    page = api.get(f"/orders/{pickup.order.order_no}/").content.decode()
    assert "在门店核销取货" in page and pickup.code_display not in page  # a used code is not shown again

    before = snapshot()
    again = counter.post(COUNTER, {"step": "verify", "code": paid_pickup.code})
    assert again.status_code == 409 and "该核销码已核销，不能重复使用" in again.content.decode()
    assert_unchanged(before)


def test_two_counters_verifying_at_once_one_wins(transactional_db, customer, sku, store):
    from django.contrib.auth.models import Permission

    from wxmall.pickup.testing import make_store  # noqa: F401 - the store fixture made one already

    order = checkout.place_order(customer, items=[(sku.pk, 1)], pickup_store_id=store.pk)
    pay(order)
    code = PickupOrder.objects.get(order=order).code
    permission = Permission.objects.get(codename="verify_pickup")
    staff = []
    for name in ("counter-a", "counter-b"):
        user = get_user_model().objects.create_user(name, is_staff=True)
        user.user_permissions.add(permission)
        staff.append(get_user_model().objects.get(pk=user.pk))
    results = run_parallel([lambda s=s: actions.verify(code, s) for s in staff])
    outcomes = sorted(r.code if isinstance(r, DomainError) else type(r).__name__ for r in results)
    assert outcomes == ["PickupOrder", "pickup_code_used"], results
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.COMPLETED).count() == 1
    assert PickupEvent.objects.filter(kind="verified").count() == 1


def test_wrong_and_hostile_codes_are_refused_without_echo(paid_pickup, clerk):
    counter = staff_client(clerk)
    before = snapshot()
    wrong = "000000000000" if paid_pickup.code != "000000000000" else "000000000001"
    for raw, status, message in [
        (wrong, 404, "核销码不存在"),
        ("<script>alert(1)</script>", 400, "核销码应为 12 位数字"),
        ("1' OR '1'='1", 400, "核销码应为 12 位数字"),
        ("1" * 13, 400, "核销码应为 12 位数字"),
        ("9" * 5000, 400, "核销码应为 12 位数字"),
        ("12345678901\x00", 400, "核销码应为 12 位数字"),
        ("", 400, "核销码应为 12 位数字"),
    ]:
        for step in ("lookup", "verify"):
            response = counter.post(COUNTER, {"step": step, "code": raw})
            body = response.content.decode()
            assert response.status_code == status and message in body, (raw, step)
            assert "<script>alert(1)</script>" not in body and "OR &#x27;1" not in body
    assert_unchanged(before)


def test_a_typed_code_may_carry_spaces_dashes_and_full_width_digits(paid_pickup, clerk):
    code = paid_pickup.code
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code[:4]) + " " + code[4:8] + "-" + code[8:]
    assert actions.verify(typed, clerk).order.status == OrderStatus.COMPLETED


def test_refund_voids_the_code(paid_pickup, customer, clerk, api):
    order = paid_pickup.order
    order_actions.request_refund(customer, order.order_no, "不想要了")
    refused("pickup_order_not_verifiable", actions.verify, paid_pickup.code, clerk)  # refund being decided
    order_actions.transition(order.pk, OrderStatus.REFUNDED, actor=clerk, actor_kind=ActorKind.STAFF)
    pickup = PickupOrder.objects.get(pk=paid_pickup.pk)
    assert pickup.voided_at is not None and pickup.verified_at is None
    refused("pickup_code_voided", actions.verify, paid_pickup.code, clerk)
    page = api.get(f"/orders/{order.order_no}/").content.decode()
    assert "核销码已失效" in page and paid_pickup.code_display not in page
    assert api.get(f"/api/pickup/orders/{order.order_no}").json() | {"verified_at": None} == {
        "order_no": order.order_no,
        "store": api.get(f"/api/pickup/orders/{order.order_no}").json()["store"],
        "code": None,
        "verified_at": None,
        "voided": True,
    }


def test_a_rejected_refund_keeps_the_same_code(paid_pickup, customer, clerk):
    order = paid_pickup.order
    order_actions.request_refund(customer, order.order_no, "不想要了")
    order_actions.transition(order.pk, OrderStatus.PAID, actor=clerk, actor_kind=ActorKind.STAFF)
    assert PickupOrder.objects.get(pk=paid_pickup.pk).code == paid_pickup.code
    assert actions.verify(paid_pickup.code, clerk).order.status == OrderStatus.COMPLETED


def test_cancelled_unpaid_order_has_no_code_and_is_voided(pickup_order, customer, clerk):
    order_actions.cancel_by_customer(customer, pickup_order.order_no)
    pickup = PickupOrder.objects.get(order=pickup_order)
    assert pickup.code is None and pickup.voided_at is not None


def test_a_cancelled_pickup_revived_by_a_late_payment_gets_a_live_code(pickup_order, customer, clerk):
    order_actions.cancel_by_customer(customer, pickup_order.order_no)
    order_actions.revive_paid(pickup_order.order_no, "4200000000late", timezone.now(), pickup_order.total)
    pickup = PickupOrder.objects.get(order=pickup_order)
    assert pickup.code and pickup.voided_at is None
    assert actions.verify(pickup.code, clerk).order.status == OrderStatus.COMPLETED


def test_non_staff_and_staff_without_permission_are_refused(paid_pickup, customer, db):
    as_customer = staff_client(customer)
    response = as_customer.post(COUNTER, {"step": "verify", "code": paid_pickup.code})
    assert response.status_code == 302 and "/admin/login/" in response.url
    from django.contrib.auth.models import Permission

    plain_staff = get_user_model().objects.create_user("intern", is_staff=True)
    # Sees the pickups (the console's table lets it in), may not hand them over (the page's own check).
    plain_staff.user_permissions.add(Permission.objects.get(codename="view_pickuporder"))
    counter = staff_client(plain_staff)
    before = snapshot()
    for request in (
        counter.get(COUNTER),
        counter.post(COUNTER, {"step": "verify", "code": paid_pickup.code}),
    ):
        assert request.status_code == 403 and "没有核销自提订单的权限" in request.content.decode()
    refused("pickup_verify_not_permitted", actions.verify, paid_pickup.code, customer)
    assert_unchanged(before)
    assert Client().post(COUNTER, {"step": "verify", "code": paid_pickup.code}).status_code == 302
    assert PickupOrder.objects.get(pk=paid_pickup.pk).verified_at is None


def test_the_counter_page_needs_csrf(paid_pickup, clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(COUNTER, {"step": "verify", "code": paid_pickup.code}).status_code == 403
    assert PickupOrder.objects.get(pk=paid_pickup.pk).verified_at is None
