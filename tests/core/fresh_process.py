"""Helpers for tests that need a fresh interpreter: settings are read once per process, so only a
subprocess shows what a merchant's start-up with a given environment would do."""

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from wxsandbox.config import generate_rsa_private_key_pem, public_key_pem_of

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

_MERCHANT_KEY = generate_rsa_private_key_pem()
REAL = {
    "SECRET_KEY": "x7#k2-real-production-secret-" + "q" * 40,
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "shop.example.com",
    # A WeChat Pay merchant (payments refuses to start in production without one).
    "WECHAT_PAY_MCHID": "1900000109",
    "WECHAT_PAY_APPID": "wxd678efh567hg6787",
    "WECHAT_PAY_APIV3_KEY": "0123456789abcdefghijklmnopqrstuv",
    "WECHAT_PAY_MERCHANT_SERIAL": "3775B6A45ACD588826D15E583A95F5DD1D3D6D5C",
    "WECHAT_PAY_MERCHANT_KEY": _MERCHANT_KEY,
    "WECHAT_PAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0119000001092024101100397200000006",
    "WECHAT_PAY_PUBLIC_KEY": public_key_pem_of(generate_rsa_private_key_pem()),
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
