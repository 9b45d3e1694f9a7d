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
