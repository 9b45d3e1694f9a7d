"""Test helpers: a configured Official Account and pushes signed and encrypted the way WeChat does,
built with wechatpy's crypto (the independent peer), so the hub's own crypto is never checked against
itself.

    def test_x(oa_settings, client):                     # tests/officialaccount/conftest.py
        push = Pusher(oa_settings)
        response = push.post(client, push.text("你好"), mode="safe")
        assert push.reply(response)["Content"] == ...
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

OA_APPID = "wx" + "1a2b3c4d5e6f7a8b"
OA = {
    "appid": OA_APPID,
    "secret": "0123456789abcdef0123456789abcdef",
    "token": "hubtoken2026",
    "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "original_id": "gh_0a1b2c3d4e5f",
}


def configure(settings: Any, **overrides: str) -> dict[str, str]:
    """Point `settings` (pytest-django's fixture) at a test Official Account; returns its config."""
    oa = OA | overrides
    settings.WECHAT_APPS = settings.WECHAT_APPS | {"oa": oa}
    return oa


def build_xml(fields: dict[str, Any]) -> str:
    parts = []
    for name, value in fields.items():
        text = str(value)
        parts.append(
            f"<{name}>{text}</{name}>" if isinstance(value, int) else f"<{name}><![CDATA[{text}]]></{name}>"
        )
    return "<xml>" + "".join(parts) + "</xml>"


class Pusher:
    """Builds and posts pushes for one account like WeChat's servers do."""

    def __init__(self, oa: dict[str, str], openid: str = "oUser" + "x" * 23) -> None:
        self.oa = oa
        self.openid = openid
        self._msg_id = 10**15 + secrets.randbelow(10**15)

    @property
    def path(self) -> str:
        return f"/wechat/oa/{self.oa['appid']}/"

    def crypto(self):
        from wechatpy.crypto import WeChatCrypto

        return WeChatCrypto(self.oa["token"], self.oa["encoding_aes_key"], self.oa["appid"])

    def fields(self, msg_type: str, **extra: Any) -> dict[str, Any]:
        return {
            "ToUserName": self.oa["original_id"],
            "FromUserName": self.openid,
            "CreateTime": int(time.time()),
            "MsgType": msg_type,
            **extra,
        }

    def text(self, content: str, msg_id: int | None = None) -> dict[str, Any]:
        self._msg_id += 1
        return self.fields("text", Content=content, MsgId=msg_id or self._msg_id)

    def event(self, event: str, **extra: Any) -> dict[str, Any]:
        return self.fields("event", Event=event, **extra)

    def signed_query(self, timestamp: int | None = None) -> dict[str, str]:
        ts, nonce = str(timestamp or int(time.time())), str(secrets.randbelow(10**9))
        sig = hashlib.sha1("".join(sorted([self.oa["token"], ts, nonce])).encode()).hexdigest()
        return {"signature": sig, "timestamp": ts, "nonce": nonce, "openid": self.openid}

    def request(self, fields: dict[str, Any] | str, mode: str = "plain", timestamp: int | None = None):
        """(query, body) for `fields` in `mode` (plain | compatible | safe)."""
        xml = fields if isinstance(fields, str) else build_xml(fields)
        query = self.signed_query(timestamp)
        if mode == "plain":
            return query, xml.encode()
        import xmltodict

        envelope = xmltodict.parse(self.crypto().encrypt_message(xml, query["nonce"], query["timestamp"]))[
            "xml"
        ]
        query |= {"encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        outer = {"ToUserName": self.oa["original_id"], "Encrypt": envelope["Encrypt"]}
        if mode == "compatible" and not isinstance(fields, str):
            outer = {**fields, "Encrypt": envelope["Encrypt"]}
        return query, build_xml(outer).encode()

    def post(self, client, fields: dict[str, Any] | str, mode: str = "plain", **kwargs: Any):
        from urllib.parse import urlencode

        query, body = self.request(fields, mode, kwargs.pop("timestamp", None))
        query |= kwargs.pop("query", {})
        return client.post(f"{self.path}?{urlencode(query)}", data=body, content_type="text/xml", **kwargs)

    def reply(self, response, mode: str = "plain") -> dict[str, Any] | None:
        """The passive reply as a dict (decrypted with wechatpy when encrypted), None for `success`."""
        import xmltodict

        body = response.content.decode()
        if body in ("success", ""):
            return None
        if mode != "plain":
            envelope = xmltodict.parse(body)["xml"]
            body = self.crypto().decrypt_message(
                body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
            )
        return xmltodict.parse(body)["xml"]


class FastPath:
    """The message server's fast path switched on for a test (pytest-django's `settings`): dedupe in the
    Redis at `redis_url`, pushes spooled under `spool_dir`. `drain()` runs the worker's drain at once
    (no settling wait: the test is the only writer)."""

    def __init__(self, settings: Any, redis_url: str, spool_dir) -> None:
        settings.REDIS_URL = redis_url
        settings.OA_FAST_PATH = True
        settings.OA_SPOOL_DIR = str(spool_dir)
        self.spool_dir = spool_dir

    def spooled(self) -> list[dict]:
        """Every push waiting in the spool (live or set aside), in no particular order."""
        import json
        from pathlib import Path

        lines = []
        for path in Path(self.spool_dir).glob("*") if Path(self.spool_dir).is_dir() else []:
            lines += [json.loads(line) for line in path.read_bytes().splitlines() if line]
        return lines

    def drain(self):
        from .actions import drain_spool

        return drain_spool(settle_seconds=0, wait=True)
