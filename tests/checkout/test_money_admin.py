"""Money in the admin is typed and shown in yuan: coupon thresholds and face values, labels never say 分."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from wxmall.checkout.models import Coupon, CouponKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss_client(client):
    client.force_login(get_user_model().objects.create_superuser("boss", password=None))
    return client


def _coupon(**fields):
    data = {
        "code": "SAVE20",
        "name": "满 99 减 20",
        "kind": CouponKind.AMOUNT_OFF,
        "value": "20",
        "threshold": "99.00",
        "starts_at_0": "2026-01-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2027-01-01",
        "ends_at_1": "00:00:00",
        "total_quota": "",
        "per_user_limit": "1",
        "is_active": "on",
        "audience": "public",
        "redemptions-TOTAL_FORMS": "0",
        "redemptions-INITIAL_FORMS": "0",
    }
    return data | fields


def test_a_coupon_is_typed_in_yuan(boss_client):
    page = boss_client.get(reverse("admin:checkout_coupon_add")).content.decode()
    assert "使用门槛" in page and "(分)" not in page
    response = boss_client.post(reverse("admin:checkout_coupon_add"), _coupon())
    assert response.status_code == 302, response.content.decode()[:3000]
    coupon = Coupon.objects.get(code="SAVE20")
    assert (coupon.value, coupon.threshold) == (2000, 9900)
    page = boss_client.get(reverse("admin:checkout_coupon_change", args=[coupon.pk])).content.decode()
    assert 'value="20.00"' in page and 'value="99.00"' in page

    response = boss_client.post(
        reverse("admin:checkout_coupon_add"), _coupon(code="P15", kind=CouponKind.PERCENT_OFF, value="15")
    )
    assert response.status_code == 302
    assert Coupon.objects.get(code="P15").value == 15


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"threshold": "-1"}, "金额不能为负数"),
        ({"threshold": "九十九"}, "请输入金额"),
        ({"value": "20.001"}, "最多保留两位小数"),
        ({"value": "0"}, "不能低于 ¥0.01"),
        ({"value": "99999999"}, "不能超过"),
        ({"kind": CouponKind.PERCENT_OFF, "value": "150"}, "1–99 的整数百分比"),
    ],
)
def test_bad_coupon_amounts_are_refused(boss_client, fields, message):
    response = boss_client.post(reverse("admin:checkout_coupon_add"), _coupon(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Coupon.objects.exists()


def test_a_coupon_without_a_value_is_refused(boss_client):
    response = boss_client.post(reverse("admin:checkout_coupon_add"), _coupon(value=""))
    assert "请填写面额（元）或折扣（%）" in response.content.decode()
    assert not Coupon.objects.exists()
