"""Followers of an Official Account: `/cgi-bin/user/info` and `/cgi-bin/user/get` (reference §5.4)."""

from __future__ import annotations

from typing import Any

from wxmall.wechat.services.base import Service


class UserService(Service):
    def info(self, openid: str, lang: str = "zh_CN") -> dict[str, Any]:
        """A follower's profile (`subscribe` 0 when not following; `unionid` when bound)."""
        return self._client.get(
            "/cgi-bin/user/info", api="user.info", params={"openid": openid, "lang": lang}
        )

    def list(self, next_openid: str = "") -> dict[str, Any]:
        """One page (≤ 10000) of follower openids: `{"total", "count", "data": {"openid": [...]}, "next_openid"}`."""
        params = {"next_openid": next_openid} if next_openid else {}
        return self._client.get("/cgi-bin/user/get", api="user.get", params=params)
