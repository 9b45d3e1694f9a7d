"""The console's analytics pages: figures of the known data set, filters, CSV exports and ad spend."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wxmall.analytics.models import AdSpend

pytestmark = pytest.mark.django_db
RANGE = "?start=2026-12-01&end=2026-12-02"


@pytest.fixture
def staff():
    user = get_user_model().objects.create_user("analyst", password="pw-analyst-1", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_adspend")
    )  # staff with no role open nothing
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_the_dashboard_shows_the_known_figures(staff, data_set):
    page = staff.get(f"/console/analytics/{RANGE}").content.decode()
    assert "¥350.00" in page and "¥70.00" in page and "50.0%" in page  # GMV, ARPU, repurchase rate
    assert 'data-key="live"' in page and "直播" in page and "公众号菜单" in page
    assert "1.50" in page  # 双十二's ROI
    assert "2.0%" in page and "20.0 秒" in page  # the ad's CTR and landing-page dwell
    assert 'id="chart-funnel"' in page and 'id="analytics-chart-data"' in page


def test_filters_and_bad_filters(staff, data_set):
    live = staff.get(f"/console/analytics/{RANGE}&channel=live").content.decode()
    assert "¥200.00" in live and 'data-key="oa_menu"' not in live
    bad = staff.get("/console/analytics/?start=2026-13-01&channel=<script>").content.decode()
    assert "日期格式应为" in bad and "渠道不存在" in bad and "<script>" not in bad


def test_csv_exports(staff, data_set):
    response = staff.get(f"/console/analytics/export/channels.csv{RANGE}")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("名称,UV,PV") and any(
        line.startswith("直播,1,1,1,1,100.0%,100.0%,1,200.00") for line in lines
    )
    retention = b"".join(staff.get(f"/console/analytics/export/retention.csv{RANGE}").streaming_content)
    assert "2026-12-01,4,100.0%,50.0%" in retention.decode("utf-8-sig")
    assert staff.get("/console/analytics/export/users.csv").status_code == 404


def test_a_hostile_campaign_name_is_escaped_and_neutralised_in_csv(staff, data_set):
    from wxmall.analytics.actions import save_spend

    save_spend('=HYPERLINK("http://evil")<b>', data_set.start, 100)
    page = staff.get(f"/console/analytics/{RANGE}").content.decode()
    assert "<b>" not in page and "&lt;b&gt;" in page
    text = b"".join(staff.get(f"/console/analytics/export/campaigns.csv{RANGE}").streaming_content).decode(
        "utf-8-sig"
    )
    assert "'=HYPERLINK" in text


def test_spend_needs_its_permission_and_imports_all_or_nothing(staff):
    assert (
        staff.post(
            "/console/analytics/spend/save/", {"campaign": "x", "day": "2026-12-01", "spend_yuan": "1"}
        ).status_code
        == 403
    )
    staff.user.user_permissions.add(Permission.objects.get(codename="add_adspend"))
    staff.post(
        "/console/analytics/spend/save/",
        {
            "campaign": "朋友圈投放",
            "day": "2026-12-01",
            "spend_yuan": "1,234.5",
            "impressions": "100",
            "clicks": "3",
        },
    )
    assert AdSpend.objects.get().spend == 123450
    good = "campaign,day,spend_yuan,impressions,clicks\n朋友圈投放,2026-12-01,500,10000,200\n直播节,2026-12-02,88.8,0,0\n"
    bad = good + "直播节,2026-12-32,1,0,0\n"
    response = staff.post(
        "/console/analytics/spend/import/", {"file": SimpleUploadedFile("s.csv", bad.encode())}, follow=True
    )
    assert "第 4 行：日期应为 YYYY-MM-DD" in response.content.decode()
    assert AdSpend.objects.get().spend == 123450  # nothing of the refused file was written
    staff.post(
        "/console/analytics/spend/import/", {"file": SimpleUploadedFile("s.csv", ("\ufeff" + good).encode())}
    )
    assert dict(AdSpend.objects.values_list("campaign", "spend")) == {"朋友圈投放": 50000, "直播节": 8880}
    clicks_over = "campaign,day,spend_yuan,impressions,clicks\nx,2026-12-01,1,10,11\n"
    response = staff.post(
        "/console/analytics/spend/import/",
        {"file": SimpleUploadedFile("s.csv", clicks_over.encode())},
        follow=True,
    )
    assert "点击数不能超过曝光数" in response.content.decode()


def test_customers_cannot_see_the_dashboard(api):
    assert api.get("/console/analytics/").status_code == 302
    assert Client().get("/console/analytics/export/channels.csv").status_code == 302
