"""The audit log: one entry per recorded action inside the caller's transaction, no personal data in
it, append-only everywhere, and a console page for the shop owner only."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from wxmall.audit import actions
from wxmall.audit.models import AppendOnlyError, AuditEntry

HOSTILE = '<script>alert("x")</script>'
URL = "/console/audit/"


@pytest.fixture
def clerk(db):
    from wxmall.customers.testing import OPERATOR, make_staff

    return make_staff("clerk", OPERATOR)  # a role without the audit log


@pytest.fixture
def owner(db):
    user = get_user_model().objects.create_user("owner", password="pw-owner-123", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_auditentry", content_type__app_label="audit")
    )
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_record_joins_the_callers_transaction(clerk):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.record(clerk, "customer.reveal", clerk, "查看了顾客手机号")
        raise RuntimeError("the caller's change failed")
    assert not AuditEntry.objects.exists()

    with transaction.atomic():
        entry = actions.record(
            clerk, "customer.reveal", clerk, "查看了顾客手机号", detail={"fields": ["phone"]}
        )
    stored = AuditEntry.objects.get()
    assert stored == entry
    assert (stored.actor, stored.actor_label, stored.target_type, stored.target_id) == (
        clerk,
        "clerk",
        "accounts.user",
        str(clerk.pk),
    )
    assert stored.detail == {"fields": ["phone"]}


def test_ip_comes_from_the_request_and_system_actions_have_no_actor(db):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    entry = actions.record(
        None, "coupon.issue", ("checkout.coupon", 7, "新客券"), "系统发放优惠券", request=request
    )
    assert (entry.actor, entry.actor_label, entry.ip, entry.target_label) == (
        None,
        "系统",
        "203.0.113.9",
        "新客券",
    )


def test_personal_data_never_reaches_the_log(clerk):
    with pytest.raises(ValueError):
        actions.record(
            clerk, "customer.reveal", clerk, "x", detail={"shipping": {"ship_phone": "13812345678"}}
        )
    entry = actions.record(
        clerk, "order.offline_paid", None, "顾客 13812345678 线下付款", detail={"note": "电话13812345678"}
    )
    assert entry.summary == "顾客 138****5678 线下付款"
    assert entry.detail == {"note": "电话138****5678"}
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize("code", ["", "reveal", "Customer.Reveal", "a.b c", "x." + "a" * 70])
def test_bad_action_codes_are_refused(clerk, code):
    with pytest.raises(ValueError):
        actions.record(clerk, code, None, "x")
    assert not AuditEntry.objects.exists()


def test_entries_cannot_be_changed_or_deleted(clerk):
    entry = actions.record(clerk, "customer.reveal", None, "x")
    entry.summary = "改写"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.get().summary == "x"


def test_admin_is_read_only_even_for_a_superuser(db):
    root = get_user_model().objects.create_superuser("root", password="pw-root-123")
    entry = actions.record(root, "customer.reveal", None, "x")
    client = _client(root)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert (
        client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"summary": "y"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.get().summary == "x"


def test_console_page_is_for_the_owner_only(clerk, owner):
    assert Client().get(URL).status_code == 302  # to the login
    denied = _client(clerk).get(URL)
    assert denied.status_code == 403
    assert "无权访问" in denied.content.decode() and "查看操作日志" in denied.content.decode()
    assert "操作日志" not in _client(clerk).get(reverse("console:home")).content.decode()

    page = _client(owner).get(URL)
    assert page.status_code == 200
    assert "没有符合条件的记录" in page.content.decode()
    assert "操作日志" in _client(owner).get(reverse("console:home")).content.decode()


def test_console_filters_and_escapes(clerk, owner):
    actions.record(clerk, "customer.reveal", ("accounts.user", 5, HOSTILE), f"查看了 {HOSTILE}")
    actions.record(owner, "coupon.issue", ("checkout.coupon", 9, "满减券"), "发放优惠券")
    old = actions.record(owner, "coupon.issue", ("checkout.coupon", 8, "旧券"), "很久以前")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client = _client(owner)

    everything = client.get(URL).content.decode()
    assert HOSTILE not in everything and "&lt;script&gt;" in everything
    assert all(word in everything for word in ("满减券", "旧券", "customer.reveal"))

    by_actor = client.get(URL, {"actor": "clerk"}).content.decode()
    assert "customer.reveal" in by_actor.split("</thead>")[1] and "满减券" not in by_actor
    by_action = client.get(URL, {"action": "coupon.issue"}).content.decode()
    assert "满减券" in by_action and "旧券" in by_action and "&lt;script&gt;" not in by_action
    recent = client.get(
        URL, {"since": (timezone.localdate() - timedelta(days=7)).isoformat()}
    ).content.decode()
    assert "满减券" in recent and "旧券" not in recent
    by_target = client.get(URL, {"target_type": "checkout.coupon", "target_id": "8"}).content.decode()
    assert "旧券" in by_target and "满减券" not in by_target
    # Nonsense filters are ignored or match nothing; they never fail the page.
    odd = client.get(URL, {"since": "not-a-date", "actor": HOSTILE, "page": "x"})
    assert odd.status_code == 200 and "没有符合条件的记录" in odd.content.decode()
