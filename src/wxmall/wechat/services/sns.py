"""`/sns/*`: web OAuth code exchange and user info, the Mini Program's `jscode2session` (reference §5.1,
§5.2). The code exchanges authenticate with the app's secret (`token=False`); `/sns/userinfo` with the
user-level token the exchange returned, never the app's access_token. WeChat's errcodes arrive as the
client's exceptions (40029 invalid / 40163 used / 42003 expired code are `PermanentError`s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wxmall.wechat.errors import TransportError
from wxmall.wechat.services.base import Service

INVALID_CODE, CODE_USED, CODE_EXPIRED = 40029, 40163, 42003


@dataclass(frozen=True)
class OAuthToken:
    openid: str
    scope: str
    access_token: str
    unionid: str | None
    is_snapshotuser: bool

    def __repr__(self) -> str:  # the user token never lands in a log
        return f"OAuthToken(openid={self.openid!r}, scope={self.scope!r}, snapshot={self.is_snapshotuser})"


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


class SnsService(Service):
    def oauth_token(self, code: str) -> OAuthToken:
        app = self._client.app
        body = self._client.get(
            "/sns/oauth2/access_token",
            api="sns.oauth2_access_token",
            token=False,
            params={
                "appid": app.appid,
                "secret": app.secret,
                "code": code,
                "grant_type": "authorization_code",
            },
        )
        return OAuthToken(
            openid=_text(body, "openid"),
            scope=str(body.get("scope", "")),
            access_token=_text(body, "access_token"),
            unionid=_optional(body, "unionid"),
            is_snapshotuser=body.get("is_snapshotuser") == 1,
        )

    def userinfo(self, token: OAuthToken) -> UserInfo:
        body = self._client.get(
            "/sns/userinfo",
            api="sns.userinfo",
            token=False,
            params={"access_token": token.access_token, "openid": token.openid, "lang": "zh_CN"},
        )
        return UserInfo(
            openid=_text(body, "openid"),
            nickname=str(body.get("nickname", ""))[:64],
            headimgurl=str(body.get("headimgurl", ""))[:512],
            unionid=_optional(body, "unionid"),
        )

    def jscode2session(self, js_code: str) -> MiniProgramSession:
        app = self._client.app
        body = self._client.get(
            "/sns/jscode2session",
            api="sns.jscode2session",
            token=False,
            params={
                "appid": app.appid,
                "secret": app.secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
            },
        )
        return MiniProgramSession(
            openid=_text(body, "openid"),
            session_key=_text(body, "session_key"),
            unionid=_optional(body, "unionid"),
        )


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value or len(value) > 512:
        raise TransportError(f"微信应答缺少 {key}", api="sns")
    return value


def _optional(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and 0 < len(value) <= 128 else None
