"""The phone's own JSON endpoints (under ``/sandbox/phone/``; see the package docstring)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.control import ControlError, handles_control_errors, read_json, sandbox_of
from wxsandbox.phone import framing, jsapi, qrimage, scan
from wxsandbox.responses import json_response


@handles_control_errors
async def jsapi_verify(request: Request):
    data = await read_json(request)
    page_url = data.pop("page_url", None)  # reported by the page's bridge script; not a WeChat parameter
    if page_url is not None and not isinstance(page_url, str):
        raise ControlError("invalid_request", "page_url 必须是字符串")
    return json_response(jsapi.verify(sandbox_of(request), data, page_url))


@handles_control_errors
async def scan_text(request: Request):
    data = await read_json(request)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ControlError("invalid_request", "请粘贴二维码内容或链接")
    return json_response(scan.classify(sandbox_of(request), text))


@handles_control_errors
async def scan_image(request: Request):
    """The raw bytes of a chosen, pasted or dropped picture → the QR codes' texts and what the first one is."""
    data = await request.body()  # the middleware has already refused bodies over max_body_bytes (413)
    if not data:
        raise ControlError("not_an_image", "请选择一张二维码图片")
    try:
        texts = await run_in_threadpool(qrimage.read, data)
    except qrimage.NotAnImage as exc:
        raise ControlError("not_an_image", "无法读取这张图片（支持 PNG、JPEG、GIF、WebP）") from exc
    except qrimage.ImageTooLarge as exc:
        raise ControlError("too_large", "图片尺寸过大，请截取二维码附近的区域", 413) from exc
    if not texts:
        raise ControlError("no_qrcode", "未能识别图片中的二维码（请用清晰、端正的二维码截图）", 422)
    return json_response({"texts": texts} | scan.classify(sandbox_of(request), texts[0]))


@handles_control_errors
async def frameable(request: Request):
    url = request.query_params.get("url", "")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ControlError("invalid_request", "url 必须是 http(s) 地址")
    phone_origin = f"{request.url.scheme}://{request.url.netloc}".lower()
    return json_response(await framing.check(url, phone_origin))


control_routes = [
    Route("/sandbox/phone/jsapi-verify", jsapi_verify, methods=["POST"], name="sandbox.phone.jsapi_verify"),
    Route("/sandbox/phone/scan", scan_text, methods=["POST"], name="sandbox.phone.scan"),
    Route("/sandbox/phone/scan-image", scan_image, methods=["POST"], name="sandbox.phone.scan_image"),
    Route("/sandbox/phone/frameable", frameable, methods=["GET"], name="sandbox.phone.frameable"),
]
