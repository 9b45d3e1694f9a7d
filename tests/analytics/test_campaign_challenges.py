"""Challenge campaigns: a topic challenge attached to a campaign (by its number), and the campaign page's
figures for it, worked out by hand.

Challenge #晒桌面 with reward coupon TOPIC50 (50.00 off, holders only), attached to campaign 春节:
  alice    claims, buys a 600.00 SKU with the coupon and pays                  → using, paying, GMV 550.00
  mallory  claims, places an order with the coupon, never pays                  → using
  bob      held TOPIC50 from a segment before, claims                           → participant, no new grant
  dave     holds TOPIC50 from a segment, pays with it without claiming          → not a participant
So: participants 3, granted 2, using 2, paying 1, paid orders 1, GMV 550.00, conversion 1/3 = 33.3%."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from wxmall.accounts.testing import make_address, make_customer
from wxmall.analytics import campaigns, queries
from wxmall.analytics.models import Campaign
from wxmall.audit.models import AuditEntry
from wxmall.catalog.testing import make_sku
from wxmall.channels.actions import challenges
from wxmall.checkout.actions import place_order
from wxmall.checkout.actions.coupons import grant_to
from wxmall.checkout.models import CouponAudience, GrantSource
from wxmall.checkout.testing import make_coupon, make_paid_order
from wxmall.core.errors import DomainError
from wxmall.customers.testing import OWNER, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    today = timezone.localdate()
    return campaigns.create(
        "春节",
        campaigns.CampaignInput(
            name="春节大促", starts_on=today, ends_on=today + dt.timedelta(days=30), budget=0
        ),
    )


@pytest.fixture
def challenge():
    coupon = make_coupon(code="TOPIC50", value=5000, audience=CouponAudience.GRANTED)
    return challenges.create(
        topic="晒桌面",
        coupon_id=coupon.pk,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=3),
    )


@pytest.fixture
def played(campaign, challenge):
    campaigns.attach(campaign.pk, "challenge", str(challenge.pk))
    alice, mallory, bob, dave = (make_customer(name) for name in ("alice", "mallory", "bob", "dave"))
    grant_to(challenge.coupon, [bob.pk, dave.pk], source=GrantSource.SEGMENT)
    for who in (alice, mallory, bob):
        challenges.claim(challenge.pk, who, f"export/{who.username}")
    paid = make_paid_order(alice, price=60000, coupon_code="TOPIC50")
    sku = make_sku(price=60000, stock=5)
    place_order(mallory, items=[(sku.pk, 1)], address_id=make_address(mallory).pk, coupon_code="TOPIC50")
    make_paid_order(dave, price=60000, coupon_code="TOPIC50")
    return paid


def test_the_challenges_figures(campaign, played):
    [row] = queries.challenges(campaign)
    assert row["challenge"].topic == "晒桌面"
    assert (row["participants"], row["granted"], row["using"], row["paying"], row["paid_orders"]) == (
        3,
        2,
        2,
        1,
        1,
    )
    assert row["gmv"] == played.total == 55000 + played.shipping_fee
    assert row["conversion"] == pytest.approx(1 / 3)
    assert [c.user.username for c in row["recent"]] == ["bob", "mallory", "alice"]


def test_a_cancelled_order_no_longer_counts_as_using_the_reward(campaign, played):
    from wxmall.checkout.models import CouponRedemption

    CouponRedemption.objects.filter(user__username="mallory").delete()  # what cancelling does
    [row] = queries.challenges(campaign)
    assert (row["using"], row["paying"]) == (1, 1)


def test_attach_by_number_detach_and_bad_refs(campaign, challenge):
    assert campaigns.attach(campaign.pk, "challenge", f"#{challenge.pk}") == challenge
    assert campaigns.attach(campaign.pk, "challenge", str(challenge.pk)) == challenge  # again: a no-op
    assert list(campaign.challenges.all()) == [challenge]
    for ref in ("", "abc", "99999", "1 OR 1=1", "１"):
        with pytest.raises(DomainError) as refused:
            campaigns.attach(campaign.pk, "challenge", ref)
        assert refused.value.error.code == "campaign_member_not_found"
    campaigns.detach(campaign.pk, "challenge", str(challenge.pk))
    assert not campaign.challenges.exists()
    campaigns.archive(campaign.pk)
    with pytest.raises(DomainError):
        campaigns.attach(campaign.pk, "challenge", str(challenge.pk))


def test_the_campaign_page_shows_the_challenge_and_attaching_is_audited(campaign, challenge, played):
    staff = make_staff("marketer", OWNER)
    for codename in ("view_campaign", "change_campaign"):
        staff.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="analytics")
        )
    client = Client()
    client.force_login(staff)
    campaigns.detach(campaign.pk, "challenge", str(challenge.pk))
    url = f"/console/analytics/campaigns/{campaign.pk}/"
    response = client.post(f"{url}members/", {"kind": "challenge", "op": "attach", "ref": str(challenge.pk)})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="campaign.attach", target_id=str(campaign.pk)).exists()
    page = client.get(url).content.decode()
    row = page[page.index(f'data-code="{challenge.pk}"') :]
    row = row[: row.index("</tr>")]
    for cell in (
        'participants" data-label="参与人数">3<',
        'granted" data-label="发放券数">2<',
        "33.3%",
        "TOPIC50",
    ):
        assert cell in row
    assert "export/alice" in page
    refused = client.post(
        f"{url}members/", {"kind": "challenge", "op": "attach", "ref": "99999"}, follow=True
    )
    assert "没有找到要关联的链接、优惠券、实验或话题挑战" in refused.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).challenges.count() == 1
