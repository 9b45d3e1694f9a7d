"""Referral rewards: copy checked before start, reward once per invitee on the first paid order, reversed
on a full refund."""

from datetime import timedelta

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


@pytest.fixture
def coupon_campaign():
    from wxmall.checkout.models import CouponAudience
    from wxmall.checkout.testing import make_coupon
    from wxmall.growth.actions import referral

    inviter_coupon = make_coupon(code="INVITER50", value=5000, audience=CouponAudience.GRANTED)
    invitee_coupon = make_coupon(code="WELCOME20", value=2000, audience=CouponAudience.GRANTED)
    campaign = _campaign(
        inviter_points=0, inviter_coupon_id=inviter_coupon.pk, invitee_coupon_id=invitee_coupon.pk
    )
    return referral.start_campaign(campaign.pk), inviter_coupon, invitee_coupon


def _refund_fully(order):
    from wxmall.orders.actions import transition
    from wxmall.orders.state import ActorKind, OrderStatus
    from wxmall.payments.actions import refund_order

    refund_order(order.pk, None, "质量问题")
    transition(order.pk, OrderStatus.REFUNDED, actor_kind=ActorKind.WECHAT, reason="微信退款成功")


def test_a_coupon_reward_is_granted_once_and_an_unused_one_is_revoked_on_full_refund(
    coupon_campaign, customer, other_customer, sku
):
    from wxmall.accounts.testing import make_address
    from wxmall.checkout.models import CouponGrant
    from wxmall.growth.actions import referral
    from wxmall.growth.models import ReferralReward

    running, inviter_coupon, invitee_coupon = coupon_campaign
    referral.accept(running.pk, customer, other_customer)
    order = _first_order(other_customer, make_address(other_customer), sku)
    assert referral.reward_first_order(order) is False  # claimed twice: granted once
    grants = CouponGrant.objects.filter(source="referral")
    assert sorted(grants.values_list("coupon__code", "user_id")) == sorted(
        [("INVITER50", customer.pk), ("WELCOME20", other_customer.pk)]
    )
    reward = ReferralReward.objects.get()
    assert (reward.inviter_coupon, reward.invitee_coupon) == ("granted", "granted")

    _refund_fully(order)
    reward.refresh_from_db()
    assert (reward.inviter_coupon, reward.invitee_coupon) == ("revoked", "revoked")
    assert not grants.exists()
    assert referral.reverse_reward(order) is False  # the refund notified twice: revoked once


def test_a_used_reward_coupon_is_recorded_as_not_recoverable(
    coupon_campaign, customer, other_customer, sku, address
):
    from wxmall.accounts.testing import make_address
    from wxmall.checkout.actions import place_order
    from wxmall.checkout.models import CouponGrant
    from wxmall.growth.actions import referral
    from wxmall.growth.models import ReferralReward

    running, inviter_coupon, _ = coupon_campaign
    referral.accept(running.pk, customer, other_customer)
    order = _first_order(other_customer, make_address(other_customer), sku)
    spent = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, coupon_code="INVITER50")
    assert spent.coupon_redemption.coupon_id == inviter_coupon.pk

    _refund_fully(order)
    reward = ReferralReward.objects.get()
    assert (reward.inviter_coupon, reward.invitee_coupon) == ("used", "revoked")
    assert CouponGrant.objects.filter(coupon=inviter_coupon, user=customer).exists()  # left: it was used
    assert reward.get_inviter_coupon_display() == "已使用，无法收回"


def test_a_coupon_the_customer_already_held_is_not_granted_nor_revoked(
    coupon_campaign, customer, other_customer, sku
):
    from wxmall.accounts.testing import make_address
    from wxmall.checkout.actions.coupons import grant_to
    from wxmall.checkout.models import CouponGrant
    from wxmall.growth.actions import referral
    from wxmall.growth.models import ReferralReward

    running, _, invitee_coupon = coupon_campaign
    grant_to(invitee_coupon, [other_customer.pk], source="segment", ref="campaign:1")
    referral.accept(running.pk, customer, other_customer)
    order = _first_order(other_customer, make_address(other_customer), sku)
    reward = ReferralReward.objects.get()
    assert reward.invitee_coupon == "already_held" and reward.invitee_grant is None
    _refund_fully(order)
    reward.refresh_from_db()
    assert reward.invitee_coupon == "already_held"
    assert CouponGrant.objects.get(coupon=invitee_coupon, user=other_customer).source == "segment"


def test_a_campaign_refuses_a_public_expired_or_unknown_coupon():
    from wxmall.checkout.models import CouponAudience
    from wxmall.checkout.testing import make_coupon
    from wxmall.growth.models import ReferralCampaign

    public = make_coupon(code="PUBLIC10")
    ended = make_coupon(code="ENDED10", audience=CouponAudience.GRANTED, starts_in=-timedelta(days=40))
    with unchanged(ReferralCampaign):
        for coupon_id in (public.pk, ended.pk, 999999):
            error = refused("referral_campaign_invalid", _campaign, invitee_coupon_id=coupon_id)
            assert "优惠券" in error.message


def test_the_console_creates_a_campaign_with_a_coupon_reward(client, coupon_campaign):
    from wxmall.accounts.testing import make_customer
    from wxmall.customers.testing import as_owner
    from wxmall.growth.models import ReferralCampaign

    _, inviter_coupon, _ = coupon_campaign
    client.force_login(as_owner(make_customer("growth-staff", is_staff=True)))
    page = client.get("/console/growth/campaigns/").content.decode()
    assert "INVITER50" not in page and inviter_coupon.name in page  # offered by name, with its deal
    client.post(
        "/console/growth/campaigns/",
        {
            "name": "送券老带新",
            "copy": "邀请新朋友来店里逛逛",
            "mechanism": "新顾客首单付款后邀请人得一张券",
            "inviter_coupon": str(inviter_coupon.pk),
        },
    )
    created = ReferralCampaign.objects.get(name="送券老带新")
    assert created.inviter_coupon == inviter_coupon and created.invitee_coupon is None
