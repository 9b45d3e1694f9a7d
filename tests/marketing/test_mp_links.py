"""A tracked link with a Mini Program page gets a URL Link or URL Scheme from WeChat (wxsandbox): it opens
the page with the link's code in the query; WeChat's quota and bad pages are clear errors."""

import pytest

from wxmall.core.errors import DomainError
from wxmall.marketing.actions import mp_entry
from wxmall.marketing.testing import make_link
from wxmall.wechat.clients import registry
from wxmall.wechat.testing import forget_credentials, use_sandbox


@pytest.fixture
def mp(db, settings, wxsandbox):
    use_sandbox(settings, wxsandbox)
    forget_credentials(settings)
    registry().recorder.discard()
    return wxsandbox


def test_a_url_link_and_a_scheme_open_the_page_with_the_links_code(mp):
    link = make_link(mp_pagepath="pages/product/index?id=42", channel="sms")
    url = mp_entry(link.code, "urllink")
    assert url.startswith("https://")
    opened = mp.control("POST", "mp/links/resolve", json={"link": url})
    assert opened["path"] == "pages/product/index" and opened["query"] == f"id=42&wxl={link.code}"
    scheme = mp_entry(link.code, "scheme")
    assert scheme.startswith("weixin://dl/business/?t=")
    assert mp.control("POST", "mp/links/resolve", json={"link": scheme})["query"] == f"id=42&wxl={link.code}"


def test_refusals_are_clear_and_the_spent_quota_is_wechats_error(mp):
    plain = make_link()
    with pytest.raises(DomainError) as refused:
        mp_entry(plain.code, "urllink")
    assert refused.value.error.code == "marketing_not_mini_program"
    foreign = make_link(mp_pagepath="pages/index/index", mp_appid="wx0000000000000000")
    with pytest.raises(DomainError) as refused:
        mp_entry(foreign.code, "scheme")
    assert refused.value.error.code == "marketing_other_mini_program"
    for code, kind, why in [
        ("nope123", "urllink", "marketing_link_not_found"),
        (plain.code, "qr", "marketing_bad_mp_kind"),
    ]:
        with pytest.raises(DomainError) as refused:
            mp_entry(code, kind)
        assert refused.value.error.code == why
    hostile = make_link(mp_pagepath="pages/index/index?q=<script>")
    with pytest.raises(DomainError) as refused:
        mp_entry(hostile.code, "urllink")
    assert refused.value.error.code == "marketing_not_mini_program"
    link = make_link(mp_pagepath="pages/index/index")
    mp.control("POST", "mp/settings", json={"daily_quotas": {"wxa.links": 1}})
    mp_entry(link.code, "urllink")
    with pytest.raises(DomainError) as refused:
        mp_entry(link.code, "scheme")  # URL Link and URL Scheme share one daily quota
    assert refused.value.error.code == "marketing_wechat_refused"


def test_the_console_page_generates_a_link_for_staff_with_permission_and_audits_it(mp):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    from wxmall.audit.models import AuditEntry

    link = make_link(mp_pagepath="pages/index/index")
    user = get_user_model().objects.create_user("mkt", password="pw-mkt-1234", is_staff=True)
    staff = Client()
    staff.force_login(user)
    url = f"/console/marketing/links/{link.code}/mp-link/"
    assert staff.post(url, {"kind": "urllink"}).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="change_link"))
    page = staff.post(url, {"kind": "urllink"}).content.decode()
    assert 'id="mp-link">https://' in page
    assert AuditEntry.objects.filter(action="marketing.mp_link").count() == 1
    refused = staff.post(url, {"kind": "<b>"})
    assert refused.status_code == 400 and "只能生成 URL Link 或 URL Scheme" in refused.content.decode()
    assert staff.get("/console/marketing/links/zzzzzzz/mp-link/").status_code == 404
