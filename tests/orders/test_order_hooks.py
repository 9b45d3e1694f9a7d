"""Order transition hooks: who is registered at start-up, that hooks run in order inside the moving
transaction, and that a refusing hook refuses the whole move."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpers.db import snapshot
from wxmall.accounts import points
from wxmall.checkout import actions as checkout
from wxmall.checkout import release
from wxmall.core.errors import CommonError, DomainError
from wxmall.orders import actions, hooks
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.state import OrderStatus as S

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(customer, address, sku):
    return checkout.place_order(customer, items=[(sku.pk, 2)], address_id=address.pk)


def test_apps_register_their_hooks_at_start_up():
    from wxmall.aftersales import order_hooks as aftersales
    from wxmall.analytics import order_hooks as analytics
    from wxmall.channels.actions import commissions
    from wxmall.growth import order_hooks as growth
    from wxmall.invoicing import actions as invoicing
    from wxmall.officialaccount import notify
    from wxmall.payments import order_hooks as payments
    from wxmall.pickup import order_hooks as pickup
    from wxmall.store import order_hooks as store

    assert hooks.registry.for_move(S.PENDING_PAYMENT, S.CANCELLED) == [
        points.restore_on_cancel,
        release.on_cancelled,
        payments.close_wechat_orders,
        pickup.void_code,
        store.settle_short_stock,
        growth.group_seat_freed,
    ]
    # accounts comes before checkout in INSTALLED_APPS, so its hooks run first; spent points come back
    # before earned ones are taken back.
    assert hooks.registry.for_move(S.REFUND_REQUESTED, S.REFUNDED) == [
        points.return_on_refunded,
        points.reverse_on_refund,
        release.on_refunded,
        pickup.void_code,
        notify.on_refunded,
        store.settle_short_stock,
        commissions.on_refunded,
        aftersales.follow_order,
        growth.referral_reversal,
    ]
    assert hooks.registry.for_move(S.REFUND_REQUESTED, S.SHIPPED) == [
        pickup.refuse_shipping,
        notify.on_shipped,
        store.send_delivery,
        aftersales.follow_order,
    ]
    assert hooks.registry.for_move(S.PENDING_PAYMENT, S.PAID) == [
        points.earn_on_paid,
        actions.count_sales,
        pickup.issue_code,
        notify.on_paid,
        analytics.on_paid,
        commissions.on_paid,
        invoicing.on_order_paid,
        growth.group_member_paid,
        growth.referral_reward,
    ]
    assert hooks.registry.for_move(S.PAID, S.SHIPPED) == [
        pickup.refuse_shipping,
        notify.on_shipped,
        store.send_delivery,
    ]
    assert hooks.registry.for_move(S.PAID, S.COMPLETED) == [pickup.require_verification]


def test_registering_after_start_up_is_refused():
    with pytest.raises(ImproperlyConfigured, match="ready"):
        hooks.register(lambda order, frm, to: None, to=S.CANCELLED)


def test_a_registration_names_real_statuses():
    with pytest.raises(ImproperlyConfigured, match="cancelld"):
        _register_early(to="cancelld")
    with pytest.raises(ImproperlyConfigured):
        _register_early(to=[])


def _register_early(**kwargs):
    """`register` as it runs during app loading (before `apps.ready`)."""
    from django.apps import apps

    registry = hooks.Registry()
    apps.ready = False
    try:
        return registry.register(lambda order, frm, to: None, **kwargs)
    finally:
        apps.ready = True


def test_hooks_run_in_order_inside_the_transaction_after_the_status_update(monkeypatch, order, sku):
    seen = []

    def first(o, frm, to):
        # The guarded UPDATE already happened, and checkout's release (registered earlier) already ran.
        seen.append(("first", frm, to, Order.objects.get(pk=o.pk).status, _stock(sku)))

    def second(o, frm, to):
        seen.append(("second", frm, to, o.status, OrderEvent.objects.filter(order=o).count()))

    registry = hooks.registry.extended(first, to=S.CANCELLED).extended(second, to=[S.CANCELLED, S.PAID])
    monkeypatch.setattr(hooks, "registry", registry)
    actions.cancel_by_customer(order.user, order.order_no)
    assert seen == [
        ("first", S.PENDING_PAYMENT, S.CANCELLED, S.CANCELLED, 10),
        ("second", S.PENDING_PAYMENT, S.CANCELLED, S.CANCELLED, 1),  # the event is recorded after hooks
    ]
    assert OrderEvent.objects.filter(order=order).count() == 2


def test_from_narrows_the_moves_a_hook_sees():
    registry = hooks.Registry().extended(print, to=S.REFUNDED, from_=[S.REFUND_REQUESTED])
    assert registry.for_move(S.REFUND_REQUESTED, S.REFUNDED) == [print]
    assert registry.for_move(S.PAID, S.REFUNDED) == []
    assert registry.for_move(S.REFUND_REQUESTED, S.PAID) == []


def test_a_hook_that_refuses_rolls_the_whole_move_back(monkeypatch, order, sku):
    def refuse(o, frm, to):
        raise DomainError(CommonError.CONFLICT)

    monkeypatch.setattr(hooks, "registry", hooks.registry.extended(refuse, to=S.CANCELLED))
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        actions.cancel_by_customer(order.user, order.order_no)
    assert exc.value.error is CommonError.CONFLICT
    # checkout's release ran before the refusal, and was rolled back with the status change.
    assert snapshot() == before
    order.refresh_from_db()
    assert order.status == S.PENDING_PAYMENT and order.cancelled_at is None
    assert _stock(sku) == 8


def _stock(sku) -> int:
    sku.refresh_from_db()
    return sku.stock
