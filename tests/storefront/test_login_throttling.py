"""Login throttling (django-axes): wrong passwords lock the account and, separately, the client address;
then even the right password fails until the cool-off ends. Attempts live in the shared database."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import connection
from django.test import Client, RequestFactory

from wxmall.wechat.testing import database_url

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Dozens of password checks per test: the slow production hasher would only cost time here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(username="boss", password=PASSWORD, is_staff=True)


def admin_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, staff):
    for _ in range(30):
        admin_login(client, "boss", "wrong")
    response = admin_login(client, "boss", PASSWORD)
    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still not in


def test_below_the_limit_the_right_password_works_and_resets_the_count(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "boss", "wrong")
    response = admin_login(client, "boss", PASSWORD)
    assert response.status_code == 302 and response.url == "/admin/"


def test_the_account_is_locked_whatever_address_the_attempts_come_from(client, staff, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        admin_login(Client(), "boss", "wrong", ip=f"10.0.1.{n}")
    assert admin_login(client, "boss", PASSWORD, ip="10.9.9.9").status_code == 429


def test_an_address_guessing_many_accounts_is_locked(client, staff, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, f"guess{n}", "wrong", ip="10.0.2.1")
    assert admin_login(Client(), "boss", PASSWORD, ip="10.0.2.1").status_code == 429
    assert admin_login(Client(), "boss", PASSWORD, ip="10.0.2.2").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_address_lock(client, staff, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.3.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert admin_login(Client(), "boss", PASSWORD, ip="10.0.3.1").status_code == 429


def test_customer_password_logins_are_throttled_too(settings):
    customer = get_user_model().objects.create_user(username="demo", password=PASSWORD)
    factory = RequestFactory()

    def attempt(password):
        return authenticate(
            factory.post("/login/", REMOTE_ADDR="10.0.4.1"), username="demo", password=password
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert attempt("wrong") is None
    assert attempt(PASSWORD) is None
    assert customer.check_password(PASSWORD)  # the account itself is unchanged: only the login is held back


CHILD_FAILURES = """
import django, sys
django.setup()
from django.contrib.auth import authenticate
from django.test import RequestFactory
request = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.0.9.1")
for _ in range(int(sys.argv[1])):
    assert authenticate(request, username="boss", password="wrong") is None
"""


@pytest.mark.django_db(transaction=True)
def test_failures_in_another_process_lock_the_account_here(client, staff, settings):
    """Web workers are separate processes (and hosts): the attempts they count are shared rows."""
    env = dict(os.environ, DATABASE_URL=database_url(connection.settings_dict))
    child = subprocess.run(
        [sys.executable, "-c", CHILD_FAILURES, str(settings.AXES_FAILURE_LIMIT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert admin_login(client, "boss", PASSWORD, ip="10.0.9.2").status_code == 429
