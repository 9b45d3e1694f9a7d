import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from wxmall.accounts import actions, points
from wxmall.accounts.models import Address, CustomerMerge, Member, User, WeChatIdentity
from wxmall.accounts.testing import make_address, make_customer
from wxmall.checkout.actions import add_to_cart
from wxmall.checkout.models import CartLine
from wxmall.core.errors import DomainError
from wxmall.orders.models import Order


def code_of(fn):
    with pytest.raises(DomainError) as err:
        fn()
    return err.value.code


@pytest.mark.django_db
def test_merge_moves_orders_addresses_identities_points_and_undoes_exactly(
    customer, other_customer, paid_order, staff, cheap_sku, sku
):
    # customer (alice) has a paid order, points, a default address, a cart line; other_customer too.
    make_address(other_customer, is_default=True)
    WeChatIdentity.objects.create(user=customer, appid="wxoa", openid="o-alice", kind="oa")
    add_to_cart(customer, cheap_sku.id, 1)
    add_to_cart(customer, sku.id, 1)
    add_to_cart(other_customer, sku.id, 2)  # the same SKU: that cart line cannot move
    earned = Member.objects.get(user=customer).points
    points.adjust(other_customer, 7, staff=staff, reason="开卡礼")

    merge = actions.merge_customers(customer.pk, other_customer.pk, staff=staff, reason="客户申请")

    assert Order.objects.get(pk=paid_order.pk).user_id == other_customer.pk
    assert WeChatIdentity.objects.get(openid="o-alice").user_id == other_customer.pk
    assert Address.objects.filter(user=other_customer).count() == 2
    assert Address.objects.filter(user=other_customer, is_default=True).count() == 1
    assert Member.objects.get(user=other_customer).points == earned + 7
    assert Member.objects.get(user=customer).points == 0
    assert CartLine.objects.get(user=other_customer, sku=sku).quantity == 2
    assert CartLine.objects.filter(user=customer, sku=sku).exists()  # kept, and said so
    assert merge.kept == {"checkout.cartline.user": [CartLine.objects.get(user=customer, sku=sku).pk]}
    assert "orders.order.user" in merge.moved and merge.staff == staff
    assert not User.objects.get(pk=customer.pk).is_active

    # Into the merged customer, or the merged customer again, or into itself: refused.
    third = make_customer("carol")
    assert code_of(lambda: actions.merge_customers(third.pk, customer.pk)) == "merge_target_merged"
    assert code_of(lambda: actions.merge_customers(customer.pk, third.pk)) == "merge_source_merged"
    assert code_of(lambda: actions.merge_customers(third.pk, third.pk)) == "merge_into_self"
    assert code_of(lambda: actions.merge_customers(third.pk, staff.pk)) == "merge_staff"

    actions.reverse_merge(merge.pk, staff=staff)
    assert Order.objects.get(pk=paid_order.pk).user_id == customer.pk
    assert WeChatIdentity.objects.get(openid="o-alice").user_id == customer.pk
    assert Address.objects.filter(user=customer, is_default=True).count() == 1
    assert Member.objects.get(user=customer).points == earned
    assert Member.objects.get(user=other_customer).points == 7
    assert User.objects.get(pk=customer.pk).is_active
    assert code_of(lambda: actions.reverse_merge(merge.pk, staff=staff)) == "merge_not_reversible"


@pytest.mark.django_db
def test_reversal_refused_after_the_deadline_or_once_points_are_spent(customer, other_customer, staff):
    points.adjust(customer, 50, staff=staff, reason="x")
    merge = actions.merge_customers(customer.pk, other_customer.pk, staff=staff)
    points.adjust(other_customer, -40, staff=staff, reason="兑换")
    assert code_of(lambda: actions.reverse_merge(merge.pk, staff=staff)) == "merge_reverse_points_spent"
    assert CustomerMerge.objects.get(pk=merge.pk).reversed_at is None  # nothing half-undone
    assert not User.objects.get(pk=customer.pk).is_active
    points.adjust(other_customer, 40, staff=staff, reason="退回")
    CustomerMerge.objects.filter(pk=merge.pk).update(reversible_until=timezone.now() - timedelta(seconds=1))
    assert code_of(lambda: actions.reverse_merge(merge.pk, staff=staff)) == "merge_not_reversible"


@pytest.mark.django_db(transaction=True)
def test_concurrent_opposite_merges_one_wins():
    a, b = make_customer("a1"), make_customer("b1")
    results = [None, None]
    barrier = threading.Barrier(2)

    def run(i, src, dst):
        try:
            barrier.wait()
            results[i] = actions.merge_customers(src, dst)
        except Exception as exc:  # noqa: BLE001 - inspected below
            results[i] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(0, a.pk, b.pk)),
        threading.Thread(target=run, args=(1, b.pk, a.pk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [r for r in results if isinstance(r, CustomerMerge)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].code in {"merge_target_merged", "merge_source_merged"}
    assert CustomerMerge.objects.count() == 1
    assert User.objects.filter(pk__in=[a.pk, b.pk], is_active=True).count() == 1
