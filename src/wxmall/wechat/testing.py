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
    return {
        "oa": {"appid": oa.appid, "secret": oa.secret},
        "mp": {"appid": mp.appid, "secret": mp.secret},
        "store": {"appid": "", "secret": ""},
    }


def use_sandbox(settings: Any, handle: Any) -> None:
    """`settings` is pytest-django's fixture (changes are undone after the test)."""
    settings.WECHAT_API_BASE = handle.base_url
    settings.WECHAT_APPS = sandbox_apps(handle)


def token_fetches(handle: Any, path: str = "/cgi-bin/stable_token") -> int:
    """How many requests the sandbox received on `path` (its journal), i.e. real token fetches."""
    return len(handle.journal(direction="in", path_prefix=path, limit=10_000))
