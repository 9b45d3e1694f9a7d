"""Web OAuth inside WeChat's browser (reference §5.1): the authorize URL with a session-bound, single-use
`state`, and the code exchange through `wechat.services.sns`. Pages and redirects are in `views`."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest

from wxmall.core.errors import DomainError
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import PermanentError, WeChatError
from wxmall.wechat.services import sns

from . import actions
from .errors import AccountError
from .models import User, WeChatIdentity

SESSION_KEY = "wechat_oauth_states"
STATE_TTL_SECONDS = 600
MAX_PENDING_STATES = 5  # a few tabs at once; older ones drop out
BASE, USERINFO = "snsapi_base", "snsapi_userinfo"


def oa_client():
    try:
        return client("oa")
    except NotConfigured:
        raise DomainError(AccountError.WECHAT_NOT_CONFIGURED) from None


def authorize_base() -> str:
    """WECHAT_OAUTH_AUTHORIZE_BASE (open.weixin.qq.com for real WeChat); unset, the API base (wxsandbox
    serves both)."""
    return (settings.WECHAT_OAUTH_AUTHORIZE_BASE or settings.WECHAT_API_BASE).rstrip("/")


def authorize_url(request: HttpRequest, redirect_uri: str, scope: str, next_url: str) -> str:
    """Remember a fresh state for this session and return WeChat's authorize URL (parameter order as
    WeChat expects; redirect_uri encoded once; the mandatory #wechat_redirect fragment)."""
    appid = oa_client().appid
    state = secrets.token_hex(16)  # [a-zA-Z0-9], well under 128 bytes
    pending = {
        k: v
        for k, v in request.session.get(SESSION_KEY, {}).items()
        if v.get("at", 0) > time.time() - STATE_TTL_SECONDS
    }
    pending[state] = {"scope": scope, "next": next_url, "at": time.time()}
    request.session[SESSION_KEY] = dict(
        sorted(pending.items(), key=lambda kv: kv[1]["at"])[-MAX_PENDING_STATES:]
    )
    query = urlencode(
        {
            "appid": appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
        },
        quote_via=quote,
        safe="",
    )
    return f"{authorize_base()}/connect/oauth2/authorize?{query}#wechat_redirect"


def take_state(request: HttpRequest, state: str) -> dict | None:
    """The pending login `state` named, removed so it cannot be used twice; None if unknown or stale."""
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(state, None) if isinstance(state, str) and len(state) <= 128 else None
    request.session[SESSION_KEY] = pending
    if entry is None or entry.get("at", 0) <= time.time() - STATE_TTL_SECONDS:
        return None
    return entry


@dataclass(frozen=True)
class Outcome:
    user: User | None  # None: a snapshot-page virtual account, browsing as a guest
    scope: str


def refusal_for(exc: WeChatError) -> AccountError:
    """The customer-facing refusal for a failed WeChat call: code problems say so, the rest is WeChat's."""
    if not isinstance(exc, PermanentError):
        return AccountError.WECHAT_UNAVAILABLE
    return {
        sns.CODE_USED: AccountError.OAUTH_CODE_USED,
        sns.CODE_EXPIRED: AccountError.OAUTH_CODE_EXPIRED,
        sns.INVALID_CODE: AccountError.OAUTH_CODE_INVALID,
    }.get(exc.errcode, AccountError.WECHAT_REFUSED)


def complete(code: str, scope: str) -> Outcome:
    """Exchange the code and log the WeChat user in. Everything WeChat is asked happens before anything
    is written, so a refusal or an outage leaves no half-made customer."""
    oa = oa_client()
    if not isinstance(code, str) or not code or len(code) > 128:
        raise DomainError(AccountError.OAUTH_CODE_INVALID)
    try:
        token = oa.sns.oauth_token(code)
        if token.is_snapshotuser:
            return Outcome(None, token.scope)
        info = oa.sns.userinfo(token) if token.scope == USERINFO else None
    except WeChatError as exc:
        raise DomainError(refusal_for(exc)) from None
    appid = oa.appid
    user = actions.login_wechat(
        appid=appid,
        openid=token.openid,
        kind=WeChatIdentity.Kind.OA,
        unionid=(info.unionid if info else None) or token.unionid,
        nickname=info.nickname if info else "",
        avatar_url=info.headimgurl if info else "",
    )
    return Outcome(user, token.scope)
