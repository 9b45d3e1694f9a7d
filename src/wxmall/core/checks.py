"""Deployment checks: `manage.py check --deploy` fails (Error level) while the hub still runs on the
embedded demo's insecure conveniences. Production mode already refuses most of them at start-up
(settings.py); these catch a demo or DEBUG configuration about to be deployed."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

HINT_FERNET = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


@register(Tags.security, deploy=True)
def check_production_secrets(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    if settings.DEMO:
        errors.append(
            Error(
                "演示模式（WXMALL_DEMO）已开启：开发登录与演示管理员仅供本地使用。 "
                "The embedded demo (WXMALL_DEMO) is on: dev login and the demo staff account are for local use.",
                hint="Unset WXMALL_DEMO in production.",
                id="wxmall.E001",
            )
        )
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY 是公开的默认值。 SECRET_KEY is the public default.",
                hint="Set SECRET_KEY to a long random string kept secret.",
                id="wxmall.E002",
            )
        )
    if settings.FIELD_ENCRYPTION_KEYS_DERIVED:
        errors.append(
            Error(
                "个人数据加密密钥取自 SECRET_KEY，未单独设置。 "
                "The personal-data key is derived from SECRET_KEY instead of FIELD_ENCRYPTION_KEYS.",
                hint=f"Set FIELD_ENCRYPTION_KEYS; generate one with {HINT_FERNET}",
                id="wxmall.E003",
            )
        )
    if not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS 为空或为 *。 ALLOWED_HOSTS is empty or '*'.",
                hint="List the shop's host names, comma-separated.",
                id="wxmall.E004",
            )
        )
    directives = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES", {})
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE or not directives.get("frame-ancestors"):
        errors.append(
            Error(
                "缺少带 frame-ancestors 的 Content-Security-Policy（它取代了 X-Frame-Options）。 "
                "No Content-Security-Policy with frame-ancestors (it replaces X-Frame-Options).",
                id="wxmall.E005",
            )
        )
    return errors
