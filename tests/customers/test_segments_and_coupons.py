"""Segments evaluated by queries (hand-checked members), the coupons centre (create, issue to a segment
by a background job, each customer once), granted coupons at checkout, the new-customer gift, and the
usage report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wxmall.accounts.actions import login_wechat
from wxmall.accounts.models import Member, MembershipLevel
from wxmall.accounts.testing import make_customer
from wxmall.audit.models import AuditEntry
from wxmall.catalog.testing import make_sku
from wxmall.checkout import queries as checkout_queries
from wxmall.checkout.models import Coupon, CouponAudience, CouponGrant
from wxmall.checkout.testing import make_coupon, make_paid_order
from wxmall.customers import queries
from wxmall.customers.actions import run_campaign
from wxmall.customers.models import CampaignStatus, CouponCampaign, Segment
from wxmall.members_import.models import CustomerTag
from wxmall.officialaccount.models import Follower, FollowerTag
from wxmall.orders.models import Order


@pytest.fixture
def eager_worker():
    from wxmall.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def shoppers(db):
    """big: two orders ¥5,000 + ¥3,000 (one 40 days ago); small: one ¥99 order today, tagged 学生;
    idle: one ¥200 order 100 days ago; none: no orders, joined by following."""
    big, small, idle, none = (make_customer(nickname=n) for n in ("大客户", "学生党", "沉睡", "路人"))
    make_paid_order(big, price=5000_00)
    old = make_paid_order(big, price=3000_00)
    Order.objects.filter(pk=old.pk).update(paid_at=timezone.now() - timedelta(days=40))
    make_paid_order(small, price=99_00)
    stale = make_paid_order(idle, price=200_00)
    Order.objects.filter(pk=stale.pk).update(paid_at=timezone.now() - timedelta(days=100))
    Member.objects.update_or_create(user=none, defaults={"source": Member.Source.FOLLOW})
    tag = FollowerTag.objects.create(name="学生")
    Follower.objects.create(appid="wxoa", openid="o-small", customer=small).tags.add(tag)
    CustomerTag.objects.create(user=idle, name="老客户")  # a tag of the customer's own (imported)
    return {"big": big, "small": small, "idle": idle, "none": none}


def members(**rule):
    segment = Segment.objects.create(name=f"s{Segment.objects.count()}", **rule)
    return {u.nickname for u in queries.segment_members(segment)}


def test_segment_rules_select_the_hand_checked_customers(shoppers):
    assert members() == {"大客户", "学生党", "沉睡", "路人"}
    assert members(min_spend=1000_00) == {"大客户"}
    assert members(max_spend=200_00) == {"学生党", "沉睡", "路人"}
    assert members(min_orders=1, max_orders=1) == {"学生党", "沉睡"}
    assert members(min_orders=2) == {"大客户"}
    assert members(ordered_within_days=30) == {"大客户", "学生党"}
    assert members(idle_for_days=60) == {"沉睡", "路人"}
    assert members(tags=["学生"]) == {"学生党"}
    assert members(tags=["学生", "老客户"]) == {"学生党", "沉睡"}
    assert members(tags=["没有的标签"]) == set()
    assert members(source=Member.Source.FOLLOW) == {"路人"}
    level = MembershipLevel.objects.create(name="金卡", rank=1)
    Member.objects.update_or_create(user=shoppers["big"], defaults={"level": level})
    assert members(level=level) == {"大客户"}
    # A refunded order no longer counts towards spend.
    Order.objects.filter(user=shoppers["small"]).update(status="refunded")
    assert members(min_orders=1, max_orders=1) == {"沉睡"}


def test_segment_form_takes_yuan_and_refuses_bad_input(operator, login, shoppers):
    client = login(operator)
    ok = client.post(
        "/console/segments/", {"name": "高消费", "min_spend": "4,249.5", "tags": "学生，老客户 学生"}
    )
    assert ok.status_code == 302
    segment = Segment.objects.get()
    assert (segment.min_spend, segment.tags) == (424950, ["学生", "老客户"])
    for bad, message in [
        ({"name": "x", "min_spend": "-5"}, "金额不能为负数"),
        ({"name": "x", "min_spend": "abc"}, "请输入金额"),
        ({"name": "x", "min_spend": "1.005"}, "金额最多保留两位小数"),
        ({"name": "x", "min_spend": "99999999999"}, "金额不能超过"),
        ({"name": "x", "min_orders": "5", "max_orders": "2"}, "上限不能低于下限"),
        ({"name": "x", "idle_for_days": "1.5"}, "请输入整数"),
        ({"name": "x", "tags": ",".join(str(i) for i in range(11))}, "最多 10 个标签"),
        ({"name": "x", "tags": "长" * 33}, "每个标签不超过 32 个字"),
        ({"name": "   "}, "请填写分群名称"),
        ({"name": "高消费"}, "已有同名分群"),
    ]:
        response = client.post("/console/segments/", bad)
        assert response.status_code == 400 and message in response.content.decode(), bad
    assert Segment.objects.count() == 1
    page = client.get(f"/console/segments/{segment.pk}/").content.decode()
    # Conditions combine: the big spender has no tag, the tagged student spends too little.
    assert "当前没有符合条件的顾客" in page and "大客户" not in page and "学生党" not in page


def test_coupon_centre_creates_a_coupon_in_yuan(operator, login):
    client = login(operator)
    now = timezone.localtime()
    form = {
        "name": "双十二满减",
        "kind": "amount_off",
        "amount": "50",
        "threshold": "299",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "per_user_limit": "1",
        "audience": "granted",
        "claim_quota": "100",
    }
    assert client.post("/console/coupons/", form).status_code == 302
    coupon = Coupon.objects.get()
    assert (coupon.value, coupon.threshold, coupon.claim_quota, len(coupon.code)) == (5000, 29900, 100, 8)
    assert coupon.claim_token and AuditEntry.objects.filter(action="coupon.create").count() == 1
    page = client.get("/console/coupons/").content.decode()
    assert "满 299.00 元减 50.00 元" in page and f"/coupons/{coupon.claim_token}/" in page
    for bad, message in [
        ({"amount": "-1"}, "金额不能为负数"),
        ({"amount": "2000000"}, "金额不能超过 ¥1,000,000.00"),
        ({"amount": ""}, "请填写大于 0 的减免金额"),
        ({"kind": "percent_off", "percent": "100"}, "折扣为 1–99"),
        ({"ends_at": form["starts_at"]}, "失效时间须晚于生效时间"),
        ({"code": "<b>x</b>"}, "券码为 4–32 位字母或数字"),
        ({"code": coupon.code}, "券码已被使用"),
    ]:
        response = client.post("/console/coupons/", form | bad)
        assert response.status_code == 400 and message in response.content.decode(), bad
    assert Coupon.objects.count() == 1


def test_issue_to_a_segment_grants_each_customer_once(
    operator, login, shoppers, eager_worker, django_capture_on_commit_callbacks
):
    coupon = make_coupon(audience=CouponAudience.GRANTED, name="回归礼")
    segment = Segment.objects.create(name="沉睡顾客", idle_for_days=60)
    client = login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/console/coupons/issue/", {"coupon": coupon.pk, "segment": segment.pk})
    assert response.status_code == 302
    campaign = CouponCampaign.objects.get()
    assert (campaign.status, campaign.matched, campaign.issued) == (CampaignStatus.DONE, 2, 2)
    assert set(CouponGrant.objects.values_list("user__nickname", flat=True)) == {"沉睡", "路人"}
    # The same coupon issued again (a second campaign, or a retried job) gives nobody a second one.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/console/coupons/issue/", {"coupon": coupon.pk, "segment": segment.pk})
    assert CouponGrant.objects.count() == 2 and CouponCampaign.objects.first().issued == 0
    assert run_campaign(campaign.pk) is None  # a finished campaign does not run again
    assert AuditEntry.objects.filter(action="coupon.issue_segment").count() == 2


def test_issue_to_an_empty_segment_or_a_dead_coupon_is_refused(operator, login, shoppers):
    empty = Segment.objects.create(name="空", min_spend=10**9)
    coupon = make_coupon(audience=CouponAudience.GRANTED)
    client = login(operator)
    response = client.post("/console/coupons/issue/", {"coupon": coupon.pk, "segment": empty.pk}, follow=True)
    assert "该分群当前没有顾客，未发放" in response.content.decode()
    expired = make_coupon(starts_in=-timedelta(days=10), lasts=timedelta(days=1))
    everyone = Segment.objects.create(name="全部")
    response = client.post(
        "/console/coupons/issue/", {"coupon": expired.pk, "segment": everyone.pk}, follow=True
    )
    assert "优惠券已停用或已过期" in response.content.decode()
    response = client.post("/console/coupons/issue/", {"coupon": "abc", "segment": str(2**80)}, follow=True)
    assert "请选择优惠券和分群" in response.content.decode()
    assert not CouponCampaign.objects.exists() and not CouponGrant.objects.exists()


def test_a_granted_coupon_works_only_for_its_holders(customer, other_customer):
    coupon = make_coupon(audience=CouponAudience.GRANTED, value=1000)
    sku = make_sku(price=10000, stock=5)
    CouponGrant.objects.create(coupon=coupon, user=customer, source="segment")
    held = checkout_queries.quote(customer, [(sku.pk, 1)], coupon.code)
    stranger = checkout_queries.quote(other_customer, [(sku.pk, 1)], coupon.code)
    assert (held.discount, held.coupon_problem) == (1000, None)
    assert stranger.discount == 0 and stranger.coupon_problem.code == "coupon_not_granted"
    assert [o.coupon for o in checkout_queries.available_coupons(customer, 10000)] == [coupon]
    assert checkout_queries.available_coupons(other_customer, 10000) == []


def test_new_customers_get_the_new_customer_coupons_at_first_login(db):
    gift = make_coupon(audience=CouponAudience.GRANTED, for_new_customers=True, name="新人礼")
    make_coupon(for_new_customers=True, is_active=False)
    make_coupon(for_new_customers=True, starts_in=timedelta(days=3))
    user = login_wechat(appid="wxoa", openid="o-new", kind="oa")
    login_wechat(appid="wxoa", openid="o-new", kind="oa")  # the second login gives nothing more
    assert list(CouponGrant.objects.values_list("coupon", "user", "source")) == [
        (gift.pk, user.pk, "new_customer")
    ]
    make_customer("staffer", is_staff=True)
    assert CouponGrant.objects.count() == 1


def test_usage_report_counts_issued_claimed_used_and_gmv(db):
    coupon = make_coupon(audience=CouponAudience.GRANTED, value=1000, claim_quota=10, claim_token="tok")
    buyers = [make_customer() for _ in range(3)]
    for user in buyers:
        CouponGrant.objects.create(
            coupon=coupon, user=user, source="claim" if user is buyers[0] else "segment"
        )
    make_paid_order(buyers[0], price=20000, coupon_code=coupon.code)
    refunded = make_paid_order(buyers[1], price=30000, coupon_code=coupon.code)
    Order.objects.filter(pk=refunded.pk).update(status="refunded")
    make_paid_order(buyers[2], price=50000)  # without the coupon
    row = next(c for c in checkout_queries.coupon_usage() if c.pk == coupon.pk)
    assert (row.issued, row.claimed, row.used, row.gmv) == (3, 1, 1, 19000)
