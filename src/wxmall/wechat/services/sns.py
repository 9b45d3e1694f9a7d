"""`/sns/*`: web OAuth code exchange and user info, and the Mini Program's `jscode2session` (reference §5.1,
§5.2). These calls authenticate with the app's secret, not an access_token, so they need no token service.

Errors: an errcode answer raises `SnsError` (with `errcode`); a network failure or a non-JSON answer raises
`SnsUnavailable`. Callers turn them into their own refusals; nothing here writes anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

# The codes a caller distinguishes (§5.1, §5.2).
INVALID_CODE, CODE_USED, CODE_EXPIRED = 40029, 40163, 42003


class SnsError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")


class SnsUnavailable(Exception):
    """WeChat did not answer, or answered something that is not a WeChat JSON body."""


@dataclass(frozen=True)
class OAuthToken:
    openid: str
    scope: str
    access_token: str
    unionid: str | None
    is_snapshotuser: bool


@dataclass(frozen=True)
class UserInfo:
    openid: str
    nickname: str
    headimgurl: str
    unionid: str | None


@dataclass(frozen=True)
class MiniProgramSession:
    openid: str
    session_key: str
    unionid: str | None

    def __repr__(self) -> str:  # the session_key never lands in a log or a traceback
        return f"MiniProgramSession(openid={self.openid!r}, unionid={self.unionid!r})"


class SnsService:
    """One app's `/sns/*` calls. `http` is an httpx.Client whose base URL is WECHAT_API_BASE."""

    def __init__(self, http: httpx.Client, appid: str, secret: str) -> None:
        self._http = http
        self.appid = appid
        self._secret = secret

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.get(path, params=params)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SnsUnavailable(type(exc).__name__) from exc
        if not isinstance(body, dict):
            raise SnsUnavailable("not a JSON object")
        errcode = body.get("errcode") or 0
        if errcode:
            raise SnsError(int(errcode), str(body.get("errmsg", "")))
        if response.status_code >= 300:
            raise SnsUnavailable(f"HTTP {response.status_code}")
        return body

    def oauth_token(self, code: str) -> OAuthToken:
        body = self._get(
            "/sns/oauth2/access_token",
            {"appid": self.appid, "secret": self._secret, "code": code, "grant_type": "authorization_code"},
        )
        return OAuthToken(
            openid=_text(body, "openid"),
            scope=str(body.get("scope", "")),
            access_token=_text(body, "access_token"),
            unionid=body.get("unionid") or None,
            is_snapshotuser=body.get("is_snapshotuser") == 1,
        )

    def userinfo(self, token: OAuthToken) -> UserInfo:
        body = self._get(
            "/sns/userinfo", {"access_token": token.access_token, "openid": token.openid, "lang": "zh_CN"}
        )
        return UserInfo(
            openid=_text(body, "openid"),
            nickname=str(body.get("nickname", ""))[:64],
            headimgurl=str(body.get("headimgurl", ""))[:512],
            unionid=body.get("unionid") or None,
        )

    def jscode2session(self, js_code: str) -> MiniProgramSession:
        body = self._get(
            "/sns/jscode2session",
            {
                "appid": self.appid,
                "secret": self._secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
            },
        )
        return MiniProgramSession(
            openid=_text(body, "openid"),
            session_key=_text(body, "session_key"),
            unionid=body.get("unionid") or None,
        )


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value or len(value) > 512:
        raise SnsUnavailable(f"answer without {key}")
    return value
