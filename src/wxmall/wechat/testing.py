"""Test helpers shared by every suite that calls WeChat: point the hub at a running wxsandbox.

    def test_x(wechat):            # tests/wechat/conftest.py, or `from wxmall.wechat.testing import …`
        wechat.client("oa").menu.get()

`use_sandbox(settings, handle)` rewrites WECHAT_API_BASE and WECHAT_APPS (oa and mp) to the sandbox's
seeded apps and secrets; the client registry is rebuilt on the setting change."""

from __future__ import annotations

from typing import Any

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT


def sandbox_apps(handle: Any) -> dict[str, dict[str, str]]:
    oa, mp = handle.app_of_kind(OFFICIAL_ACCOUNT), handle.app_of_kind(MINI_PROGRAM)
    accounts = handle.control("GET", "mp/accounts")["accounts"]
    original_id = next(a["original_id"] for a in accounts if a["appid"] == oa.appid)
    return {
        "oa": {
            "appid": oa.appid,
            "secret": oa.secret,
            "token": oa.token,
            "encoding_aes_key": oa.encoding_aes_key,
            "original_id": original_id,
        },
        "mp": {"appid": mp.appid, "secret": mp.secret},
        "store": {"appid": "", "secret": ""},
    }


def use_sandbox(settings: Any, handle: Any) -> None:
    """`settings` is pytest-django's fixture (changes are undone after the test)."""
    settings.WECHAT_API_BASE = handle.base_url
    settings.WECHAT_APPS = sandbox_apps(handle)


def forget_credentials(settings: Any) -> None:
    """Drop stored tokens of the configured apps: every sandbox issues its own, and a Redis store (CI)
    outlives the test database."""
    from wxmall.wechat.stores import store_from_settings

    store = store_from_settings()
    for raw in settings.WECHAT_APPS.values():
        if raw and raw.get("appid"):
            store.forget(raw["appid"])


def token_fetches(handle: Any, path: str = "/cgi-bin/stable_token") -> int:
    """How many requests the sandbox received on `path` (its journal), i.e. real token fetches."""
    return len(handle.journal(direction="in", path_prefix=path, limit=10_000))


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for child processes that must use the same (test) database as this one."""
    from urllib.parse import quote

    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if engine.endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"
    raise ValueError(f"unsupported database engine {engine}")


def child_env(handle: Any, settings_dict: dict[str, Any], **extra: Any) -> dict[str, str]:
    """Environment for a hub process that talks to `handle` and shares this process's database."""
    import os

    apps = sandbox_apps(handle)
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "wxmall.settings",
            "DATABASE_URL": database_url(settings_dict),
            "WECHAT_API_BASE": handle.base_url,
            "WECHAT_OA_APPID": apps["oa"]["appid"],
            "WECHAT_OA_SECRET": apps["oa"]["secret"],
            "WECHAT_OA_TOKEN": apps["oa"]["token"],
            "WECHAT_OA_ENCODING_AES_KEY": apps["oa"]["encoding_aes_key"],
            "WECHAT_OA_ORIGINAL_ID": apps["oa"]["original_id"],
            "WECHAT_MP_APPID": apps["mp"]["appid"],
            "WECHAT_MP_SECRET": apps["mp"]["secret"],
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def hammer(seconds: float, threads: int, app: str = "oa") -> dict[str, Any]:
    """Call `/cgi-bin/user/get` through the client from `threads` threads for `seconds`; returns counts.
    Run in a child process: `python -m wxmall.wechat.testing SECONDS THREADS` prints them as JSON."""
    import collections
    import threading
    import time

    from django.db import connection

    from wxmall.wechat import client
    from wxmall.wechat.clients import registry
    from wxmall.wechat.errors import WeChatError

    wx = client(app)
    lock = threading.Lock()
    totals: dict[str, Any] = {"ok": 0, "failed": collections.Counter(), "latency_s": 0.0}
    deadline = time.monotonic() + seconds

    def work() -> None:
        ok, failed, spent = 0, collections.Counter(), 0.0
        try:
            while True:
                started = time.perf_counter()
                try:
                    wx.user.list()
                    ok += 1
                except WeChatError as exc:  # transport failures (errcode 0) say what happened
                    failed[str(exc.errcode) if exc.errcode else f"0 {exc.errmsg}"] += 1
                spent += time.perf_counter() - started
                if time.monotonic() >= deadline:
                    break
        finally:
            connection.close()
            with lock:
                totals["ok"] += ok
                totals["failed"].update(failed)
                totals["latency_s"] += spent

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    registry().recorder.flush()
    return {"ok": totals["ok"], "failed": dict(totals["failed"]), "latency_s": totals["latency_s"]}


if __name__ == "__main__":
    import json
    import sys

    import django

    django.setup()
    print(json.dumps(hammer(float(sys.argv[1]), int(sys.argv[2]))), flush=True)
