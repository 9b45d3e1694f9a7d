"""One env-driven settings module (12-factor). Defaults are the embedded mode of `make run` and the tests:
SQLite and a filesystem Celery broker under var/, no external service needed."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent  # src/wxmall
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("WXMALL_VAR_DIR", PROJECT_DIR / "var"))
for _sub in ("vendor", "static"):  # ECharts lands in vendor/; WhiteNoise warns when STATIC_ROOT is missing
    (VAR_DIR / _sub).mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = env_bool("DEBUG", False)
# The embedded default is for local use only; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "wxmall-embedded-insecure-key-set-SECRET_KEY-in-production")
# Fernet keys for personal data at rest, comma-separated, newest first. The embedded default is derived
# from SECRET_KEY so `make run` works out of the box; production sets its own and keeps it secret.
FIELD_ENCRYPTION_KEYS = [
    k.strip() for k in os.environ.get("FIELD_ENCRYPTION_KEYS", "").split(",") if k.strip()
]
if not FIELD_ENCRYPTION_KEYS:
    import base64
    import hashlib

    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "wxmall.core",
    "wxmall.accounts",
    "wxmall.catalog",
    "wxmall.checkout",
    "wxmall.orders",
    "wxmall.storefront",
    "wxmall.console",
    "wxmall.compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from gunicorn itself (admin CSS, storefront assets, ECharts): no nginx needed to start.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wxmall.urls"
WSGI_APPLICATION = "wxmall.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"

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
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'wxmall.sqlite3'}")
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
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -----------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),  # producers and consumers share one folder
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),  # kombu's default is ./control in the cwd
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {}  # domain apps add their periodic jobs in their AppConfig.ready()
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILE = str(VAR_DIR / "celerybeat-schedule")

# --- i18n -------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
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

# --- business rules ---------------------------------------------------------------------------------
ORDER_PAYMENT_TIMEOUT_SECONDS = env_int("ORDER_PAYMENT_TIMEOUT_SECONDS", 30 * 60)
ORDER_NO_PREFIX = os.environ.get("ORDER_NO_PREFIX", "WX")
CART_MAX_QUANTITY = env_int("CART_MAX_QUANTITY", 99)
DEV_LOGIN_ENABLED = env_bool("DEV_LOGIN_ENABLED", True)  # removed from the default once WeChat login lands

# --- checkout -----------------------------------------------------------------------------------------
# Shipping: free when the goods amount after discounts reaches the threshold, else a flat fee (fen).
CHECKOUT_SHIPPING_FEE = env_int("CHECKOUT_SHIPPING_FEE", 1000)
CHECKOUT_FREE_SHIPPING_THRESHOLD = env_int("CHECKOUT_FREE_SHIPPING_THRESHOLD", 9900)
CHECKOUT_MAX_CART_LINES = env_int("CHECKOUT_MAX_CART_LINES", 50)
CHECKOUT_MAX_ADDRESSES = env_int("CHECKOUT_MAX_ADDRESSES", 20)

# --- catalog ----------------------------------------------------------------------------------------
# At or below this many units a SKU shows "仅剩 N 件" and counts as low stock in the admin filter.
CATALOG_LOW_STOCK_THRESHOLD = env_int("CATALOG_LOW_STOCK_THRESHOLD", 5)
CATALOG_MAX_PAGE_SIZE = env_int("CATALOG_MAX_PAGE_SIZE", 60)

# --- outbox -----------------------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_BACKOFF_BASE_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_BASE_SECONDS", "2"))
OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
OUTBOX_BREAKER_FAILURES = env_int("OUTBOX_BREAKER_FAILURES", 5)
OUTBOX_BREAKER_COOLDOWN_SECONDS = env_int("OUTBOX_BREAKER_COOLDOWN_SECONDS", 30)
OUTBOX_HTTP_TIMEOUT_SECONDS = float(os.environ.get("OUTBOX_HTTP_TIMEOUT_SECONDS", "10"))
# A claimed row stays with its relay this long; keep it well above the HTTP timeout.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 60)
OUTBOX_RELAY_BATCH = env_int("OUTBOX_RELAY_BATCH", 100)  # rows one relay run handles at most
OUTBOX_RELAY_INTERVAL_SECONDS = float(os.environ.get("OUTBOX_RELAY_INTERVAL_SECONDS", "5"))
# Delivered rows and delivery attempts older than this are purged nightly. Pending and dead rows are
# never purged, nor are discarded ones (they carry the audit trail of a person's decision).
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)
# Where outbox rows go. A destination whose handler is empty, or whose `url` is empty, is disabled:
# `enqueue` then returns None and writes nothing (e.g. no merchant webhook configured).
OUTBOX_DESTINATIONS = {
    "merchant_webhook": {
        "handler": "wxmall.core.webhook.post_webhook",
        "url": os.environ.get("MERCHANT_WEBHOOK_URL", ""),
        "secret": os.environ.get("MERCHANT_WEBHOOK_SECRET", ""),
    },
}

# --- WeChat (wxsandbox on loopback by default; real hosts in production) ----------------------------
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "http://127.0.0.1:9100")
WECHAT_PAY_API_BASE = os.environ.get("WECHAT_PAY_API_BASE", "http://127.0.0.1:9100")

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers default to INFO with their own handlers; route them through the root's.
    "loggers": {"django": {"level": LOG_LEVEL}},
}
