"""Mini Program links (reference §4.6): URL Link, URL Scheme and Short Link.

* ``POST /wxa/generate_urllink`` → ``https://wxaurl.cn/<token>`` (host configurable: unconfirmed, B.14)
* ``POST /wxa/generatescheme`` → ``weixin://dl/business/?t=<ticket>``
* ``POST /wxa/genwxashortlink`` → ``#小程序://<name>/<code>`` (format unconfirmed, B.14)
* ``POST /wxa/query_urllink`` / ``POST /wxa/queryscheme`` (wechat-kf-security-shipping.md §6.4): a generated
  link's ``appid, path, query, create_time, expire_time, env_version`` and the account's remaining daily
  opens (``quota_info.remain_visit_quota``: ``link_open_quota`` less today's opens, unconfirmed figure);
  85403 for a link this account never generated. Opening a URL Link or Scheme (``resolve``) counts one visit.

All three are Mini Program APIs (an Official Account token gets 48001). Links expire after at most 30 days
(``expire_type`` 0: absolute ``expire_time``; 1: ``expire_interval`` days); errcodes 85401/85402 for bad
times and 40165 for a bad path follow the reference's (unconfirmed) numbering. ``POST /sandbox/mp/links/
resolve`` turns any generated link (and a Mini Program code's URL, see ``wxacode.py``) back into
``{appid, path, query}`` for the phone UI.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import MINI_PROGRAM
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import QuotaUsage, caller, json_body, ok, take_quota, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_links (
    token       TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,          -- urllink | scheme | shortlink | wxacode
    appid       TEXT NOT NULL,
    path        TEXT NOT NULL,
    query       TEXT NOT NULL DEFAULT '',
    env_version TEXT NOT NULL DEFAULT 'release',
    title       TEXT NOT NULL DEFAULT '',
    expires_at  REAL,                   -- NULL: permanent short link
    created_at  REAL NOT NULL,
    body        TEXT NOT NULL
);
"""

QUERY_CHARS = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]*")
ENV_VERSIONS = ("release", "trial", "develop")
SCHEME_PREFIX = "weixin://dl/business/?t="
SHORT_PREFIX = "#小程序://"
WXACODE_PREFIX = "https://mp.weixin.qq.com/a/~"  # what the sandbox's Mini Program codes encode


def _path_and_query(path: Any, query: Any) -> tuple[str, str]:
    path = path or ""
    query = query or ""
    if not isinstance(path, str) or "?" in path or path.startswith("/") or len(path) > 1024:
        raise WxError(40165)
    if not isinstance(query, str) or len(query) > 1024 or not QUERY_CHARS.fullmatch(query):
        raise WxError(40097, "query")
    return path, query


def _expiry(sandbox: Any, data: dict[str, Any]) -> float:
    settings = mp_settings.load(sandbox)
    now, limit = sandbox.clock.now(), settings.link_max_days * 86400
    expire_type = data.get("expire_type", 0)
    if expire_type == 1:
        interval = data.get("expire_interval")
        if (
            isinstance(interval, bool)
            or not isinstance(interval, int)
            or not 1 <= interval <= settings.link_max_days
        ):
            raise WxError(85401)
        return now + interval * 86400
    if expire_type != 0:
        raise WxError(40097, "expire_type")
    expire_time = data.get("expire_time")
    if expire_time is None:  # is_expire is now always true: an absent time means the longest validity
        return now + limit
    if isinstance(expire_time, bool) or not isinstance(expire_time, int) or expire_time <= now:
        raise WxError(85402)
    if expire_time > now + limit:
        raise WxError(85401)
    return float(expire_time)


def _env(value: Any) -> str:
    env = value or "release"
    if env not in ENV_VERSIONS:
        raise WxError(40097, "env_version")
    return env


def store(
    sandbox: Any,
    kind: str,
    appid: str,
    path: str,
    query: str,
    env: str,
    expires_at: float | None,
    body: dict,
    title: str = "",
) -> str:
    token = secrets.token_urlsafe(9).replace("-", "A").replace("_", "b")
    sandbox.state.execute(
        "INSERT INTO mp_links (token, kind, appid, path, query, env_version, title, expires_at, created_at, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            token,
            kind,
            appid,
            path,
            query,
            env,
            title,
            expires_at,
            sandbox.clock.now(),
            json.dumps(body, ensure_ascii=False),
        ),
    )
    return token


@wx_endpoint
async def generate_urllink(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    path, query = _path_and_query(data.get("path"), data.get("query"))
    env, expires_at = _env(data.get("env_version")), _expiry(sandbox, data)
    take_quota(sandbox, who.appid, "wxa.links", mp_settings.load(sandbox).quota("wxa.links"))
    token = store(sandbox, "urllink", who.appid, path, query, env, expires_at, data)
    return ok({"url_link": mp_settings.load(sandbox).urllink_base + token})


@wx_endpoint
async def generate_scheme(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    jump = data.get("jump_wxa") or {}
    if not isinstance(jump, dict):
        raise WxError(40097, "jump_wxa")
    path, query = _path_and_query(jump.get("path"), jump.get("query"))
    env, expires_at = _env(jump.get("env_version")), _expiry(sandbox, data)
    take_quota(sandbox, who.appid, "wxa.links", mp_settings.load(sandbox).quota("wxa.links"))
    token = store(sandbox, "scheme", who.appid, path, query, env, expires_at, data)
    return ok({"openlink": SCHEME_PREFIX + token})


@wx_endpoint
async def generate_shortlink(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    page_url = data.get("page_url")
    if not isinstance(page_url, str) or not page_url or len(page_url) > 1024:
        raise WxError(40165)
    path, _, query = page_url.partition("?")
    path, query = _path_and_query(path, query)
    title = data.get("page_title") or ""
    if not isinstance(title, str):
        raise WxError(40097, "page_title")
    permanent = data.get("is_permanent", False)
    if not isinstance(permanent, bool):
        raise WxError(40097, "is_permanent")
    settings = mp_settings.load(sandbox)
    take_quota(sandbox, who.appid, "wxa.shortlink", settings.quota("wxa.shortlink"))
    expires_at = None if permanent else sandbox.clock.now() + settings.link_max_days * 86400
    token = store(sandbox, "shortlink", who.appid, path, query, "release", expires_at, data, title=title[:20])
    return ok({"link": f"{SHORT_PREFIX}{who.app.name or who.appid}/{token}"})


OPENS = "wxa.link_open"  # the quota counter of URL Link / Scheme opens


def _query_type(data: dict[str, Any]) -> None:
    query_type = data.get("query_type", 0)
    if query_type not in (0, 1) or isinstance(query_type, bool):
        raise WxError(40097, "query_type")


def _info(sandbox: Any, row: Any) -> dict[str, Any]:
    used = QuotaUsage(sandbox, row["appid"], OPENS).used_today()
    return {
        "appid": row["appid"],
        "path": row["path"],
        "query": row["query"],
        "create_time": int(row["created_at"]),
        "expire_time": int(row["expires_at"]) if row["expires_at"] is not None else 0,
        "env_version": row["env_version"],
    }, {"remain_visit_quota": max(0, mp_settings.load(sandbox).link_open_quota - used)}


def _own_link(sandbox: Any, appid: str, kind: str, token: str) -> Any:
    row = sandbox.state.one(
        "SELECT * FROM mp_links WHERE token = ? AND kind = ? AND appid = ?", (token, kind, appid)
    )
    if row is None:
        raise WxError(85403)
    return row


@wx_endpoint
async def query_urllink(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    _query_type(data)
    url, base = data.get("url_link"), mp_settings.load(sandbox).urllink_base
    if not isinstance(url, str) or not url.startswith(base) or len(url) > 256:
        raise WxError(40097, "url_link")
    info, quota = _info(sandbox, _own_link(sandbox, who.appid, "urllink", url[len(base) :]))
    empty_cloud = {"env": "", "domain": "", "path": "", "query": "", "resource_appid": ""}
    return ok({"url_link_info": info | {"cloud_base": empty_cloud}, "quota_info": quota})


@wx_endpoint
async def query_scheme(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    _query_type(data)
    scheme = data.get("scheme")
    if not isinstance(scheme, str) or not scheme.startswith(SCHEME_PREFIX) or len(scheme) > 256:
        raise WxError(40097, "scheme")
    info, quota = _info(sandbox, _own_link(sandbox, who.appid, "scheme", scheme[len(SCHEME_PREFIX) :]))
    return ok({"scheme_info": info, "quota_info": quota})


def resolve(sandbox: Any, link: str) -> dict[str, Any] | None:
    """The live link behind a URL Link, URL Scheme or Short Link string (None if unknown/expired)."""
    base = mp_settings.load(sandbox).urllink_base
    if link.startswith(base):
        token, kind = link[len(base) :], "urllink"
    elif link.startswith(SCHEME_PREFIX):
        token, kind = link[len(SCHEME_PREFIX) :], "scheme"
    elif link.startswith(SHORT_PREFIX):
        token, kind = link.rsplit("/", 1)[-1], "shortlink"
    elif link.startswith(WXACODE_PREFIX):
        token, kind = link[len(WXACODE_PREFIX) :], "wxacode"
    else:
        return None
    row = sandbox.state.one("SELECT * FROM mp_links WHERE token = ? AND kind = ?", (token, kind))
    if row is None or (row["expires_at"] is not None and row["expires_at"] <= sandbox.clock.now()):
        return None
    if kind in ("urllink", "scheme"):  # an open spends the account's daily visit quota
        QuotaUsage(sandbox, row["appid"], OPENS).add()
    return {
        "kind": row["kind"],
        "appid": row["appid"],
        "path": row["path"],
        "query": row["query"],
        "env_version": row["env_version"],
        "title": row["title"],
        "expires_at": row["expires_at"],
    }


routes = [
    Route("/wxa/generate_urllink", generate_urllink, methods=["POST"], name="mp.wxa.urllink"),
    Route("/wxa/generatescheme", generate_scheme, methods=["POST"], name="mp.wxa.scheme"),
    Route("/wxa/genwxashortlink", generate_shortlink, methods=["POST"], name="mp.wxa.shortlink"),
    Route("/wxa/query_urllink", query_urllink, methods=["POST"], name="mp.wxa.query_urllink"),
    Route("/wxa/queryscheme", query_scheme, methods=["POST"], name="mp.wxa.queryscheme"),
]
