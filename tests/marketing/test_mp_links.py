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


# -- Mini Program codes and URL Link state ---------------------------------------------------------------


def decode(image: bytes) -> str:
    import io

    import zxingcpp
    from PIL import Image

    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
    return found.text


def test_a_mini_program_code_opens_the_page_with_the_query_and_the_links_code_as_scene(mp):
    from wxmall.marketing.actions import mp_code

    link = make_link(mp_pagepath="/pages/product/index?id=42", channel="poster")
    image, content_type = mp_code(link.code)
    assert content_type == "image/jpeg"
    opened = mp.control("POST", "mp/links/resolve", json={"link": decode(image)})
    assert (opened["path"], opened["query"]) == ("pages/product/index", f"scene=id=42&wxl={link.code}")


def test_mini_program_code_refusals_are_clear_and_store_nothing(mp):
    from wxmall.audit.models import AuditEntry
    from wxmall.marketing.actions import mp_code
    from wxmall.wechat import client

    def refused(link) -> str:
        with pytest.raises(DomainError) as error:
            mp_code(link.code)
        return error.value.error.code

    assert refused(make_link(mp_pagepath="pages/index/index?campaign=spring&content=abc")) == (
        "marketing_mp_scene_too_long"  # 24 + "&wxl=" + 7 > 32
    )
    assert refused(make_link(mp_pagepath="pages/index/index?q=中文")) == "marketing_mp_bad_scene"
    assert refused(make_link(mp_pagepath="pages/index/index?scancode_time=1")) == "marketing_mp_bad_scene"
    assert refused(make_link(mp_pagepath="pages/<b>/index")) == "marketing_mp_page_not_released"
    assert refused(make_link()) == "marketing_not_mini_program"
    appid = client("mp").appid
    mp.control("POST", "mp/settings", json={"released_pages": {appid: ["pages/index/index"]}})
    assert refused(make_link(mp_pagepath="pages/draft/index")) == "marketing_mp_page_not_released"
    mp.control("POST", "mp/settings", json={"wxacode_per_minute": 1})
    released = make_link(mp_pagepath="pages/index/index")
    mp_code(released.code)
    assert refused(released) == "marketing_mp_code_quota"
    assert len(mp.journal(direction="in", path_prefix="/wxa/getwxacodeunlimit")) == 3  # the rest never left
    assert AuditEntry.objects.count() == 0


def test_a_kept_url_link_reports_its_expiry_and_the_visits_left(mp):
    import time

    from wxmall.marketing.actions import mp_link_state
    from wxmall.marketing.models import MpEntry

    mp.control("POST", "mp/settings", json={"link_open_quota": 5})
    link = make_link(mp_pagepath="pages/index/index")
    url = mp_entry(link.code, "urllink")
    mp_entry(link.code, "scheme")
    entry = MpEntry.objects.get(url=url)
    assert entry.link == link and MpEntry.objects.filter(link=link).count() == 2
    state = mp_link_state(entry.pk)
    assert state.query == f"wxl={link.code}" and abs(state.expire_time - (time.time() + 30 * 86400)) < 120
    assert state.remain_visit_quota == 5
    mp.control("POST", "mp/links/resolve", json={"link": url})
    assert mp_link_state(entry.pk).remain_visit_quota == 4
    scheme = MpEntry.objects.get(kind="scheme")
    for entry_id, why in [
        (scheme.pk, "marketing_mp_entry_not_found"),
        (10**9, "marketing_mp_entry_not_found"),
    ]:
        with pytest.raises(DomainError) as error:
            mp_link_state(entry_id)
        assert error.value.error.code == why
    forged = MpEntry.objects.create(
        link=link, kind="urllink", url=url[:-3] + "zzz", expires_at=entry.expires_at
    )
    with pytest.raises(DomainError) as error:
        mp_link_state(forged.pk)
    assert error.value.error.code == "marketing_mp_entry_unknown"


def test_a_refused_url_link_is_not_kept(mp):
    from wxmall.marketing.models import MpEntry

    link = make_link(mp_pagepath="pages/index/index")
    mp.control("POST", "mp/settings", json={"daily_quotas": {"wxa.links": 1}})
    mp_entry(link.code, "urllink")
    with pytest.raises(DomainError):
        mp_entry(link.code, "urllink")
    assert MpEntry.objects.count() == 1


def test_the_console_downloads_a_code_and_queries_a_url_link_with_permission_and_audit(mp):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    from wxmall.audit.models import AuditEntry
    from wxmall.marketing.models import MpEntry

    link = make_link(mp_pagepath="pages/index/index")
    user = get_user_model().objects.create_user("mkt2", password="pw-mkt-1234", is_staff=True)
    staff = Client()
    staff.force_login(user)
    code_url = f"/console/marketing/links/{link.code}/mp-code/"
    assert staff.post(code_url).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="change_link"))
    assert staff.get(code_url).status_code == 405
    download = staff.post(code_url)
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"] == f'attachment; filename="mp-code-{link.code}.jpg"'
    assert decode(download.content).startswith("https://")
    transparent = staff.post(code_url, {"hyaline": "1"})
    assert transparent["Content-Type"] == "image/png" and transparent["Content-Disposition"].endswith('.png"')
    assert AuditEntry.objects.filter(action="marketing.mp_code").count() == 2
    long_one = make_link(mp_pagepath="pages/index/index?campaign=spring&content=abc")
    refused = staff.post(f"/console/marketing/links/{long_one.code}/mp-code/")
    assert refused.status_code == 400 and "最多 32 个字符" in refused.content.decode()
    assert AuditEntry.objects.filter(action="marketing.mp_code").count() == 2
    assert staff.post("/console/marketing/links/zzzzzzz/mp-code/").status_code == 404

    page_url = f"/console/marketing/links/{link.code}/mp-link/"
    staff.post(page_url, {"kind": "urllink"})
    entry = MpEntry.objects.get(link=link)
    page = staff.get(page_url).content.decode()
    assert entry.url in page and "向微信查询状态" in page
    state = staff.post(page_url, {"kind": "query", "entry": str(entry.pk)}).content.decode()
    assert 'id="mp-state-visits">' in state and "有效期至" in state
    other = make_link(mp_pagepath="pages/index/index")
    for bad in [str(entry.pk + 1000), "<script>", "", "9" * 30]:
        answer = staff.post(
            f"/console/marketing/links/{other.code}/mp-link/", {"kind": "query", "entry": bad}
        )
        assert answer.status_code == 404 and "该 URL Link 不存在" in answer.content.decode()
    answer = staff.post(
        f"/console/marketing/links/{other.code}/mp-link/", {"kind": "query", "entry": entry.pk}
    )
    assert answer.status_code == 404  # another link's entry is not this link's


def test_the_poster_can_carry_the_mini_program_code(mp):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    link = make_link(mp_pagepath="pages/index/index")
    user = get_user_model().objects.create_user("mkt3", password="pw-mkt-1234", is_staff=True)
    staff = Client()
    staff.force_login(user)
    poster_url = f"/console/marketing/links/{link.code}/poster.png"
    assert staff.get(poster_url + "?mp=1").status_code == 403
    assert mp.journal(direction="in", path_prefix="/wxa/getwxacodeunlimit") == []
    user.user_permissions.add(Permission.objects.get(codename="change_link"))
    poster = staff.get(poster_url + "?mp=1")
    assert poster["Content-Type"] == "image/png"
    opened = mp.control("POST", "mp/links/resolve", json={"link": decode(poster.content)})
    assert opened["query"] == f"scene=wxl={link.code}"
    assert decode(staff.get(poster_url).content).endswith(f"/l/{link.code}")  # without mp: the short link
    plain = make_link()
    refused = staff.get(f"/console/marketing/links/{plain.code}/poster.png?mp=1")
    assert refused.status_code == 400 and "没有设置小程序页面" in refused.content.decode()
