import pytest
from django.test import Client

from wxmall.customers.testing import as_owner

URL = "/console/compliance/live-script/"


@pytest.fixture
def staff(db):
    from wxmall.accounts.testing import make_customer

    client = Client(enforce_csrf_checks=False)
    client.force_login(as_owner(make_customer("staff-live", is_staff=True)))
    return client


def test_script_is_marked_up_and_escaped(staff):
    script = "家人们<script>alert(1)</script>，全网最低价！\n分享到朋友圈即可领取。最大支持64GB内存"
    r = staff.post(URL, {"script": script})
    html = r.content.decode()
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<mark class="block"' in html and ">全网最低价</mark>" in html
    assert ">分享到朋友圈即可领取</mark>" in html
    assert "最大支持64GB内存</pre>" in html  # spec, not marked


def test_staff_only_and_csrf(db, api):
    assert api.post(URL, {"script": "最便宜"}).status_code == 302  # customer -> admin login
    from wxmall.accounts.testing import make_customer

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(as_owner(make_customer("staff-live-csrf", is_staff=True)))
    assert strict.post(URL, {"script": "最便宜"}).status_code == 403


def test_get_shows_the_form(staff):
    assert "直播脚本检查" in staff.get(URL).content.decode()


def test_a_clean_script_is_also_judged_by_tms_when_it_is_on(staff, settings, wxsandbox):
    from wxsandbox.security.settings import DEFAULT_TMS_SECRET_ID, DEFAULT_TMS_SECRET_KEY

    settings.COMPLIANCE_TMS_ENABLED = True
    settings.COMPLIANCE_TMS_ENDPOINT = wxsandbox.base_url
    settings.COMPLIANCE_TMS_SECRET_ID = DEFAULT_TMS_SECRET_ID
    settings.COMPLIANCE_TMS_SECRET_KEY = DEFAULT_TMS_SECRET_KEY
    html = staff.post(URL, {"script": "家人们看这款笔记本，支持代开发票"}).content.decode()
    assert "腾讯云文本内容安全：建议屏蔽" in html and "代开发票" in html
    assert (
        "腾讯云文本内容安全：未发现问题" in staff.post(URL, {"script": "家人们看这款笔记本"}).content.decode()
    )
