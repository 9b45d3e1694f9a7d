"""A personal shop's payments are capped by its owner's bank card: SKUs priced above the single-payment cap
are not pushed (nothing reaches WeChat), and the console shows today's paid Store takings against the daily
cap, warning at 80 % and at 100 %. An enterprise shop has neither cap."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from tests.helpers.db import assert_unchanged, snapshot

from wxmall.core.models import OutboxMessage
from wxmall.store import queries
from wxmall.store.actions import products
from wxmall.store.models import ShopType, StoreProduct, StoreShop, StoreSku, SyncState
from wxmall.store.testing import make_store_order, make_store_product

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def wx(store, settings, wxsandbox):
    settings.WECHAT_API_BASE = wxsandbox.base_url
    return wxsandbox


@pytest.fixture
def personal(store):
    StoreShop.objects.filter(pk=store.pk).update(shop_type=ShopType.PERSONAL)
    store.refresh_from_db()
    return store


def store_calls(sandbox) -> list[dict]:
    return sandbox.journal(direction="in", path_prefix="/channels/ec/", limit=1000)


def test_a_personal_shop_does_not_push_a_sku_above_the_single_payment_cap(wx, personal, settings):
    settings.STORE_PERSONAL_PAYMENT_LIMIT_FEN = 5_000_000
    product = make_store_product(skus=[{"price": 4_999_900}, {"price": 5_000_001}])
    products.start_sync(product.pk)
    before = snapshot(StoreSku, OutboxMessage)
    result = products.push(product.pk)
    assert "个人银行卡交易限额" in result["blocked"]
    assert "¥50,000.00" in result["blocked"] and "¥50,000.01" in result["blocked"]
    sp = StoreProduct.objects.get()
    assert sp.state == SyncState.BLOCKED and sp.store_product_id is None
    assert "单笔限额" in sp.reason
    assert_unchanged(before, StoreSku, OutboxMessage)
    assert store_calls(wx) == []


def test_the_console_shows_the_payment_cap_reason_on_the_product(wx, personal, settings, admin_user):
    settings.STORE_PERSONAL_PAYMENT_LIMIT_FEN = 100_000
    product = make_store_product(skus=[{"price": 100_001}])
    products.start_sync(product.pk)
    products.push(product.pk)
    client = Client()
    client.force_login(admin_user)
    html = client.get("/console/store/").content.decode()
    assert "该商品价格超过单笔限额" in html and "¥1,000.01" in html


def test_a_price_at_the_cap_is_allowed_by_the_check(personal, settings):
    settings.STORE_PERSONAL_PAYMENT_LIMIT_FEN = 100_000
    product = make_store_product(skus=[{"price": 100_000}])
    assert products.preflight(product, list(product.skus.all())) == ""


def test_an_enterprise_shop_pushes_the_same_product(wx_store, settings):
    settings.STORE_PERSONAL_PAYMENT_LIMIT_FEN = 100_000
    product = make_store_product(skus=[{"price": 100_001}])
    products.start_sync(product.pk)
    result = products.push(product.pk)
    assert "blocked" not in result and result["product_id"]
    assert StoreProduct.objects.get().store_product_id == result["product_id"]


def _at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    today = timezone.now().astimezone(BEIJING).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=BEIJING)


def test_daily_takings_sum_todays_paid_store_orders_only(personal, customer, settings):
    settings.STORE_PERSONAL_DAILY_LIMIT_FEN = 1_000_000
    make_store_order(personal, customer, 300_000, paid_at=_at(0, 0))
    make_store_order(personal, customer, 250_050, paid_at=_at(9, 30))
    make_store_order(personal, customer, 99_999, paid_at=_at(12), status="refunded")  # the card was charged
    make_store_order(personal, customer, 500_000, paid_at=_at(23, 59, days=-1))  # yesterday (Beijing)
    make_store_order(personal, customer, 700_000, status="pending_payment")  # not paid
    figures = queries.daily_takings(personal, now=_at(13))
    # 300,000 + 250,050 + 99,999 = 650,049 fen of 1,000,000: 65 %, no warning.
    assert (figures["paid"], figures["percent"], figures["level"]) == (650_049, 65, "ok")
    assert figures["paid_yuan"] == "¥6,500.49"


@pytest.mark.parametrize(
    ("totals", "percent", "level"),
    [
        ([399_999, 399_999], 79, "ok"),  # 799,998 / 1,000,000 = 79.9998 %
        ([400_000, 400_000], 80, "warn"),  # exactly 80 %
        ([600_000, 399_999], 99, "warn"),  # 999,999
        ([600_000, 400_000], 100, "reached"),  # exactly the cap
        ([900_000, 400_000], 130, "reached"),
    ],
)
def test_warning_thresholds(personal, customer, settings, totals, percent, level):
    settings.STORE_PERSONAL_DAILY_LIMIT_FEN = 1_000_000
    for total in totals:
        make_store_order(personal, customer, total, paid_at=_at(10))
    figures = queries.daily_takings(personal, now=_at(11))
    assert (figures["paid"], figures["percent"], figures["level"]) == (sum(totals), percent, level)


def test_the_takings_query_is_one_query(personal, customer, django_assert_num_queries):
    make_store_order(personal, customer, 10_000, paid_at=_at(10))
    with django_assert_num_queries(1):
        queries.daily_takings(personal, now=_at(11))


def _page(admin_user) -> str:
    client = Client()
    client.force_login(admin_user)
    return client.get("/console/store/").content.decode()


def test_the_console_warns_at_80_and_at_100_percent(personal, customer, settings, admin_user):
    settings.STORE_PERSONAL_DAILY_LIMIT_FEN = 1_000_000
    make_store_order(personal, customer, 799_999, paid_at=timezone.now())
    html = _page(admin_user)
    assert "今日小店收款" in html and "¥7,999.99" in html and "¥10,000.00" in html
    assert "接近日限额" not in html and "已达日限额" not in html
    make_store_order(personal, customer, 1, paid_at=timezone.now())
    html = _page(admin_user)
    assert "接近日限额" in html and "已达日限额" not in html
    make_store_order(personal, customer, 200_000, paid_at=timezone.now())
    html = _page(admin_user)
    assert "已达日限额" in html and "接近日限额" not in html


def test_an_enterprise_shop_shows_no_daily_cap(store, customer, settings, admin_user):
    settings.STORE_PERSONAL_DAILY_LIMIT_FEN = 1_000
    make_store_order(store, customer, 500_000, paid_at=timezone.now())
    html = _page(admin_user)
    assert "今日小店收款" not in html and "已达日限额" not in html
