"""The process's clients, one per configured app, built on first use.

What a process holds here is a connection pool, a read-through copy of the shared token and the stats
buffer; the truth (the token, its lease, the stats) is in shared storage. Changing a WECHAT_* setting
(tests' override_settings) drops the clients so the next call uses the new configuration.
"""

from __future__ import annotations

import threading

from wxmall.wechat._client import WeChatClient
from wxmall.wechat.config import get_app
from wxmall.wechat.metrics import Recorder
from wxmall.wechat.stores import store_from_settings


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, WeChatClient] = {}
        self.recorder = Recorder()
        self._store = None

    def get(self, name: str) -> WeChatClient:
        found = self._clients.get(name)
        if found is not None:
            return found
        app = get_app(name)  # raises NotConfigured
        with self._lock:
            found = self._clients.get(name)
            if found is None or found.app != app:
                if self._store is None:
                    self._store = store_from_settings()
                found = self._clients[name] = WeChatClient(app, store=self._store, recorder=self.recorder)
            return found

    def reset(self) -> None:
        with self._lock:
            clients, self._clients, self._store = self._clients, {}, None
        for c in clients.values():
            c.close()


def registry() -> Registry:
    """The process's registry, kept on the app config (built in WechatConfig.ready)."""
    from django.apps import apps

    return apps.get_app_config("wechat").registry


def on_setting_changed(setting: str, **kwargs) -> None:
    if setting.startswith("WECHAT_") or setting in ("REDIS_URL", "DEMO"):
        registry().reset()
