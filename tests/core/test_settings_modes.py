"""Production mode, strict env parsing and `check --deploy`, each in a fresh interpreter: settings are
read once per process, so only a subprocess shows what a merchant's start-up would do."""

import pytest
from fresh_process import REAL, manage, run, show


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


def test_production_without_a_wechat_pay_merchant_refuses_to_start(tmp_path):
    without_pay = {k: v for k, v in REAL.items() if not k.startswith("WECHAT_PAY_")}
    result = manage(tmp_path, "check", **without_pay)
    assert result.returncode != 0 and "WECHAT_PAY_MCHID" in result.stderr
    bad_key = manage(tmp_path, "check", **(REAL | {"WECHAT_PAY_MERCHANT_KEY": "not a key"}))
    assert bad_key.returncode != 0 and "merchant private key" in bad_key.stderr
    assert "not a key" not in bad_key.stderr


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
