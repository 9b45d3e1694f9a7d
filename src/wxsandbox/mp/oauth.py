"""Web authorisation and Mini Program login (reference §5.1, §5.2, §5.4).

Web OAuth, as the phone's in-page browser sees it:

* ``GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state`` — the browsing user
  is the simulated user named by ``sandbox_user`` (query) or the ``wxsandbox_user`` cookie; without one a
  chooser page lists the users. ``snsapi_base`` redirects at once with a code; ``snsapi_userinfo`` shows a
  Chinese consent page (允许/拒绝) unless the user already consented to this account (then silent, unless
  ``forcePopup=true``). Refusal redirects without a code (``oauth_refusal = "stay"`` keeps the page).
  Errors are WeChat's error pages with its 100xx codes.
* ``/sns/oauth2/access_token`` (40029 invalid, 40163 used, 42003 expired code), ``/sns/oauth2/refresh_token``
  (30 days; extends a live token or issues a new one), ``/sns/userinfo`` (snsapi_userinfo only), ``/sns/auth``.
* ``unionid`` only with ``snsapi_userinfo`` and when the account is bound to an open platform.
* Snapshot pages (unconfirmed trigger): with ``oauth_snapshot_unconsented`` an snsapi_userinfo request from a
  user who has not consented yet redirects at once with a code for a virtual account: the token answer
  carries ``is_snapshotuser: 1`` and an openid of its own, no unionid; ``/sns/userinfo`` answers 48001.
* A used code, web or ``js_code``, answers ``code_used_errcode`` (40163 ``code been used``).

Mini Program: ``POST /sandbox/mp/login`` plays ``wx.login()`` and returns a js_code;
``GET /sns/jscode2session`` exchanges it for openid, a fresh session_key and (when bound) unionid.
"""

from __future__ import annotations

import base64
import html
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT
from wxsandbox.mp import codes
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import (
    ControlError,
    app_or_error,
    control_endpoint,
    ok,
    read_json,
    take_quota,
    wx_endpoint,
)

SCHEMA = (
    codes.SCHEMA
    + """
CREATE TABLE IF NOT EXISTS mp_sns_tokens (
    access_token        TEXT PRIMARY KEY,
    refresh_token       TEXT NOT NULL,
    appid               TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    openid              TEXT NOT NULL,
    scope               TEXT NOT NULL,
    created_at          REAL NOT NULL,
    expires_at          REAL NOT NULL,
    refresh_expires_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS mp_sns_tokens_refresh ON mp_sns_tokens (refresh_token, created_at);
CREATE TABLE IF NOT EXISTS mp_snapshot_tokens (
    access_token  TEXT PRIMARY KEY    -- an mp_sns_tokens row that is a snapshot-page virtual account's
);
CREATE TABLE IF NOT EXISTS mp_oauth_consents (
    appid       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    granted_at  REAL NOT NULL,
    PRIMARY KEY (appid, user_id)
);
CREATE TABLE IF NOT EXISTS mp_sessions (
    appid        TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    session_key  TEXT NOT NULL,
    created_at   REAL NOT NULL,
    PRIMARY KEY (appid, user_id)
);
"""
)

SCOPES = ("snsapi_base", "snsapi_userinfo")
USER_PARAM, USER_COOKIE = "sandbox_user", "wxsandbox_user"

PAGE_ERRORS = {
    10003: "redirect_uri 域名与后台配置不一致",
    10005: "此公众号并没有这些 scope 的权限",
    10010: "scope 不能为空",
    10011: "redirect_uri 不能为空",
    10012: "appid 不能为空",
    10013: "state 参数错误",
    10016: "不支持微信开放平台的 Appid，请使用公众号 Appid",
    40013: "不合法的 AppID",
}

_STYLE = """
body{margin:0;font-family:-apple-system,"PingFang SC","WenQuanYi Micro Hei",sans-serif;background:#ededed;color:#111}
main{max-width:420px;margin:0 auto;padding:48px 24px;text-align:center}
.avatar{width:64px;height:64px;border-radius:8px;background:#07c160;color:#fff;font-size:32px;line-height:64px;
margin:0 auto 16px}
h1{font-size:20px;font-weight:500}p{color:#555;font-size:15px;line-height:1.6}
.who{background:#fff;border-radius:8px;padding:12px;margin:24px 0;text-align:left}
button,a.btn{display:block;width:100%;box-sizing:border-box;padding:12px;margin:12px 0;border-radius:8px;border:0;
font-size:17px;text-decoration:none}
.allow{background:#07c160;color:#fff}.deny{background:#fff;color:#07c160}
.err{color:#fa5151;font-size:17px}code{color:#888}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title><style>{_STYLE}</style>'
        f"</head><body><main>{body}</main></body></html>",
        status_code=status,
    )


def _error_page(errcode: int) -> HTMLResponse:
    message = PAGE_ERRORS.get(errcode, "请求参数错误")
    return _page(
        "微信授权出错",
        f'<h1 class="err">{html.escape(message)}</h1>'
        f'<p><code data-errcode="{errcode}">错误码：{errcode}</code></p>',
    )


def _with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _check_authorize(sandbox: Any, q: Any) -> tuple[Any, str, str, str]:
    appid, redirect_uri, scope, state = (
        q.get("appid", ""),
        q.get("redirect_uri", ""),
        q.get("scope", ""),
        q.get("state", ""),
    )
    if not appid:
        raise WxError(10012)
    app = sandbox.config.app(appid)
    if app is None:
        raise WxError(40013)
    if app.kind != OFFICIAL_ACCOUNT:
        raise WxError(10016)
    if not redirect_uri:
        raise WxError(10011)
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WxError(10003)
    allowed = mp_settings.load(sandbox).oauth_domains.get(appid)
    if allowed and parts.hostname not in allowed and parts.netloc not in allowed:
        raise WxError(10003)
    if not scope:
        raise WxError(10010)
    if scope not in SCOPES or q.get("response_type") != "code":
        raise WxError(10005)
    if len(state.encode()) > 128:
        raise WxError(10013)
    return app, redirect_uri, scope, state


def _browsing_user(sandbox: Any, request: Request) -> dict[str, Any] | None:
    user_id = request.query_params.get(USER_PARAM) or request.cookies.get(USER_COOKIE)
    return sandbox.users.get(user_id) if user_id else None


def _redirect_with_code(
    sandbox: Any,
    app: Any,
    user_id: str,
    scope: str,
    redirect_uri: str,
    state: str,
    remember_user: str | None = None,
    snapshot: bool = False,
) -> Response:
    ttl = mp_settings.load(sandbox).oauth_code_ttl_seconds
    data = {"snapshot": True} if snapshot else None
    code = codes.issue(sandbox, "oauth", app.appid, user_id, ttl, scope=scope, data=data)
    response = RedirectResponse(_with_params(redirect_uri, {"code": code, "state": state}), status_code=302)
    if remember_user:
        response.set_cookie(USER_COOKIE, remember_user, samesite="lax")
    return response


def _chooser(sandbox: Any, request: Request) -> HTMLResponse:
    links = "".join(
        f'<a class="btn deny" href="{html.escape(_with_params(str(request.url), {USER_PARAM: u["id"]}))}">'
        f"{html.escape(u['nickname'])}</a>"
        for u in sandbox.users.list()
    )
    return _page(
        "选择模拟用户",
        "<h1>选择以哪位模拟用户的身份打开</h1>"
        f"<p>沙箱无法得知当前是谁在浏览：请选择一位用户（或在链接上加 {USER_PARAM}=用户ID）。</p>{links}",
    )


async def authorize(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    try:
        app, redirect_uri, scope, state = _check_authorize(sandbox, request.query_params)
    except WxError as exc:
        return _error_page(exc.errcode)
    user = _browsing_user(sandbox, request)
    if user is None:
        return _chooser(sandbox, request)
    remember = request.query_params.get(USER_PARAM)
    settings = mp_settings.load(sandbox)
    consented = sandbox.state.scalar(
        "SELECT 1 FROM mp_oauth_consents WHERE appid = ? AND user_id = ?", (app.appid, user["id"])
    )
    force = request.query_params.get("forcePopup") == "true"
    if scope == "snsapi_base" or (consented and settings.oauth_remember_consent and not force):
        return _redirect_with_code(sandbox, app, user["id"], scope, redirect_uri, state, remember)
    if not consented and settings.oauth_snapshot_unconsented:
        return _redirect_with_code(
            sandbox, app, user["id"], scope, redirect_uri, state, remember, snapshot=True
        )
    ticket = codes.issue(
        sandbox,
        "consent",
        app.appid,
        user["id"],
        600,
        scope=scope,
        data={"redirect_uri": redirect_uri, "state": state},
    )
    initial = html.escape(user["nickname"][:1] or "微")
    response = _page(
        "微信授权",
        f"""
<div class="avatar">{html.escape((app.name or "公众号")[:1])}</div>
<h1>{html.escape(app.name or app.appid)}</h1>
<p>申请获取以下权限：</p>
<div class="who"><p>获得你的公开信息（昵称、头像等）</p>
<p><span class="avatar" style="display:inline-block;width:32px;height:32px;line-height:32px;font-size:16px;
margin:0 8px 0 0;vertical-align:middle">{initial}</span>{html.escape(user["nickname"])}</p></div>
<form method="post" action="/connect/oauth2/authorize/confirm">
<input type="hidden" name="ticket" value="{ticket}">
<button class="allow" name="decision" value="allow">允许</button>
<button class="deny" name="decision" value="deny">拒绝</button>
</form>""",
    )
    if remember:
        response.set_cookie(USER_COOKIE, remember, samesite="lax")
    return response


async def confirm(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    form = await request.form()
    ticket, decision = str(form.get("ticket", "")), str(form.get("decision", ""))
    row = sandbox.state.one("SELECT appid FROM mp_codes WHERE code = ? AND kind = 'consent'", (ticket,))
    if row is None or decision not in ("allow", "deny"):
        return _page("授权失败", '<h1 class="err">授权请求无效</h1>', status=400)
    try:
        grant = codes.consume(sandbox, "consent", ticket, row["appid"])
    except WxError:
        return _page("授权失败", '<h1 class="err">授权请求已失效，请重新打开页面</h1>', status=400)
    app = sandbox.config.app(grant["appid"])
    redirect_uri, state = grant["data"]["redirect_uri"], grant["data"]["state"]
    if decision == "deny":
        if mp_settings.load(sandbox).oauth_refusal == "stay":
            return _page("已拒绝", "<h1>你已拒绝授权</h1>")
        return RedirectResponse(_with_params(redirect_uri, {"state": state}), status_code=302)
    sandbox.state.execute(
        "INSERT INTO mp_oauth_consents (appid, user_id, granted_at) VALUES (?, ?, ?)"
        " ON CONFLICT (appid, user_id) DO UPDATE SET granted_at = excluded.granted_at",
        (app.appid, grant["user_id"], sandbox.clock.now()),
    )
    return _redirect_with_code(sandbox, app, grant["user_id"], grant["scope"], redirect_uri, state)


# -- /sns/* -----------------------------------------------------------------------------------------------------


def _app_with_secret(sandbox: Any, appid: str | None, secret: str | None):
    if not appid:
        raise WxError(41002)
    if not secret:
        raise WxError(41004)
    app = app_or_error(sandbox, appid)
    if not secrets.compare_digest(app.secret.encode(), secret.encode()):
        raise WxError(mp_settings.load(sandbox).bad_secret_errcode)
    return app


def _is_snapshot(sandbox: Any, access_token: str) -> bool:
    return bool(
        sandbox.state.scalar("SELECT 1 FROM mp_snapshot_tokens WHERE access_token = ?", (access_token,))
    )


def _token_answer(sandbox: Any, row: dict[str, Any], snapshot: bool = False) -> dict[str, Any]:
    if snapshot:  # a virtual account: its own openid, never a unionid
        return {
            "access_token": row["access_token"],
            "expires_in": round(row["expires_at"] - sandbox.clock.now()),
            "refresh_token": row["refresh_token"],
            "openid": row["openid"],
            "scope": row["scope"],
            "is_snapshotuser": 1,
        }
    answer = {
        "access_token": row["access_token"],
        "expires_in": round(row["expires_at"] - sandbox.clock.now()),
        "refresh_token": row["refresh_token"],
        "openid": row["openid"],
        "scope": row["scope"],
    }
    unionid = sandbox.users.unionid(row["user_id"], row["appid"])
    if row["scope"] == "snsapi_userinfo" and unionid:
        answer["unionid"] = unionid
    return answer


@wx_endpoint
async def sns_access_token(request: Request, sandbox: Any) -> dict:
    q = request.query_params
    app = _app_with_secret(sandbox, q.get("appid"), q.get("secret"))
    if not q.get("code"):
        raise WxError(41008)
    if q.get("grant_type") != "authorization_code":
        raise WxError(40002)
    settings = mp_settings.load(sandbox)
    grant = codes.consume(
        sandbox, "oauth", q.get("code"), app.appid, used=settings.code_used_errcode, expired=42003
    )
    snapshot = bool(grant["data"].get("snapshot"))
    openid = sandbox.users.openid(grant["user_id"], app.appid)
    if snapshot:
        openid = sandbox.users.virtual_openid(grant["user_id"], app.appid)
    now = sandbox.clock.now()
    row = {
        "access_token": secrets.token_urlsafe(96),
        "refresh_token": secrets.token_urlsafe(96),
        "appid": app.appid,
        "user_id": grant["user_id"],
        "openid": openid,
        "scope": grant["scope"],
        "created_at": now,
        "expires_at": now + settings.sns_token_ttl_seconds,
        "refresh_expires_at": now + settings.refresh_token_ttl_seconds,
    }
    sandbox.state.execute(
        "INSERT INTO mp_sns_tokens (access_token, refresh_token, appid, user_id, openid, scope, created_at,"
        " expires_at, refresh_expires_at) VALUES (:access_token, :refresh_token, :appid, :user_id, :openid,"
        " :scope, :created_at, :expires_at, :refresh_expires_at)",
        row,
    )
    if snapshot:
        sandbox.state.execute(
            "INSERT INTO mp_snapshot_tokens (access_token) VALUES (?)", (row["access_token"],)
        )
    return _token_answer(sandbox, row, snapshot)


@wx_endpoint
async def sns_refresh_token(request: Request, sandbox: Any) -> dict:
    q = request.query_params
    app = app_or_error(sandbox, q.get("appid"))
    if q.get("grant_type") != "refresh_token":
        raise WxError(40002)
    refresh = q.get("refresh_token")
    if not refresh:
        raise WxError(40030)
    settings = mp_settings.load(sandbox)
    with sandbox.state.transaction():
        row = sandbox.state.one(
            "SELECT * FROM mp_sns_tokens WHERE refresh_token = ? ORDER BY created_at DESC LIMIT 1", (refresh,)
        )
        if row is None or row["appid"] != app.appid:
            raise WxError(40030)
        row = dict(row)
        snapshot = _is_snapshot(sandbox, row["access_token"])
        now = sandbox.clock.now()
        if row["refresh_expires_at"] <= now:
            raise WxError(42002)
        if row["expires_at"] > now:  # still valid: extend it
            row["expires_at"] = now + settings.sns_token_ttl_seconds
            sandbox.state.execute(
                "UPDATE mp_sns_tokens SET expires_at = ? WHERE access_token = ?",
                (row["expires_at"], row["access_token"]),
            )
        else:  # expired: a new access token under the same refresh token
            row |= {
                "access_token": secrets.token_urlsafe(96),
                "created_at": now,
                "expires_at": now + settings.sns_token_ttl_seconds,
            }
            sandbox.state.execute(
                "INSERT INTO mp_sns_tokens (access_token, refresh_token, appid, user_id, openid, scope, created_at,"
                " expires_at, refresh_expires_at) VALUES (:access_token, :refresh_token, :appid, :user_id, :openid,"
                " :scope, :created_at, :expires_at, :refresh_expires_at)",
                row,
            )
            if snapshot:
                sandbox.state.execute(
                    "INSERT INTO mp_snapshot_tokens (access_token) VALUES (?)", (row["access_token"],)
                )
    return _token_answer(sandbox, row, snapshot)


def _sns_caller(sandbox: Any, q: Any) -> dict[str, Any]:
    token = q.get("access_token")
    if not token:
        raise WxError(41001)
    row = sandbox.state.one("SELECT * FROM mp_sns_tokens WHERE access_token = ?", (token,))
    if row is None:
        raise WxError(40001)
    if row["expires_at"] <= sandbox.clock.now():
        raise WxError(42001)
    if not q.get("openid"):
        raise WxError(41009)
    if q.get("openid") != row["openid"]:
        raise WxError(40003)
    return dict(row)


@wx_endpoint
async def sns_userinfo(request: Request, sandbox: Any) -> dict:
    row = _sns_caller(sandbox, request.query_params)
    if row["scope"] != "snsapi_userinfo" or _is_snapshot(sandbox, row["access_token"]):
        raise WxError(48001)
    user = sandbox.users.require(row["user_id"])
    blank = mp_settings.load(sandbox).userinfo_blank_profile
    info = {
        "openid": row["openid"],
        "nickname": user["nickname"],
        "sex": 0 if blank else user["sex"],
        "province": "" if blank else user["province"],
        "city": "" if blank else user["city"],
        "country": "" if blank else user["country"],
        "headimgurl": user["avatar_url"] or str(request.base_url) + f"sandbox/mp/avatar/{user['id']}.svg",
        "privilege": [],
    }
    unionid = sandbox.users.unionid(row["user_id"], row["appid"])
    if unionid:
        info["unionid"] = unionid
    return info


@wx_endpoint
async def sns_auth(request: Request, sandbox: Any) -> Any:
    _sns_caller(sandbox, request.query_params)
    return ok()


# -- Mini Program login ----------------------------------------------------------------------------------------


@wx_endpoint
async def jscode2session(request: Request, sandbox: Any) -> dict:
    q = request.query_params
    app = _app_with_secret(sandbox, q.get("appid"), q.get("secret"))
    if not q.get("js_code"):
        raise WxError(41008)
    if q.get("grant_type", "authorization_code") != "authorization_code":
        raise WxError(40002)
    if app.kind != MINI_PROGRAM:
        raise WxError(40013)
    settings = mp_settings.load(sandbox)
    with sandbox.state.transaction():  # over the minute quota: the code stays unused
        grant = codes.consume(sandbox, "jscode", q.get("js_code"), app.appid, used=settings.code_used_errcode)
        take_quota(
            sandbox,
            app.appid,
            f"jscode2session:{grant['user_id']}",
            settings.jscode_per_user_per_minute,
            per="minute",
            errcode=45011,
        )
    session_key = base64.b64encode(secrets.token_bytes(16)).decode()
    sandbox.state.execute(
        "INSERT INTO mp_sessions (appid, user_id, session_key, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (appid, user_id) DO UPDATE SET session_key = excluded.session_key,"
        " created_at = excluded.created_at",
        (app.appid, grant["user_id"], session_key, sandbox.clock.now()),
    )
    answer = {"openid": sandbox.users.openid(grant["user_id"], app.appid), "session_key": session_key}
    unionid = sandbox.users.unionid(grant["user_id"], app.appid)
    if unionid:
        answer["unionid"] = unionid
    return answer


def mini_program(sandbox: Any, appid: str | None):
    """The named Mini Program, or the first configured one; ControlError otherwise."""
    if appid:
        app = sandbox.config.app(appid)
        if app is None or app.kind != MINI_PROGRAM:
            raise ControlError("unknown_app", f"{appid} 不是已配置的小程序", 404)
        return app
    apps = sandbox.config.apps_of_kind(MINI_PROGRAM)
    if not apps:
        raise ControlError("unknown_app", "沙箱未配置小程序", 404)
    return apps[0]


def user_or_error(sandbox: Any, user_id: Any) -> dict[str, Any]:
    user = sandbox.users.get(user_id) if isinstance(user_id, str) and user_id else None
    if user is None:
        raise ControlError("unknown_user", f"模拟用户 {user_id!r} 不存在", 404)
    return user


@control_endpoint
async def control_login(request: Request, sandbox: Any) -> dict:
    """``POST /sandbox/mp/login {"user", "appid"?}`` — the user's ``wx.login()``: a js_code valid 5 minutes."""
    data = await read_json(request)
    app = mini_program(sandbox, data.get("appid"))
    user = user_or_error(sandbox, data.get("user"))
    code = codes.issue(sandbox, "jscode", app.appid, user["id"], 300)
    return {"code": code, "appid": app.appid, "expires_in": 300}


routes = [
    Route("/connect/oauth2/authorize", authorize, methods=["GET"], name="mp.oauth.authorize"),
    Route("/connect/oauth2/authorize/confirm", confirm, methods=["POST"], name="mp.oauth.confirm"),
    Route("/sns/oauth2/access_token", sns_access_token, methods=["GET", "POST"], name="mp.sns.access_token"),
    Route(
        "/sns/oauth2/refresh_token", sns_refresh_token, methods=["GET", "POST"], name="mp.sns.refresh_token"
    ),
    Route("/sns/userinfo", sns_userinfo, methods=["GET"], name="mp.sns.userinfo"),
    Route("/sns/auth", sns_auth, methods=["GET"], name="mp.sns.auth"),
    Route("/sns/jscode2session", jscode2session, methods=["GET"], name="mp.sns.jscode2session"),
]
control_routes = [
    Route("/sandbox/mp/login", control_login, methods=["POST"], name="sandbox.mp.login"),
]
