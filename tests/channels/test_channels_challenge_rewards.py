"""A topic challenge's reward is a coupon granted on the claim: once per customer, in the claim's own
transaction (racing taps give one claim and one grant), usable at checkout only after claiming when the
coupon is for holders only, refused while the coupon is switched off or expired (nothing written)."""

import datetime as dt

import pytest
from django.utils import timezone

from helpers.threads import run_parallel
from wxmall.accounts.testing import make_address
from wxmall.catalog.testing import make_sku
from wxmall.channels.actions import challenges
from wxmall.channels.models import ChallengeClaim
from wxmall.checkout.actions import place_order
from wxmall.checkout.actions.coupons import grant_to
from wxmall.checkout.models import CouponAudience, CouponGrant, GrantSource
from wxmall.checkout.testing import make_coupon
from wxmall.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _challenge(**coupon_fields):
    coupon = make_coupon(code="TOPIC50", value=5000, audience=CouponAudience.GRANTED, **coupon_fields)
    return challenges.create(
        topic="#晒出我的桌面",
        coupon_id=coupon.pk,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=1),
    )


def test_the_claim_grants_the_coupon_which_checkout_then_accepts(customer):
    challenge = _challenge()
    sku = make_sku(price=60000, stock=5)
    address = make_address(customer)
    with pytest.raises(DomainError):  # a holders-only coupon before the claim
        place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, coupon_code="TOPIC50")

    claim = challenges.claim(challenge.pk, customer, "export/POST1")
    grant = CouponGrant.objects.get(coupon=challenge.coupon, user=customer)
    assert (grant.source, grant.ref) == (GrantSource.CLAIM, f"challenge:{challenge.pk}")
    assert claim.challenge_id == challenge.pk

    order = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, coupon_code="TOPIC50")
    assert order.discount == 5000
    with pytest.raises(DomainError) as again:
        challenges.claim(challenge.pk, customer, "export/POST2")
    assert again.value.error.code == "channels_coupon_taken"
    assert CouponGrant.objects.filter(coupon=challenge.coupon).count() == 1


def test_a_customer_already_holding_the_coupon_keeps_that_grant(customer):
    challenge = _challenge()
    grant_to(challenge.coupon, [customer.pk], source=GrantSource.SEGMENT, ref="campaign:7")
    challenges.claim(challenge.pk, customer, "export/POST1")
    grant = CouponGrant.objects.get(coupon=challenge.coupon, user=customer)
    assert (grant.source, grant.ref) == (GrantSource.SEGMENT, "campaign:7")  # not counted as the challenge's
    assert ChallengeClaim.objects.filter(challenge=challenge, user=customer).exists()


@pytest.mark.parametrize(
    "coupon_fields",
    [{"is_active": False}, {"starts_in": -dt.timedelta(days=10), "lasts": dt.timedelta(days=1)}],
    ids=["switched-off", "expired"],
)
def test_a_reward_that_cannot_be_used_is_refused_and_nothing_is_written(customer, coupon_fields):
    challenge = _challenge(**coupon_fields)
    with pytest.raises(DomainError) as refused:
        challenges.claim(challenge.pk, customer, "export/POST1")
    assert refused.value.error.code == "channels_challenge_reward_gone"
    assert not ChallengeClaim.objects.exists() and not CouponGrant.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_racing_claims_give_one_claim_and_one_grant(customer, other_customer):
    challenge = _challenge()
    results = run_parallel(
        [lambda i=i: challenges.claim(challenge.pk, customer, f"export/P{i}") for i in range(4)]
        + [lambda: challenges.claim(challenge.pk, other_customer, "export/Q")]
    )
    assert sum(isinstance(r, ChallengeClaim) for r in results) == 2  # one each
    assert [r.error.code for r in results if isinstance(r, DomainError)] == ["channels_coupon_taken"] * 3
    assert CouponGrant.objects.filter(coupon=challenge.coupon).count() == 2
    assert ChallengeClaim.objects.filter(user=customer).count() == 1
