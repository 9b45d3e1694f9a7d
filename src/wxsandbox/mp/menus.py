"""Custom menu: ``POST /cgi-bin/menu/create``, ``GET /cgi-bin/menu/get``, ``GET /cgi-bin/menu/delete`` (§4.1).

Validation follows WeChat's limits and errcodes: 1–3 top-level buttons (40016), 1–5 sub-buttons (40023), no
third level (40022), known types (40017/40024), name ≤16 bytes top-level / ≤60 bytes in a sub-menu
(40018/40025), key ≤128 bytes (40019/40026), url ≤1024 bytes (40020/40027). Which errcode a missing
``appid``/``pagepath``/``media_id``/``article_id`` gets is not documented: 40097 ``invalid args`` here.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, ok, take_quota, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_menus (
    appid       TEXT PRIMARY KEY,
    menuid      INTEGER NOT NULL,
    menu        TEXT NOT NULL,          -- JSON {"button": [...]} as accepted
    created_at  REAL NOT NULL
);
"""

EVENT_TYPES = frozenset(
    {
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }
)
BUTTON_TYPES = EVENT_TYPES | {
    "view",
    "miniprogram",
    "media_id",
    "view_limited",
    "article_id",
    "article_view_limited",
}
MAX_TOP, MAX_SUB = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES, URL_BYTES = 16, 60, 128, 1024


def _nbytes(value: Any) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else -1


def _check_leaf(sandbox: Any, button: dict, sub: bool) -> None:
    # (type, name, key, url) errcodes for top-level vs sub-menu buttons.
    e_type, e_name, e_key, e_url = (40024, 40025, 40026, 40027) if sub else (40017, 40018, 40019, 40020)
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise WxError(e_type)
    if kind in EVENT_TYPES and not 1 <= _nbytes(button.get("key")) <= KEY_BYTES:
        raise WxError(e_key)
    if kind in ("view", "miniprogram") and not 1 <= _nbytes(button.get("url")) <= URL_BYTES:
        raise WxError(e_url)
    if kind == "miniprogram":
        if not button.get("appid") or not button.get("pagepath"):
            raise WxError(40097, "miniprogram button needs appid and pagepath")
        linked = sandbox.config.app(button["appid"])
        if linked is None or linked.kind != MINI_PROGRAM:
            raise WxError(40097, "appid is not a linked mini program")
    if kind in ("media_id", "view_limited") and not button.get("media_id"):
        raise WxError(40097, "media_id missing")
    if kind in ("article_id", "article_view_limited") and not button.get("article_id"):
        raise WxError(40097, "article_id missing")


def validate(sandbox: Any, menu: dict[str, Any]) -> list[dict[str, Any]]:
    """The accepted button list, or WxError with WeChat's errcode for the first violated rule."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_TOP:
        raise WxError(40016)
    for button in buttons:
        if not isinstance(button, dict):
            raise WxError(40017)
        if not 1 <= _nbytes(button.get("name")) <= TOP_NAME_BYTES:
            raise WxError(40018)
        subs = button.get("sub_button") or []
        if not isinstance(subs, list):
            raise WxError(40023)
        if not subs:
            _check_leaf(sandbox, button, sub=False)
            continue
        if len(subs) > MAX_SUB:
            raise WxError(40023)
        for sub in subs:
            if not isinstance(sub, dict):
                raise WxError(40024)
            if sub.get("sub_button"):
                raise WxError(40022)
            if not 1 <= _nbytes(sub.get("name")) <= SUB_NAME_BYTES:
                raise WxError(40025)
            _check_leaf(sandbox, sub, sub=True)
    return buttons


def current(sandbox: Any, appid: str) -> dict[str, Any] | None:
    row = sandbox.state.one("SELECT menuid, menu FROM mp_menus WHERE appid = ?", (appid,))
    return None if row is None else {"menuid": row["menuid"], **json.loads(row["menu"])}


def find_button(
    menu: dict[str, Any], *, key: str | None = None, url: str | None = None, pagepath: str | None = None
) -> dict | None:
    """The leaf button with this event ``key``, ``view`` url or ``miniprogram`` pagepath, wherever it sits."""
    for button in menu.get("button", []):
        for leaf in button.get("sub_button") or [button]:
            if key is not None and leaf.get("key") == key and leaf.get("type") in EVENT_TYPES:
                return leaf
            if url is not None and leaf.get("url") == url and leaf.get("type") == "view":
                return leaf
            if (
                pagepath is not None
                and leaf.get("pagepath") == pagepath
                and leaf.get("type") == "miniprogram"
            ):
                return leaf
    return None


@wx_endpoint
async def create(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    menu = await json_body(request)
    buttons = validate(sandbox, menu)
    take_quota(sandbox, who.appid, "menu.create", mp_settings.load(sandbox).quota("menu.create"))
    sandbox.state.execute(
        "INSERT INTO mp_menus (appid, menuid, menu, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (appid) DO UPDATE"
        " SET menuid = excluded.menuid, menu = excluded.menu, created_at = excluded.created_at",
        (
            who.appid,
            secrets.randbelow(9 * 10**8) + 10**8,
            json.dumps({"button": buttons}, ensure_ascii=False),
            sandbox.clock.now(),
        ),
    )
    return ok()


@wx_endpoint
async def get(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    take_quota(sandbox, who.appid, "menu.get", mp_settings.load(sandbox).quota("menu.get"))
    menu = current(sandbox, who.appid)
    if menu is None:
        raise WxError(46003)
    buttons = [b if b.get("sub_button") else {**b, "sub_button": []} for b in menu["button"]]
    return {"menu": {"button": buttons, "menuid": menu["menuid"]}}


@wx_endpoint
async def delete(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    take_quota(sandbox, who.appid, "menu.delete", mp_settings.load(sandbox).quota("menu.delete"))
    sandbox.state.execute("DELETE FROM mp_menus WHERE appid = ?", (who.appid,))
    return ok()


routes = [
    Route("/cgi-bin/menu/create", create, methods=["POST"], name="mp.menu.create"),
    Route("/cgi-bin/menu/get", get, methods=["GET"], name="mp.menu.get"),
    Route("/cgi-bin/menu/delete", delete, methods=["GET"], name="mp.menu.delete"),
]
