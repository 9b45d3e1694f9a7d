"""Mini Program codes (wechat-kf-security-shipping.md §6.2-§6.3): ``POST /wxa/getwxacodeunlimit`` and
``POST /wxa/getwxacode``.

WeChat answers the image itself (HTTP 200, ``Content-Type: image/jpeg``; PNG with a transparent background
when ``is_hyaline``) or, on error, the usual JSON ``{"errcode", "errmsg"}`` (``application/json;
encoding=utf-8``), so callers branch on the content type. WeChat draws its round 小程序码; the sandbox's
stand-in is an ordinary, decodable QR code of ``https://mp.weixin.qq.com/a/~<token>``. Scanning it in the
phone UI (or resolving it with ``POST /sandbox/mp/links/resolve``) opens ``page`` with ``query`` =
``scene=<scene>``; the ``X-Wxsandbox-Qr-Url`` header names the encoded URL for tests.

getwxacodeunlimit rules: ``scene`` 1-32 characters (40169) from ``[0-9A-Za-z!#$&'()*+,/:;=?@-._~]`` (40129),
not containing the reserved ``scancode_time`` (85096); ``page`` without a leading ``/`` or a query (41030),
and with ``check_path`` (default true) one of the released pages (``released_pages`` setting; 41030);
``width`` 280-1280, ``env_version`` release | trial | develop, ``line_color`` decimal RGB (40097); at most
``wxacode_per_minute`` calls a minute (45009). getwxacode takes a ``path`` of at most 1024 characters with
its query (40159) and makes at most ``wxacode_limited_total`` codes in all (45029).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsandbox.config import MINI_PROGRAM
from wxsandbox.mp import links, qrimage
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, take_quota, wx_endpoint

SCHEMA = ""
CODE_URL_BASE = links.WXACODE_PREFIX
SCENE_CHARS = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]*")
PAGE = re.compile(r"[0-9A-Za-z_\-./]{1,256}")


def _width(data: dict[str, Any]) -> int:
    width = data.get("width", 430)
    if isinstance(width, bool) or not isinstance(width, int) or not 280 <= width <= 1280:
        raise WxError(40097, "width")
    return width


def _env(data: dict[str, Any]) -> str:
    env = data.get("env_version", "release")
    if env not in links.ENV_VERSIONS:
        raise WxError(40097, "env_version")
    return env


def _flag(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise WxError(40097, name)
    return value


def _colour(data: dict[str, Any]) -> tuple[int, int, int]:
    if _flag(data, "auto_color", False):
        return (0, 0, 0)  # WeChat picks a colour from the Mini Program's icon; black is one it may pick
    colour = data.get("line_color", {"r": 0, "g": 0, "b": 0})
    if not isinstance(colour, dict):
        raise WxError(40097, "line_color")
    rgb = []
    for key in ("r", "g", "b"):
        value = colour.get(key, 0)
        if isinstance(value, str) and value.isdigit():  # WeChat's own samples send "0"
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise WxError(40097, "line_color")
        rgb.append(value)
    return rgb[0], rgb[1], rgb[2]


def _image(url: str, data: dict[str, Any]) -> Response:
    width, colour, transparent = _width(data), _colour(data), _flag(data, "is_hyaline", False)
    image, content_type = qrimage.code_image(url, width=width, colour=colour, transparent=transparent)
    return Response(image, media_type=content_type, headers={"X-Wxsandbox-Qr-Url": url})


def _page(sandbox: Any, appid: str, data: dict[str, Any]) -> str:
    page = data.get("page", "")
    if not isinstance(page, str) or (page and not PAGE.fullmatch(page)) or page.startswith("/"):
        raise WxError(41030)
    released = mp_settings.load(sandbox).released_pages.get(appid)
    if not page:
        return released[0] if released else ""  # the home page
    if _flag(data, "check_path", True) and released is not None and page not in released:
        raise WxError(41030)
    return page


@wx_endpoint
async def unlimited(request: Request, sandbox: Any) -> Response:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    scene = data.get("scene")
    if not isinstance(scene, str) or not 1 <= len(scene) <= 32:
        raise WxError(40169)
    if not SCENE_CHARS.fullmatch(scene):
        raise WxError(40129)
    if "scancode_time" in scene:
        raise WxError(85096)
    page, env = _page(sandbox, who.appid, data), _env(data)
    _width(data), _colour(data), _flag(data, "is_hyaline", False)  # refuse bad drawing args before counting
    take_quota(
        sandbox, who.appid, "wxa.code.minute", mp_settings.load(sandbox).wxacode_per_minute, per="minute"
    )
    token = links.store(sandbox, "wxacode", who.appid, page, f"scene={scene}", env, None, data)
    return _image(CODE_URL_BASE + token, data)


@wx_endpoint
async def limited(request: Request, sandbox: Any) -> Response:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    path = data.get("path")
    if not isinstance(path, str) or not path or len(path) > 1024:
        raise WxError(40159)
    page, _, query = path.partition("?")
    if page.startswith("/") or not PAGE.fullmatch(page):
        raise WxError(41030)
    env = _env(data)
    _width(data), _colour(data), _flag(data, "is_hyaline", False)
    take_quota(
        sandbox,
        who.appid,
        "wxa.code.total",
        mp_settings.load(sandbox).wxacode_limited_total,
        per="total",
        errcode=45029,
    )
    token = links.store(sandbox, "wxacode", who.appid, page, query, env, None, data)
    return _image(CODE_URL_BASE + token, data)


routes = [
    Route("/wxa/getwxacodeunlimit", unlimited, methods=["POST"], name="mp.wxa.code_unlimited"),
    Route("/wxa/getwxacode", limited, methods=["POST"], name="mp.wxa.code"),
]
