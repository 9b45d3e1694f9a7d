"""A Channels account's own identity (reference §2.2, §8.2): a ``kind = "channels"`` app with its 视频号助手
token, bound to every shop at start (shop.py). It reads its own lives (lives.py):

  POST /channels/ec/finderlive/getfinderliverecordlist       {}  live_list: ongoing and recent lives
  POST /channels/ec/finderlive/getfinderlivenoticerecordlist {}  live_notice_list: status 0 可用, 1 取消, 2 已用
  POST /channels/finderlive/get_finder_attr_by_appid          {}  finder_attr{uniq_id, nickname, fans_count}

``finder_api`` also serves its window (window.py). A shop's token on these answers 48001.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from wxsandbox.config import CHANNELS, AppConfig
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, sandbox_of
from wxsandbox.store import quota, shop, timers
from wxsandbox.store.lives import CANCELLED, ENDED, LIVE, SCHEDULED


def finder_api(handler):
    """``handler(request, sandbox, account, finder_id, data)`` for a ``kind = "channels"`` app's token (48001
    for any other); ``data`` is the JSON body (``{}`` for GET or an empty body). The account is its finder id
    (``shop.official_finder_id``)."""

    @functools.wraps(handler)
    async def endpoint(request: Request):
        sandbox = sandbox_of(request)
        try:
            account = caller(request, sandbox, kind=CHANNELS).app
            quota.take(sandbox, account.appid, request.url.path)
            timers.run_due(sandbox)  # audits, timeouts: what the shop's side would have done by now
            data = await json_body(request) if (await request.body()).strip() else {}
            result = handler(request, sandbox, account, shop.official_finder_id(account), data)
        except WxError as exc:
            return JSONResponse(exc.body())
        return JSONResponse({"errcode": 0, "errmsg": "ok", **result})

    return endpoint


def _head_url(finder_id: str) -> str:
    return f"https://wx.qlogo.cn/finderhead/{finder_id}/0"


def _account_lives(sandbox: Any, finder_id: str, statuses: tuple[str, ...]) -> list[Any]:
    marks = ",".join("?" * len(statuses))
    return sandbox.state.query(
        f"SELECT * FROM store_lives WHERE finder_id = ? AND status IN ({marks})"
        " ORDER BY COALESCE(started_at, start_time) DESC, export_id LIMIT 100",
        (finder_id, *statuses),
    )


@finder_api
def live_records(request: Request, sandbox: Any, account: AppConfig, finder_id: str, data: dict) -> dict:
    """Ongoing and recent lives (the reference: ``live_list``)."""
    nickname = account.name or "视频号"
    rows = _account_lives(sandbox, finder_id, (LIVE, ENDED))
    return {"live_list": [{"export_id": r["export_id"], "description": r["title"], "nickname": nickname,
                           "cover_url": _head_url(finder_id), "head_url": _head_url(finder_id)} for r in rows]}  # fmt: skip


_NOTICE = {SCHEDULED: (0, "可用"), CANCELLED: (1, "取消"), LIVE: (2, "已用"), ENDED: (2, "已用")}


@finder_api
def live_notices(request: Request, sandbox: Any, account: AppConfig, finder_id: str, data: dict) -> dict:
    """Live notices (直播预约): one per session, status 0 可用 → 2 已用 when it starts, 1 when cancelled."""
    rows = _account_lives(sandbox, finder_id, tuple(_NOTICE))
    notices = []
    for r in rows:
        status, wording = _NOTICE[r["status"]]
        notices.append({"notice_id": r["notice_id"], "status": status, "status_wording": wording,
                        "start_time": r["start_time"], "description": r["title"],
                        "nickname": account.name or "视频号", "head_url": _head_url(finder_id)})  # fmt: skip
    return {"live_notice_list": notices}


@finder_api
def finder_attr(request: Request, sandbox: Any, account: AppConfig, finder_id: str, data: dict) -> dict:
    """``fans_count`` is the sandbox's stand-in: distinct users who watched or booked one of its lives."""
    fans = sandbox.state.scalar(
        "SELECT COUNT(DISTINCT m.user_id) FROM store_live_members m JOIN store_lives l ON l.export_id = m.export_id"
        " WHERE l.finder_id = ?",
        (finder_id,),
    )
    return {"finder_attr": {"uniq_id": finder_id, "nickname": account.name or "视频号", "fans_count": fans}}


_FINDERLIVE = "/channels/ec/finderlive/"
routes = [
    Route(
        _FINDERLIVE + "getfinderliverecordlist",
        live_records,
        methods=["GET", "POST"],
        name="channels.live_records",
    ),
    Route(
        _FINDERLIVE + "getfinderlivenoticerecordlist",
        live_notices,
        methods=["GET", "POST"],
        name="channels.live_notices",
    ),
    Route(
        "/channels/finderlive/get_finder_attr_by_appid",
        finder_attr,
        methods=["GET", "POST"],
        name="channels.finder_attr",
    ),
]
