import pytest
from django.utils import timezone

from wxmall.accounts import points
from wxmall.accounts.models import Member, MembershipLevel, PointsEntry
from wxmall.core.errors import DomainError
from wxmall.orders import actions as order_actions
from wxmall.orders.state import OrderStatus

pytestmark = pytest.mark.django_db


def balance(user):
    return Member.objects.get(user=user).points


def test_paid_order_earns_points_once_and_counts_toward_the_level(customer, paid_order):
    MembershipLevel.objects.create(name="普通会员", rank=1)
    MembershipLevel.objects.create(name="金卡会员", rank=2, min_paid_total=paid_order.total)
    assert paid_order.status == OrderStatus.PAID
    expected = paid_order.total // 100
    assert balance(customer) == expected
    # The same payment notification again: nothing changes.
    order_actions.mark_paid(
        paid_order.order_no, paid_order.payment_transaction_id, timezone.now(), paid_order.total
    )
    points.earn_on_paid(paid_order, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)
    member = Member.objects.get(user=customer)
    assert member.points == expected and member.paid_total == paid_order.total
    points._refresh_level(member.pk)
    assert Member.objects.get(user=customer).level.name == "金卡会员"
    assert PointsEntry.objects.filter(order_no=paid_order.order_no).count() == 1


def test_refund_takes_back_what_was_earned_and_never_goes_negative(customer, staff, paid_order):
    earned = balance(customer)
    points.adjust(customer, -(earned - 5), staff=staff, reason="测试：消费掉大部分")
    order_actions.request_refund(customer, paid_order.order_no, "不想要了")
    order_actions.transition(paid_order.pk, OrderStatus.REFUNDED, actor=staff, actor_kind="staff")
    assert balance(customer) == 0  # took the 5 that were left, not more
    reverse = PointsEntry.objects.get(order_no=paid_order.order_no, kind=PointsEntry.Kind.REVERSE_ORDER)
    assert reverse.delta == -5 and reverse.balance_after == 0
    assert Member.objects.get(user=customer).paid_total == 0
    points.reverse_on_refund(paid_order, OrderStatus.REFUND_REQUESTED, OrderStatus.REFUNDED)  # replayed
    assert PointsEntry.objects.filter(kind=PointsEntry.Kind.REVERSE_ORDER).count() == 1


def test_staff_adjustment_is_audited_and_cannot_overdraw(customer, staff):
    assert points.adjust(customer, 100, staff=staff, reason="客服补偿") == 100
    with pytest.raises(DomainError) as err:
        points.adjust(customer, -101, staff=staff, reason="扣回")
    assert err.value.code == "points_insufficient"
    assert balance(customer) == 100
    entry = PointsEntry.objects.get(user=customer)
    assert entry.staff == staff and entry.reason == "客服补偿" and entry.balance_after == 100
    for bad in (0, 10**9):
        with pytest.raises(DomainError):
            points.adjust(customer, bad, staff=staff, reason="x")
    with pytest.raises(DomainError):
        points.adjust(customer, 5, staff=staff, reason="  ")


def test_follow_joins_membership(customer):
    member = points.join_on_follow(customer)
    assert member.source == Member.Source.FOLLOW and member.points == 0
    assert points.join_on_follow(customer).pk == member.pk


def test_points_accrue_in_the_worker_and_never_for_an_order_refunded_first(customer, address, sku, staff):
    from wxmall.checkout.actions import place_order
    from wxmall.core.models import OutboxMessage
    from wxmall.core.relay import relay

    order = place_order(customer, items=[(sku.id, 1)], address_id=address.id)
    order_actions.mark_paid(order.order_no, "tx-late-points", timezone.now(), order.total)
    queued = OutboxMessage.objects.get(destination="points")
    assert queued.payload == {"order_no": order.order_no} and not PointsEntry.objects.exists()
    # Refunded before the worker got to it: the refund had nothing to take back, so nothing is earned.
    order_actions.request_refund(customer, order.order_no, "不要了")
    order_actions.transition(order.pk, OrderStatus.REFUNDED, actor=staff, actor_kind="staff")
    relay()
    assert not PointsEntry.objects.filter(order_no=order.order_no).exists()
    assert OutboxMessage.objects.get(pk=queued.pk).status == "delivered"
    assert points.accrue_for_order(order.order_no) is False


def test_accrual_is_once_per_order(customer, paid_order):
    assert points.accrue_for_order(paid_order.order_no) is False  # the fixture's relay did it
    assert PointsEntry.objects.filter(order_no=paid_order.order_no).count() == 1
