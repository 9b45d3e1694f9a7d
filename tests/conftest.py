"""Shared fixtures. The network is loopback-only here; WeChat is always wxsandbox, never a mock."""

import os
import shutil

import pytest

from helpers.flash import flash_mode, flash_redis, queued  # noqa: F401  (fixtures, found by name)
from helpers.http import http_receiver  # noqa: E402, F401  (tests/ is on sys.path: this file lives there)

# WeChat for every test: an in-process wxsandbox on a random port (fresh per test, per session, or built
# from a custom config). pytest finds fixtures by name, hence the "unused" import.
from wxsandbox.testing import (  # noqa: F401
    wxsandbox,
    wxsandbox_base_config,
    wxsandbox_factory,
    wxsandbox_session,
)


@pytest.fixture(scope="session", autouse=True)
def _static_files_found_per_request():
    """Every test client builds the middleware stack anew; without this, WhiteNoise indexes every static
    file (the admin's included) each time, which is most of a simple request test's cost."""
    from django.test import override_settings

    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _request_paths_synchronous_by_default():
    """Work that production queues is done in the request unless a test asks for the queued path, even when
    the environment gives a REDIS_URL (CI's PostgreSQL run), so a test can act and look at the result:
    - flash sales are placed in the request (queued: the `flash_mode` fixture in tests/checkout);
    - a WeChat Pay notification is applied before the notify endpoint answers (queued: tests/payments'
      tests of the queued notify turn PAYMENT_NOTIFY_APPLY_EAGER off);
    - an OA push is written in the request (fast path: the `fast_path` fixture in tests/officialaccount:
      Redis dedupe, a private spool, drained by the test)."""
    from django.test import override_settings

    with override_settings(FLASH_SALE_REDIS_URL="", PAYMENT_NOTIFY_APPLY_EAGER=True, OA_FAST_PATH=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty Django cache: wxsandbox handles are per test on random ports that get
    reused, and the hub caches what it read from a sandbox (demo keys, push credentials, WeCom tokens) under
    the sandbox's URL; a stale entry from an earlier test on the same port would sign with another key."""
    from django.core.cache import cache

    from wxmall.marketing.queries import forget_local_targets

    cache.clear()
    forget_local_targets()  # the redirect's per-process copy of links, in front of that cache
    yield


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright. Required in CI; skipped locally when not installed.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop running in the main thread
    while it is open, which would break every later test that calls asyncio.run()."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium fonts-wqy-microhei)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    # That same running loop makes Django refuse ORM calls from the test thread; they are still
    # synchronous, so allow them while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def csp_violations(page):
    """What the Content-Security-Policy blocked on `page` (Chromium reports each refusal on the console)."""
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


# --- a customer with an address, SKUs, and an API client logged in as them -----------------------------
# Factories are imported inside the fixtures: this module loads before Django is set up.
@pytest.fixture
def customer(db):
    from wxmall.accounts.testing import make_customer

    return make_customer("alice", nickname="爱丽丝")


@pytest.fixture
def other_customer(db):
    from wxmall.accounts.testing import make_customer

    return make_customer("mallory", nickname="马洛")


@pytest.fixture
def address(customer):
    from wxmall.accounts.testing import make_address

    return make_address(customer, is_default=True)


@pytest.fixture
def sku(db):
    from wxmall.catalog.testing import make_sku

    return make_sku(price=129900, stock=10, title="轻薄笔记本 Air 14", memory="16GB", storage="512GB")


@pytest.fixture
def cheap_sku(db):
    from wxmall.catalog.testing import make_sku

    return make_sku(price=1990, stock=50, title="USB-C 数据线")


@pytest.fixture
def api(customer):
    from django.test import Client

    client = Client()
    client.force_login(customer)
    return client
