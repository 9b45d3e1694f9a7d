"""``POST /wxa/msg_sec_check`` (text content security, version 2; reference §3.1 and checklist §3.6).

Token in the URL only (a token in the body is 47001), POST only (43302), a Mini Program's token, scene
1–4 (40129), content ≤ 2500 characters (47001 beyond), an openid of this Mini Program (40003 when
unknown, 43104 when it belongs to another app) whose user logged in to the Mini Program (jscode2session)
within ``msg_sec_visit_seconds`` of sandbox time (``msg_sec_visit_errcode`` otherwise). Without ``version`` the frozen v1 answers: ok, or 87014
for risky text. Verdicts come from the configured keywords (``settings.keywords``)."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request

from wxsandbox.config import MINI_PROGRAM
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, take_quota, wx_endpoint
from wxsandbox.security import settings as sec_settings

_RANK = {"pass": 0, "review": 1, "risky": 2}
NORMAL_LABEL = 100


def trace_id() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


def judge(text: str, keywords: dict[str, list]) -> tuple[str, int, list[dict]]:
    """(suggest, label, keyword details) for ``text``: the most severe configured keyword decides."""
    details = [
        {
            "strategy": "keyword",
            "errcode": 0,
            "suggest": s,
            "label": label,
            "level": 90 if s == "risky" else 60,
            "keyword": word,
        }
        for word, (s, label) in keywords.items()
        if word and word in text
    ]
    worst = max(details, key=lambda d: _RANK[d["suggest"]], default=None)
    if worst is None or worst["suggest"] == "pass":
        return "pass", NORMAL_LABEL, details
    return worst["suggest"], worst["label"], details


def visited_recently(sandbox: Any, appid: str, user_id: str, conf: sec_settings.SecuritySettings) -> bool:
    """Whether the user's latest Mini Program login (its jscode2session) is within the visit window."""
    row = sandbox.state.one(
        "SELECT created_at FROM mp_sessions WHERE appid = ? AND user_id = ?", (appid, user_id)
    )
    return row is not None and sandbox.clock.now() - row["created_at"] <= conf.msg_sec_visit_seconds


@wx_endpoint
async def msg_sec_check(request: Request, sandbox: Any) -> dict:
    if request.method != "POST":
        raise WxError(43302)
    if "access_token" not in request.query_params:
        raw = await request.body()
        raise WxError(47001 if b"access_token" in raw else 41001)
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    conf = sec_settings.load(sandbox)
    take_quota(sandbox, who.appid, "msg_sec_check", conf.msg_sec_per_minute, per="minute")
    content = data.get("content")
    if not isinstance(content, str) or not content or len(content) > conf.msg_sec_max_chars:
        raise WxError(47001)
    text = "\n".join(
        v
        for v in (data.get("title"), data.get("nickname"), data.get("signature"), content)
        if isinstance(v, str)
    )
    if "version" not in data:  # v1: the frozen yes/no answer
        suggest, _, _ = judge(text, conf.keywords)
        if suggest == "risky":
            raise WxError(87014)
        return {"errcode": 0, "errmsg": "ok"}
    if data.get("version") != 2:
        raise WxError(47001)
    scene = data.get("scene")
    if isinstance(scene, bool) or scene not in (1, 2, 3, 4):
        raise WxError(40129)
    openid = data.get("openid")
    if not isinstance(openid, str) or not openid:
        raise WxError(47001)
    user = sandbox.users.by_openid(who.appid, openid)
    if user is None:
        others = (a.appid for a in sandbox.config.apps if a.appid != who.appid)
        raise WxError(43104 if any(sandbox.users.by_openid(a, openid) for a in others) else 40003)
    if conf.msg_sec_visit_seconds and not visited_recently(sandbox, who.appid, user["id"], conf):
        raise WxError(conf.msg_sec_visit_errcode)
    suggest, label, details = judge(text, conf.keywords)
    model = {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}
    return {
        "errcode": 0,
        "errmsg": "ok",
        "result": {"suggest": suggest, "label": label},
        "detail": [model, *details],
        "trace_id": trace_id(),
    }
