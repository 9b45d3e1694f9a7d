"""Follower APIs: ``/cgi-bin/user/info``, ``/cgi-bin/user/info/batchget``, ``/cgi-bin/user/get`` (§5.4).

``user/info`` is how an Official Account learns a follower's unionid without OAuth. Since 2021 WeChat no
longer returns nickname/avatar here, so neither does the sandbox.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp import conversation
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, wx_endpoint

SCHEMA = ""
PAGE_SIZE = 10_000
BATCH_LIMIT = 100


def describe(sandbox: Any, appid: str, openid: Any) -> dict[str, Any]:
    """``user/info`` of one openid under ``appid`` (40003 for an unknown openid)."""
    user = sandbox.users.by_openid(appid, openid) if isinstance(openid, str) and openid else None
    if user is None:
        raise WxError(40003)
    fan = conversation.follower(sandbox, appid, user["id"])
    info: dict[str, Any] = {"subscribe": 1 if fan and fan["subscribed"] else 0, "openid": openid}
    unionid = sandbox.users.unionid(user["id"], appid)
    if info["subscribe"]:
        info |= {
            "language": user["language"],
            "subscribe_time": int(fan["subscribe_time"]),
            "remark": "",
            "groupid": 0,
            "tagid_list": [],
            "subscribe_scene": fan["subscribe_scene"] or "ADD_SCENE_OTHERS",
            "qr_scene": fan["qr_scene"],
            "qr_scene_str": fan["qr_scene_str"],
        }
    if unionid:
        info["unionid"] = unionid
    return info


@wx_endpoint
async def user_info(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    openid = request.query_params.get("openid")
    if not openid:
        raise WxError(41009)
    return describe(sandbox, who.appid, openid)


@wx_endpoint
async def user_info_batch(request: Request, sandbox: Any) -> dict:
    """``POST /cgi-bin/user/info/batchget {"user_list": [{"openid", "lang"?}]}``, at most 100 (45035 beyond)."""
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    wanted = data.get("user_list")
    if not isinstance(wanted, list) or not wanted or not all(isinstance(u, dict) for u in wanted):
        raise WxError(47001)
    if len(wanted) > BATCH_LIMIT:
        raise WxError(45035)
    return {"user_info_list": [describe(sandbox, who.appid, u.get("openid")) for u in wanted]}


@wx_endpoint
async def user_get(request: Request, sandbox: Any) -> dict:
    """Followers' openids in follow order, 10,000 per page, continuing after ``next_openid``."""
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    rows = sandbox.state.query(
        "SELECT user_id FROM mp_followers WHERE appid = ? AND subscribed = 1 ORDER BY subscribe_time, user_id",
        (who.appid,),
    )
    openids = [sandbox.users.openid(r["user_id"], who.appid) for r in rows]
    after = request.query_params.get("next_openid")
    if after:
        if after not in openids:
            raise WxError(40003)
        openids = openids[openids.index(after) + 1 :]
    page = openids[:PAGE_SIZE]
    return {
        "total": len(rows),
        "count": len(page),
        "data": {"openid": page} if page else {},
        "next_openid": page[-1] if page else "",
    }


routes = [
    Route("/cgi-bin/user/info", user_info, methods=["GET"], name="mp.user.info"),
    Route("/cgi-bin/user/info/batchget", user_info_batch, methods=["POST"], name="mp.user.info_batch"),
    Route("/cgi-bin/user/get", user_get, methods=["GET"], name="mp.user.get"),
]
