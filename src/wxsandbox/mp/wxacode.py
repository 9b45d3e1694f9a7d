"""Mini Program codes: ``POST /wxa/getwxacodeunlimit`` and ``POST /wxa/getwxacode``.

WeChat answers an image (the round "sun code") or, on error, the usual JSON. The sandbox draws an ordinary
QR code of ``https://mp.weixin.qq.com/a/~<token>``; scanning it in the phone (or resolving it with
``POST /sandbox/mp/links/resolve``) opens the page with its ``scene`` (``query`` = ``scene=<scene>``) or path
query. Rules: ``scene`` 1–32 visible characters from ``[0-9A-Za-z!#$&'()*+,/:;=?@-._~]``, ``page`` without a
leading ``/`` (41030 otherwise), ``width`` 280–1280, ``env_version`` release | trial | develop; ``getwxacode``
takes a ``path`` of at most 128 characters (query allowed).
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
SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")


def _width(data: dict[str, Any]) -> int:
    width = data.get("width", 430)
    if isinstance(width, bool) or not isinstance(width, int) or not 280 <= width <= 1280:
        raise WxError(40097, "width")
    return width


def _image(url: str, width: int) -> Response:
    return Response(
        qrimage.png(url, width=width), media_type="image/png", headers={"X-Wxsandbox-Qr-Url": url}
    )


@wx_endpoint
async def unlimited(request: Request, sandbox: Any) -> Response:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    scene = data.get("scene")
    if not isinstance(scene, str) or not SCENE.fullmatch(scene):
        raise WxError(40097, "scene")
    page = data.get("page", "")
    if not isinstance(page, str) or page.startswith("/") or "?" in page:
        raise WxError(41030)
    env = data.get("env_version", "release")
    if env not in links.ENV_VERSIONS:
        raise WxError(40097, "env_version")
    width = _width(data)
    take_quota(sandbox, who.appid, "wxa.code", mp_settings.load(sandbox).quota("wxa.code"))
    token = links.store(sandbox, "wxacode", who.appid, page, f"scene={scene}", env, None, data)
    return _image(CODE_URL_BASE + token, width)


@wx_endpoint
async def limited(request: Request, sandbox: Any) -> Response:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    path = data.get("path")
    if not isinstance(path, str) or not path or len(path) > 128 or path.startswith("/"):
        raise WxError(41030)
    page, _, query = path.partition("?")
    env = data.get("env_version", "release")
    if env not in links.ENV_VERSIONS:
        raise WxError(40097, "env_version")
    width = _width(data)
    take_quota(sandbox, who.appid, "wxa.code", mp_settings.load(sandbox).quota("wxa.code"))
    token = links.store(sandbox, "wxacode", who.appid, page, query, env, None, data)
    return _image(CODE_URL_BASE + token, width)


routes = [
    Route("/wxa/getwxacodeunlimit", unlimited, methods=["POST"], name="mp.wxa.code_unlimited"),
    Route("/wxa/getwxacode", limited, methods=["POST"], name="mp.wxa.code"),
]
