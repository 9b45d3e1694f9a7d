"""Production mode, strict env parsing and `check --deploy`, each in a fresh interpreter: settings are
read once per process, so only a subprocess shows what a merchant's start-up would do."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT = Path(__file__).resolve().parents[2]
MODE_VARS = {
    "WXMALL_DEMO",
    "DEBUG",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "ALLOWED_HOSTS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
}


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


_MERCHANT_KEY, _PLATFORM_PUBLIC_KEY = _pem_pair()
REAL = {
    "SECRET_KEY": "x7#k2-real-production-secret-" + "q" * 40,
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "shop.example.com",
    # A production shop takes WeChat Pay: its merchant settings are part of a clean start.
    "WECHAT_PAY_MCHID": "1900000109",
    "WECHAT_PAY_APPID": "wx8888888888888888",
    "WECHAT_PAY_APIV3_KEY": "a" * 32,
    "WECHAT_PAY_MERCHANT_SERIAL": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    "WECHAT_PAY_MERCHANT_KEY": _MERCHANT_KEY,
    "WECHAT_PAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0000000000000000000000000000000",
    "WECHAT_PAY_PUBLIC_KEY": _PLATFORM_PUBLIC_KEY,
}
SHOW = (
    "from django.conf import settings as s; import json; print(json.dumps({k: getattr(s, k, None) for k in "
    "('DEMO', 'PRODUCTION', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
    "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'DEV_LOGIN_ENABLED', 'FRAME_ANCESTORS', "
    "'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY')}))"
)


def run(tmp_path: Path, args: list[str], **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in MODE_VARS}
    env.update(WXMALL_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="wxmall.settings", **env_vars)
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )


def manage(tmp_path, *args, **env_vars):
    return run(tmp_path, ["manage.py", *args], **env_vars)


def show(tmp_path, **env_vars) -> dict:
    result = manage(tmp_path, "shell", "-c", SHOW, **env_vars)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env_vars", "variable"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "wxmall-embedded-insecure-key-set-SECRET_KEY-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": REAL["SECRET_KEY"], "ALLOWED_HOSTS": "shop.example.com"}, "FIELD_ENCRYPTION_KEYS"),
        ({**REAL, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({**REAL, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({**REAL, "ALLOWED_HOSTS": "shop.example.com,*"}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_on_insecure_defaults(tmp_path, env_vars, variable):
    result = manage(tmp_path, "check", **env_vars)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr
    assert "生产模式拒绝启动" in result.stderr and "Production mode refuses to start" in result.stderr


def test_an_invalid_field_key_is_refused_without_echoing_it(tmp_path):
    result = manage(tmp_path, "check", **{**REAL, "FIELD_ENCRYPTION_KEYS": "not-a-fernet-key-secret-ish"})
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEYS" in result.stderr
    assert "not-a-fernet-key-secret-ish" not in result.stderr


def test_debug_alone_never_derives_the_field_key_from_the_public_default(tmp_path):
    result = manage(tmp_path, "check", DEBUG="true")
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEYS" in result.stderr
    assert manage(tmp_path, "check", DEBUG="true", SECRET_KEY=REAL["SECRET_KEY"]).returncode == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "ture"),
        ("WXMALL_DEMO", "yes please"),
        ("CART_MAX_QUANTITY", "ten"),
        ("ORDER_PAYMENT_TIMEOUT_SECONDS", "-5"),
        ("OUTBOX_BACKOFF_BASE_SECONDS", "nan"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_a_typo_in_a_variable_is_an_error_naming_it(tmp_path, variable, value):
    result = manage(tmp_path, "check", **{"WXMALL_DEMO": "1", variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr


def test_empty_values_mean_the_default(tmp_path):
    assert manage(tmp_path, "check", WXMALL_DEMO="1", DEBUG="", CART_MAX_QUANTITY="").returncode == 0


def test_importing_settings_creates_no_folder(tmp_path):
    result = run(tmp_path, ["-c", "import wxmall.settings"], WXMALL_DEMO="1")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "var").exists()


def test_check_deploy_fails_on_the_demo_defaults(tmp_path):
    result = manage(tmp_path, "check", "--deploy", WXMALL_DEMO="1")
    assert result.returncode != 0
    for code in ("wxmall.E001", "wxmall.E002", "wxmall.E003", "wxmall.E004"):
        assert code in result.stderr


def test_check_deploy_is_clean_with_real_secrets(tmp_path):
    result = manage(tmp_path, "check", "--deploy", **REAL)
    assert result.returncode == 0, result.stderr
    assert "wxmall.E" not in result.stderr + result.stdout
    # HSTS preload is the one deliberate opt-in (a commitment to browsers' lists); with it, not even a warning.
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **REAL, SECURE_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_turns_on_secure_cookies_hsts_redirect_and_forbids_framing(tmp_path):
    values = show(tmp_path, **REAL, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert values["PRODUCTION"] and not values["DEMO"] and not values["DEV_LOGIN_ENABLED"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["FRAME_ANCESTORS"] == ["'none'"]
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] and values["SECURE_REFERRER_POLICY"]


def test_the_demo_keeps_the_embedded_conveniences(tmp_path):
    values = show(tmp_path, WXMALL_DEMO="1")
    assert values["DEMO"] and not values["PRODUCTION"] and values["DEV_LOGIN_ENABLED"]
    assert not values["SESSION_COOKIE_SECURE"] and not values["SECURE_SSL_REDIRECT"]
    assert values["FRAME_ANCESTORS"] == ["'self'", "http://127.0.0.1:9100"]
