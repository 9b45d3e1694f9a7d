"""The storefront claim page: log in first, once per customer even when racing, never beyond stock."""

import pytest
from django.test import Client

from helpers.threads import codes, run_parallel
from wxmall.accounts.testing import make_customer
from wxmall.checkout.actions.coupons import claim
from wxmall.checkout.models import Coupon, CouponAudience, CouponGrant
from wxmall.checkout.testing import make_coupon


def claimable(quota=5, **fields):
    return make_coupon(audience=CouponAudience.GRANTED, claim_quota=quota, claim_token="share-me", **fields)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_claim_page_asks_to_log_in_then_claims_once(customer):
    coupon = claimable(name="到店礼")
    assert Client().get("/coupons/share-me/").status_code == 302
    client = client_for(customer)
    page = client.get("/coupons/share-me/").content.decode()
    assert "到店礼" in page and "立即领取" in page and "剩余 5 张" in page
    assert client.post("/coupons/share-me/").status_code == 302
    again = client.post("/coupons/share-me/")
    assert again.status_code == 409 and "您已领取过该优惠券" in again.content.decode()
    coupon.refresh_from_db()
    assert coupon.claimed_count == 1 and CouponGrant.objects.filter(user=customer).count() == 1
    assert "您已领取" in client.get("/coupons/share-me/").content.decode()


def test_unknown_ended_or_exhausted_claims(customer, other_customer):
    assert client_for(customer).get("/coupons/nope/").status_code == 404
    assert client_for(customer).get("/coupons/" + "x" * 200 + "/").status_code == 404
    claimable(quota=1)
    assert client_for(customer).post("/coupons/share-me/").status_code == 302
    late = client_for(other_customer).post("/coupons/share-me/")
    assert late.status_code == 409 and "优惠券已被领完" in late.content.decode()
    assert not CouponGrant.objects.filter(user=other_customer).exists()
    Coupon.objects.update(is_active=False)
    assert client_for(other_customer).get("/coupons/share-me/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_one_customer_claiming_twice_at_once_gets_one():
    coupon = claimable(quota=5)
    user = make_customer()
    results = run_parallel([lambda: claim("share-me", user) for _ in range(4)])
    assert codes(results) == ["CouponGrant"] + ["coupon_already_claimed"] * 3
    coupon.refresh_from_db()
    assert coupon.claimed_count == 1


@pytest.mark.django_db(transaction=True)
def test_many_customers_racing_never_exceed_the_stock():
    coupon = claimable(quota=3)
    people = [make_customer() for _ in range(8)]
    results = run_parallel([lambda u=u: claim("share-me", u) for u in people])
    assert codes(results) == ["CouponGrant"] * 3 + ["coupon_claims_exhausted"] * 5
    coupon.refresh_from_db()
    assert (coupon.claimed_count, CouponGrant.objects.count()) == (3, 3)
