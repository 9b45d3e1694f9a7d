"""Parametrised QR codes of an Official Account (reference §4.5)."""

from __future__ import annotations

from typing import Any

from wxmall.wechat.services.base import Service

MAX_TEMPORARY_SECONDS = 2_592_000  # 30 days


class QrcodeService(Service):
    def create_temporary(self, scene: str, expire_seconds: int = MAX_TEMPORARY_SECONDS) -> dict[str, Any]:
        """A temporary string-scene code: `{"ticket", "expire_seconds", "url"}`."""
        return self._create(
            {
                "expire_seconds": min(expire_seconds, MAX_TEMPORARY_SECONDS),
                "action_name": "QR_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene}},  # without "scene" WeChat silently uses 0
            }
        )

    def create_permanent(self, scene: str) -> dict[str, Any]:
        return self._create(
            {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}}
        )

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        if not 1 <= len(body["action_info"]["scene"]["scene_str"]) <= 64:
            raise ValueError("scene_str must be 1–64 characters")
        return self._client.post("/cgi-bin/qrcode/create", api="qrcode.create", json=body)
