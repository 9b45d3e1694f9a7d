"""Referral rewards: copy checked before start, reward once per invitee on the first paid order, reversed
on a full refund."""

import pytest
from tests.helpers.db import refused, unchanged

pytestmark = pytest.mark.django_db


def _campaign(**fields):
    from wxmall.growth.actions import referral

    values = {
        "name": "老带新",
        "copy": "邀请新朋友来店里逛逛，新朋友首单付款后你们各得积分",
        "mechanism": "被邀请的新顾客完成首单付款后，邀请人与新顾客各获得积分；与是否分享无关",
        "inviter_points": 500,
        "invitee_points": 200,
    } | fields
    return referral.create_campaign(**values)


@pytest.fixture
def running():
    from wxmall.growth.actions import referral

    return referral.start_campaign(_campaign().pk)


def _first_order(user, address, sku):
    from wxmall.checkout.actions import place_order
    from wxmall.growth.testing import pay

    order = place_order(user, items=[(sku.pk, 1)], address_id=address.pk)
    return pay(order)


def test_induced_sharing_copy_is_refused_with_the_hit_shown():
    from wxmall.growth.actions import referral
    from wxmall.growth.models import ReferralCampaign

    campaign = _campaign(copy="转发有礼！集赞 20 个即送 500 积分")
    with unchanged(ReferralCampaign):
        error = refused("referral_copy_blocked", referral.start_campaign, campaign.pk)
    assert "转发有礼" in error.message and "集赞" in error.message
    mechanism = _campaign(mechanism="好友必须帮你砍价，分享有礼")
    assert "分享有礼" in refused("referral_copy_blocked", referral.start_campaign, mechanism.pk).message
    assert set(ReferralCampaign.objects.values_list("state", flat=True)) == {"draft"}


def test_first_paid_order_rewards_both_once(running, customer, other_customer, sku):
    from wxmall.accounts.points import balance_of
    from wxmall.accounts.testing import make_address
    from wxmall.growth.actions import referral
    from wxmall.growth.models import ReferralReward

    referral.accept(running.pk, customer, other_customer)
    referral.accept(running.pk, customer, other_customer)  # the link opened twice: one invitation
    address = make_address(other_customer)
    before = balance_of(customer), balance_of(other_customer)
    order = _first_order(other_customer, address, sku)
    assert referral.reward_first_order(order) is False  # claimed twice: once
    assert ReferralReward.objects.count() == 1
    assert balance_of(customer) - before[0] == 500
    assert balance_of(other_customer) - before[1] == 200  # order points accrue later, on completion
    second = _first_order(other_customer, address, sku)
    assert not ReferralReward.objects.filter(order=second).exists()
    refused("referral_not_new_customer", referral.accept, running.pk, customer, other_customer)


def test_self_invites_and_stopped_campaigns_are_refused(running, customer):
    from wxmall.growth.actions import referral

    refused("referral_self_invite", referral.accept, running.pk, customer, customer)
    assert referral.stop_campaign(running.pk) and not referral.stop_campaign(running.pk)
    from wxmall.accounts.testing import make_customer

    refused("referral_campaign_not_running", referral.accept, running.pk, customer, make_customer("newbie"))


def test_a_full_refund_of_the_qualifying_order_takes_the_reward_back_once(
    running, customer, other_customer, sku
):
    from wxmall.accounts.models import PointsEntry
    from wxmall.accounts.points import balance_of
    from wxmall.accounts.testing import make_address
    from wxmall.growth.actions import referral
    from wxmall.orders.actions import transition
    from wxmall.orders.state import ActorKind, OrderStatus
    from wxmall.payments.actions import refund_order

    referral.accept(running.pk, customer, other_customer)
    order = _first_order(other_customer, make_address(other_customer), sku)
    assert balance_of(customer) == 500
    refund_order(order.pk, None, "质量问题")
    transition(order.pk, OrderStatus.REFUNDED, actor_kind=ActorKind.WECHAT, reason="微信退款成功")
    assert balance_of(customer) == 0
    assert referral.reverse_reward(order) is False
    backs = PointsEntry.objects.filter(kind=PointsEntry.Kind.REFERRAL_BACK)
    assert sorted(backs.values_list("delta", flat=True)) == [-500, -200]


def test_bad_campaigns_are_refused():
    from wxmall.growth.actions import referral

    for fields in ({"name": " "}, {"copy": "长" * 2001}, {"inviter_points": -1}, {"invitee_points": 100_001}):
        refused("referral_campaign_invalid", _campaign, **fields)
    refused("referral_campaign_not_found", referral.start_campaign, 999)
