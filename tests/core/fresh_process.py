"""Helpers for tests that need a fresh interpreter: settings are read once per process, so only a
subprocess shows what a merchant's start-up with a given environment would do."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
