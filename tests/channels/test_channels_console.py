"""The 视频号 console: pages render (hostile text escaped), forms refuse bad input without writing,
money actions need their permission, statements download as CSV and XLSX, the live page's figures poll."""

import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from wxmall.channels.actions import live
from wxmall.channels.models import CommissionRule, ShelfItem
from wxmall.channels.testing import attributed_order, make_rule, make_sharer, pay_locally

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(db):
    from wxmall.accounts.testing import make_customer

    client = Client()
    client.force_login(make_customer("boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def clerk(db):
    from wxmall.accounts.testing import make_customer

    client = Client()
    client.force_login(make_customer("clerk", is_staff=True))
    return client


def test_the_overview_and_live_room_render_and_escape(boss, sku):
    session = live.create(title="<script>alert(1)</script>直播", starts_at=timezone.now())
    live.add_to_shelf(session.pk, sku.product_id)
    page = boss.get("/console/channels/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "内容日程" in html and "&lt;script&gt;" in html and "<script>alert" not in html
    room = boss.get(f"/console/channels/live/{session.pk}/")
    assert room.status_code == 200 and sku.product.title in room.content.decode()
    figures = boss.get(f"/console/channels/live/{session.pk}/figures/").json()
    assert figures["orders"] == 0 and figures["conversion"] == "—"


def test_a_shelf_edit_on_an_ended_session_is_refused_with_a_message(boss, sku):
    session = live.create(title="已结束", starts_at=timezone.now())
    live.end(session.pk)
    answer = boss.post(
        f"/console/channels/live/{session.pk}/shelf/",
        {"op": "add", "product_id": sku.product_id},
        follow=True,
    )
    assert "直播已结束" in answer.content.decode()
    assert not ShelfItem.objects.exists()


def test_rules_need_permission_and_bad_rules_write_nothing(boss, clerk, sku):
    form = {
        "scope": "product",
        "target_id": sku.product_id,
        "kind": "rate",
        "rate": "12.5",
        "tiers": "5000:15",
    }
    assert clerk.post("/console/channels/rules/add/", form).status_code == 403
    boss.post("/console/channels/rules/add/", form)
    rule = CommissionRule.objects.get()
    assert (rule.rate_bp, rule.tiers) == (1250, [{"from": 500000, "rate_bp": 1500}])
    for bad in (
        {**form, "rate": "95"},
        {**form, "target_id": "999999"},
        {**form, "tiers": "5000:10"},
        {**form, "kind": "x"},
    ):
        answer = boss.post("/console/channels/rules/add/", bad, follow=True)
        assert "佣金规则" in answer.content.decode()
    assert CommissionRule.objects.count() == 1 and CommissionRule.objects.get().is_active


def test_statements_download_and_a_bad_period_is_refused(boss, customer, address, sku):
    make_rule(product=sku.product)
    pay_locally(attributed_order(customer, address, sku, make_sharer(nickname="王小明")))
    period = f"{timezone.localdate():%Y-%m}"
    csv_answer = boss.get(f"/console/channels/statement.csv?period={period}")
    assert csv_answer.status_code == 200 and "王小明" in csv_answer.content.decode("utf-8")
    xlsx = boss.get(f"/console/channels/statement.xlsx?period={period}")
    sheet = load_workbook(io.BytesIO(xlsx.content))["汇总"]
    assert [c.value for c in sheet[3]][:2] == ["王小明", "129.90"]
    bad = boss.get("/console/channels/statement.csv?period=2026-99", follow=True)
    assert "对账周期不正确" in bad.content.decode()


def test_a_retry_needs_permission(clerk):
    assert clerk.post("/console/channels/commissions/retry/", {"commission_id": "1"}).status_code == 403


def test_a_real_name_needs_consent_and_permission_and_is_audited_without_the_name(boss, clerk):
    from wxmall.audit.models import AuditEntry

    sharer = make_sharer("o_sharer_name", nickname="王芳")
    url = "/console/channels/sharers/real-name/"
    refused = clerk.post(url, {"sharer_id": sharer.pk, "real_name": "王芳", "consent": "yes"})
    assert refused.status_code in (302, 403)
    answer = boss.post(url, {"sharer_id": sharer.pk, "real_name": "王芳"}, follow=True)
    assert "确认已取得其同意" in answer.content.decode()
    sharer.refresh_from_db()
    assert sharer.real_name == "" and not AuditEntry.objects.exists()
    boss.post(url, {"sharer_id": sharer.pk, "real_name": "王芳", "consent": "yes"})
    sharer.refresh_from_db()
    assert sharer.real_name == "王芳" and sharer.name_consent_at is not None
    entry = AuditEntry.objects.get(action="sharer.real_name")
    assert "王芳" not in f"{entry.summary} {entry.detail}"
    assert "已登记实名" in boss.get("/console/channels/").content.decode()


def test_the_console_says_what_wechat_does_not_offer_and_lists_claims_to_check(boss, customer):
    from datetime import timedelta

    from wxmall.channels.actions import alliance, challenges
    from wxmall.checkout.models import Coupon

    alliance.import_product(appid="wxother0000000001", product_id="10000123", title="别家的键盘")
    coupon = Coupon.objects.create(
        code="TOPIC9",
        name="话题奖励",
        kind="amount_off",
        value=900,
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(days=7),
    )
    challenge = challenges.create(
        topic="晒桌面",
        coupon_id=coupon.pk,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
    )
    challenges.claim(challenge.pk, customer, "<img src=x onerror=alert(1)>")
    html = boss.get("/console/channels/").content.decode()
    assert "微信未开放把其他商家的联盟商品加入橱窗的接口" in html and "已记录（在带货中心加入橱窗）" in html
    assert "微信未开放按话题查询或核验视频号作品的接口" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
