import pytest
from django.test import Client

from wxmall.accounts import actions
from wxmall.accounts.models import CustomerMerge, Member, PointsEntry, User, WeChatIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture
def wechat_customer(db):
    return actions.login_wechat(appid="wxoa", openid="o-link", kind="oa")


def test_linking_a_store_account_folds_the_wechat_customer_into_it(wechat_customer, paid_order, customer):
    customer.set_password("store-pass-1")
    customer.save()
    browser = Client()
    browser.force_login(wechat_customer)
    wrong = browser.post("/me/link/", {"username": customer.username, "password": "nope"})
    assert wrong.status_code == 400 and "用户名或密码不正确" in wrong.content.decode()
    assert not CustomerMerge.objects.exists()
    done = browser.post("/me/link/", {"username": customer.username, "password": "store-pass-1"})
    assert done.status_code == 302
    assert WeChatIdentity.objects.get(openid="o-link").user_id == customer.pk
    assert not User.objects.get(pk=wechat_customer.pk).is_active
    assert browser.get("/me/points/").context["member"].user_id == customer.pk  # logged in as the account
    # A store account (not a WeChat-only one) cannot link again.
    assert browser.post("/me/link/", {"username": "x", "password": "y"}).status_code == 400


def test_staff_adjust_points_in_admin_is_audited(customer, db):
    staff = User.objects.create_superuser("boss", password="pw-123456")
    Member.objects.create(user=customer)
    admin = Client()
    admin.force_login(staff)
    url = f"/admin/accounts/member/{Member.objects.get(user=customer).pk}/change/"
    assert admin.get(url).status_code == 200
    admin.post(url, {"_adjust_points": "1", "delta": "30", "reason": "活动补发"})
    entry = PointsEntry.objects.get(user=customer)
    assert (entry.delta, entry.staff, entry.reason) == (30, staff, "活动补发")
    admin.post(url, {"_adjust_points": "1", "delta": "-31", "reason": "扣减"})
    assert Member.objects.get(user=customer).points == 30  # refused: never negative
    page = admin.get("/me/points/")
    assert page.status_code == 200


# --- the user admin masks personal data unless the staff member may reveal it (and did, audited) ------

ADMIN_PHONE = "13912345678"


@pytest.fixture
def person(db):
    from wxmall.accounts.testing import make_customer

    return make_customer(
        "wx-person", phone=ADMIN_PHONE, first_name="小明", last_name="王", email="wangxm@example.com"
    )


def _admin_client(*perms: str, superuser=False):
    from django.contrib.auth.models import Permission

    from wxmall.accounts.models import User

    staff = User.objects.create_user(f"admin-{len(perms)}-{superuser}", password="x", is_staff=True)
    if superuser:
        staff.is_superuser = True
        staff.save()
    for perm in perms:
        app, codename = perm.split(".")
        staff.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    client = Client()
    client.force_login(staff)
    client.user = staff
    return client


def test_a_user_editor_without_reveal_sees_and_edits_no_personal_data(person):
    from wxmall.audit.models import AuditEntry

    editor = _admin_client("accounts.view_user", "accounts.change_user")
    url = f"/admin/accounts/user/{person.pk}/change/"
    response = editor.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "139****5678" in page and ADMIN_PHONE not in page
    assert "w***@example.com" in page and "wangxm" not in page
    assert "王*" in page and "小明" not in page
    form = response.context["adminform"].form
    assert not set(form.fields) & {"first_name", "last_name", "email", "phone"}  # a save cannot write them
    refused = editor.post(f"/admin/accounts/user/{person.pk}/reveal/")
    assert refused.status_code == 403
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (
        editor.user,
        "customer.reveal_denied",
        str(person.pk),
    )
    assert ADMIN_PHONE not in editor.get(url).content.decode()  # still masked


def test_reveal_on_the_user_admin_is_post_only_audited_and_shows_the_data(person):
    from wxmall.audit.models import AuditEntry

    revealer = _admin_client("accounts.view_user", "accounts.change_user", "console.reveal_personal_data")
    url = f"/admin/accounts/user/{person.pk}/change/"
    assert ADMIN_PHONE not in revealer.get(url).content.decode()  # masked until revealed
    assert revealer.get(f"/admin/accounts/user/{person.pk}/reveal/").status_code == 405
    assert not AuditEntry.objects.exists()
    assert revealer.post(f"/admin/accounts/user/{person.pk}/reveal/").status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (revealer.user, "customer.reveal", str(person.pk))
    assert entry.detail["via"] == "admin" and ADMIN_PHONE not in str(entry.detail)
    page = revealer.get(url).content.decode()
    assert ADMIN_PHONE in page and "wangxm@example.com" in page
    other = _admin_client("accounts.view_user", "console.reveal_personal_data", superuser=True)
    assert ADMIN_PHONE not in other.get(url).content.decode()  # a reveal is per staff session
    viewer = _admin_client()  # staff without any user permission: no page and no reveal
    assert viewer.post(f"/admin/accounts/user/{person.pk}/reveal/").status_code == 403
    assert viewer.post("/admin/accounts/user/999999/reveal/").status_code == 403


def test_the_user_list_search_matches_names_and_email_only_for_staff_who_may_reveal(person):
    """A search is an oracle: finding the user by "wangxm" would confirm the email the page masks."""
    editor = _admin_client("accounts.view_user", "accounts.change_user")
    revealer = _admin_client("accounts.view_user", "accounts.change_user", "console.reveal_personal_data")

    def found(client, term: str) -> bool:
        response = client.get("/admin/accounts/user/", {"q": term})
        assert response.status_code == 200
        return person in response.context["cl"].result_list

    assert not found(editor, "wangxm") and not found(editor, "小明")
    assert found(editor, person.username)
    assert found(revealer, "wangxm") and found(revealer, "小明")
