"""The three-tier review: automatic check → human review queue → external content security (wxsandbox's
TMS and msg_sec_check, over the real wire). A verdict is pinned to the exact copy it judged."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from wxmall.catalog.testing import make_product
from wxmall.compliance import actions, queries
from wxmall.compliance.models import ReviewItem, ReviewStatus

WARN_TITLE = "出厂价 轻薄笔记本电脑"  # 出厂价: a warning (needs evidence), not a blocking term


def item_of(obj) -> ReviewItem:
    return ReviewItem.objects.get(subject=obj._meta.label_lower, object_id=str(obj.pk))


@pytest.fixture
def reviewer(db):
    from wxmall.accounts.testing import make_customer

    user = make_customer("reviewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_copy"))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_clean_copy_is_cleared_and_may_be_published(db):
    product = make_product("轻薄笔记本电脑 16GB 内存")
    assert item_of(product).status == ReviewStatus.CLEARED
    assert queries.is_cleared(product)


def test_warning_waits_for_a_person_and_approval_clears_exactly_that_copy(
    reviewer, django_capture_on_commit_callbacks
):
    product = make_product(WARN_TITLE)
    item = item_of(product)
    assert item.status == ReviewStatus.PENDING and item.hits[0]["term"] == "出厂价"
    assert not queries.is_cleared(product)
    with django_capture_on_commit_callbacks(execute=True):
        r = reviewer.post(f"/console/compliance/review/{item.pk}/approve/", {"digest": item.digest})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == ReviewStatus.APPROVED and item.reviewer_id == reviewer.user.pk
    from wxmall.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="compliance.approve")
    assert (entry.actor_id, entry.target_id) == (reviewer.user.pk, str(product.pk))
    assert queries.is_cleared(product)
    product.description = "跳楼价清仓"  # new copy: the approval does not carry over
    product.save()
    assert item_of(product).status == ReviewStatus.PENDING and not queries.is_cleared(product)


def test_a_decision_about_older_copy_changes_nothing(reviewer):
    product = make_product(WARN_TITLE)
    stale = item_of(product).digest
    product.subtitle = "亏本价"
    product.save()
    assert not actions.approve(item_of(product).pk, reviewer.user, stale)
    assert not actions.reject(item_of(product).pk, reviewer.user, stale, "理由")
    assert item_of(product).status == ReviewStatus.PENDING


def test_blocking_copy_cannot_be_approved(reviewer):
    product = make_product("全网最低价 游戏本")
    item = item_of(product)
    assert item.status == ReviewStatus.BLOCKED
    assert not actions.approve(item.pk, reviewer.user, item.digest)
    assert not queries.is_cleared(product)


def test_reject_needs_a_reason_and_keeps_it(reviewer):
    item = item_of(make_product(WARN_TITLE))
    url = f"/console/compliance/review/{item.pk}/reject/"
    reviewer.post(url, {"digest": item.digest, "reason": ""})
    item.refresh_from_db()
    assert item.status == ReviewStatus.PENDING
    reviewer.post(url, {"digest": item.digest, "reason": "缺少出厂价依据"})
    item.refresh_from_db()
    assert (item.status, item.reason) == (ReviewStatus.REJECTED, "缺少出厂价依据")


def test_edit_saves_the_copy_on_the_object_and_judges_it_again(reviewer):
    product = make_product(WARN_TITLE)
    item = item_of(product)
    page = reviewer.get(f"/console/compliance/review/{item.pk}/").content.decode()
    assert '<mark class="warn"' in page and ">出厂价</mark>" in page
    r = reviewer.post(
        f"/console/compliance/review/{item.pk}/",
        {"title": "促销价 轻薄笔记本电脑", "subtitle": "", "description": "<script>alert(1)</script>"},
    )
    assert r.status_code == 302
    product.refresh_from_db()
    assert product.title == "促销价 轻薄笔记本电脑"
    assert item_of(product).status == ReviewStatus.CLEARED
    page = reviewer.get(f"/console/compliance/review/{item.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_edit_with_invalid_copy_writes_nothing(reviewer):
    product = make_product(WARN_TITLE)
    item = item_of(product)
    r = reviewer.post(f"/console/compliance/review/{item.pk}/", {"title": "长" * 500})
    assert r.status_code == 400
    product.refresh_from_db()
    assert product.title == WARN_TITLE


def test_queue_lists_pending_items_escaped_for_reviewers_only(reviewer, db):
    make_product(WARN_TITLE + "<b>x</b>")
    page = reviewer.get("/console/compliance/review/").content.decode()
    assert "出厂价 轻薄笔记本电脑&lt;b&gt;x&lt;/b&gt;" in page
    from wxmall.accounts.testing import make_customer

    plain = Client()
    plain.force_login(make_customer("staff-no-perm", is_staff=True))
    assert plain.get("/console/compliance/review/").status_code == 403
    assert Client().get("/console/compliance/review/").status_code == 302


# --- tier 3: external content security against wxsandbox --------------------------------------------


@pytest.fixture(scope="module")
def sec_sandbox(wxsandbox_base_config):
    from wxsandbox.testing import run_sandbox

    with run_sandbox(wxsandbox_base_config) as handle:
        yield handle


@pytest.fixture
def tms_on(settings, sec_sandbox):
    from wxsandbox.security.settings import DEFAULT_TMS_SECRET_ID, DEFAULT_TMS_SECRET_KEY

    sec_sandbox.reset()  # settings, faults and journal of the module's sandbox
    settings.COMPLIANCE_TMS_ENABLED = True
    settings.COMPLIANCE_TMS_ENDPOINT = sec_sandbox.base_url
    settings.COMPLIANCE_TMS_SECRET_ID = DEFAULT_TMS_SECRET_ID
    settings.COMPLIANCE_TMS_SECRET_KEY = DEFAULT_TMS_SECRET_KEY
    return sec_sandbox


def checked(obj, django_capture_on_commit_callbacks) -> ReviewItem:
    """The external check runs as a Celery task after commit; run it here."""
    from wxmall.compliance.tasks import check_externally

    item = item_of(obj)
    assert item.status == ReviewStatus.CHECKING
    check_externally(item.pk)
    item.refresh_from_db()
    return item


@pytest.mark.parametrize(
    ("description", "status", "suggestion"),
    [
        ("办公好帮手，静音散热", ReviewStatus.CLEARED, "pass"),
        ("下单可代开发票", ReviewStatus.BLOCKED, "block"),
        ("加微信领红包", ReviewStatus.PENDING, "review"),
    ],
)
def test_tms_verdicts_decide_clean_copy(
    tms_on, db, description, status, suggestion, django_capture_on_commit_callbacks
):
    product = make_product("轻薄笔记本电脑", description=description)
    item = checked(product, django_capture_on_commit_callbacks)
    assert item.status == status
    assert item.external[0]["provider"] == "tms" and item.external[0]["status"] == suggestion
    assert item.external[0]["ref"]  # TMS RequestId
    assert queries.is_cleared(product) is (status == ReviewStatus.CLEARED)


def test_tms_unavailable_leaves_the_copy_to_a_person(tms_on, db, django_capture_on_commit_callbacks):
    tms_on.add_fault(target="security.tms", http_status=503, times=5)
    item = checked(make_product("轻薄笔记本电脑"), django_capture_on_commit_callbacks)
    assert item.status == ReviewStatus.PENDING and item.external[0]["status"] == "error"


def test_tms_wrong_secret_is_an_error_not_a_pass(tms_on, settings, db, django_capture_on_commit_callbacks):
    settings.COMPLIANCE_TMS_SECRET_KEY = "wrong" * 6
    item = checked(make_product("轻薄笔记本电脑"), django_capture_on_commit_callbacks)
    assert item.status == ReviewStatus.PENDING
    assert "AuthFailure.SignatureFailure" in item.external[0]["message"]


@pytest.fixture
def msg_sec_on(db, settings, sec_sandbox):
    from wxmall.wechat.testing import forget_credentials, use_sandbox

    sec_sandbox.reset()
    use_sandbox(settings, sec_sandbox)
    forget_credentials(settings)
    settings.COMPLIANCE_MSG_SEC_CHECK_ENABLED = True
    return sec_sandbox


def mp_visit(sb, user_id: str) -> str:
    """A member of staff opens the Mini Program and it logs in through the hub (wx.login → /api →
    jscode2session): both the hub and WeChat now know of a recent visit. Returns the openid."""
    import json

    from wxmall.accounts.models import User
    from wxsandbox.config import MINI_PROGRAM

    mp = sb.app_of_kind(MINI_PROGRAM)
    code = sb.control("POST", "mp/login", json={"user": user_id, "appid": mp.appid})["code"]
    answer = Client().post("/api/accounts/miniprogram/login", json.dumps({"code": code}), "application/json")
    assert answer.status_code == 200, answer.content
    openid = sb.openid(user_id, mp.appid)
    User.objects.filter(wechat_identities__openid=openid).update(is_staff=True)
    return openid


def msg_sec_calls(sb) -> list[dict]:
    return [e for e in sb.journal(direction="in") if e["kind"] == "security.msg_sec_check"]


def test_msg_sec_check_judges_user_facing_coupon_names(msg_sec_on, db, django_capture_on_commit_callbacks):
    from wxmall.checkout.testing import make_coupon

    mp_visit(msg_sec_on, msg_sec_on.config.users[0].id)
    risky = checked(make_coupon(name="赌博返现券"), django_capture_on_commit_callbacks)
    assert risky.status == ReviewStatus.BLOCKED
    assert risky.external[0] | {"ref": ""} == {
        "provider": "msg_sec_check",
        "status": "block",
        "label": "20006",
        "keywords": ["赌博"],
        "ref": "",
        "message": "",
    }
    assert (
        checked(make_coupon(name="新人满减券"), django_capture_on_commit_callbacks).status
        == ReviewStatus.CLEARED
    )
    product = make_product("轻薄笔记本电脑")  # not user-facing: msg_sec_check alone does not apply
    assert item_of(product).status == ReviewStatus.CLEARED


def test_msg_sec_check_without_a_recent_visitor_leaves_the_copy_to_a_person(
    msg_sec_on, db, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from wxmall.accounts.models import WeChatIdentity
    from wxmall.checkout.testing import make_coupon

    mp_visit(msg_sec_on, msg_sec_on.config.users[0].id)
    WeChatIdentity.objects.update(last_login_at=timezone.now() - timedelta(hours=2))  # 2 h ago: too old
    item = checked(make_coupon(name="新人满减券"), django_capture_on_commit_callbacks)
    assert item.status == ReviewStatus.PENDING  # never cleared unchecked
    assert item.external[0]["status"] == "error" and "两小时内" in item.external[0]["message"]
    assert msg_sec_calls(msg_sec_on) == []  # WeChat is not asked with an openid it would refuse


def test_an_openid_wechat_calls_stale_falls_back_to_tms_or_a_person(
    msg_sec_on, settings, db, django_capture_on_commit_callbacks
):
    """The hub believes in a visit WeChat does not know of (43104, or 61010 when so configured): TMS
    judges alone when it is on, otherwise a person does."""
    from django.utils import timezone

    from wxmall.accounts.models import WeChatIdentity
    from wxmall.accounts.testing import make_customer
    from wxmall.checkout.testing import make_coupon
    from wxsandbox.config import MINI_PROGRAM
    from wxsandbox.security.settings import DEFAULT_TMS_SECRET_ID, DEFAULT_TMS_SECRET_KEY

    mp = msg_sec_on.app_of_kind(MINI_PROGRAM)
    WeChatIdentity.objects.create(
        user=make_customer(is_staff=True),
        appid=mp.appid,
        openid=msg_sec_on.openid(msg_sec_on.config.users[1].id, mp.appid),  # never logged in at WeChat
        kind=WeChatIdentity.Kind.MINIPROGRAM,
        last_login_at=timezone.now(),
    )
    alone = checked(make_coupon(name="新人满减券"), django_capture_on_commit_callbacks)
    assert alone.status == ReviewStatus.PENDING
    assert alone.external[0]["status"] == "error" and "43104" in alone.external[0]["message"]

    msg_sec_on.control("POST", "security/settings", json={"msg_sec_visit_errcode": 61010})
    settings.COMPLIANCE_TMS_ENABLED = True
    settings.COMPLIANCE_TMS_ENDPOINT = msg_sec_on.base_url
    settings.COMPLIANCE_TMS_SECRET_ID = DEFAULT_TMS_SECRET_ID
    settings.COMPLIANCE_TMS_SECRET_KEY = DEFAULT_TMS_SECRET_KEY
    clean = checked(make_coupon(name="老客满减券"), django_capture_on_commit_callbacks)
    assert clean.status == ReviewStatus.CLEARED
    assert [(r["provider"], r["status"]) for r in clean.external] == [
        ("tms", "pass"),
        ("msg_sec_check", "skipped"),
    ]
    assert "61010" in clean.external[1]["message"]
    risky = checked(make_coupon(name="代开发票券"), django_capture_on_commit_callbacks)
    assert risky.status == ReviewStatus.BLOCKED  # TMS's verdict stands


def test_skipped_providers_alone_never_clear():
    from wxmall.compliance.external import External, worst

    assert worst([External("msg_sec_check", "skipped")]) == "error"
    assert worst([External("tms", "pass"), External("msg_sec_check", "skipped")]) == "pass"


def test_the_visitor_openid_is_the_configured_one_or_a_staff_members_never_a_customers(db):
    from datetime import timedelta

    from django.utils import timezone

    from wxmall.accounts.models import WeChatIdentity
    from wxmall.accounts.testing import make_customer
    from wxmall.compliance.external import recent_miniprogram_openid

    now, appid = timezone.now(), "wx" + "1" * 16

    def identity(openid, minutes_ago, kind=WeChatIdentity.Kind.MINIPROGRAM, **user):
        WeChatIdentity.objects.create(
            user=make_customer(**user),
            appid=appid,
            openid=openid,
            kind=kind,
            last_login_at=now - timedelta(minutes=minutes_ago),
        )

    since = now - timedelta(minutes=110)
    assert recent_miniprogram_openid(appid, since) == ""
    identity("o-old-boss", 200, is_staff=True)  # too long ago
    identity("o-oa", 1, kind=WeChatIdentity.Kind.OA)  # not a Mini Program identity
    assert recent_miniprogram_openid(appid, since, prefer="o-old-boss") == ""
    identity("o-buyer", 5)
    identity("o-buyer-2", 60)
    assert recent_miniprogram_openid(appid, since) == ""  # customers' openids are never used
    identity("o-staff", 90, is_staff=True)
    identity("o-staff-2", 100, is_staff=True)
    assert recent_miniprogram_openid(appid, since) == "o-staff"  # the most recent staff login
    assert recent_miniprogram_openid(appid, since, prefer="o-staff-2") == "o-staff-2"
    assert recent_miniprogram_openid(appid, since, prefer="o-buyer-2") == "o-buyer-2"  # configured: trusted
    assert recent_miniprogram_openid("wx" + "2" * 16, since) == ""


HOSTILE = [
    "<script>alert('x')</script>出厂价",
    "'; DROP TABLE compliance_reviewitem; --",
    "出\u200b厂\u200d价 \u202eevil",
    "Ｆｕｌｌ　ｗｉｄｔｈ 𠜎𠜱 עברית",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_copy_is_stored_scanned_and_rendered_escaped(reviewer, text):
    product = make_product("笔记本电脑", description=text)
    item = item_of(product)
    assert item.copy["description"] == text  # stored as written
    page = reviewer.get(f"/console/compliance/review/{item.pk}/").content.decode()
    assert "<script>alert" not in page
    listing = reviewer.get(f"/console/compliance/review/?status={item.status}").content.decode()
    assert "<script>alert" not in listing


def test_huge_copy_goes_to_tms_in_pieces(tms_on, db, django_capture_on_commit_callbacks):
    product = make_product("轻薄笔记本电脑", description="静音散热。" * 4000 + "代开发票")  # 20k characters
    item = checked(product, django_capture_on_commit_callbacks)
    assert item.status == ReviewStatus.BLOCKED  # the hit sits in the last piece
    calls = [e for e in tms_on.journal(direction="in") if e["kind"] == "security.tms"]
    assert len(calls) == 3


def test_a_lost_external_check_is_asked_again(tms_on, db):
    from datetime import timedelta

    from celery import current_app
    from django.utils import timezone

    from wxmall.compliance.tasks import recheck_stale

    product = make_product("轻薄笔记本电脑")  # the on_commit dispatch never runs here: the task is "lost"
    ReviewItem.objects.filter(pk=item_of(product).pk).update(updated_at=timezone.now() - timedelta(minutes=6))
    current_app.conf.task_always_eager = True
    try:
        assert recheck_stale() == 1
    finally:
        current_app.conf.task_always_eager = False
    assert item_of(product).status == ReviewStatus.CLEARED


def test_the_demo_signs_with_the_sandboxs_own_tms_credentials(
    tms_on, settings, db, django_capture_on_commit_callbacks
):
    settings.DEMO = True
    settings.COMPLIANCE_TMS_SECRET_ID = settings.COMPLIANCE_TMS_SECRET_KEY = ""
    assert (
        checked(make_product("轻薄笔记本电脑"), django_capture_on_commit_callbacks).status
        == ReviewStatus.CLEARED
    )
