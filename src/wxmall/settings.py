"""One env-driven settings module (12-factor). Defaults are the embedded mode of `make run` and the tests:
SQLite and a filesystem Celery broker under var/, no external service needed."""

import hashlib
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent  # src/wxmall
PROJECT_DIR = BASE_DIR.parent.parent
# Nothing is created here: wxmall.core.paths.ensure_var_dirs() makes the folders the embedded backends
# need, when an entry point (manage.py, wsgi, the Celery app, the test suite) starts.
VAR_DIR = Path(os.environ.get("WXMALL_VAR_DIR") or PROJECT_DIR / "var")

# --- strict environment parsing: a typo is an error, never a silent default --------------------------
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _env(name: str) -> str | None:
    """The variable's value, or None when unset or empty (an empty `X=` line in .env means "default")."""
    value = os.environ.get(name)
    return value.strip() if value is not None and value.strip() else None


def _bad(name: str, value: str, wanted_zh: str, wanted_en: str) -> ImproperlyConfigured:
    shown = value if len(value) <= 40 else value[:40] + "…"
    return ImproperlyConfigured(
        f"环境变量 {name}={shown!r} 无效：应为{wanted_zh}。 {name} must be {wanted_en}."
    )


def env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _bad(
        name,
        value,
        "布尔值（true/false、1/0、yes/no、on/off）",
        "a boolean (true/false, 1/0, yes/no, on/off)",
    )


def env_int(name: str, default: int, minimum: int | None = 0) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, value, "整数", "an integer") from None
    if minimum is not None and number < minimum:
        raise _bad(name, value, f"不小于 {minimum} 的整数", f"an integer >= {minimum}")
    return number


def env_float(name: str, default: float, minimum: float | None = 0.0) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise _bad(name, value, "数字", "a number") from None
    if (
        number != number
        or number in (float("inf"), float("-inf"))
        or (minimum is not None and number < minimum)
    ):
        raise _bad(name, value, f"不小于 {minimum:g} 的有限数字", f"a finite number >= {minimum:g}")
    return number


def env_json_object(name: str) -> dict:
    """A JSON object (e.g. a storage backend's options); {} when unset."""
    value = _env(name)
    if value is None:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise _bad(name, value, "JSON 对象", "a JSON object")
    return parsed


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (_env(name) or default).split(",") if item.strip()]


def _refuse(name: str, zh: str, en: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"生产模式拒绝启动：{zh}（变量 {name}；演示环境请设 WXMALL_DEMO=1）。 "
        f"Production mode refuses to start: {en} (variable {name}; set WXMALL_DEMO=1 for the embedded demo)."
    )


# --- mode: production unless the embedded demo (or DEBUG) is asked for explicitly ---------------------
# WXMALL_DEMO=1 (set by `make run` and the test suite) keeps the embedded conveniences: public default
# keys, any host, the dev login, the demo staff account. With DEBUG off and WXMALL_DEMO unset the hub is
# in production mode and refuses to start on insecure defaults.
DEMO = env_bool("WXMALL_DEMO", False)
DEBUG = env_bool("DEBUG", False)
PRODUCTION = not (DEMO or DEBUG)

# Public and therefore insecure: only ever used when DEMO or DEBUG is on (core.checks flags it).
INSECURE_SECRET_KEY = "wxmall-embedded-insecure-key-set-SECRET_KEY-in-production"
SECRET_KEY = _env("SECRET_KEY") or ""
if PRODUCTION and SECRET_KEY in ("", INSECURE_SECRET_KEY):
    raise _refuse(
        "SECRET_KEY", "未设置 SECRET_KEY 或使用了公开的默认值", "SECRET_KEY is unset or the public default"
    )
SECRET_KEY = SECRET_KEY or INSECURE_SECRET_KEY

# Fernet keys for personal data at rest, comma-separated, newest first (older ones still decrypt).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS 含无效的 Fernet 密钥（需 32 字节的 urlsafe base64）。 "
            "FIELD_ENCRYPTION_KEYS holds an invalid Fernet key (32 url-safe base64-encoded bytes)."
        ) from None
# Only the embedded demo derives its key from SECRET_KEY (which may be the public default there); a
# DEBUG run derives it only from a SECRET_KEY of its own, production always needs the variable.
FIELD_ENCRYPTION_KEYS_DERIVED = not FIELD_ENCRYPTION_KEYS
if FIELD_ENCRYPTION_KEYS_DERIVED:
    if PRODUCTION:
        raise _refuse("FIELD_ENCRYPTION_KEYS", "未设置个人数据加密密钥", "FIELD_ENCRYPTION_KEYS is unset")
    if not DEMO and SECRET_KEY == INSECURE_SECRET_KEY:
        raise ImproperlyConfigured(
            "DEBUG 模式下请设置 FIELD_ENCRYPTION_KEYS 或 SECRET_KEY（或 WXMALL_DEMO=1）：个人数据密钥不能取自公开默认值。 "
            "With DEBUG set FIELD_ENCRYPTION_KEYS or SECRET_KEY (or WXMALL_DEMO=1): the personal-data key is "
            "never derived from the public default."
        )
    import base64

    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

# Key of the lookup hashes beside encrypted columns (phone numbers, emails: core.fields.lookup_hash).
# Derived from the newest encryption key unless set; set it before rotating FIELD_ENCRYPTION_KEYS.
FIELD_LOOKUP_KEY = (
    _env("FIELD_LOOKUP_KEY")
    or hashlib.sha256(b"wxmall-lookup:" + FIELD_ENCRYPTION_KEYS[0].encode()).hexdigest()
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "*")
if PRODUCTION and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    raise _refuse(
        "ALLOWED_HOSTS",
        "ALLOWED_HOSTS 为空或为 *，请填写店铺域名",
        "ALLOWED_HOSTS is empty or '*'; list the shop's host names",
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = _env("SITE_URL") or "http://127.0.0.1:8000"

INSTALLED_APPS = [
    # Before django.contrib.admin: the console's admin/base_site.html brands the admin as the shop and
    # gives it the console's navigation.
    "wxmall.console",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "wxmall.core",
    "wxmall.audit",
    "wxmall.accounts",
    "wxmall.catalog",
    "wxmall.checkout",
    "wxmall.orders",
    "wxmall.payments",
    "wxmall.pickup",
    "wxmall.storefront",
    "wxmall.wechat",
    "wxmall.compliance",
    "wxmall.privacy",
    "wxmall.officialaccount",
    "wxmall.marketing",
    "wxmall.analytics",
    "wxmall.store",
    "wxmall.channels",
    "wxmall.invoicing",
    "wxmall.support",
    "wxmall.members_import",
    "wxmall.fulfilment",
    "wxmall.aftersales",
    "wxmall.customers",
    "wxmall.reports",
    "wxmall.growth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from gunicorn itself (admin CSS, storefront assets, ECharts): no nginx needed to start.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and CSRF: /api/ bodies must be bounded JSON, and /api/ errors are JSON envelopes.
    "wxmall.core.middleware.ApiRequestGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A role opening a console page it may not see gets the Chinese 403 (wxmall.console.access).
    "wxmall.console.access.ConsoleAccessMiddleware",
    # CSP frame-ancestors replaces X-Frame-Options (see "security headers" below).
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wxmall.urls"
WSGI_APPLICATION = "wxmall.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "wxmall.console.context_processors.shop",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------------------
DATABASE_URL = _env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'wxmall.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue on busy_timeout instead of failing with "database is locked" on lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not :memory:, so tests with real threads and processes share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, locks, rate limits ----------------------------------------------------------------------
REDIS_URL = _env("REDIS_URL") or ""
if REDIS_URL:
    # wxmall.core.redis_cache: Django's backend, reusing its redis-py client (see there).
    CACHES = {"default": {"BACKEND": "wxmall.core.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions in Redis too: no session query on each request, no session row written at each login.
    # A Redis that loses its data logs customers out (nothing else is lost); SESSION_ENGINE overrides.
    SESSION_ENGINE = _env("SESSION_ENGINE") or "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -----------------------------------------------------------------------------------------
CELERY_BROKER_URL = _env("CELERY_BROKER_URL") or "filesystem://"
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):  # the Celery app creates these folders when configured
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),  # producers and consumers share one folder
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),  # kombu's default is ./control in the cwd
        "store_processed": False,
    }
    # kombu's transport with an atomic put: its own can hand the worker a message not yet written.
    CELERY_BROKER_TRANSPORT = "wxmall.core.fsbroker:Transport"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILE = str(VAR_DIR / "celerybeat-schedule")
# Turning flash-sale tickets into orders has its own queue, so a rush never waits behind the outbox relay
# (and the relay never behind a rush): run workers with `-Q celery,flash` (or dedicated `-Q flash` ones).
CELERY_TASK_ROUTES = {"wxmall.checkout.drain_flash_tickets": {"queue": "flash"}}

# --- i18n -------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = _env("TIME_ZONE") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Embedded mode serves straight from the apps' static folders; production runs `collectstatic` and may
# turn this off for faster start-up.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
# Look files up per request instead of indexing them all when the middleware starts: for the test suite,
# where every test client starts the middleware anew. Off in serving processes (one index per worker).
WHITENOISE_AUTOREFRESH = env_bool("WHITENOISE_AUTOREFRESH", False)
STATICFILES_DIRS = [VAR_DIR / "vendor"]  # ECharts from the npm registry lands here at setup
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded product pictures go to Django's default storage: files under var/media by default; any
# django-storages backend (S3, OSS, COS…) by naming its class and its options as a JSON object.
STORAGES = {
    "default": {
        "BACKEND": _env("MEDIA_STORAGE_BACKEND") or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": env_json_object("MEDIA_STORAGE_OPTIONS"),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- business rules ---------------------------------------------------------------------------------
ORDER_PAYMENT_TIMEOUT_SECONDS = env_int("ORDER_PAYMENT_TIMEOUT_SECONDS", 30 * 60)
ORDER_NO_PREFIX = _env("ORDER_NO_PREFIX") or "WX"
CART_MAX_QUANTITY = env_int("CART_MAX_QUANTITY", 99)
# The password-less storefront login of the embedded demo; it never exists outside DEMO.
DEV_LOGIN_ENABLED = DEMO and env_bool("DEV_LOGIN_ENABLED", True)

# --- checkout -----------------------------------------------------------------------------------------
# Shipping: free when the goods amount after discounts reaches the threshold, else a flat fee (fen).
CHECKOUT_SHIPPING_FEE = env_int("CHECKOUT_SHIPPING_FEE", 1000)
CHECKOUT_FREE_SHIPPING_THRESHOLD = env_int("CHECKOUT_FREE_SHIPPING_THRESHOLD", 9900)
CHECKOUT_MAX_CART_LINES = env_int("CHECKOUT_MAX_CART_LINES", 50)
CHECKOUT_MAX_ADDRESSES = env_int("CHECKOUT_MAX_ADDRESSES", 20)
# After-sales photos a customer may attach to one request, and each one's size before re-encoding.
AFTERSALES_MAX_PHOTOS = env_int("AFTERSALES_MAX_PHOTOS", 3)
AFTERSALES_PHOTO_MAX_BYTES = env_int("AFTERSALES_PHOTO_MAX_BYTES", 5 * 1024 * 1024)

# --- flash-sale admission (checkout/admission.py) -------------------------------------------------------
# With a Redis URL, buyers are admitted by one atomic script in Redis and get a ticket at once; Celery
# workers on the `flash` queue turn tickets into orders. Without one (the embedded demo), the order is
# placed synchronously. Redis must keep its data across restarts (AOF, see the README).
FLASH_SALE_REDIS_URL = _env("FLASH_SALE_REDIS_URL") or REDIS_URL
FLASH_SALE_DRAIN_BATCH = env_int("FLASH_SALE_DRAIN_BATCH", 100, minimum=1)
# A ticket a worker took but did not finish (it died) is taken over after this long.
FLASH_SALE_RECLAIM_IDLE_SECONDS = env_float("FLASH_SALE_RECLAIM_IDLE_SECONDS", 30, minimum=1)
# A running drain waits this long on the stream (blocking read) for more tickets before it ends.
FLASH_SALE_DRAIN_IDLE_MS = min(
    env_int("FLASH_SALE_DRAIN_IDLE_MS", 1500, minimum=0), 4000
)  # < the 5 s socket timeout
FLASH_SALE_DRAIN_INTERVAL_SECONDS = env_float("FLASH_SALE_DRAIN_INTERVAL_SECONDS", 2, minimum=0.5)
FLASH_SALE_RECONCILE_INTERVAL_SECONDS = env_float("FLASH_SALE_RECONCILE_INTERVAL_SECONDS", 60, minimum=1)

# --- catalog ----------------------------------------------------------------------------------------
# At or below this many units a SKU shows "仅剩 N 件" and counts as low stock in the admin filter.
CATALOG_LOW_STOCK_THRESHOLD = env_int("CATALOG_LOW_STOCK_THRESHOLD", 5)
CATALOG_MAX_PAGE_SIZE = env_int("CATALOG_MAX_PAGE_SIZE", 60)
# Product picture uploads: the file's size, its pixel count (a decompression bomb is refused before it
# is decoded) and the longest side kept after re-encoding.
CATALOG_IMAGE_MAX_BYTES = env_int("CATALOG_IMAGE_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
CATALOG_IMAGE_MAX_PIXELS = env_int("CATALOG_IMAGE_MAX_PIXELS", 40_000_000, minimum=10_000)
CATALOG_IMAGE_MAX_SIDE = env_int("CATALOG_IMAGE_MAX_SIDE", 1600, minimum=200)
CATALOG_IMPORT_MAX_BYTES = env_int("CATALOG_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
CATALOG_IMPORT_MAX_ROWS = env_int("CATALOG_IMPORT_MAX_ROWS", 5000, minimum=1)
# The shop's name: the storefront's title and header, the back office ("<SHOP_NAME> 商家后台"), the admin login.
SHOP_NAME = _env("SHOP_NAME") or "微选数码"

# --- outbox -----------------------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_BACKOFF_BASE_SECONDS = env_float("OUTBOX_BACKOFF_BASE_SECONDS", 2)
OUTBOX_BACKOFF_MAX_SECONDS = env_float("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
OUTBOX_BREAKER_FAILURES = env_int("OUTBOX_BREAKER_FAILURES", 5)
OUTBOX_BREAKER_COOLDOWN_SECONDS = env_int("OUTBOX_BREAKER_COOLDOWN_SECONDS", 30)
OUTBOX_HTTP_TIMEOUT_SECONDS = env_float("OUTBOX_HTTP_TIMEOUT_SECONDS", 10)
# A claimed row stays with its relay for the destination's HTTP timeout plus this margin (for the
# write-back); a relay killed mid-delivery is recovered by another one that much later (see core/relay.py).
OUTBOX_LEASE_MARGIN_SECONDS = env_float("OUTBOX_LEASE_MARGIN_SECONDS", 5)
OUTBOX_RELAY_BATCH = env_int("OUTBOX_RELAY_BATCH", 100)  # rows one relay run handles at most
OUTBOX_RELAY_INTERVAL_SECONDS = env_float("OUTBOX_RELAY_INTERVAL_SECONDS", 5)
# A backlog (a burst of payments) is split into this many partitions relayed by as many worker processes
# at once; SQLite has one writer, so it stays at 1 there.
OUTBOX_RELAY_PARALLEL = env_int(
    "OUTBOX_RELAY_PARALLEL", 1 if "sqlite" in DATABASES["default"]["ENGINE"] else 2, minimum=1
)
# After a commit that wrote outbox rows the relay is kicked at the end of this window, once per window
# for the whole deployment (0: a kick per transaction, at once).
OUTBOX_KICK_WINDOW_SECONDS = env_float("OUTBOX_KICK_WINDOW_SECONDS", 0.1)
# Delivered rows and delivery attempts older than this are purged nightly. Pending and dead rows are
# never purged, nor are discarded ones (they carry the audit trail of a person's decision).
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)
# Where outbox rows go. A destination whose handler is empty, or whose `url` is empty, is disabled:
# `enqueue` then returns None and writes nothing (e.g. no merchant webhook configured).
OUTBOX_DESTINATIONS = {
    "merchant_webhook": {
        "handler": "wxmall.core.webhook.post_webhook",
        "url": _env("MERCHANT_WEBHOOK_URL") or "",
        "secret": _env("MERCHANT_WEBHOOK_SECRET") or "",
    },
    # WeChat Pay calls that must happen after a commit: closing attempts, submitting refunds.
    "wechat_pay": {"handler": "wxmall.payments.handlers.deliver"},
    # WeChat API calls, one destination per API family so one family's outage opens only its breaker.
    "wechat_message": {"handler": "wxmall.wechat.handlers.deliver"},
    "wechat_menu": {"handler": "wxmall.wechat.handlers.deliver"},
    # A paid order's points, accrued by the worker instead of inside the payment notification; background:
    # relayed after rows other systems wait for.
    "points": {"handler": "wxmall.accounts.handlers.deliver", "background": True},
    # Order notifications (template / subscribe messages) with their own quota accounting.
    "oa_notification": {"handler": "wxmall.officialaccount.notify.deliver"},
    # Segment mass sends (群发) through the segment's Official Account tag.
    "oa_mass": {"handler": "wxmall.customers.handlers.deliver_mass"},
    # Units of a cancelled flash-sale order going back to Redis admission (queued only with a Redis).
    "flash_release": {"handler": "wxmall.checkout.admission.deliver_release"},
}

# --- security headers and cookies ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"  # WeChat's pages see the origin, never the path
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a TLS-terminating proxy name the header it sets, e.g. X-Forwarded-Proto (value "https");
# without it Django sees plain HTTP and SECURE_SSL_REDIRECT would loop.
_proxy_ssl_header = _env("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")

# Content-Security-Policy (django-csp). Scripts and <style> elements only from the site or with the
# per-response nonce; style attributes stay allowed (templates and ECharts' tooltips use them, and
# they cannot read the page). frame-ancestors replaces X-Frame-Options: the demo lets wxsandbox's phone
# UI show the shop in its in-WeChat browser frame; production allows no framing unless configured.
WXSANDBOX_PHONE_ORIGIN = _env("WXSANDBOX_PHONE_ORIGIN") or "http://127.0.0.1:9100"
FRAME_ANCESTORS = env_list("FRAME_ANCESTORS") or (["'self'", WXSANDBOX_PHONE_ORIGIN] if DEMO else ["'none'"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # The demo's pay page loads wxsandbox's WeixinJSBridge (the phone's in-WeChat browser) from its origin.
        "script-src": ["'self'", NONCE, *([WXSANDBOX_PHONE_ORIGIN] if DEMO else [])],
        "style-src": ["'self'", "'unsafe-inline'"],  # fallback for browsers without -elem/-attr
        "style-src-elem": ["'self'", NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": FRAME_ANCESTORS,
    }
}
# CSP frame-ancestors (above) does what XFrameOptionsMiddleware did; core.checks verifies it is set.
SILENCED_SYSTEM_CHECKS = ["security.W002"]

# --- login throttling (django-axes, its attempts in the shared database) ------------------------------
# Locks the account and, separately, the client address after AXES_FAILURE_LIMIT wrong passwords, for
# AXES_COOLOFF_MINUTES; every process and host agrees because the attempts are database rows.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账号已暂时锁定，请稍后再试。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，账号已锁定，请联系管理员解锁。"
# The client address is REMOTE_ADDR unless the hub sits behind this many trusted proxies, each
# appending to X-Forwarded-For (a forged header from the client itself is then ignored).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# --- WeChat (wxsandbox on loopback by default; real hosts in production) ----------------------------
WECHAT_API_BASE = _env("WECHAT_API_BASE") or "http://127.0.0.1:9100"
WECHAT_PAY_API_BASE = _env("WECHAT_PAY_API_BASE") or "http://127.0.0.1:9100"

# WeChat Pay v3 merchant (wxmall.payments.config validates it at start outside DEMO; in DEMO, left unset, the
# seeded merchant of wxsandbox's state file is used). Keys are files (or PEM text) named by the env.
WECHAT_PAY = {
    "mchid": _env("WECHAT_PAY_MCHID") or "",
    "appid": _env("WECHAT_PAY_APPID") or "",  # Official Account / web appid (JSAPI, H5, Native)
    "mp_appid": _env("WECHAT_PAY_MP_APPID") or "",  # Mini Program appid, optional
    "apiv3_key": _env("WECHAT_PAY_APIV3_KEY") or "",
    "merchant_serial": _env("WECHAT_PAY_MERCHANT_SERIAL") or "",
    "merchant_private_key_file": _env("WECHAT_PAY_MERCHANT_KEY_FILE") or "",
    "merchant_private_key": _env("WECHAT_PAY_MERCHANT_KEY") or "",
    "public_key_id": _env("WECHAT_PAY_PUBLIC_KEY_ID") or "",
    "public_key_file": _env("WECHAT_PAY_PUBLIC_KEY_FILE") or "",
    "public_key": _env("WECHAT_PAY_PUBLIC_KEY") or "",
    "platform_cert_files": env_list("WECHAT_PAY_PLATFORM_CERT_FILES"),
    "notify_url": _env("WECHAT_PAY_NOTIFY_URL") or "",  # default SITE_URL/payments/notify/
    "refund_notify_url": _env("WECHAT_PAY_REFUND_NOTIFY_URL") or "",
    "sandbox_state": _env("WXSANDBOX_STATE") or "",  # DEMO: default var/sandbox.db
}
# A notification whose Wechatpay-Timestamp is further than this from our clock is refused (replay window).
WECHAT_PAY_NOTIFY_TOLERANCE_SECONDS = env_int("WECHAT_PAY_NOTIFY_TOLERANCE_SECONDS", 300)
WECHAT_PAY_HTTP_TIMEOUT_SECONDS = env_float("WECHAT_PAY_HTTP_TIMEOUT_SECONDS", 10.0)
# The notify endpoint stores a verified notification and answers; a worker applies it, kicked at the end
# of a window this long (one kick per window for the deployment), and a sweep every this many seconds
# applies what a lost kick or a crashed worker left `received`. EAGER applies it in the request (tests).
PAYMENT_NOTIFY_KICK_WINDOW_SECONDS = env_float("PAYMENT_NOTIFY_KICK_WINDOW_SECONDS", 0.05)
PAYMENT_NOTIFY_SWEEP_SECONDS = env_float("PAYMENT_NOTIFY_SWEEP_SECONDS", 10.0, minimum=1.0)
PAYMENT_NOTIFY_APPLY_EAGER = env_bool("PAYMENT_NOTIFY_APPLY_EAGER", False)
# The Celery queue of the kicks ("" = the default queue): a dedicated worker for payments, if wanted.
PAYMENT_NOTIFY_QUEUE = _env("PAYMENT_NOTIFY_QUEUE") or ""
# Pending payments older than this are queried actively (a lost notification never leaves them unpaid).
PAYMENT_QUERY_AFTER_SECONDS = env_int("PAYMENT_QUERY_AFTER_SECONDS", 60)
# A Native code_url is shown for this long before the page asks for a fresh one.
PAYMENT_NATIVE_CODE_SECONDS = env_int("PAYMENT_NATIVE_CODE_SECONDS", 600)
# The payer's IP for H5 prepay follows TRUSTED_PROXY_COUNT (above), like login throttling.
# A payment that lands on an order cancelled meanwhile: `refund` it (default), or `reserve` the stock
# again and revive the order as paid when every line is still available (else it is refunded after all).
WECHAT_PAY_LATE_PAYMENT = (_env("WECHAT_PAY_LATE_PAYMENT") or "refund").lower()
if WECHAT_PAY_LATE_PAYMENT not in ("refund", "reserve"):
    raise _bad("WECHAT_PAY_LATE_PAYMENT", WECHAT_PAY_LATE_PAYMENT, "refund 或 reserve", "refund or reserve")
# Refunds still processing this long after creation are queried (a lost REFUND.* notification).
REFUND_QUERY_AFTER_SECONDS = env_int("REFUND_QUERY_AFTER_SECONDS", 300)


LOG_LEVEL = (_env("LOG_LEVEL") or "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise _bad(
        "LOG_LEVEL",
        LOG_LEVEL,
        "DEBUG/INFO/WARNING/ERROR/CRITICAL 之一",
        "one of DEBUG/INFO/WARNING/ERROR/CRITICAL",
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Phone and ID card numbers are masked in every record before it is written (PIPL).
    "filters": {"personal_data": {"()": "wxmall.core.logging.PersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers default to INFO with their own handlers; route them through the root's.
    "loggers": {
        "django": {"level": LOG_LEVEL},
        # axes logs every login at INFO; its lockouts are WARNING.
        "axes": {"level": "WARNING" if LOG_LEVEL in ("DEBUG", "INFO") else LOG_LEVEL},
    },
}

# --- WeChat apps, client and token service (wxmall.wechat) ------------------------------------------
# One entry per app the hub calls: oa = Official Account (服务号), mp = Mini Program, store = WeChat Store.
# An app whose appid is empty is off. Outside the demo, every configured app is checked at start
# (appid "wx" + 16 hex, secret 32 hex). In the demo (WXMALL_DEMO=1) the appids default to wxsandbox's
# seeded apps and an empty secret is read from the sandbox's control API, so `make run` needs no env.
# httpx logs every request URL at INFO, and WeChat puts the access_token in the query string.
LOGGING["loggers"]["httpx"] = {"level": "WARNING"}
WECHAT_APPS = {
    "oa": {
        "appid": _env("WECHAT_OA_APPID") or ("wx5b1f0a7c3e9d0a01" if DEMO else ""),
        "secret": _env("WECHAT_OA_SECRET") or "",
        # The message server (wxmall.officialaccount): the Token and EncodingAESKey set on WeChat's side,
        # and the account's original id (gh_…) that pushes carry as ToUserName. Required in production
        # when the OA is configured; the demo reads them from wxsandbox.
        "token": _env("WECHAT_OA_TOKEN") or "",
        "encoding_aes_key": _env("WECHAT_OA_ENCODING_AES_KEY") or "",
        "original_id": _env("WECHAT_OA_ORIGINAL_ID") or "",
    },
    "mp": {
        "appid": _env("WECHAT_MP_APPID") or ("wx5b1f0a7c3e9d0b02" if DEMO else ""),
        "secret": _env("WECHAT_MP_SECRET") or "",
    },
    "store": {
        "appid": _env("WECHAT_STORE_APPID") or ("wx5b1f0a7c3e9d0c03" if DEMO else ""),
        "secret": _env("WECHAT_STORE_SECRET") or "",
    },
}
WECHAT_HTTP_TIMEOUT_SECONDS = env_float("WECHAT_HTTP_TIMEOUT_SECONDS", 5)
WECHAT_HTTP_CONNECT_TIMEOUT_SECONDS = env_float("WECHAT_HTTP_CONNECT_TIMEOUT_SECONDS", 2)
# -1 (system busy), 5xx and connection failures: this many tries in all, backoff with full jitter.
WECHAT_RETRY_ATTEMPTS = env_int("WECHAT_RETRY_ATTEMPTS", 3, minimum=1)
WECHAT_RETRY_BACKOFF_SECONDS = env_float("WECHAT_RETRY_BACKOFF_SECONDS", 0.2)
WECHAT_RETRY_BACKOFF_MAX_SECONDS = env_float("WECHAT_RETRY_BACKOFF_MAX_SECONDS", 2)
# Token storage: auto = Redis when REDIS_URL is set, else the database; or force "db" / "redis".
WECHAT_CREDENTIAL_STORE = _env("WECHAT_CREDENTIAL_STORE") or "auto"
if WECHAT_CREDENTIAL_STORE not in ("auto", "db", "redis"):
    raise _bad("WECHAT_CREDENTIAL_STORE", WECHAT_CREDENTIAL_STORE, "auto、db 或 redis", "auto, db or redis")
# Refresh this long before expiry. Must stay below 300 s: stable_token only rotates in its last 5 minutes.
WECHAT_TOKEN_REFRESH_AHEAD_SECONDS = env_int("WECHAT_TOKEN_REFRESH_AHEAD_SECONDS", 240)
WECHAT_TICKET_REFRESH_AHEAD_SECONDS = env_int("WECHAT_TICKET_REFRESH_AHEAD_SECONDS", 240)
# The refresher's lease: a refresher killed mid-fetch holds the others back at most this long.
WECHAT_TOKEN_LOCK_SECONDS = env_float("WECHAT_TOKEN_LOCK_SECONDS", 20)
WECHAT_TOKEN_POLL_SECONDS = env_float("WECHAT_TOKEN_POLL_SECONDS", 0.05)
# After 45009/45011 on a token fetch nobody fetches again for this long.
WECHAT_QUOTA_BACKOFF_SECONDS = env_float("WECHAT_QUOTA_BACKOFF_SECONDS", 60)
WECHAT_REFRESH_INTERVAL_SECONDS = env_float("WECHAT_REFRESH_INTERVAL_SECONDS", 60)
# API stats: each process writes its buffer at most this often (or after this many calls).
WECHAT_METRICS_FLUSH_SECONDS = env_float("WECHAT_METRICS_FLUSH_SECONDS", 5)
WECHAT_METRICS_FLUSH_CALLS = env_int("WECHAT_METRICS_FLUSH_CALLS", 500, minimum=1)
if WECHAT_TOKEN_REFRESH_AHEAD_SECONDS >= 300:
    raise _bad(
        "WECHAT_TOKEN_REFRESH_AHEAD_SECONDS",
        str(WECHAT_TOKEN_REFRESH_AHEAD_SECONDS),
        "小于 300 的秒数",
        "below 300 seconds",
    )

# --- Official Account message server (wxmall.officialaccount) ---------------------------------------
# Pushes bigger than this are refused unread (WeChat's are a few KiB; compatible mode about 3x).
OA_MESSAGE_MAX_BYTES = env_int("OA_MESSAGE_MAX_BYTES", 32 * 1024, minimum=1024)
# A push whose signed timestamp is further than this from our clock is refused (WeChat re-sends within
# seconds, always with the same timestamp); duplicates inside the window are caught by the dedupe key.
OA_TIMESTAMP_TOLERANCE_SECONDS = env_int("OA_TIMESTAMP_TOLERANCE_SECONDS", 300, minimum=1)
# With REDIS_URL set, a push is deduplicated by an atomic add in Redis (kept this long: longer than the
# timestamp window, so a replay inside it is still caught there) and spooled to a file under
# OA_SPOOL_DIR that a worker drains into the database in batches: no SQL in the request. Without Redis,
# or with OA_FAST_PATH off, every push is written to the database in the request. Any worker may drain:
# with several hosts the spool must be shared by web hosts and workers (as ANALYTICS_DIR).
OA_FAST_PATH = env_bool("OA_FAST_PATH", True)
OA_DEDUPE_SECONDS = env_int("OA_DEDUPE_SECONDS", 900, minimum=1)
OA_SPOOL_DIR = _env("OA_SPOOL_DIR") or str(VAR_DIR / "oa-spool")
OA_SPOOL_DRAIN_INTERVAL_SECONDS = env_float("OA_SPOOL_DRAIN_INTERVAL_SECONDS", 5.0)
if OA_DEDUPE_SECONDS <= OA_TIMESTAMP_TOLERANCE_SECONDS:
    raise _bad(
        "OA_DEDUPE_SECONDS",
        str(OA_DEDUPE_SECONDS),
        "大于 OA_TIMESTAMP_TOLERANCE_SECONDS 的秒数",
        "more seconds than OA_TIMESTAMP_TOLERANCE_SECONDS",
    )

# Order notifications (paid / shipped / refunded): the OA's template ids, and the Mini Program's
# subscribe-message template ids for customers known only there. An empty id turns that message off.
# The demo uses made-up ids (wxsandbox accepts any template id by default).
OA_NOTIFY_TEMPLATES = {
    app: {
        kind: _env(f"{prefix}_TEMPLATE_ORDER_{kind.upper()}") or (f"demo-{app}-order-{kind}" if DEMO else "")
        for kind in ("paid", "shipped", "refunded")
    }
    for app, prefix in (("oa", "WECHAT_OA"), ("mp", "WECHAT_MP"))
}
# Our own ceilings on notifications sent: per day (WeChat's template quota is commonly 100,000) and per
# minute (keeps a burst of orders from spending the day's quota in one go).
OA_NOTIFY_DAILY_QUOTA = env_int("OA_NOTIFY_DAILY_QUOTA", 100_000, minimum=1)
OA_NOTIFY_PER_MINUTE = env_int("OA_NOTIFY_PER_MINUTE", 2_000, minimum=1)

# --- marketing: tracked links (wxmall.marketing) -----------------------------------------------------
# Without REDIS_URL the redirect appends clicks to spool files here; a task drains them into the database.
MARKETING_CLICK_SPOOL_DIR = _env("MARKETING_CLICK_SPOOL_DIR") or str(VAR_DIR / "clicks")
MARKETING_FLUSH_INTERVAL_SECONDS = env_float("MARKETING_FLUSH_INTERVAL_SECONDS", 5.0)
# Query parameters a Moments ad appends with its click id (kept with the click on a known link only).
# Unconfirmed names (WeChat's ad platform documents them per account): hence a setting.
MARKETING_AD_CLICK_PARAMS = env_list("MARKETING_AD_CLICK_PARAMS", "gdt_vid,qz_gdt,weixinadinfo")
# A CJK font for QR posters (Debian: fonts-wqy-microhei); without it posters use Pillow's default font.
MARKETING_POSTER_FONT = _env("MARKETING_POSTER_FONT") or "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# --- analytics: behaviour events in Parquet, dashboards (wxmall.analytics) --------------------------
# Ingest appends to a spool file per process here; a beat task turns spools into Parquet parts under
# ANALYTICS_DIR/events/day=YYYY-MM-DD/ every ANALYTICS_FLUSH_INTERVAL_SECONDS, another compacts a day's parts.
ANALYTICS_DIR = _env("ANALYTICS_DIR") or str(VAR_DIR / "analytics")
ANALYTICS_FLUSH_INTERVAL_SECONDS = env_float("ANALYTICS_FLUSH_INTERVAL_SECONDS", 2.0)
ANALYTICS_COMPACT_INTERVAL_SECONDS = env_float("ANALYTICS_COMPACT_INTERVAL_SECONDS", 600.0)
# Events accepted per minute per visitor and per client IP (a NAT'ed office shares one IP).
ANALYTICS_EVENTS_PER_MINUTE_VISITOR = env_int("ANALYTICS_EVENTS_PER_MINUTE_VISITOR", 600, minimum=1)
ANALYTICS_EVENTS_PER_MINUTE_IP = env_int("ANALYTICS_EVENTS_PER_MINUTE_IP", 6000, minimum=1)
# "Bought together" recommendations: paid orders of the last N days, at most M partners per product.
RECOMMENDATION_WINDOW_DAYS = env_int("RECOMMENDATION_WINDOW_DAYS", 180, minimum=1)
RECOMMENDATIONS_PER_PRODUCT = env_int("RECOMMENDATIONS_PER_PRODUCT", 6, minimum=1)
# Prometheus /metrics: off unless a token is set (scrapers send "Authorization: Bearer <token>").
METRICS_TOKEN = _env("METRICS_TOKEN") or ""
# A WeChat API or outbox destination below this success rate over 5 minutes (with at least
# ALERT_MIN_CALLS calls) raises an alert to staff, checked every ALERT_CHECK_INTERVAL_SECONDS.
ALERT_SUCCESS_RATIO = env_float("ALERT_SUCCESS_RATIO", 0.95)
ALERT_MIN_CALLS = env_int("ALERT_MIN_CALLS", 20, minimum=1)
ALERT_CHECK_INTERVAL_SECONDS = env_float("ALERT_CHECK_INTERVAL_SECONDS", 60.0)

# --- accounts: WeChat login, identities, merges, members and points (owned by accounts) -------------
# The web OAuth authorize page lives on its own host (https://open.weixin.qq.com for real WeChat), not
# the API's; empty means WECHAT_API_BASE (wxsandbox serves both).
WECHAT_OAUTH_AUTHORIZE_BASE = _env("WECHAT_OAUTH_AUTHORIZE_BASE") or ""
# Staff may undo a merge for this long after it was made.
ACCOUNTS_MERGE_REVERSIBLE_DAYS = env_int("ACCOUNTS_MERGE_REVERSIBLE_DAYS", 30, minimum=0)
# Points: earned per whole yuan paid; one point is worth POINTS_VALUE_FEN fen at checkout, and points may
# pay at most POINTS_MAX_DISCOUNT_PERCENT of an order's goods amount.
POINTS_PER_YUAN = env_int("POINTS_PER_YUAN", 1, minimum=0)
POINTS_VALUE_FEN = env_int("POINTS_VALUE_FEN", 1, minimum=1)
POINTS_MAX_DISCOUNT_PERCENT = env_int("POINTS_MAX_DISCOUNT_PERCENT", 50, minimum=0)

# --- WeChat Store (微信小店) sync (owned by store) ------------------------------------------------------
# Push receiver /wechat/store/<appid>/: the Token (3–32 chars) and EncodingAESKey (43 chars) entered in
# 微信小店后台 – 消息推送 (safe mode, JSON). Required in production whenever WECHAT_STORE_APPID is set.
WECHAT_STORE_PUSH_TOKEN = _env("WECHAT_STORE_PUSH_TOKEN") or ""
WECHAT_STORE_PUSH_AES_KEY = _env("WECHAT_STORE_PUSH_AES_KEY") or ""
if WECHAT_APPS["store"]["appid"] and PRODUCTION:
    if not 3 <= len(WECHAT_STORE_PUSH_TOKEN) <= 32:
        raise _refuse(
            "WECHAT_STORE_PUSH_TOKEN", "未设置微信小店消息推送 Token", "the Store push Token is unset"
        )
    if not re.fullmatch(r"[A-Za-z0-9]{43}", WECHAT_STORE_PUSH_AES_KEY):
        raise _refuse(
            "WECHAT_STORE_PUSH_AES_KEY",
            "微信小店 EncodingAESKey 未设置或不是 43 位字母数字",
            "the Store EncodingAESKey is unset or not 43 letters/digits",
        )
# Shop subject type: "" = read from basics/info/get (企业 → enterprise, 个体工商户 → personal).
STORE_SHOP_TYPE = _env("STORE_SHOP_TYPE") or ""
if STORE_SHOP_TYPE not in ("", "enterprise", "personal"):
    raise _bad(
        "STORE_SHOP_TYPE", STORE_SHOP_TYPE, "enterprise、personal 或留空", "enterprise, personal or empty"
    )
# Channels accounts a shop may bind, per subject type (WeChat changes these; reference §2.4).
STORE_CHANNELS_LIMIT_ENTERPRISE = env_int("STORE_CHANNELS_LIMIT_ENTERPRISE", 5)
STORE_CHANNELS_LIMIT_PERSONAL = env_int("STORE_CHANNELS_LIMIT_PERSONAL", 1)
# Store category ids (any level of the path) a personal shop may not list: food, cosmetics, …
STORE_PERSONAL_RESTRICTED_CATEGORIES = env_list("STORE_PERSONAL_RESTRICTED_CATEGORIES", "")
# A personal shop's payments are capped by the owner's personal bank card (reference: "支付额度受限于个人
# 银行卡交易限额"). The figures are assumptions (a common debit-card cap of ¥50,000 a payment and
# ¥200,000 a day); WeChat and the banks change them, so they are settings. Money in fen.
STORE_PERSONAL_PAYMENT_LIMIT_FEN = env_int("STORE_PERSONAL_PAYMENT_LIMIT_FEN", 5_000_000, minimum=1)
STORE_PERSONAL_DAILY_LIMIT_FEN = env_int("STORE_PERSONAL_DAILY_LIMIT_FEN", 20_000_000, minimum=1)
if STORE_PERSONAL_PAYMENT_LIMIT_FEN > STORE_PERSONAL_DAILY_LIMIT_FEN:
    raise _bad(
        "STORE_PERSONAL_PAYMENT_LIMIT_FEN",
        str(STORE_PERSONAL_PAYMENT_LIMIT_FEN),
        "不大于 STORE_PERSONAL_DAILY_LIMIT_FEN 的整数",
        "an integer not above STORE_PERSONAL_DAILY_LIMIT_FEN",
    )
# Products are submitted for audit and listed on push (listing=1).
STORE_LIST_ON_PUSH = env_bool("STORE_LIST_ON_PUSH", True)
# Freight template and after-sale address the Store requires on express products (merchant back end ids).
STORE_FREIGHT_TEMPLATE_ID = _env("STORE_FREIGHT_TEMPLATE_ID") or ""
STORE_AFTER_SALE_ADDRESS_ID = _env("STORE_AFTER_SALE_ADDRESS_ID") or ""
# A product/add whose answer was lost is looked up among at most this many Store products before retrying.
STORE_ADD_LOOKUP_MAX = env_int("STORE_ADD_LOOKUP_MAX", 3000, minimum=30)
# Audits still pending this long after submission are polled (pushes can be lost).
STORE_AUDIT_POLL_AFTER_SECONDS = env_int("STORE_AUDIT_POLL_AFTER_SECONDS", 120)
STORE_AUDIT_POLL_INTERVAL_SECONDS = env_float("STORE_AUDIT_POLL_INTERVAL_SECONDS", 60)
# Order compensation: list orders updated in the last window every interval (pushes can be lost).
STORE_ORDER_POLL_INTERVAL_SECONDS = env_float("STORE_ORDER_POLL_INTERVAL_SECONDS", 60)
STORE_ORDER_POLL_WINDOW_SECONDS = env_int("STORE_ORDER_POLL_WINDOW_SECONDS", 3600, minimum=60)
# Stock reconciliation (the seeds: every 5 minutes) and its batch size for stock/batchget.
STORE_STOCK_RECONCILE_SECONDS = env_float("STORE_STOCK_RECONCILE_SECONDS", 300)
STORE_STOCK_BATCH = env_int("STORE_STOCK_BATCH", 50, minimum=1)
# Unprocessed pushes are retried this often (a worker restarted mid-processing leaves some behind).
STORE_EVENT_RETRY_SECONDS = env_float("STORE_EVENT_RETRY_SECONDS", 30)

# Compass (罗盘) data cadences, the seeds': content/product metrics every 2 h, published 2 h after a day
# ends; the buyer profile ("user behaviour") twice a day at these Asia/Shanghai times; transactions stay
# real time (pushes + order listing).
STORE_CONTENT_METRICS_INTERVAL_SECONDS = env_float("STORE_CONTENT_METRICS_INTERVAL_SECONDS", 7200)
STORE_CONTENT_METRICS_DELAY_SECONDS = env_int("STORE_CONTENT_METRICS_DELAY_SECONDS", 7200)
STORE_USER_BEHAVIOUR_TIMES = env_list("STORE_USER_BEHAVIOUR_TIMES", "03:00,15:00")
STORE_COMPASS_BACKFILL_DAYS = env_int("STORE_COMPASS_BACKFILL_DAYS", 3, minimum=1)
if not STORE_USER_BEHAVIOUR_TIMES or not all(
    re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", t) for t in STORE_USER_BEHAVIOUR_TIMES
):
    raise _bad(
        "STORE_USER_BEHAVIOUR_TIMES",
        ",".join(STORE_USER_BEHAVIOUR_TIMES),
        "逗号分隔的 HH:MM 时间",
        "comma-separated HH:MM times",
    )
OUTBOX_DESTINATIONS["wechat_store"] = {"handler": "wxmall.store.handlers.deliver"}

# --- Channels content commerce (owned by channels) ------------------------------------------------------
# Commissions are paid out of WeChat Pay (profit sharing, or 商家转账 where there is no payment of ours to
# split) once the after-sale window has passed: no earlier than CHANNELS_SETTLE_AFTER_SECONDS after the
# order was paid. WeChat unfreezes unsplit funds by itself after 30 days, so the window must be shorter.
CHANNELS_SETTLE_AFTER_SECONDS = env_int("CHANNELS_SETTLE_AFTER_SECONDS", 15 * 24 * 3600, minimum=0)
if CHANNELS_SETTLE_AFTER_SECONDS >= 30 * 24 * 3600:
    raise _bad(
        "CHANNELS_SETTLE_AFTER_SECONDS",
        str(CHANNELS_SETTLE_AFTER_SECONDS),
        "少于 30 天的秒数（微信 30 天后自动解冻）",
        "under 30 days in seconds (WeChat unfreezes then)",
    )
# The merchant's maximum sharing ratio in 商户平台 (basis points; WeChat's default 30 %): a commission
# paid by profit sharing is capped at this share of the order.
CHANNELS_PROFIT_SHARING_MAX_RATIO_BP = env_int("CHANNELS_PROFIT_SHARING_MAX_RATIO_BP", 3000, minimum=1)
if CHANNELS_PROFIT_SHARING_MAX_RATIO_BP > 10000:
    raise _bad(
        "CHANNELS_PROFIT_SHARING_MAX_RATIO_BP",
        str(CHANNELS_PROFIT_SHARING_MAX_RATIO_BP),
        "1–10000",
        "1–10000",
    )
# 商家转账 scene enabled in 商户平台 (1000 现金营销 is the one the reference confirms).
CHANNELS_TRANSFER_SCENE_ID = _env("CHANNELS_TRANSFER_SCENE_ID") or "1000"
# Content rhythm (Beijing time): review videos Tue/Thu, live on weekend evenings, promotions (name=MM-DD)
# warmed up CHANNELS_WARMUP_DAYS ahead; staff are reminded CHANNELS_REMIND_BEFORE_MINUTES before each entry.
CHANNELS_REVIEW_VIDEO_TIME = _env("CHANNELS_REVIEW_VIDEO_TIME") or "19:00"
CHANNELS_LIVE_TIME = _env("CHANNELS_LIVE_TIME") or "20:00"
CHANNELS_PROMOTIONS = env_list("CHANNELS_PROMOTIONS", "618=06-18,双11=11-11,双12=12-12")
CHANNELS_WARMUP_DAYS = env_int("CHANNELS_WARMUP_DAYS", 3, minimum=0)
CHANNELS_REMIND_BEFORE_MINUTES = env_int("CHANNELS_REMIND_BEFORE_MINUTES", 60, minimum=1)
for _name in ("CHANNELS_REVIEW_VIDEO_TIME", "CHANNELS_LIVE_TIME"):
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", globals()[_name]):
        raise _bad(_name, globals()[_name], "HH:MM 格式的时间", "a time as HH:MM")
# Optional: the staff member's OA openid and template for reminders; the Mini Program subscribe template
# that reminds followers who booked a live session.
CHANNELS_STAFF_OPENID = _env("CHANNELS_STAFF_OPENID") or ""
CHANNELS_STAFF_TEMPLATE_ID = _env("CHANNELS_STAFF_TEMPLATE_ID") or ""
CHANNELS_LIVE_SUBSCRIBE_TEMPLATE_ID = _env("CHANNELS_LIVE_SUBSCRIBE_TEMPLATE_ID") or ""
CHANNELS_LIVE_POLL_SECONDS = env_int("CHANNELS_LIVE_POLL_SECONDS", 60, minimum=5)
CHANNELS_SHELF_MAX = env_int("CHANNELS_SHELF_MAX", 100, minimum=1)
CHANNELS_SHARER_PAGES = env_int("CHANNELS_SHARER_PAGES", 50, minimum=1)
OUTBOX_DESTINATIONS["channels_pay"] = {"handler": "wxmall.channels.settlement.deliver"}
OUTBOX_DESTINATIONS["channels_store"] = {"handler": "wxmall.channels.handlers.deliver"}


# --- Member import (owned by members_import) ---------------------------------------------------------------
# Uploaded member files (CSV/XLSX) are kept here until their job is done; the largest accepted upload;
# rows applied per transaction (each batch commits with the job's resume checkpoint).
MEMBER_IMPORT_DIR = Path(_env("MEMBER_IMPORT_DIR") or VAR_DIR / "imports")
MEMBER_IMPORT_MAX_BYTES = env_int("MEMBER_IMPORT_MAX_BYTES", 200 * 1024 * 1024, minimum=1)
MEMBER_IMPORT_BATCH_ROWS = env_int("MEMBER_IMPORT_BATCH_ROWS", 2000, minimum=1)

# Each web worker loads jieba's dictionary and builds the FAQ bot's indexes when it starts (wsgi.py), so the
# first message after a deploy answers within WeChat's 5 s.
SUPPORT_BOT_WARM_ON_START = env_bool("SUPPORT_BOT_WARM_ON_START", True)

# --- customer service: hand-off to 微信客服 (WeCom kf), owned by support ------------------------------
# Optional: with WECOM_CORP_ID empty the console offers no WeCom hand-off. WECOM_KF_SECRET is the secret
# of the self-built app allowed to call the kf API; WECOM_KF_OPEN_KFID the kf account (wk…) conversations
# go to; the callback URL is https://<your host>/wechat/wecom/callback/ with WECOM_CALLBACK_TOKEN and
# WECOM_CALLBACK_AES_KEY (43 chars) entered in 微信客服 → API. WECOM_KF_SERVICER (a servicer userid): hand
# straight to that person (service_state 3); empty: into the queue pool (state 2).
# WeCom is its own host in production; the demo's wxsandbox serves it beside the OA API.
WECOM_API_BASE = _env("WECOM_API_BASE") or ("https://qyapi.weixin.qq.com" if PRODUCTION else WECHAT_API_BASE)
WECOM_CORP_ID = _env("WECOM_CORP_ID") or ""
WECOM_KF_SECRET = _env("WECOM_KF_SECRET") or ""
WECOM_KF_OPEN_KFID = _env("WECOM_KF_OPEN_KFID") or ""
WECOM_KF_SERVICER = _env("WECOM_KF_SERVICER") or ""
WECOM_CALLBACK_TOKEN = _env("WECOM_CALLBACK_TOKEN") or ""
WECOM_CALLBACK_AES_KEY = _env("WECOM_CALLBACK_AES_KEY") or ""
if WECOM_CORP_ID and PRODUCTION:
    for _name, _value in (("WECOM_KF_SECRET", WECOM_KF_SECRET), ("WECOM_KF_OPEN_KFID", WECOM_KF_OPEN_KFID)):
        if not _value:
            raise _refuse(
                _name, "已设置 WECOM_CORP_ID 但缺少微信客服配置", "WECOM_CORP_ID is set but this is missing"
            )
    if not 3 <= len(WECOM_CALLBACK_TOKEN) <= 32:
        raise _refuse(
            "WECOM_CALLBACK_TOKEN", "未设置微信客服回调 Token", "the WeCom kf callback Token is unset"
        )
    if not re.fullmatch(r"[A-Za-z0-9]{43}", WECOM_CALLBACK_AES_KEY):
        raise _refuse(
            "WECOM_CALLBACK_AES_KEY",
            "微信客服 EncodingAESKey 未设置或不是 43 位字母数字",
            "the WeCom kf EncodingAESKey is unset or not 43 letters/digits",
        )


# --- Electronic invoices (电子发票), owned by invoicing ----------------------------------------------------
# A customer may ask for an invoice of a paid order until this many days after it completed.
INVOICE_REQUEST_WINDOW_DAYS = env_int("INVOICE_REQUEST_WINDOW_DAYS", 180, minimum=1)
# VAT rates in 1/10000 (1300 = 13 %): the default (computers and other goods), and per category slug
# (a product's own category first, then its parents), e.g. INVOICE_TAX_RATES="books:900,service:600".
INVOICE_DEFAULT_TAX_RATE = env_int("INVOICE_DEFAULT_TAX_RATE", 1300, minimum=0)
INVOICE_TAX_RATES: dict[str, int] = {}
for _item in env_list("INVOICE_TAX_RATES"):
    _slug, _, _rate = _item.partition(":")
    if not _slug.strip() or not _rate.strip().isdigit() or int(_rate) > 10000:
        raise _bad("INVOICE_TAX_RATES", _item, "分类标识:税率（如 books:900）", "slug:rate, e.g. books:900")
    INVOICE_TAX_RATES[_slug.strip()] = int(_rate)
# The invoicing platform (开票平台) and its adapter; the demo uses wxsandbox's fake platform and reads the
# secret from it. A real platform needs its own adapter class (see wxmall.invoicing.platform).
INVOICE_PLATFORM = {
    "adapter": _env("INVOICE_PLATFORM_ADAPTER") or "wxmall.invoicing.platform.FapiaoPlatform",
    "base_url": _env("INVOICE_PLATFORM_URL") or ("" if PRODUCTION else WECHAT_API_BASE),
    "app_key": _env("INVOICE_PLATFORM_APP_KEY") or ("" if PRODUCTION else "wxmall-demo"),
    "app_secret": _env("INVOICE_PLATFORM_APP_SECRET") or "",
    "timeout": env_float("INVOICE_PLATFORM_TIMEOUT_SECONDS", 10),
}
if PRODUCTION and INVOICE_PLATFORM["base_url"]:
    for _name, _key in (
        ("INVOICE_PLATFORM_APP_KEY", "app_key"),
        ("INVOICE_PLATFORM_APP_SECRET", "app_secret"),
    ):
        if len(INVOICE_PLATFORM[_key]) < 8:
            raise _refuse(
                _name, "已设置开票平台但缺少其凭据", "INVOICE_PLATFORM_URL is set but this is missing"
            )
# What the WeChat card package shows (invoice card template) and the contact WeChat requires before it
# serves authorisation pages (setbizattr set_contact; the time-out is in seconds).
INVOICE_SELLER_NAME = _env("INVOICE_SELLER_NAME") or "wxmall 电脑商城"
INVOICE_CARD_TITLE = _env("INVOICE_CARD_TITLE") or "wxmall"  # ≤ 9 characters
INVOICE_LOGO_URL = _env("INVOICE_LOGO_URL") or "http://mmbiz.qpic.cn/mmbiz/wxmall-logo/0"
INVOICE_CONTACT_PHONE = _env("INVOICE_CONTACT_PHONE") or "400-000-0000"
INVOICE_WECHAT_TIME_OUT_SECONDS = env_int("INVOICE_WECHAT_TIME_OUT_SECONDS", 7 * 24 * 3600, minimum=60)
# Issuing and reversing through the platform (disabled without a platform URL: requests then wait on the
# desk as 待开票); inserting cards and card status through WeChat.
OUTBOX_DESTINATIONS["invoice_platform"] = {
    "handler": "wxmall.invoicing.handlers.deliver",
    "url": INVOICE_PLATFORM["base_url"],
    "timeout": INVOICE_PLATFORM["timeout"],
}
OUTBOX_DESTINATIONS["wechat_invoice"] = {"handler": "wxmall.invoicing.handlers.deliver"}

# --- compliance: external content security (tier 3; off by default) ---------------------------------
# Copy that passed the word check can also be sent to Tencent Cloud TMS TextModeration (product copy,
# campaign titles, live scripts) and to WeChat's msg_sec_check v2 (user-facing text: coupons, OA replies).
# The endpoint defaults to wxsandbox outside production; real TMS is https://tms.tencentcloudapi.com.
COMPLIANCE_TMS_ENABLED = env_bool("COMPLIANCE_TMS_ENABLED", False)
COMPLIANCE_TMS_ENDPOINT = _env("COMPLIANCE_TMS_ENDPOINT") or (
    "https://tms.tencentcloudapi.com" if PRODUCTION else WECHAT_API_BASE
)
COMPLIANCE_TMS_REGION = _env("COMPLIANCE_TMS_REGION") or "ap-guangzhou"
COMPLIANCE_TMS_BIZ_TYPE = _env("COMPLIANCE_TMS_BIZ_TYPE") or ""
COMPLIANCE_TMS_SECRET_ID = _env("COMPLIANCE_TMS_SECRET_ID") or ""
COMPLIANCE_TMS_SECRET_KEY = _env("COMPLIANCE_TMS_SECRET_KEY") or ""
COMPLIANCE_TMS_TIMEOUT_SECONDS = env_float("COMPLIANCE_TMS_TIMEOUT_SECONDS", 5.0)
COMPLIANCE_MSG_SEC_CHECK_ENABLED = env_bool("COMPLIANCE_MSG_SEC_CHECK_ENABLED", False)
# msg_sec_check judges text "as a user wrote it": WeChat wants the openid of someone who opened the Mini
# Program within the last 2 hours. The hub uses one whose Mini Program login it saw within
# COMPLIANCE_MSG_SEC_VISIT_SECONDS (2 h less a 10-minute margin for clock skew): this openid (a staff
# member's) when it qualifies, else the latest staff member's, never a customer's. With none, the copy
# goes to TMS alone when TMS is on, else to a person in the review queue (never cleared unchecked).
COMPLIANCE_MSG_SEC_OPENID = _env("COMPLIANCE_MSG_SEC_OPENID") or ""
COMPLIANCE_MSG_SEC_VISIT_SECONDS = env_int("COMPLIANCE_MSG_SEC_VISIT_SECONDS", 6600, minimum=60)
if COMPLIANCE_TMS_ENABLED and PRODUCTION:
    for _name, _value in (
        ("COMPLIANCE_TMS_SECRET_ID", COMPLIANCE_TMS_SECRET_ID),
        ("COMPLIANCE_TMS_SECRET_KEY", COMPLIANCE_TMS_SECRET_KEY),
    ):
        if not _value:
            raise _refuse(_name, "已开启腾讯云文本内容安全但缺少密钥", "TMS is enabled but this is unset")

# --- compliance: copy assistant (drafts pass the scanner before they are offered) -------------------
# `template` (default) works offline; `http` asks a local model behind an OpenAI-compatible endpoint.
COMPLIANCE_ASSISTANT_GENERATOR = _env("COMPLIANCE_ASSISTANT_GENERATOR") or "template"
if COMPLIANCE_ASSISTANT_GENERATOR not in ("template", "http"):
    raise _bad(
        "COMPLIANCE_ASSISTANT_GENERATOR",
        COMPLIANCE_ASSISTANT_GENERATOR,
        "template 或 http",
        "template or http",
    )
COMPLIANCE_ASSISTANT_URL = _env("COMPLIANCE_ASSISTANT_URL") or "http://127.0.0.1:8080"
COMPLIANCE_ASSISTANT_MODEL = _env("COMPLIANCE_ASSISTANT_MODEL") or "local"
COMPLIANCE_ASSISTANT_API_KEY = _env("COMPLIANCE_ASSISTANT_API_KEY") or ""
COMPLIANCE_ASSISTANT_TIMEOUT_SECONDS = env_float("COMPLIANCE_ASSISTANT_TIMEOUT_SECONDS", 20.0)
# Qualifications the merchant holds, by name (category_rules.RULES says which categories need which),
# e.g. "食品经营许可证,3C 认证证书".
COMPLIANCE_QUALIFICATIONS = env_list("COMPLIANCE_QUALIFICATIONS", "")
