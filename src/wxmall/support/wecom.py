"""A small client for WeCom's 微信客服 API (qyapi.weixin.qq.com/cgi-bin/kf/…, reference kf §1).

The corp token comes from `gettoken` and is cached in Django's cache (shared by every process) until
shortly before it expires; WeCom hands out the same token while it is valid, so a concurrent refetch is
harmless. 40014/42001 drop the cached token and retry once. Errors are `WeComError` with the errcode;
callers branch on the number only (the errmsg wording changes).
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

TIMEOUT = httpx.Timeout(5.0, connect=3.0)
TOKEN_ERRORS = (40014, 42001)


class WeComError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"errcode {errcode}")
        self.errcode, self.errmsg = errcode, errmsg


def configured() -> bool:
    return bool(settings.WECOM_CORP_ID and settings.WECOM_KF_SECRET and settings.WECOM_KF_OPEN_KFID)


def _cache_key() -> str:
    return f"support:wecom:token:{settings.WECOM_CORP_ID}"


def _get(path: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        response = httpx.get(settings.WECOM_API_BASE.rstrip("/") + path, params=params, timeout=TIMEOUT)
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise WeComError(-1, "network") from exc
    if data.get("errcode", 0) != 0:
        raise WeComError(int(data["errcode"]), str(data.get("errmsg", ""))[:200])
    return data


def token(*, refresh: bool = False) -> str:
    if not refresh:
        cached = cache.get(_cache_key())
        if cached:
            return cached
    data = _get(
        "/cgi-bin/gettoken", {"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_KF_SECRET}
    )
    cache.set(_cache_key(), data["access_token"], max(60, int(data.get("expires_in", 7200)) - 300))
    return data["access_token"]


def call(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` to `/cgi-bin/kf/<path>`; the answer's data, or WeComError."""
    for attempt in (0, 1):
        try:
            response = httpx.post(
                f"{settings.WECOM_API_BASE.rstrip('/')}/cgi-bin/kf/{path}",
                params={"access_token": token(refresh=attempt == 1)},
                json=body,
                timeout=TIMEOUT,
            )
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise WeComError(-1, "network") from exc
        errcode = int(data.get("errcode", 0))
        if errcode in TOKEN_ERRORS and attempt == 0:
            cache.delete(_cache_key())
            continue
        if errcode:
            raise WeComError(errcode, str(data.get("errmsg", ""))[:200])
        return data
    raise WeComError(42001)


def contact_link(scene: str = "hub") -> str:
    return call("add_contact_way", {"open_kfid": settings.WECOM_KF_OPEN_KFID, "scene": scene})["url"]


def sync(cursor: str, event_token: str = "", limit: int = 1000) -> dict[str, Any]:
    body: dict[str, Any] = {"open_kfid": settings.WECOM_KF_OPEN_KFID, "limit": limit}
    if cursor:
        body["cursor"] = cursor
    if event_token:
        body["token"] = event_token
    return call("sync_msg", body)


def trans(external_userid: str, state: int, servicer: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "open_kfid": settings.WECOM_KF_OPEN_KFID,
        "external_userid": external_userid,
        "service_state": state,
    }
    if servicer:
        body["servicer_userid"] = servicer
    return call("service_state/trans", body)


def service_state(external_userid: str) -> dict[str, Any]:
    return call(
        "service_state/get", {"open_kfid": settings.WECOM_KF_OPEN_KFID, "external_userid": external_userid}
    )
