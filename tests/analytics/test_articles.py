"""Official Account articles: read (WeChat's datacube, pulled from wxsandbox) → jump (tracked-link clicks)
→ order, every figure worked out by hand below.

Two days D1, D2. Article X = msgid 2247483650_1 with two tracked links (the body link `art` and the
阅读原文 link `more`); article Y = 2247483651_1 read but linked nowhere.
  WeChat's figures  X: D1 30 readers / 40 reads / 3 shares, D2 15 / 20 / 1 (and D2+1, out of range: 99)
                    Y: D1 8 readers / 10 reads
  Clicks            F twice on `art` (D1), G once on `art` (D1), H once on `more` (D2); G again on D2+1 (out)
  Visits            F via art: D1 page view, product view, order O5 paid 80.00
                    G via art: D1 page view
                    H via more: D2 page view, order O6 of 40.00 placed, not paid
So X: 60 reads, 45 readers, 4 shares; 4 clicks by 3 visitors; UV 3, ordering 2, paying 1, GMV 80.00;
jump rate 3/45, UV→order 2/3, UV→pay 1/3, read→pay 1/45. Y: 10 reads, 8 readers, all else 0.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from helpers.browser import console_login
from wxmall.analytics import articles, queries
from wxmall.analytics.models import ArticleDay
from wxmall.analytics.testing import at, event, write_events
from wxmall.marketing.models import Click
from wxmall.marketing.testing import make_link
from wxmall.wechat.errors import WeChatError

from .conftest import D1, D2

pytestmark = pytest.mark.django_db
X, Y = "2247483650_1", "2247483651_1"


def _click(link, visitor: str, ts_ms: int, n: int) -> None:
    moment = datetime.fromtimestamp(ts_ms / 1000, ZoneInfo("Asia/Shanghai"))
    Click.objects.create(click_id=f"c{visitor}{n}", link=link, visitor=visitor, at=moment)


@pytest.fixture
def article_set(db):
    art = make_link(channel="article", campaign="双十二", content_id=X, name="正文链接")
    more = make_link(channel="article", campaign="双十二", content_id=X, name="阅读原文")
    t1, t2, t3 = at(D1), at(D2), at(D2 + timedelta(days=1))
    for msgid, day, users, reads, shares in [
        (X, D1, 30, 40, 3),
        (X, D2, 15, 20, 1),
        (X, D2 + timedelta(days=1), 99, 99, 99),
        (Y, D1, 8, 10, 0),
    ]:
        ArticleDay.objects.create(
            msgid=msgid, title=f"文章{msgid[-3]}", day=day, read_users=users, reads=reads, shares=shares
        )
    _click(art, "F", t1 - 5, 1)
    _click(art, "F", t1 - 3, 2)
    _click(art, "G", t1 - 1, 1)
    _click(more, "H", t2 - 1, 1)
    _click(art, "G", t3, 2)

    def via(link):
        return {"first_link": link.pk, "last_link": link.pk}

    write_events(
        [
            event("page_view", "F", t1, **via(art)),
            event("product_view", "F", t1 + 1, product_id=5, **via(art)),
            event("order_placed", "F", t1 + 2, order_no="O5", amount=8000, user_id=5, **via(art)),
            event("order_paid", "F", t1 + 3, order_no="O5", amount=8000, user_id=5, **via(art)),
            event("page_view", "G", t1 + 4, **via(art)),
            event("page_view", "H", t2, **via(more)),
            event("order_placed", "H", t2 + 1, order_no="O6", amount=4000, user_id=6, **via(more)),
        ]
    )
    return art, more


def test_article_read_jump_order(article_set):
    art, more = article_set
    with queries.Board(queries.Filters(start=D1, end=D2)) as board:
        rows = board.articles()
    assert [r["key"] for r in rows] == [X, Y]
    x, y = rows
    assert (x["reads"], x["read_users"], x["shares"]) == (60, 45, 4)
    assert (x["clicks"], x["clickers"], x["uv"], x["ordering"], x["paying"], x["gmv"]) == (
        4,
        3,
        3,
        2,
        1,
        8000,
    )
    assert x["jump_rate"] == pytest.approx(3 / 45)
    assert (x["conv_order"], x["conv_pay"]) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert x["read_to_pay"] == pytest.approx(1 / 45)
    assert x["links"] == sorted([art.code, more.code]) and x["label"] == "文章0"
    assert (y["reads"], y["read_users"], y["clicks"], y["uv"], y["gmv"]) == (10, 8, 0, 0, 0)
    assert (y["jump_rate"], y["conv_pay"], y["links"]) == (0.0, None, [])


def test_article_figures_follow_the_date_and_channel_filters(article_set):
    with queries.Board(queries.Filters(start=D2, end=D2)) as board:
        [x] = board.articles()
    assert (x["reads"], x["read_users"], x["clicks"], x["clickers"], x["uv"], x["ordering"], x["paying"]) == (
        20,
        15,
        1,
        1,
        1,
        1,
        0,
    )
    with queries.Board(queries.Filters(start=D1, end=D2, channel="live")) as board:
        assert board.articles() == []
    with queries.Board(queries.Filters(start=D1, end=D2, channel="article")) as board:
        assert [r["key"] for r in board.articles()] == [X, Y]


# --- pulled from WeChat (wxsandbox's datacube) -------------------------------------------------------------
@pytest.fixture
def wechat(settings, wxsandbox):
    from wxmall.wechat.clients import registry
    from wxmall.wechat.testing import forget_credentials, use_sandbox

    use_sandbox(settings, wxsandbox)
    forget_credentials(settings)
    registry().recorder.discard()
    return wxsandbox


def _publish(sb, days: dict, **fields) -> str:
    body = {"title": "双十二装机指南", "days": {d.isoformat(): f for d, f in days.items()}} | fields
    return sb.control("POST", "mp/datacube/articles", json=body)["msgid"]


def test_the_daily_job_pulls_article_reads_and_a_second_pull_overwrites(wechat):
    yesterday = timezone.localdate() - timedelta(days=1)
    before = yesterday - timedelta(days=1)
    msgid = _publish(
        wechat,
        {
            before: {"int_page_read_user": 30, "int_page_read_count": 40, "share_user": 2, "share_count": 3},
            yesterday: {"int_page_read_user": 10, "int_page_read_count": 12},
        },
        sent_on=before.isoformat(),
    )
    other = _publish(
        wechat,
        {yesterday: {"int_page_read_user": 5, "int_page_read_count": 6}},
        title="显卡天梯图",
        sent_on=yesterday.isoformat(),
    )
    pulled = articles.pull_recent()
    assert pulled == {
        yesterday.isoformat(): 2,
        before.isoformat(): 1,
        (before - timedelta(days=1)).isoformat(): 0,
    }
    row = ArticleDay.objects.get(msgid=msgid, day=before)
    assert (row.title, row.read_users, row.reads, row.share_users, row.shares) == (
        "双十二装机指南",
        30,
        40,
        2,
        3,
    )
    assert ArticleDay.objects.get(msgid=other, day=yesterday).reads == 6

    # late readers of yesterday are counted in by WeChat: the next run overwrites, never adds a row
    _publish(wechat, {yesterday: {"int_page_read_user": 14, "int_page_read_count": 18}}, msgid=msgid)
    articles.pull_recent()
    assert ArticleDay.objects.count() == 3
    assert ArticleDay.objects.get(msgid=msgid, day=yesterday).reads == 18


def test_asking_for_today_is_wechats_date_range_error_and_writes_nothing(wechat):
    with pytest.raises(WeChatError) as refused:
        articles.pull_day(timezone.localdate())
    assert refused.value.errcode == 61501
    assert not ArticleDay.objects.exists()


def test_malformed_datacube_entries_are_skipped_not_stored():
    day = D1
    good = {
        "ref_date": "2026-12-01",
        "msgid": X,
        "title": "t",
        "int_page_read_user": 1,
        "int_page_read_count": 2,
    }
    assert articles._row(day, good).reads == 2
    for bad in [
        good | {"int_page_read_count": -1},
        good | {"int_page_read_user": "9"},
        good | {"msgid": ""},
        good | {"msgid": "x" * 65},
        good | {"ref_date": "2026-12-02"},  # not the day asked for
        good | {"title": None},
        "not an object",
    ]:
        assert articles._row(day, bad) is None


# --- the console ----------------------------------------------------------------------------------------
@pytest.fixture
def staff():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    user = get_user_model().objects.create_user("analyst", password="pw-analyst-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_adspend"))
    client = Client()
    client.force_login(user)
    return client


RANGE = "?start=2026-12-01&end=2026-12-02"


def test_the_dashboard_and_its_csv_show_read_jump_order(staff, article_set):
    art, more = article_set
    ArticleDay.objects.filter(msgid=Y).update(title='=HYPERLINK("http://evil")<b>')
    page = staff.get(f"/console/analytics/{RANGE}").content.decode()
    row = page[page.index(f'data-key="{X}"') :]
    row = row[: row.index("</tr>")]
    for cell in (
        'read-users" data-label="阅读人数">45<',
        'clickers" data-label="跳转访客">3<',
        "6.7%",
        "33.3%",
        "2.2%",
    ):
        assert cell in row  # readers, clicking visitors, jump rate 3/45, UV→pay 1/3, read→pay 1/45
    assert art.code in row and more.code in row and "80.00" in row
    assert 'id="chart-articles"' in page and '"article_readers": [45, 8]' in page
    assert "<b>" not in page.split('data-key="' + Y)[1].split("</tr>")[0]  # WeChat's title is escaped

    text = b"".join(staff.get(f"/console/analytics/export/articles.csv{RANGE}").streaming_content).decode(
        "utf-8-sig"
    )
    lines = text.strip().splitlines()
    assert lines[0].startswith("文章 msgid,标题,阅读人数,阅读次数,分享次数,跳转点击,跳转访客,跳转率")
    assert lines[1].startswith(f"{X},文章0,45,60,4,4,3,6.7%,3,2,1,66.7%,33.3%,2.2%,80.00,")
    assert lines[2].startswith(f"{Y},'=HYPERLINK") or lines[2].startswith(f"{Y},\"'=HYPERLINK")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_article_chart_and_table_render_in_a_browser(article_set, page, live_server, csp_violations):
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles import finders

    from wxmall.customers.testing import as_owner

    as_owner(get_user_model().objects.create_user("analyst", password="pw-analyst-1", is_staff=True))
    base = live_server.url
    console_login(page, f"{base}/console/analytics/{RANGE}", "analyst", "pw-analyst-1")
    row = page.locator(f"#articles tr[data-key='{X}']")
    assert row.locator(".read-users").inner_text() == "45"
    assert row.locator(".jump-rate").inner_text() == "6.7%"
    assert row.locator(".paying").inner_text() == "1"
    if finders.find("echarts/echarts.min.js"):
        page.locator("#chart-articles canvas").first.wait_for(timeout=10_000)
    assert csp_violations == []


def test_the_admin_lists_article_days_read_only(article_set):
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", password="pw-root-123"))
    listing = admin.get("/admin/analytics/articleday/")
    assert listing.status_code == 200 and X in listing.content.decode()
    assert admin.get("/admin/analytics/articleday/add/").status_code == 403
    row = ArticleDay.objects.get(msgid=X, day=D1)
    assert admin.post(f"/admin/analytics/articleday/{row.pk}/change/", {"reads": 1}).status_code == 403
    row.refresh_from_db()
    assert row.reads == 40


def test_the_beat_runs_the_pull_and_it_is_a_no_op_without_an_official_account(wechat, settings):
    from wxmall.analytics import tasks
    from wxmall.celery import beat_schedule

    entry = beat_schedule()["analytics-pull-article-stats"]
    assert entry["task"] == tasks.pull_article_stats.name == "wxmall.analytics.pull_article_stats"
    yesterday = timezone.localdate() - timedelta(days=1)
    _publish(wechat, {yesterday: {"int_page_read_count": 7}}, sent_on=yesterday.isoformat())
    assert tasks.pull_article_stats()[yesterday.isoformat()] == 1
    settings.WECHAT_APPS = {name: app for name, app in settings.WECHAT_APPS.items() if name != "oa"}
    assert tasks.pull_article_stats() == {}
    assert ArticleDay.objects.get().reads == 7
