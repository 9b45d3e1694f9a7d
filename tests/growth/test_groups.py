"""Group buying: open, join once, fill, expire unfilled and refund, fill-vs-expire race."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.helpers.db import refused
from tests.helpers.threads import codes, run_parallel

pytestmark = pytest.mark.django_db(transaction=False)


def _groups():
    from wxmall.growth.actions import groups

    return groups


def test_open_and_join_fill_the_group_at_the_group_price(deal, customer, address, shoppers, sku):
    from wxmall.growth.models import Group
    from wxmall.growth.testing import pay
    from wxmall.marketing.models import Link

    groups = _groups()
    leader = groups.open_group(customer, deal.pk, address_id=address.pk)
    group = leader.group
    assert leader.order.total == 99900 and leader.order.lines.get().unit_price == 99900
    link = Link.objects.get(pk=group.link_id)
    assert link.campaign == "group_buy" and link.target_url.endswith(f"/g/groups/{group.pk}/")
    assert leader.order.channel == f"group:{link.code}"
    members = [leader] + [groups.join_group(u, group.pk, address_id=a.pk) for u, a in shoppers[:2]]
    sku.refresh_from_db()
    assert sku.stock == 7  # one unit held per member
    refused("group_full", groups.join_group, shoppers[2][0], group.pk, address_id=shoppers[2][1].pk)
    for member in members[:2]:
        pay(member.order)
    group.refresh_from_db()
    assert (group.state, group.paid) == (Group.State.OPEN, 2)
    pay(members[2].order)
    pay(members[2].order)  # WeChat notifies twice: counted once
    group.refresh_from_db()
    assert (group.state, group.paid) == (Group.State.SUCCEEDED, 3)
    assert groups.expire(group.pk, now=group.expires_at + timedelta(seconds=1)) is False


@pytest.mark.django_db(transaction=True)
def test_a_customer_joins_a_group_once(deal, customer, address, shoppers):
    from wxmall.growth.models import Group, GroupMember
    from wxmall.orders.models import Order

    groups = _groups()
    group = groups.open_group(customer, deal.pk, address_id=address.pk).group
    refused("group_already_joined", groups.join_group, customer, group.pk, address_id=address.pk)
    user, addr = shoppers[0]
    results = run_parallel([lambda: groups.join_group(user, group.pk, address_id=addr.pk)] * 2)
    assert sum(isinstance(r, GroupMember) for r in results) == 1, results
    assert codes([r for r in results if not isinstance(r, GroupMember)]) == ["group_already_joined"]
    assert GroupMember.objects.filter(group=group).count() == 2
    assert Order.objects.filter(user=user).count() == 1
    assert Group.objects.get(pk=group.pk).seats == 2


def test_an_unpaid_cancel_frees_the_seat_and_its_stock(deal, customer, address, shoppers, sku):
    from wxmall.growth.models import Group
    from wxmall.orders.actions import cancel_by_customer

    groups = _groups()
    group = groups.open_group(customer, deal.pk, address_id=address.pk).group
    member = groups.join_group(shoppers[0][0], group.pk, address_id=shoppers[0][1].pk)
    cancel_by_customer(shoppers[0][0], member.order.order_no)
    sku.refresh_from_db()
    assert Group.objects.get(pk=group.pk).seats == 1 and sku.stock == 9


def test_an_expired_group_is_refunded_once_and_its_stock_released(deal, customer, address, shoppers, sku):
    from wxmall.growth.models import Group
    from wxmall.growth.testing import pay
    from wxmall.orders.state import OrderStatus
    from wxmall.payments.models import Refund

    groups = _groups()
    leader = groups.open_group(customer, deal.pk, address_id=address.pk)
    group = leader.group
    unpaid = groups.join_group(shoppers[0][0], group.pk, address_id=shoppers[0][1].pk)
    pay(leader.order)
    later = group.expires_at + timedelta(seconds=1)
    assert groups.expire_due(now=later) == 1
    assert groups.expire_due(now=later) == 0 and groups.expire(group.pk, now=later) is False
    group.refresh_from_db()
    assert group.state == Group.State.FAILED
    refund = Refund.objects.get(order=leader.order)  # exactly one, for the full amount
    assert refund.amount == 99900 and refund.completes_order
    leader.order.refresh_from_db()
    unpaid.order.refresh_from_db()
    assert leader.order.status == OrderStatus.REFUND_REQUESTED
    assert unpaid.order.status == OrderStatus.CANCELLED
    sku.refresh_from_db()
    assert sku.stock == 9  # the unpaid member's unit is back; the paid one returns when WeChat confirms
    refused("group_closed", groups.join_group, shoppers[1][0], group.pk, address_id=shoppers[1][1].pk)


def test_a_payment_after_the_group_failed_is_refunded_by_the_next_run(deal, customer, address, shoppers):
    from wxmall.payments.models import Refund

    groups = _groups()
    group = groups.open_group(customer, deal.pk, address_id=address.pk).group
    member = groups.join_group(shoppers[0][0], group.pk, address_id=shoppers[0][1].pk)
    later = group.expires_at + timedelta(seconds=1)
    from wxmall.growth.models import Group

    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    groups.expire(group.pk, now=later)
    member.order.refresh_from_db()
    assert member.order.status == "cancelled"
    assert not Refund.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_filling_up_as_it_expires_ends_in_exactly_one_outcome(deal, customer, address, shoppers):
    from wxmall.growth.models import Group
    from wxmall.growth.testing import pay
    from wxmall.payments.models import Refund

    groups = _groups()
    members = [groups.open_group(customer, deal.pk, address_id=address.pk)]
    group = members[0].group
    members += [groups.join_group(u, group.pk, address_id=a.pk) for u, a in shoppers[:2]]
    for member in members[:2]:
        pay(member.order)
    deadline = timezone.now() + timedelta(milliseconds=50)
    Group.objects.filter(pk=group.pk).update(expires_at=deadline)
    results = run_parallel([lambda: pay(members[2].order), lambda: groups.expire(group.pk, now=deadline)])
    group.refresh_from_db()
    refunds = Refund.objects.filter(order__group_member__group=group)
    if group.state == Group.State.SUCCEEDED:
        assert results == [results[0], False] and group.paid == 3 and not refunds.exists()
    else:
        # Expiry won: the unpaid order was cancelled, so its payment is refused (payments refunds such a
        # late payment itself) and the two paid members are refunded once each.
        assert group.state == Group.State.FAILED and results[1] is True
        assert codes([results[0]]) == ["illegal_transition"]
        groups.expire_due(now=deadline + timedelta(seconds=1))
        assert sorted(refunds.values_list("order_id", flat=True)) == sorted(m.order_id for m in members[:2])


def test_bad_deals_are_refused(sku):
    from wxmall.growth.actions.groups import create_deal
    from wxmall.growth.models import GroupDeal

    for price, size, hours in [(sku.price, 3, 24), (0, 3, 24), (100, 1, 24), (100, 3, 0), (100, 51, 24)]:
        refused(
            "group_deal_invalid", create_deal, sku=sku, title="团", group_price=price, size=size, hours=hours
        )
    assert not GroupDeal.objects.exists()
