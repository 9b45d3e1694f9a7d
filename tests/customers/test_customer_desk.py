"""The customers desk: named by the display rule, searchable (phone through its lookup hash), personal
data masked unless a permitted member of staff reveals it, and every reveal (or refusal) audited."""

import pytest

from wxmall.accounts.models import WeChatIdentity
from wxmall.accounts.phones import phone_hash
from wxmall.accounts.testing import make_address, make_customer
from wxmall.audit.models import AuditEntry
from wxmall.checkout.testing import make_paid_order
from wxmall.members_import.models import CustomerTag

HOSTILE = '<script>alert("x")</script>'
PHONE = "13912345678"


@pytest.fixture
def xiaoming(db):
    user = make_customer(
        "wx-2d6fb0000000000000000000000000000000000", phone=PHONE, phone_hash=phone_hash(PHONE)
    )
    WeChatIdentity.objects.create(user=user, appid="wxapp1", openid="o6_bmjrPTlm6_2sgVt7hMZOPfL2M", kind="oa")
    make_address(user, recipient="王小明", phone=PHONE, detail="科技园路 8 号")
    return user


def test_display_name_rule_and_list(service, xiaoming, login):
    named = make_customer(nickname="爱丽丝")
    anonymous = make_customer()
    make_paid_order(named, price=4249_00)
    page = login(service).get("/console/customers/").content.decode()
    assert "爱丽丝" in page and "139****5678" in page and f"顾客#{anonymous.pk}" in page
    assert "wx-2d6fb" not in page and PHONE not in page
    assert "¥4,249.00" in page


@pytest.mark.parametrize(
    "query", ["139 1234 5678", "+86 139-1234-5678", "顾客#{pk}", "小明", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"]
)
def test_search_finds_by_phone_id_nickname_or_openid(service, xiaoming, query, login):
    xiaoming.nickname = "王小明同学"
    xiaoming.save()
    make_customer(nickname="别人")
    page = login(service).get("/console/customers/", {"q": query.format(pk=xiaoming.pk)}).content.decode()
    assert f"/console/customers/{xiaoming.pk}/" in page and "别人" not in page


def test_search_with_hostile_or_oversized_input_matches_nothing_and_is_escaped(service, xiaoming, login):
    client = login(service)
    page = client.get("/console/customers/", {"q": HOSTILE}).content.decode()
    assert HOSTILE not in page and "&lt;script&gt;" in page and "没有找到顾客" in page
    page = client.get("/console/customers/", {"q": "1" * 500}).content.decode()
    assert "没有找到顾客" in page
    # Part of a number finds nobody: only whole numbers have a lookup hash.
    assert "没有找到顾客" in client.get("/console/customers/", {"q": "1391234"}).content.decode()


def test_profile_masks_personal_data_and_shows_identities_orders_points(service, xiaoming, login):
    order = make_paid_order(xiaoming, price=9900)
    CustomerTag.objects.create(user=xiaoming, name=HOSTILE)
    page = login(service).get(f"/console/customers/{xiaoming.pk}/").content.decode()
    assert "139****5678" in page and PHONE not in page and "王**" in page and "科技园路" not in page
    assert "wxapp1" in page and "o6_bmj…" in page and "o6_bmjrPTlm6" not in page
    assert order.order_no in page and "¥99.00" in page
    assert "&lt;script&gt;alert" in page and HOSTILE not in page  # its tag, escaped
    assert login(service).get("/console/customers/999999999/").status_code == 404
    assert login(service).get(f"/console/customers/{2**70}/").status_code == 404


def test_reveal_with_permission_shows_everything_once_and_is_audited(service, xiaoming, login):
    response = login(service).post(f"/console/customers/{xiaoming.pk}/reveal/")
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert (
        PHONE in page
        and "王小明" in page
        and "科技园路 8 号" in page
        and "o6_bmjrPTlm6_2sgVt7hMZOPfL2M" in page
    )
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (service, "customer.reveal", str(xiaoming.pk))
    assert PHONE not in entry.summary + entry.target_label + str(entry.detail)
    # A GET afterwards is masked again.
    assert PHONE not in login(service).get(f"/console/customers/{xiaoming.pk}/").content.decode()


def test_reveal_without_permission_reveals_nothing_and_the_attempt_is_audited(operator, xiaoming, login):
    response = login(operator).post(f"/console/customers/{xiaoming.pk}/reveal/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page and PHONE not in page and "科技园路" not in page
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (operator, "customer.reveal_denied")


def test_reveal_is_post_only(service, xiaoming, login):
    assert login(service).get(f"/console/customers/{xiaoming.pk}/reveal/").status_code == 405
    assert not AuditEntry.objects.exists()
