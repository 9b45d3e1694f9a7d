"""Official Account, Mini Program, OAuth and token surfaces of wxsandbox (api.weixin.qq.com and friends).

One surface for the core's app (``routes``, ``control_routes``, ``SCHEMA``, ``setup``), assembled from:

  tokens      /cgi-bin/token, /cgi-bin/stable_token, /cgi-bin/clear_quota, /cgi-bin/getcallbackip
  oauth       /connect/oauth2/authorize (+ consent page), /sns/oauth2/*, /sns/userinfo, /sns/auth,
              /sns/jscode2session
  phone       /wxa/business/getuserphonenumber
  jssdk       /cgi-bin/ticket/getticket
  media       /cgi-bin/media/upload, /cgi-bin/media/get
  menus       /cgi-bin/menu/create|get|delete
  messages    /cgi-bin/message/custom/send, /custom/typing, /template/send, /subscribe/send
  mass        /cgi-bin/message/mass/sendall (群发 to a tag or everyone; MASSSENDJOBFINISH pushed after)
  templates   /cgi-bin/template/api_add_template, get_all_private_template, del_private_template
  qrcode      /cgi-bin/qrcode/create, /cgi-bin/showqrcode (a real QR code, drawn by segno)
  links       /wxa/generate_urllink, /wxa/generatescheme, /wxa/genwxashortlink, /wxa/query_urllink,
              /wxa/queryscheme
  wxacode     /wxa/getwxacodeunlimit, /wxa/getwxacode (JPEG/PNG: a QR code of a resolvable URL)
  followers   /cgi-bin/user/info, /cgi-bin/user/info/batchget, /cgi-bin/user/get
  tags        /cgi-bin/tags/create|get|update|delete, /cgi-bin/tags/members/batchtagging|batchuntagging,
              /cgi-bin/tags/getidlist, /cgi-bin/user/tag/get
  shipping    /wxa/sec/order/upload_shipping_info, get_order, get_order_list, notify_confirm_receive,
              is_trade_managed, set_msg_jump_path (发货信息管理 of WeChat Pay orders paid in the Mini Program)
  datacube    /datacube/getarticlesummary, /datacube/getarticletotal (图文分析: articles' reads and shares)
  oa_push     pushes to the developer's message server (callback kind ``mp.oa_push``)

Any other path under /cgi-bin, /sns, /wxa or /datacube answers 40066 ``invalid url`` as WeChat does (e.g. the
mis-cased ``/sns/jsCode2Session``). Behaviour knobs: ``settings.py`` (``[mp]`` table, run-time overrides;
``settings.EXAMPLE_TOML`` documents it).

Control API (JSON; errors ``{"error", "message"}`` with a 4xx status; ``appid`` defaults to the first
configured account of the right kind):

  POST /sandbox/mp/oa/follow | unfollow      {"user"}                     subscribe / unsubscribe event
  POST /sandbox/mp/oa/message                {"user", "content"}          text message (MsgId)
  POST /sandbox/mp/oa/click                  {"user", "key"|"url"|"pagepath"}  CLICK / VIEW / view_miniprogram
  POST /sandbox/mp/oa/scan                   {"user", "ticket"|"url"}     subscribe+qrscene_ or SCAN
  POST /sandbox/mp/oa/verify-url             {"appid"?}                   URL verification GET
  GET  /sandbox/mp/oa/conversation           ?user=&appid=&since_id=      the chat as the user sees it
  GET  /sandbox/mp/oa/menu                   ?appid=                      current custom menu
  POST /sandbox/mp/miniprogram/message       {"user", "content"}          Mini Program customer-service text
  POST /sandbox/mp/miniprogram/enter-session {"user", "session_from"?}    user_enter_tempsession
  POST /sandbox/mp/login                     {"user"}                     wx.login(): a js_code
  POST /sandbox/mp/phone-code                {"user"}                     getPhoneNumber button: a code
  POST /sandbox/mp/subscriptions             {"user", "template_id", "count"?}  wx.requestSubscribeMessage
  POST /sandbox/mp/jssdk/verify              {"appId", "timestamp", "nonceStr", "signature", "url"}
  POST /sandbox/mp/links/resolve             {"link"}                     URL Link / Scheme / Short Link / code
  POST /sandbox/mp/qrcode/resolve            {"ticket"|"url"}             the scene of a QR code
  GET  /sandbox/mp/media/{media_id}                                        uploaded media, without a token
  GET  /sandbox/mp/accounts                                                apps with original id (gh_…), push target
  GET  /sandbox/mp/avatar/{user}.svg                                       a generated avatar
  GET|POST|DELETE /sandbox/mp/settings                                     effective settings / override / reset
  POST /sandbox/mp/shipping/confirm|settle|complaint {"transaction_id", "in_complaint"?}  the buyer confirms
                                                                         receipt / the platform settles / a dispute
  POST|GET /sandbox/mp/datacube/articles    {"title", "msgid"?, "sent_on"?, "days"}  publish an article
                                                                         with its daily read figures / list them
  POST /sandbox/mp/reset                                                   forget all mp state and overrides

User actions answer with the push outcome ``{"delivered", "status", "attempts", "delivery_ids", "reply",
"error", "shown_to_user"?}``; ``reply`` is the parsed passive reply or null (``success``/empty).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.mp import (
    conversation,
    cs_windows,
    datacube,
    followers,
    jssdk,
    links,
    mass,
    media,
    menus,
    messages,
    oa_control,
    oa_push,
    oauth,
    phone,
    qrcode,
    shipping,
    tags,
    templates,
    tokens,
    wxacode,
)
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import control_endpoint, wx_endpoint

_MODULES = (
    tokens,
    oauth,
    phone,
    jssdk,
    media,
    menus,
    messages,
    mass,
    templates,
    qrcode,
    links,
    wxacode,
    followers,
    tags,
    conversation,
    cs_windows,
    shipping,
    datacube,
)


@wx_endpoint
async def _unknown_api(request: Request, sandbox: Any) -> dict:
    raise WxError(40066)


# The catch-alls come last and cover only WeChat's API prefixes; anything else stays a 404.
routes = [route for module in _MODULES for route in getattr(module, "routes", [])] + [
    Route(f"/{prefix}/{{rest:path}}", _unknown_api, methods=["GET", "POST"], name="mp.unknown")
    for prefix in ("cgi-bin", "sns", "wxa", "datacube")
]


@control_endpoint
async def _reset_route(request: Request, sandbox: Any) -> dict:
    reset(sandbox)
    return {"ok": True}


control_routes = (
    oauth.control_routes
    + phone.control_routes
    + jssdk.control_routes
    + media.control_routes
    + oa_control.control_routes
    + shipping.control_routes
    + datacube.control_routes
    + [
        Route("/sandbox/mp/reset", _reset_route, methods=["POST"], name="sandbox.mp.reset"),
    ]
)

SCHEMA = "\n".join(module.SCHEMA for module in _MODULES)
EXAMPLE_TOML = mp_settings.EXAMPLE_TOML  # appended to `wxsandbox config --example`


def setup(sandbox: Any) -> None:
    """Called once by the core's ``create_app``: register the push callback kind."""
    oa_push.register(sandbox)


def reset(sandbox: Any) -> None:
    """Forget everything the mp surfaces hold (tokens, codes, follows, chats, menus…) and run-time settings."""
    tables = [
        r["name"]
        for r in sandbox.state.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mp\\_%' ESCAPE '\\'"
        )
    ]
    with sandbox.state.transaction():
        for table in tables:
            sandbox.state.execute(f'DELETE FROM "{table}"')
    mp_settings.reset_overrides(sandbox)
    oa_push.register(sandbox)
