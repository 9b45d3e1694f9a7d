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
