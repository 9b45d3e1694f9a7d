"""The phone page, its static files and the ``WeixinJSBridge`` script pages load from the sandbox."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}  # a developer edits the sandbox and reloads the phone


async def index(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "phone.html", media_type="text/html; charset=utf-8", headers=NO_CACHE)


async def jsbridge(request: Request) -> Response:
    # Loaded cross-origin by the hub's pages with a plain <script> tag: no CORS needed, but say what it is.
    return FileResponse(
        STATIC_DIR / "jsbridge.js", media_type="text/javascript; charset=utf-8", headers=NO_CACHE
    )


async def to_index(request: Request) -> Response:
    return Response(status_code=307, headers={"Location": "/phone/"})


routes = [
    Route("/phone", to_index, methods=["GET"], name="phone.redirect"),
    Route("/phone/", index, methods=["GET"], name="phone.page"),
    Route("/phone/jsbridge.js", jsbridge, methods=["GET"], name="phone.jsbridge"),
    Mount("/phone/static", StaticFiles(directory=STATIC_DIR), name="phone.static"),
]
