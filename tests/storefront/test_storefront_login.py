"""The demo's dev login and logout."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wxmall.accounts.testing import make_address, make_customer
from wxmall.accounts.views import DEV_COOKIE, dev_username

pytestmark = pytest.mark.django_db


def test_login_page_is_labelled_and_creates_a_customer(client):
    page = client.get("/login/?next=/cart/")
    assert page.status_code == 200
    assert "开发环境登录" in page.content.decode()
    response = client.post("/login/", {"nickname": "  小明 ", "next": "/cart/"})
    assert response.status_code == 302 and response.url == "/cart/"
    user = get_user_model().objects.get(nickname="小明")
    assert user.username == dev_username(client.cookies[DEV_COOKIE].value.split(".")[0])
    assert user.nickname == "小明" and not user.has_usable_password() and not user.is_staff
    assert client.get("/me/").status_code == 200


def test_same_nickname_logs_into_the_same_customer(client):
    client.post("/login/", {"nickname": "小红"})
    client.post("/logout/")
    client.post("/login/", {"nickname": "小红"})
    assert get_user_model().objects.filter(nickname="小红").count() == 1


def test_login_refuses_bad_nicknames_and_writes_nothing(client):
    for bad in ("", "   ", "x" * 33, "a\x00b", "tab\there"):
        response = client.post("/login/", {"nickname": bad})
        assert response.status_code == 400
    assert get_user_model().objects.count() == 0
    assert "请输入昵称" in client.post("/login/", {"nickname": ""}).content.decode()


def test_open_redirects_are_refused(client):
    response = client.post("/login/", {"nickname": "小明", "next": "https://evil.example/steal"})
    assert response.status_code == 302 and response.url == "/"
    response = client.post("/login/", {"nickname": "小明", "next": "//evil.example/"})
    assert response.url == "/"


def test_dev_login_cannot_enter_a_staff_account(client, django_user_model):
    django_user_model.objects.create_user(username="admin", nickname="admin", password="pw", is_staff=True)
    client.post("/login/", {"nickname": "admin"})
    assert client.session["_auth_user_id"] != str(django_user_model.objects.get(username="admin").pk)


def test_login_is_404_when_disabled(client, settings):
    # Without the dev login /login/ only says to open the shop in WeChat (OAuth); a nickname logs no one in.
    settings.DEV_LOGIN_ENABLED = False
    page = client.get("/login/")
    assert page.status_code == 200 and 'name="nickname"' not in page.content.decode()
    assert "请在微信中打开" in page.content.decode()
    assert client.post("/login/", {"nickname": "小明"}).status_code == 404
    assert get_user_model().objects.count() == 0


def test_login_is_404_outside_the_demo_whatever_dev_login_enabled_says(client, settings):
    settings.DEMO = False
    settings.DEV_LOGIN_ENABLED = True
    assert 'name="nickname"' not in client.get("/login/").content.decode()
    assert client.post("/login/", {"nickname": "小明"}).status_code == 404
    assert get_user_model().objects.count() == 0


def test_the_login_page_never_lists_other_customers(client):
    victim = Client()
    victim.post("/login/", {"nickname": "受害者王五"})
    make_customer("zhao", nickname="赵六")
    html = Client().get("/login/").content.decode()
    assert "受害者王五" not in html and "赵六" not in html
    assert "受害者王五" in victim.get("/login/").content.decode()  # the browser's own account is offered


def test_a_victims_nickname_from_another_browser_never_opens_the_victims_account(client):
    victim = Client()
    victim.post("/login/", {"nickname": "小红"})
    victim_user = get_user_model().objects.get(nickname="小红")
    make_address(victim_user, recipient="王小红", phone="13800001111", detail="秘密路 1 号")

    attacker = Client()
    response = attacker.post("/login/", {"nickname": "小红"})
    assert response.status_code == 302
    assert attacker.session["_auth_user_id"] != str(victim_user.pk)
    assert get_user_model().objects.filter(nickname="小红").count() == 2
    for page in ("/me/", "/checkout/", "/orders/"):
        html = attacker.get(page).content.decode()
        assert "王小红" not in html and "秘密路" not in html and "13800001111" not in html
    # A forged or stolen-looking cookie naming the old nickname-hash scheme opens nothing either.
    forger = Client()
    forger.cookies[DEV_COOKIE] = hashlib.sha256("小红".encode()).hexdigest()[:24]
    forger.post("/login/", {"nickname": "小红"})
    assert forger.session["_auth_user_id"] != str(victim_user.pk)


def test_the_old_nickname_derived_accounts_are_unreachable(client):
    legacy = make_customer("dev-" + hashlib.sha256("小明".encode()).hexdigest()[:24], nickname="小明")
    client.post("/login/", {"nickname": "小明"})
    assert client.session["_auth_user_id"] != str(legacy.pk)


def test_logout_needs_a_post(client, customer):
    client.force_login(customer)
    page = client.get("/logout/")
    assert page.status_code == 200 and "确认退出" in page.content.decode()
    assert client.get("/me/").status_code == 200  # a GET did not log out
    client.post("/logout/")
    assert client.get("/me/").status_code == 302


@pytest.mark.parametrize("url", ["/cart/", "/checkout/", "/orders/", "/orders/WX123/", "/me/"])
def test_customer_pages_redirect_to_login_with_next(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/login/?next={url}"


def test_escaped_nickname_in_pages(client):
    client.post("/login/", {"nickname": "<b>x</b>"})
    html = client.get("/me/").content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_anonymous_post_returns_to_the_page_the_form_was_on(client, db):
    response = client.post("/cart/update/", {"sku": 1, "quantity": 2}, HTTP_REFERER="http://testserver/cart/")
    assert response.status_code == 302 and response.url == "/login/?next=/cart/"
    response = client.post("/orders/WX1/cancel/", HTTP_REFERER="https://evil.example/x")
    assert response.url == "/login/?next=/"
