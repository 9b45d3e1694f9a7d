"""Campaigns (营销活动): console CRUD, attach/detach, bad input that writes nothing, permissions, the
data migration of existing campaign values, and the campaign's row on the dashboards with figures
worked out by hand.

Hand-worked data set (day D1, campaign 春节 with link S, other link O of campaign 其他):
  X  via S:            page view, order paid 300.00
  Y  via S:            page view only
  Z  first O, last S:  page view, order paid 100.00 (last touch: 春节; first touch: 其他)
Spend on D1 for 春节: 200.00. Last touch: UV 3, ordering 2, paid orders 2, GMV 400.00, ROI 2.00.
First touch: 春节 UV 2, GMV 300.00, ROI 1.50; 其他 UV 1, GMV 100.00."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from tests.helpers.db import unchanged
from tests.helpers.threads import codes, run_parallel

from wxmall.analytics import campaigns, queries
from wxmall.analytics.actions import save_spend
from wxmall.analytics.models import AdSpend, Campaign, Experiment
from wxmall.analytics.testing import at, event, write_events
from wxmall.audit.models import AuditEntry
from wxmall.checkout.testing import make_coupon
from wxmall.marketing.models import Link
from wxmall.marketing.testing import make_link

from .conftest import D1

pytestmark = pytest.mark.django_db
GOOD = {
    "code": "春节",
    "name": "春节大促",
    "starts_on": "2026-12-01",
    "ends_on": "2026-12-31",
    "budget_yuan": "1,000.50",
}


def _client(*perms: str, username: str = "marketer", role: bool = False) -> Client:
    user = get_user_model().objects.create_user(username, password="pw-marketer-1", is_staff=True)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    if role:
        user.groups.add(Group.objects.create(name=f"role-{username}"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def marketer():
    return _client(
        "analytics.view_campaign",
        "analytics.add_campaign",
        "analytics.change_campaign",
        "marketing.change_link",
        "analytics.view_adspend",
        role=True,
    )


def _create(client, **fields):
    return client.post("/console/analytics/campaigns/new/", GOOD | fields)


def test_create_edit_and_archive_in_yuan_audited(marketer):
    response = _create(marketer)
    campaign = Campaign.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/console/analytics/campaigns/{campaign.pk}/"
    )
    assert (campaign.code, campaign.name, campaign.budget) == ("春节", "春节大促", 100050)  # fen
    page = marketer.get(f"/console/analytics/campaigns/{campaign.pk}/").content.decode()
    assert 'value="1000.50"' in page and "末次触点" in page

    edited = GOOD | {"name": "春节大促（加场）", "budget_yuan": "¥2000", "notes": "第二波\n投放"}
    assert marketer.post(f"/console/analytics/campaigns/{campaign.pk}/", edited).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.budget, campaign.notes) == ("春节大促（加场）", 200000, "第二波\n投放")

    assert marketer.post(f"/console/analytics/campaigns/{campaign.pk}/archive/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.archived_at is not None
    assert 'data-code="春节"' not in marketer.get("/console/analytics/campaigns/").content.decode()
    assert 'data-code="春节"' in marketer.get("/console/analytics/campaigns/?archived=1").content.decode()
    refused = marketer.post(f"/console/analytics/campaigns/{campaign.pk}/", GOOD | {"name": "改名"})
    assert refused.status_code == 409 and "已归档" in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.name == "春节大促（加场）"
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "target_id"))
    assert actions == [
        (a, str(campaign.pk)) for a in ("campaign.create", "campaign.update", "campaign.archive")
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_on": "2026-11-30"}, "结束日期不能早于开始日期"),
        ({"budget_yuan": "-100"}, "预算应为不小于 0"),
        ({"budget_yuan": "1e9"}, "预算应为不小于 0"),
        ({"budget_yuan": "99999999999"}, "预算应为不小于 0"),
        ({"name": "<script>alert(1)</script>"}, "不能包含 &lt; 或 &gt;"),
        ({"name": "春节\u202e大促"}, "文字方向控制字符"),
        ({"name": "春节\x00"}, "控制字符"),
        ({"name": "   "}, "请填写活动名称"),
        ({"name": "长" * 61}, "不能超过 60 个字"),
        ({"notes": "注" * 1001}, "不能超过 1000 个字"),
        ({"code": "双 十二"}, "活动标识应为"),
        ({"code": "<b>x</b>"}, "活动标识应为"),
        ({"code": "x" * 65}, "活动标识应为"),
        ({"starts_on": "2026-13-01"}, "开始与结束日期应为"),
        ({"ends_on": "2028-01-01"}, "不能超过 366 天"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(marketer, fields, message):
    with unchanged():
        response = _create(marketer, **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "<script>alert" not in page
    assert not Campaign.objects.exists() and not AuditEntry.objects.exists()


def test_bad_edit_and_duplicate_code_change_nothing(marketer):
    _create(marketer)
    campaign = Campaign.objects.get()
    before = AuditEntry.objects.count()
    for fields in (
        {"ends_on": "2026-11-01"},
        {"budget_yuan": "-1"},
        {"name": "<img src=x onerror=alert(1)>"},
    ):
        assert marketer.post(f"/console/analytics/campaigns/{campaign.pk}/", GOOD | fields).status_code == 400
    duplicate = _create(marketer, name="另一个")
    assert duplicate.status_code == 409 and "活动标识已被其他活动使用" in duplicate.content.decode()
    campaign.refresh_from_db()
    assert (campaign.name, campaign.budget, str(campaign.ends_on)) == ("春节大促", 100050, "2026-12-31")
    assert Campaign.objects.count() == 1 and AuditEntry.objects.count() == before


def test_attach_and_detach_links_coupons_and_experiments(marketer):
    _create(marketer)
    campaign = Campaign.objects.get()
    link = make_link(campaign="其他", channel="poster")
    coupon = make_coupon(code="SPRING50")
    experiment = Experiment.objects.create(key="spring-copy", name="春节文案", variants=["A", "B"])
    url = f"/console/analytics/campaigns/{campaign.pk}/members/"
    for kind, ref in (("link", link.code), ("coupon", "SPRING50"), ("experiment", "spring-copy")):
        assert marketer.post(url, {"op": "attach", "kind": kind, "ref": ref}).status_code == 302
    link.refresh_from_db()
    assert link.campaign == "春节"  # moved from 其他
    assert list(campaign.coupons.all()) == [coupon] and list(campaign.experiments.all()) == [experiment]
    page = marketer.get(f"/console/analytics/campaigns/{campaign.pk}/").content.decode()
    assert (
        f'data-code="{link.code}"' in page
        and 'data-code="SPRING50"' in page
        and 'data-code="spring-copy"' in page
    )

    unknown = marketer.post(url, {"op": "attach", "kind": "coupon", "ref": "NOPE"}, follow=True)
    assert "没有找到要关联的" in unknown.content.decode() and campaign.coupons.count() == 1
    marketer.post(url, {"op": "attach", "kind": "order", "ref": "1"})
    for kind, ref in (("link", link.code), ("coupon", "SPRING50"), ("experiment", "spring-copy")):
        assert marketer.post(url, {"op": "detach", "kind": kind, "ref": ref}).status_code == 302
    link.refresh_from_db()
    assert link.campaign == "" and not campaign.coupons.exists() and not campaign.experiments.exists()
    codes = list(AuditEntry.objects.values_list("action", flat=True))
    assert codes.count("campaign.attach") == 3 and codes.count("campaign.detach") == 3


def test_detach_leaves_a_link_of_another_campaign_alone(marketer):
    _create(marketer)
    campaign = Campaign.objects.get()
    link = make_link(campaign="其他")
    url = f"/console/analytics/campaigns/{campaign.pk}/members/"
    marketer.post(url, {"op": "detach", "kind": "link", "ref": link.code})
    link.refresh_from_db()
    assert link.campaign == "其他"


def test_permissions(marketer):
    viewer = _client("analytics.view_campaign", username="viewer", role=True)
    refused = viewer.post("/console/analytics/campaigns/new/", GOOD)
    assert refused.status_code == 403 and not Campaign.objects.exists()
    _create(marketer)
    campaign = Campaign.objects.get()
    page = viewer.get(f"/console/analytics/campaigns/{campaign.pk}/").content.decode()
    assert "春节大促" in page and "campaign-create" not in page and "归档</button>" not in page
    assert (
        viewer.post(f"/console/analytics/campaigns/{campaign.pk}/", GOOD | {"name": "x"}).status_code == 403
    )
    assert viewer.post(f"/console/analytics/campaigns/{campaign.pk}/archive/").status_code == 403

    # Changing a campaign is not enough to move a link: that changes the link too.
    editor = _client("analytics.view_campaign", "analytics.change_campaign", username="editor", role=True)
    link = make_link(campaign="")
    url = f"/console/analytics/campaigns/{campaign.pk}/members/"
    assert editor.post(url, {"op": "attach", "kind": "link", "ref": link.code}).status_code == 403
    link.refresh_from_db()
    assert link.campaign == ""

    # A role without view_campaign neither sees the page nor its nav entry.
    analyst = _client("analytics.view_adspend", username="analyst", role=True)
    assert analyst.get("/console/analytics/campaigns/").status_code == 403
    dashboard = analyst.get("/console/analytics/").content.decode()
    assert 'href="/console/analytics/campaigns/"' not in dashboard
    assert Campaign.objects.get().name == "春节大促" and AuditEntry.objects.count() == 1


def _events(spring: Link, other: Link):
    t = at(D1)
    write_events(
        [
            event("page_view", "X", t, first_link=spring.pk, last_link=spring.pk),
            event(
                "order_placed",
                "X",
                t + 1,
                order_no="S1",
                amount=30000,
                user_id=11,
                first_link=spring.pk,
                last_link=spring.pk,
            ),
            event(
                "order_paid",
                "X",
                t + 2,
                order_no="S1",
                amount=30000,
                user_id=11,
                first_link=spring.pk,
                last_link=spring.pk,
            ),
            event("page_view", "Y", t, first_link=spring.pk, last_link=spring.pk),
            event("page_view", "Z", t, first_link=other.pk, last_link=spring.pk),
            event(
                "order_placed",
                "Z",
                t + 1,
                order_no="S2",
                amount=10000,
                user_id=12,
                first_link=other.pk,
                last_link=spring.pk,
            ),
            event(
                "order_paid",
                "Z",
                t + 2,
                order_no="S2",
                amount=10000,
                user_id=12,
                first_link=other.pk,
                last_link=spring.pk,
            ),
        ]
    )


def test_an_attached_link_and_its_orders_show_on_the_campaign_row(marketer):
    _create(marketer)
    campaign = Campaign.objects.get()
    spring, other = make_link(campaign="", channel="moments_ad"), make_link(campaign="其他", channel="poster")
    marketer.post(
        f"/console/analytics/campaigns/{campaign.pk}/members/",
        {"op": "attach", "kind": "link", "ref": spring.code},
    )
    _events(spring, other)
    save_spend("春节", D1, 20000)

    filters = queries.Filters(start=D1, end=D1)
    with queries.Board(filters) as board:
        rows = {r["key"]: r for r in board.campaigns()}
    row = rows["春节"]
    assert (row["label"], row["uv"], row["ordering"], row["paid_orders"], row["gmv"]) == (
        "春节大促",
        3,
        2,
        2,
        40000,
    )
    assert (row["spend"], row["roi"], row["budget"], row["campaign_id"]) == (20000, 2.0, 100050, campaign.pk)
    assert "其他" not in rows  # last touch: Z's order is 春节's

    with queries.Board(queries.Filters(start=D1, end=D1, model="first")) as board:
        first = {r["key"]: r for r in board.campaigns()}
    assert (first["春节"]["uv"], first["春节"]["gmv"], first["春节"]["roi"]) == (2, 30000, 1.5)
    assert (first["其他"]["uv"], first["其他"]["gmv"], first["其他"]["label"]) == (1, 10000, "其他")

    page = marketer.get("/console/analytics/?start=2026-12-01&end=2026-12-01").content.decode()
    cells = page.split('data-key="春节"')[1].split("</tr>")[0]
    assert (
        "春节大促" in cells
        and "400.00" in cells
        and "1000.50" in cells
        and "200.00" in cells
        and "2.00" in cells
    )
    assert "按末次触点归属" in page
    csv = marketer.get("/console/analytics/export/campaigns.csv?start=2026-12-01&end=2026-12-01")
    line = next(x for x in b"".join(csv.streaming_content).decode().splitlines() if x.startswith("春节大促"))
    assert line.split(",")[1:4] == ["3", "3", "2"] and "1000.50" in line and "400.00" in line


def test_an_active_campaign_without_data_still_has_a_row_and_an_archived_one_does_not(marketer):
    _create(marketer)
    _create(marketer, code="旧活动", name="旧活动")
    old = Campaign.objects.get(code="旧活动")
    marketer.post(f"/console/analytics/campaigns/{old.pk}/archive/")
    with queries.Board(queries.Filters(start=D1, end=D1)) as board:
        rows = {r["key"]: r for r in board.campaigns()}
    assert set(rows) == {"春节"} and (rows["春节"]["uv"], rows["春节"]["roi"]) == (0, None)


def test_the_data_migration_keeps_existing_campaign_values():
    make_link(campaign="双十二")
    make_link(campaign="双十二")
    make_link(campaign="")
    AdSpend.objects.create(campaign="朋友圈投放", day=date(2026, 11, 20), spend=100)
    AdSpend.objects.create(campaign="双十二", day=date(2026, 11, 1), spend=100)
    Campaign.objects.create(code="朋友圈投放", name="已有", starts_on=D1, ends_on=D1)
    migration = importlib.import_module("wxmall.analytics.migrations.0009_campaigns_from_links")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # twice: nothing more
    found = {c.code: c for c in Campaign.objects.all()}
    assert set(found) == {"双十二", "朋友圈投放"}
    assert found["朋友圈投放"].name == "已有"  # an existing campaign is left as it is
    made = found["双十二"]
    assert (made.name, made.starts_on, made.budget) == ("双十二", date(2026, 11, 1), 0)
    assert made.ends_on == Link.objects.filter(campaign="双十二").latest("created_at").created_at.date()


@pytest.mark.django_db(transaction=True)
def test_two_staff_creating_the_same_code_at_once_get_one_campaign():
    data = campaigns.CampaignInput(name="并发", starts_on=D1, ends_on=D1, budget=0)
    results = run_parallel([lambda: campaigns.create("同一个", data)] * 2)
    assert codes(results) == ["Campaign", "campaign_code_taken"]
    assert Campaign.objects.filter(code="同一个").count() == 1


def test_a_real_click_and_order_through_an_attached_link_count_for_the_campaign(
    marketer, api, sku, address, django_capture_on_commit_callbacks
):
    """The whole path: a link attached in the console, a customer following it, ordering through the API
    and paid (`mark_paid`, where WeChat Pay's notification ends): one visitor, one order, its total as GMV."""
    import json
    import time

    from django.utils import timezone

    from wxmall.analytics import store
    from wxmall.analytics.actions import local_day
    from wxmall.orders import actions as orders
    from wxmall.orders.models import Order

    today = date.fromisoformat(local_day(int(time.time() * 1000)))
    _create(marketer, starts_on=str(today), ends_on=str(today))
    campaign = Campaign.objects.get()
    link = make_link(campaign="", channel="oa_menu")
    marketer.post(
        f"/console/analytics/campaigns/{campaign.pk}/members/",
        {"op": "attach", "kind": "link", "ref": link.code},
    )
    api.get(f"/l/{link.code}")
    view = {"events": [{"type": "product_view", "product_id": sku.product_id}]}
    agent = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50"
    sent = api.post(
        "/api/analytics/events", json.dumps(view), content_type="application/json", HTTP_USER_AGENT=agent
    )
    assert sent.status_code == 202  # the product view that ties the signed-in customer to the link's touch
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/checkout/orders", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    order = Order.objects.get(order_no=response.json()["order_no"])
    with django_capture_on_commit_callbacks(execute=True):
        orders.mark_paid(order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total)
    save_spend("春节", today, 10000)
    store.flush(settle_seconds=0.0)
    with queries.Board(queries.Filters(start=today, end=today)) as board:
        row = next(r for r in board.campaigns() if r["key"] == "春节")
    assert (row["label"], row["uv"], row["ordering"], row["paid_orders"], row["gmv"]) == (
        "春节大促",
        1,
        1,
        1,
        order.total,
    )
    assert row["roi"] == order.total / 10000  # GMV over 100.00 of spend
