"""Grey release: a percentage of a segment, stable per customer or visitor, widened without turning
anyone off, rolled back for all, changed from the console with its permission."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from wxmall.analytics import rollouts
from wxmall.analytics.models import Rollout, RolloutSegment
from wxmall.core.errors import DomainError

pytestmark = pytest.mark.django_db
VISITORS = [f"visitor{i:05d}" for i in range(1000)]


def on(key: str) -> set[str]:
    return {v for v in VISITORS if rollouts.is_on(key, visitor=v)}


def test_widening_keeps_everyone_in_and_rolling_back_turns_all_off():
    rollout = Rollout.objects.create(key="new-checkout", name="新结算页", percent=10)
    ten = on("new-checkout")
    assert 60 < len(ten) < 140  # ≈ 10% of 1000
    rollouts.set_percent(rollout.pk, 30)
    thirty = on("new-checkout")
    assert ten < thirty and 230 < len(thirty) < 370
    rollouts.set_percent(rollout.pk, 0)
    assert on("new-checkout") == set()
    rollouts.set_percent(rollout.pk, 100)
    assert on("new-checkout") == set(VISITORS)
    assert rollouts.is_on("no-such-feature", visitor="visitor00001") is False
    with pytest.raises(DomainError):
        rollouts.set_percent(rollout.pk, 101)


def test_segments(customer, other_customer, sku, address):
    from wxmall.checkout.actions import place_order
    from wxmall.orders.actions import transition
    from wxmall.orders.state import ActorKind, OrderStatus

    Rollout.objects.create(key="for-new", name="新客礼", segment=RolloutSegment.NEW_CUSTOMERS, percent=100)
    Rollout.objects.create(key="for-staff", name="内测", segment=RolloutSegment.STAFF, percent=100)
    order = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    transition(order.pk, OrderStatus.PAID, actor_kind=ActorKind.WECHAT)
    assert rollouts.is_on("for-new", user=other_customer) and not rollouts.is_on("for-new", user=customer)
    assert not rollouts.is_on("for-new", visitor="anonymous00000001")  # a segment of customers only
    assert not rollouts.is_on("for-staff", user=customer)


def test_the_console_widens_and_rolls_back_with_permission():
    rollout = Rollout.objects.create(key="new-home", name="新首页", percent=5)
    user = get_user_model().objects.create_user("ops", password="pw-ops-1234", is_staff=True)
    staff = Client()
    staff.force_login(user)
    url = f"/console/analytics/rollouts/{rollout.pk}/percent/"
    assert staff.post(url, {"percent": "50"}).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="change_rollout"))
    staff.post(url, {"percent": "50"})
    assert Rollout.objects.get().percent == 50
    page = staff.post(url, {"percent": "-1"}, follow=True).content.decode()
    assert "比例应为 0 至 100 的整数" in page and Rollout.objects.get().percent == 50
    staff.post(url, {"percent": "0"})
    assert (
        Rollout.objects.get().percent == 0
        and 'data-key="new-home"' in staff.get("/console/analytics/rollouts/").content.decode()
    )


def _recommended_shown(client, product) -> bool:
    from django.urls import reverse

    return 'id="recommended"' in client.get(reverse("storefront:product", args=[product.pk])).content.decode()


def test_the_recommendations_block_follows_its_rollout_percentage_and_allowlist(customer, other_customer):
    """The storefront's "bought together" block is the feature grey release gates: the percentage decides
    which visitors see it (stably), the allowlist lets a tester see it at 0%."""
    from django.core.cache import cache

    from wxmall.analytics.models import Recommendation
    from wxmall.catalog.testing import make_product
    from wxmall.marketing.views import VISITOR_COOKIE

    product, partner = make_product("主机"), make_product("显示器")
    Recommendation.objects.create(product=product, recommended=partner, support=3, rank=1)
    assert _recommended_shown(Client(), product)  # no rollout defined: on, as before grey release
    rollout = Rollout.objects.create(key=rollouts.RECOMMENDATIONS, name="商品推荐", percent=30)
    cache.clear()  # "no rollout" was cached for CACHE_SECONDS by the first page
    visitors = [f"visitor{i:05d}-padding" for i in range(60)]  # valid `wxv` values (16-32 characters)
    seen = {}
    for visitor in visitors:
        browser = Client()
        browser.cookies[VISITOR_COOKIE] = visitor
        seen[visitor] = _recommended_shown(browser, product)
    assert seen == {v: rollouts.is_on(rollouts.RECOMMENDATIONS, visitor=v) for v in visitors}
    assert 5 < sum(seen.values()) < 35  # ≈ 30% of 60, and exactly the visitors the buckets pick
    rollouts.set_percent(rollout.pk, 0)
    tester, other = Client(), Client()
    tester.force_login(customer)
    other.force_login(other_customer)
    assert not _recommended_shown(tester, product)
    rollouts.set_allowlist(rollout.pk, f" {customer.pk}，\n{customer.pk}")
    assert Rollout.objects.get(pk=rollout.pk).allowlist == str(customer.pk)
    assert _recommended_shown(tester, product) and not _recommended_shown(other, product)
    for bad in ["abc", "1;2", "9" * 19, ",".join(str(i) for i in range(201))]:
        with pytest.raises(DomainError):
            rollouts.set_allowlist(rollout.pk, bad)
    assert Rollout.objects.get(pk=rollout.pk).allowlist == str(customer.pk)  # a refused list wrote nothing


def test_the_console_sets_the_allowlist_with_permission_and_refuses_a_bad_one():
    rollout = Rollout.objects.create(key="new-home", name="新首页", percent=5)
    user = get_user_model().objects.create_user("ops2", password="pw-ops-1234", is_staff=True)
    staff = Client()
    staff.force_login(user)
    url = f"/console/analytics/rollouts/{rollout.pk}/allowlist/"
    assert staff.post(url, {"allowlist": "7"}).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="change_rollout"))
    page = staff.post(url, {"allowlist": "7, 8"}, follow=True).content.decode()
    assert "白名单已保存（2 位顾客" in page and Rollout.objects.get().allowlist == "7, 8"
    page = staff.post(url, {"allowlist": "<script>"}, follow=True).content.decode()
    assert (
        "白名单应为顾客 ID" in page and "<script>" not in page and Rollout.objects.get().allowlist == "7, 8"
    )
