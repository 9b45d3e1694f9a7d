"""The console's menu editor: WeChat's limits, tracked links, publish through the outbox, read back live."""

import pytest
from django.test import Client

from helpers.db import assert_unchanged, snapshot
from wxmall.accounts.testing import make_customer
from wxmall.core.models import OutboxMessage
from wxmall.core.relay import relay
from wxmall.marketing import actions as marketing
from wxmall.marketing.models import Click, Link
from wxmall.officialaccount import actions
from wxmall.officialaccount.models import FollowerEvent, MenuVersion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff():
    client = Client()
    client.force_login(make_customer("menu-boss", is_staff=True, is_superuser=True))
    return client


def menu_form(mp_appid, **extra):
    return {
        "b0_name": "今日特价", "b0_type": "click", "b0_key": "DEALS",
        "b1_name": "商城",
        "b1s0_name": "首页", "b1s0_type": "view", "b1s0_url": "https://shop.example/",
        "b1s1_name": "小程序商城", "b1s1_type": "miniprogram", "b1s1_url": "https://shop.example/m",
        "b1s1_appid": mp_appid, "b1s1_pagepath": "pages/index/index",
        **extra,
    }  # fmt: skip


def test_publish_makes_tracked_links_and_wechat_serves_it(oa_hub, staff, settings, tmp_path):
    settings.REDIS_URL = ""
    settings.MARKETING_CLICK_SPOOL_DIR = str(tmp_path)
    sb = oa_hub("safe")
    mp = sb.app_of_kind("mini_program").appid
    assert staff.post("/console/oa/menu/", menu_form(mp)).status_code == 302
    version = MenuVersion.objects.get()
    assert relay().delivered == 1

    live = sb.control("GET", "mp/oa/menu")["menu"]["button"]
    assert live[0] == {"type": "click", "name": "今日特价", "key": "DEALS"}
    home, shop = live[1]["sub_button"]
    assert home["url"].startswith(settings.SITE_URL + "/l/") and shop["appid"] == mp
    links = {link.content_id: link for link in Link.objects.filter(channel="oa_menu")}
    assert (
        links["2.1"].target_url == "https://shop.example/"
        and links["2.2"].target_url == "https://shop.example/m"
    )
    assert version.menu["button"][1]["sub_button"][0]["url"] == home["url"]

    page = staff.get("/console/oa/menu/").content.decode()
    assert "线上菜单" in page and home["url"] in page and "今日特价" in page

    # a follower taps the menu: the CLICK is recorded per follower, the tracked link records the click
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    sb.control("POST", "mp/oa/click", json={"user": "xiaoming", "key": "DEALS"})
    viewed = sb.control("POST", "mp/oa/click", json={"user": "xiaoming", "url": home["url"]})
    assert viewed["navigate"] == home["url"]
    actions.process_pending()
    assert set(FollowerEvent.objects.filter(kind="clicked").values_list("detail", flat=True)) == {
        "DEALS",
        home["url"],
    }
    code = home["url"].rsplit("/", 1)[1]
    assert Client().get(f"/l/{code}", HTTP_USER_AGENT="MicroMessenger").status_code == 302
    import wxmall.marketing.buffer as buffer

    buffer.SETTLE_SECONDS = 0.0
    try:
        marketing.flush_clicks()
    finally:
        buffer.SETTLE_SECONDS = 2.0
    assert Click.objects.get().link == links["2.1"]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"b0_name": "一二三四五六"}, "b0_name", "16 字节"),  # 18 bytes
        ({"b1s0_name": "长" * 21}, "b1s0_name", "60"),  # 63 bytes (and over the 60-character field)
        ({"b0_key": ""}, "b0_key", "key"),
        ({"b1s1_appid": ""}, "b1s1_appid", "AppID"),
        ({"b1s0_url": "javascript:alert(1)"}, "b1s0_url", ""),
        ({"b2s0_name": "孤儿子菜单", "b2s0_type": "click", "b2s0_key": "X"}, "b2_name", "一级菜单需要名称"),
        ({"b0_name": "全网最低价"}, "b0_name", "违反广告法"),  # the compliance scanner
    ],
)
def test_bad_menus_are_refused_with_the_reason_and_nothing_written(staff, extra, field, message):
    before = snapshot(MenuVersion, Link, OutboxMessage)  # the page still reads the live menu (a token row)
    response = staff.post("/console/oa/menu/", menu_form("wx" + "0" * 16, **extra))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert_unchanged(before, MenuVersion, Link, OutboxMessage)


def test_an_empty_menu_is_refused(staff):
    response = staff.post("/console/oa/menu/", {})
    assert response.status_code == 400 and "至少需要一个按钮" in response.content.decode()


# --- compliance: a menu whose names need review is held until a reviewer approves it ----------------

WARN_NAME = "出厂价直供"  # 出厂价: a warning (needs evidence), not a blocking term


def _menu_item(version):
    from wxmall.compliance.models import ReviewItem

    return ReviewItem.objects.get(subject="officialaccount.menuversion", object_id=str(version.pk))


def test_a_menu_needing_review_is_held_until_approved_then_published(oa_hub, staff, settings):
    from wxmall.compliance.models import ReviewStatus

    sb = oa_hub("safe")
    mp = sb.app_of_kind("mini_program").appid
    response = staff.post("/console/oa/menu/", menu_form(mp, b0_name=WARN_NAME), follow=True)
    assert "暂未发布" in response.content.decode()
    version = MenuVersion.objects.get()
    item = _menu_item(version)
    assert item.status == ReviewStatus.PENDING and item.copy == {"names": version.names}
    assert version.names.splitlines() == [WARN_NAME, "商城", "首页", "小程序商城"]
    assert not OutboxMessage.objects.filter(kind="menu.create").exists()
    assert relay().delivered == 0
    assert "等待文案审核" in staff.get("/console/oa/menu/").content.decode()

    page = staff.get(f"/console/compliance/review/{item.pk}/").content.decode()
    assert "公众号菜单" in page and "自定义菜单" in page  # approve or reject here, edit in the editor
    refused = staff.post(f"/console/compliance/review/{item.pk}/", {"names": "改名"})
    assert refused.status_code == 400
    version.refresh_from_db()
    assert version.names.splitlines()[0] == WARN_NAME  # the edit wrote nothing

    assert (
        staff.post(f"/console/compliance/review/{item.pk}/approve/", {"digest": item.digest}).status_code
        == 302
    )
    assert relay().delivered == 1
    assert sb.control("GET", "mp/oa/menu")["menu"]["button"][0]["name"] == WARN_NAME
    assert "等待文案审核" not in staff.get("/console/oa/menu/").content.decode()


def test_approving_a_superseded_menu_publishes_nothing(oa_hub, staff):
    sb = oa_hub("safe")
    mp = sb.app_of_kind("mini_program").appid
    staff.post("/console/oa/menu/", menu_form(mp, b0_name=WARN_NAME))
    held = MenuVersion.objects.get()
    staff.post("/console/oa/menu/", menu_form(mp))  # a newer, clean menu goes out at once
    assert relay().delivered == 1
    item = _menu_item(held)
    assert (
        staff.post(f"/console/compliance/review/{item.pk}/approve/", {"digest": item.digest}).status_code
        == 302
    )
    assert OutboxMessage.objects.filter(kind="menu.create").count() == 1
    assert relay().delivered == 0
    assert sb.control("GET", "mp/oa/menu")["menu"]["button"][0]["name"] == "今日特价"


def test_a_rejected_menu_is_never_published(oa_hub, staff):
    sb = oa_hub("safe")
    staff.post("/console/oa/menu/", menu_form(sb.app_of_kind("mini_program").appid, b0_name=WARN_NAME))
    item = _menu_item(MenuVersion.objects.get())
    staff.post(f"/console/compliance/review/{item.pk}/reject/", {"digest": item.digest, "reason": "缺少证明"})
    item.refresh_from_db()
    assert item.status == "rejected" and relay().delivered == 0
    assert not OutboxMessage.objects.filter(kind="menu.create").exists()
