"""The phone: a web page that plays a WeChat user against the sandbox (no build step, no CDN).

  GET  /phone/                         the phone page (user picker; tabs 公众号 · 扫一扫 · 浏览器 · 支付)
  GET  /phone/static/{file}            its script and stylesheet (the 卡包 tab lists the invoices inserted for
                                       the user, from /sandbox/invoice/cards)
  GET  /phone/jsbridge.js              ``WeixinJSBridge`` for pages opened in the phone's WeChat browser: a
                                       page (the hub's) loads it with a ``<script>`` tag; ``invoke`` posts to
                                       the phone shell, which shows the payment sheet and posts the result back
  POST /sandbox/phone/jsapi-verify     {appId, timeStamp, nonceStr, package, signType, paySign, page_url?}
                                       → the order the payment sheet shows, after checking paySign as
                                       WeChat's client does (and the page's directory, when ``[phone]``
                                       configures JSAPI payment directories: see ``settings.py``)
  POST /sandbox/phone/scan             {"text"} → what a scanned/pasted string is (Native code_url, OA scene
                                       QR code, Mini Program link, web page)
  POST /sandbox/phone/scan-image       the raw bytes of a PNG/JPEG/GIF/WebP picture (a screenshot of a
                                       checkout page) → {"texts": [the QR codes' texts], …what the first
                                       one is, as /scan says}; read by zxing-cpp (``qrimage.py``). 400
                                       not_an_image, 413 too_large, 422 no_qrcode
  GET  /sandbox/phone/frameable?url=   whether the page may be shown inside the phone's iframe
                                       (X-Frame-Options, CSP frame-ancestors, same site); if not, the phone
                                       opens it in a window of its own

The phone's JSON endpoints live under ``/sandbox/`` like the rest of the control API: they speak its error
dialect (``{"error", "message"}`` with a 4xx), polling them is not journaled, and fault rules never hit them
(the phone is the user's device, not WeChat's servers).

Who is browsing: OAuth pages identify the simulated user by the ``wxsandbox_user`` cookie (see
``mp/oauth.py``); the phone sets it on the sandbox's origin whenever a user is chosen. ``/phone/?user=<id>``
preselects a user; ``&open=<url>`` opens a page in the browser tab at once.

A web page that wants to pay inside the phone (the hub's JSAPI cashier) loads, in development only,
``<script src="{sandbox}/phone/jsbridge.js"></script>`` and calls ``WeixinJSBridge.invoke(
"getBrandWCPayRequest", …)`` as in WeChat. Pages that refuse frames (Django's default ``X-Frame-Options:
DENY``) or live on another site than the phone open in a separate window and pay through
``window.opener`` just the same.
"""

from wxsandbox.phone import settings
from wxsandbox.phone.api import control_routes
from wxsandbox.phone.pages import routes

SCHEMA = ""


def setup(sandbox) -> None:
    """Reject a bad ``[phone]`` table when the sandbox starts rather than at the first payment."""
    settings.load(sandbox)


__all__ = ["SCHEMA", "control_routes", "routes", "setup"]
