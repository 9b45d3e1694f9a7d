"""Base access tokens: ``GET /cgi-bin/token`` and ``POST /cgi-bin/stable_token`` (reference §3).

* ``/cgi-bin/token`` issues a new token on every call; the previous one stays valid for a 5-minute grace
  period, then answers 40001 — the multi-server problem WeChat documents.
* ``/cgi-bin/stable_token`` returns the same token while it has more than 5 minutes left, then rotates
  (old and new both valid until the old one expires). ``force_refresh`` revokes the previous token at once,
  at most 20 times a day and not within 30 s of the previous forced refresh (then it does not refresh).
* Tokens of the two endpoints are isolated: a refresh of one never touches the other.

Every API taking ``access_token`` validates it through ``http.caller`` against the table here.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import QUOTA_SCHEMA, caller, json_body, ok, take_quota, wx_endpoint

SCHEMA = (
    QUOTA_SCHEMA
    + """
CREATE TABLE IF NOT EXISTS mp_access_tokens (
    token       TEXT PRIMARY KEY,
    appid       TEXT NOT NULL,
    source      TEXT NOT NULL,          -- token | stable (the two never affect each other)
    issued_at   REAL NOT NULL,          -- sandbox time
    expires_at  REAL NOT NULL,
    valid_until REAL,                   -- set when superseded (end of grace) or revoked (revocation time)
    forced      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS mp_access_tokens_app ON mp_access_tokens (appid, source, issued_at);
CREATE TABLE IF NOT EXISTS mp_quota_clears (
    appid   TEXT NOT NULL,
    month   TEXT NOT NULL,
    used    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (appid, month)
);
"""
)


def new_token() -> str:
    """A token shaped like WeChat's (``86_…``, well over 100 characters; store ≥512)."""
    return f"{secrets.randbelow(90) + 10}_{secrets.token_urlsafe(120)}"


def _check_whitelist(request: Request, app: Any, settings: mp_settings.MpSettings) -> None:
    """Official Accounts fetch tokens only from whitelisted IPs (Mini Programs are exempt), §3.1."""
    allowed = settings.ip_whitelist.get(app.appid)
    client_ip = request.client.host if request.client else ""
    if app.kind == OFFICIAL_ACCOUNT and allowed and client_ip not in allowed:
        raise WxError(40164, f"{client_ip}, not in whitelist")


def _credentials(sandbox: Any, appid: Any, secret: Any, grant_type: Any):
    settings = mp_settings.load(sandbox)
    if not appid:
        raise WxError(41002)
    if not secret:
        raise WxError(41004)
    if grant_type != "client_credential":
        raise WxError(40002)
    if not isinstance(appid, str) or not isinstance(secret, str):
        raise WxError(47001)
    app = sandbox.config.app(appid)
    if app is None:
        raise WxError(40013)
    if not secrets.compare_digest(app.secret.encode(), secret.encode()):
        raise WxError(settings.bad_secret_errcode)
    return app, settings


def _issue(sandbox: Any, appid: str, source: str, ttl: int, forced: bool = False) -> tuple[str, float]:
    token, now = new_token(), sandbox.clock.now()
    sandbox.state.execute(
        "INSERT INTO mp_access_tokens (token, appid, source, issued_at, expires_at, forced) VALUES (?, ?, ?, ?, ?, ?)",
        (token, appid, source, now, now + ttl, int(forced)),
    )
    return token, now + ttl


@wx_endpoint
async def token(request: Request, sandbox: Any) -> dict:
    q = request.query_params
    app, settings = _credentials(sandbox, q.get("appid"), q.get("secret"), q.get("grant_type"))
    _check_whitelist(request, app, settings)
    take_quota(sandbox, app.appid, "token", settings.quota("token"))
    with sandbox.state.transaction():
        now = sandbox.clock.now()
        sandbox.state.execute(
            "UPDATE mp_access_tokens SET valid_until = MIN(expires_at, ?)"
            " WHERE appid = ? AND source = 'token' AND valid_until IS NULL",
            (now + settings.token_grace_seconds, app.appid),
        )
        access_token, _ = _issue(sandbox, app.appid, "token", settings.token_ttl_seconds)
    return {"access_token": access_token, "expires_in": settings.token_ttl_seconds}


@wx_endpoint
async def stable_token(request: Request, sandbox: Any) -> dict:
    data = await json_body(request)
    app, settings = _credentials(sandbox, data.get("appid"), data.get("secret"), data.get("grant_type"))
    _check_whitelist(request, app, settings)
    force = data.get("force_refresh", False)
    if not isinstance(force, bool):
        raise WxError(47001)
    with sandbox.state.transaction():  # one transaction: a refused call consumes neither counter
        take_quota(
            sandbox, app.appid, "stable_token", settings.stable_token_per_minute, per="minute", errcode=45011
        )
        take_quota(sandbox, app.appid, "stable_token", settings.quota("stable_token"))
    with sandbox.state.transaction():
        now = sandbox.clock.now()
        current = sandbox.state.one(
            "SELECT token, expires_at FROM mp_access_tokens WHERE appid = ? AND source = 'stable'"
            " AND valid_until IS NULL AND expires_at > ? ORDER BY issued_at DESC LIMIT 1",
            (app.appid, now),
        )
        if force:
            last_forced = sandbox.state.scalar(
                "SELECT MAX(issued_at) FROM mp_access_tokens WHERE appid = ? AND source = 'stable' AND forced = 1",
                (app.appid,),
            )
            too_soon = (
                last_forced is not None and now - last_forced < settings.stable_force_refresh_min_interval
            )
            if not (too_soon and current is not None):
                take_quota(sandbox, app.appid, "stable_token.force", settings.stable_force_refresh_per_day)
                sandbox.state.execute(
                    "UPDATE mp_access_tokens SET valid_until = ? WHERE appid = ? AND source = 'stable'"
                    " AND (valid_until IS NULL OR valid_until > ?)",
                    (now, app.appid, now),
                )
                access_token, expires_at = _issue(
                    sandbox, app.appid, "stable", settings.token_ttl_seconds, True
                )
                return {"access_token": access_token, "expires_in": int(expires_at - now)}
        if current is not None and current["expires_at"] - now > settings.token_grace_seconds:
            return {"access_token": current["token"], "expires_in": int(current["expires_at"] - now)}
        # Within the last 5 minutes (or none yet): rotate; the old token lives on until its own expiry.
        access_token, expires_at = _issue(sandbox, app.appid, "stable", settings.token_ttl_seconds)
        return {"access_token": access_token, "expires_in": int(expires_at - now)}


@wx_endpoint
async def clear_quota(request: Request, sandbox: Any) -> Any:
    """``POST /cgi-bin/clear_quota {"appid"}``: reset the day's API counters, 10 times a month (48006)."""
    who = caller(request, sandbox)
    data = await json_body(request)
    if data.get("appid") != who.appid:
        raise WxError(40013)
    settings = mp_settings.load(sandbox)
    month = sandbox.clock.datetime().strftime("%Y-%m")
    with sandbox.state.transaction():
        sandbox.state.execute(
            "INSERT INTO mp_quota_clears (appid, month) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (who.appid, month),
        )
        cur = sandbox.state.execute(
            "UPDATE mp_quota_clears SET used = used + 1 WHERE appid = ? AND month = ? AND used < ?",
            (who.appid, month, settings.clear_quota_per_month),
        )
        if cur.rowcount == 0:
            raise WxError(48006)
        sandbox.state.execute(
            "DELETE FROM mp_quota_usage WHERE appid = ? AND length(bucket) = 10", (who.appid,)
        )
    return ok()


@wx_endpoint
async def getcallbackip(request: Request, sandbox: Any) -> dict:
    """``GET /cgi-bin/getcallbackip``: the addresses pushes come from (loopback here)."""
    caller(request, sandbox)
    return {"ip_list": ["127.0.0.1"]}


routes = [
    Route("/cgi-bin/token", token, methods=["GET"], name="mp.token"),
    Route("/cgi-bin/stable_token", stable_token, methods=["POST"], name="mp.stable_token"),
    Route("/cgi-bin/clear_quota", clear_quota, methods=["POST"], name="mp.clear_quota"),
    Route("/cgi-bin/getcallbackip", getcallbackip, methods=["GET"], name="mp.getcallbackip"),
]
