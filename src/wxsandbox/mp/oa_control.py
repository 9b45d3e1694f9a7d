"""Control API for what a simulated user does in an Official Account chat, and what they see.

  POST /sandbox/mp/oa/follow        {"user", "appid"?}                 subscribe event
  POST /sandbox/mp/oa/unfollow      {"user", "appid"?}                 unsubscribe event
  POST /sandbox/mp/oa/message       {"user", "content", "appid"?}      text message (MsgId)
  POST /sandbox/mp/oa/click         {"user", "key" | "url" | "pagepath", "appid"?}
                                    menu CLICK (and other event types) / VIEW / view_miniprogram
  POST /sandbox/mp/oa/scan          {"user", "ticket" | "url"}         QR scan: subscribe+qrscene_ or SCAN
  POST /sandbox/mp/miniprogram/message        {"user", "content", "appid"?}  Mini Program customer-service text
  POST /sandbox/mp/miniprogram/enter-session  {"user", "session_from"?}     user_enter_tempsession event
  POST /sandbox/mp/oa/verify-url    {"appid"?}                         WeChat's URL verification GET
  GET  /sandbox/mp/oa/conversation  ?user=&appid=&since_id=            the chat as the user sees it
  GET  /sandbox/mp/oa/menu          ?appid=                            the current custom menu
  POST /sandbox/mp/subscriptions    {"user", "template_id", "count"?, "appid"?}  grant subscribe messages
  POST /sandbox/mp/links/resolve    {"link"}                           URL Link / Scheme / Short Link target
  POST /sandbox/mp/qrcode/resolve   {"ticket" | "url"}                 the scene behind a QR code
  GET|POST|DELETE /sandbox/mp/settings                                 effective settings / overrides / reset
  GET  /sandbox/mp/avatar/{user}.svg                                   a generated avatar

User actions answer with the push outcome: ``{"delivered", "status", "attempts", "reply", "error",
"shown_to_user"?}`` where ``reply`` is the parsed passive reply (``{"msgtype": "text", "content": …}``,
``news`` with ``articles``…) or null for ``success``/empty. Errors: ``{"error", "message"}`` with 4xx.
"""

from __future__ import annotations

import hashlib
import html
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT
from wxsandbox.mp import conversation, cs_windows, links, menus, messages, oa_push, qrcode
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.http import ControlError, control_endpoint, read_json
from wxsandbox.mp.oauth import user_or_error

MSGID_BASE = 24_000_000_000_000_000  # MsgIds are 64-bit; WeChat's are ~17 digits


def official_account(sandbox: Any, appid: Any):
    if appid:
        app = sandbox.config.app(str(appid))
        if app is None or app.kind != OFFICIAL_ACCOUNT:
            raise ControlError("unknown_app", f"{appid} 不是已配置的公众号", 404)
        return app
    apps = sandbox.config.apps_of_kind(OFFICIAL_ACCOUNT)
    if not apps:
        raise ControlError("unknown_app", "沙箱未配置公众号", 404)
    return apps[0]


async def _push(
    sandbox: Any, app: Any, user_id: str, fields: dict[str, Any], push_key: str
) -> dict[str, Any]:
    ids = oa_push.enqueue(sandbox, app, user_id, fields, push_key)
    return await oa_push.outcome(sandbox, ids, push_key)


def _event_key() -> str:
    return f"event:{uuid.uuid4().hex}"


def _require_following(sandbox: Any, app: Any, user_id: str) -> None:
    if not conversation.is_following(sandbox, app.appid, user_id):
        raise ControlError("not_following", "用户尚未关注该公众号", 409)


async def _user_text(sandbox: Any, app: Any, user: dict, content: str) -> dict:
    """The user types a text to an Official Account or a Mini Program's customer service: store it in the
    conversation, open the service window, push it to the developer's server."""
    row_id = conversation.add_message(
        sandbox,
        app.appid,
        user["id"],
        direction="in",
        source="user",
        msgtype="text",
        body={"content": content},
    )
    msgid = MSGID_BASE + row_id
    kind = "mp_message" if app.kind == MINI_PROGRAM else "message"
    conversation.touch_interaction(sandbox, app.appid, user["id"], kind)
    fields = {
        "ToUserName": oa_push.original_id(sandbox, app),
        "FromUserName": sandbox.users.openid(user["id"], app.appid),
        "CreateTime": sandbox.clock.timestamp(),
        "MsgType": "text",
        "Content": content,
        "MsgId": msgid,
    }
    return {"msgid": msgid, **await _push(sandbox, app, user["id"], fields, f"msg:{app.appid}:{msgid}")}


@control_endpoint
async def follow(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    app, user = official_account(sandbox, data.get("appid")), user_or_error(sandbox, data.get("user"))
    if not conversation.set_following(sandbox, app.appid, user["id"], True, scene="ADD_SCENE_SEARCH"):
        return {"changed": False, "following": True}
    conversation.touch_interaction(sandbox, app.appid, user["id"], "subscribe")
    fields = oa_push.event_fields(sandbox, app, user["id"], "subscribe", EventKey="")
    return {"changed": True, "following": True, **await _push(sandbox, app, user["id"], fields, _event_key())}


@control_endpoint
async def unfollow(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    app, user = official_account(sandbox, data.get("appid")), user_or_error(sandbox, data.get("user"))
    if not conversation.set_following(sandbox, app.appid, user["id"], False):
        return {"changed": False, "following": False}
    fields = oa_push.event_fields(sandbox, app, user["id"], "unsubscribe", EventKey="")
    return {
        "changed": True,
        "following": False,
        **await _push(sandbox, app, user["id"], fields, _event_key()),
    }


@control_endpoint
async def message(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    app, user = official_account(sandbox, data.get("appid")), user_or_error(sandbox, data.get("user"))
    content = data.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ControlError("invalid_request", "content 不能为空")
    _require_following(sandbox, app, user["id"])
    return await _user_text(sandbox, app, user, content)


@control_endpoint
async def click(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    app, user = official_account(sandbox, data.get("appid")), user_or_error(sandbox, data.get("user"))
    _require_following(sandbox, app, user["id"])
    menu = menus.current(sandbox, app.appid)
    if menu is None:
        raise ControlError("no_menu", "该公众号没有自定义菜单", 404)
    key, url, pagepath = data.get("key"), data.get("url"), data.get("pagepath")
    button = (
        menus.find_button(menu, key=key)
        if key
        else menus.find_button(menu, url=url)
        if url
        else menus.find_button(menu, pagepath=pagepath)
        if pagepath
        else None
    )
    if button is None:
        raise ControlError("unknown_button", "菜单中没有这个按钮", 404)
    if button["type"] in cs_windows.MENU_KINDS_THAT_OPEN:
        conversation.touch_interaction(sandbox, app.appid, user["id"], "menu")
    if button["type"] == "view":
        fields = oa_push.event_fields(
            sandbox, app, user["id"], "VIEW", EventKey=button["url"], MenuId=menu["menuid"]
        )
        return {"navigate": button["url"], **await _push(sandbox, app, user["id"], fields, _event_key())}
    if button["type"] == "miniprogram":
        # view_miniprogram's elements are unconfirmed (B.11): EventKey = page path, MenuId as for VIEW.
        fields = oa_push.event_fields(
            sandbox, app, user["id"], "view_miniprogram", EventKey=button["pagepath"], MenuId=menu["menuid"]
        )
        return {
            "open_mini_program": {"appid": button["appid"], "pagepath": button["pagepath"]},
            **await _push(sandbox, app, user["id"], fields, _event_key()),
        }
    event = "CLICK" if button["type"] == "click" else button["type"]
    fields = oa_push.event_fields(sandbox, app, user["id"], event, EventKey=button["key"])
    return await _push(sandbox, app, user["id"], fields, _event_key())


@control_endpoint
async def scan(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    user = user_or_error(sandbox, data.get("user"))
    qr = qrcode.resolve(sandbox, ticket=data.get("ticket"), url=data.get("url"))
    if qr is None:
        raise ControlError("unknown_qrcode", "二维码无效或已过期", 404)
    app = official_account(sandbox, qr["appid"])
    scene = qrcode.scene_value(qr)
    if conversation.set_following(
        sandbox,
        app.appid,
        user["id"],
        True,
        scene="ADD_SCENE_QR_CODE",
        qr_scene=qr["scene_id"] or 0,
        qr_scene_str=qr["scene_str"] or "",
    ):
        fields = oa_push.event_fields(
            sandbox, app, user["id"], "subscribe", EventKey="qrscene_" + scene, Ticket=qr["ticket"]
        )
        event = "subscribe"
    else:
        fields = oa_push.event_fields(sandbox, app, user["id"], "SCAN", EventKey=scene, Ticket=qr["ticket"])
        event = "SCAN"
    conversation.touch_interaction(sandbox, app.appid, user["id"], "scan")
    return {"event": event, "scene": scene, **await _push(sandbox, app, user["id"], fields, _event_key())}


def mini_program_app(sandbox: Any, appid: Any):
    apps = sandbox.config.apps_of_kind(MINI_PROGRAM)
    app = sandbox.config.app(str(appid)) if appid else (apps[0] if apps else None)
    if app is None or app.kind != MINI_PROGRAM:
        raise ControlError("unknown_app", "需要一个已配置的小程序", 404)
    return app


@control_endpoint
async def mini_program_message(request: Request, sandbox: Any) -> dict:
    """The user writes in the Mini Program's customer-service session (opens its 48 h window)."""
    data = await read_json(request)
    app, user = mini_program_app(sandbox, data.get("appid")), user_or_error(sandbox, data.get("user"))
    content = data.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ControlError("invalid_request", "content 不能为空")
    return await _user_text(sandbox, app, user, content)


@control_endpoint
async def mini_program_enter_session(request: Request, sandbox: Any) -> dict:
    """The user opens the customer-service session (``user_enter_tempsession`` with ``SessionFrom``)."""
    data = await read_json(request)
    app, user = mini_program_app(sandbox, data.get("appid")), user_or_error(sandbox, data.get("user"))
    conversation.touch_interaction(sandbox, app.appid, user["id"], "mp_enter")
    fields = oa_push.event_fields(
        sandbox, app, user["id"], "user_enter_tempsession", SessionFrom=str(data.get("session_from", ""))
    )
    return await _push(sandbox, app, user["id"], fields, _event_key())


@control_endpoint
async def verify_url(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    appid = data.get("appid")
    app = sandbox.config.app(str(appid)) if appid else official_account(sandbox, None)
    if app is None:
        raise ControlError("unknown_app", f"{appid} 不是已配置的账号", 404)
    return await oa_push.verify_url(sandbox, app)


@control_endpoint
async def conversation_list(request: Request, sandbox: Any) -> dict:
    q = request.query_params
    user = user_or_error(sandbox, q.get("user"))
    appid = q.get("appid")
    app = sandbox.config.app(appid) if appid else official_account(sandbox, None)
    if app is None:
        raise ControlError("unknown_app", f"{appid} 不是已配置的账号", 404)
    try:
        since_id = int(q.get("since_id", "0"))
    except ValueError as exc:
        raise ControlError("invalid_request", "since_id 必须是整数") from exc
    return {
        "appid": app.appid,
        "user": user["id"],
        "following": conversation.is_following(sandbox, app.appid, user["id"]),
        "typing": messages.is_typing(sandbox, app.appid, user["id"]),
        "service_windows": cs_windows.windows(sandbox, app.appid, user["id"]),
        "messages": conversation.messages(sandbox, app.appid, user["id"], since_id),
    }


@control_endpoint
async def menu(request: Request, sandbox: Any) -> dict:
    app = official_account(sandbox, request.query_params.get("appid"))
    return {"appid": app.appid, "menu": menus.current(sandbox, app.appid)}


@control_endpoint
async def subscriptions(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    user = user_or_error(sandbox, data.get("user"))
    appid = data.get("appid")
    apps = sandbox.config.apps_of_kind(MINI_PROGRAM)
    app = sandbox.config.app(appid) if appid else (apps[0] if apps else None)
    if app is None or app.kind != MINI_PROGRAM:
        raise ControlError("unknown_app", "需要一个已配置的小程序", 404)
    template_id, count = data.get("template_id"), data.get("count", 1)
    if not isinstance(template_id, str) or not template_id:
        raise ControlError("invalid_request", "template_id 不能为空")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
        raise ControlError("invalid_request", "count 必须是 1–100 的整数")
    remaining = messages.grant_subscription(sandbox, app.appid, user["id"], template_id, count)
    return {"appid": app.appid, "user": user["id"], "template_id": template_id, "remaining": remaining}


@control_endpoint
async def resolve_link(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    found = links.resolve(sandbox, str(data.get("link", "")))
    if found is None:
        raise ControlError("unknown_link", "链接无效或已过期", 404)
    return found


@control_endpoint
async def resolve_qrcode(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    qr = qrcode.resolve(sandbox, ticket=data.get("ticket"), url=data.get("url"))
    if qr is None:
        raise ControlError("unknown_qrcode", "二维码无效或已过期", 404)
    return {
        "appid": qr["appid"],
        "action_name": qr["action_name"],
        "scene": qrcode.scene_value(qr),
        "url": qrcode.QR_URL_BASE + qr["code"],
        "expires_at": qr["expires_at"],
    }


@control_endpoint
async def settings_view(request: Request, sandbox: Any) -> dict:
    if request.method == "POST":
        try:
            mp_settings.override(sandbox, await read_json(request))
        except ValueError as exc:
            raise ControlError("invalid_settings", str(exc)) from exc
    elif request.method == "DELETE":
        mp_settings.reset_overrides(sandbox)
    oa_push.register(sandbox)  # the push timeout and retries may have changed
    return mp_settings.as_dict(mp_settings.load(sandbox))


@control_endpoint
async def accounts(request: Request, sandbox: Any) -> dict:
    """The configured accounts as the mp surfaces see them (no secrets): original id, push target, menu."""
    return {
        "accounts": [
            {
                "appid": app.appid,
                "kind": app.kind,
                "name": app.name,
                "original_id": oa_push.original_id(sandbox, app),
                "server_url": app.server_url,
                "message_mode": app.message_mode,
                "push_format": oa_push.push_format(sandbox, app),
                "open_platform": app.open_platform,
                "has_menu": menus.current(sandbox, app.appid) is not None,
            }
            for app in sandbox.config.apps
        ]
    }


async def avatar(request: Request) -> Response:
    user = request.app.state.sandbox.users.get(request.path_params["user_id"])
    if user is None:
        return Response("not found", status_code=404)
    hue = int(hashlib.sha1(user["id"].encode()).hexdigest()[:2], 16) * 360 // 256
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132">'
        f'<rect width="132" height="132" rx="12" fill="hsl({hue},55%,55%)"/>'
        f'<text x="66" y="86" font-size="56" text-anchor="middle" fill="#fff" '
        f'font-family="WenQuanYi Micro Hei,sans-serif">{html.escape(user["nickname"][:1])}</text></svg>'
    )
    return Response(svg, media_type="image/svg+xml")


control_routes = [
    Route("/sandbox/mp/oa/follow", follow, methods=["POST"], name="sandbox.mp.oa.follow"),
    Route("/sandbox/mp/oa/unfollow", unfollow, methods=["POST"], name="sandbox.mp.oa.unfollow"),
    Route("/sandbox/mp/oa/message", message, methods=["POST"], name="sandbox.mp.oa.message"),
    Route("/sandbox/mp/oa/click", click, methods=["POST"], name="sandbox.mp.oa.click"),
    Route("/sandbox/mp/oa/scan", scan, methods=["POST"], name="sandbox.mp.oa.scan"),
    Route(
        "/sandbox/mp/miniprogram/message",
        mini_program_message,
        methods=["POST"],
        name="sandbox.mp.miniprogram.message",
    ),
    Route(
        "/sandbox/mp/miniprogram/enter-session",
        mini_program_enter_session,
        methods=["POST"],
        name="sandbox.mp.miniprogram.enter_session",
    ),
    Route("/sandbox/mp/oa/verify-url", verify_url, methods=["POST"], name="sandbox.mp.oa.verify_url"),
    Route(
        "/sandbox/mp/oa/conversation", conversation_list, methods=["GET"], name="sandbox.mp.oa.conversation"
    ),
    Route("/sandbox/mp/oa/menu", menu, methods=["GET"], name="sandbox.mp.oa.menu"),
    Route("/sandbox/mp/subscriptions", subscriptions, methods=["POST"], name="sandbox.mp.subscriptions"),
    Route("/sandbox/mp/links/resolve", resolve_link, methods=["POST"], name="sandbox.mp.links.resolve"),
    Route("/sandbox/mp/qrcode/resolve", resolve_qrcode, methods=["POST"], name="sandbox.mp.qrcode.resolve"),
    Route(
        "/sandbox/mp/settings", settings_view, methods=["GET", "POST", "DELETE"], name="sandbox.mp.settings"
    ),
    Route("/sandbox/mp/accounts", accounts, methods=["GET"], name="sandbox.mp.accounts"),
    Route("/sandbox/mp/avatar/{user_id}.svg", avatar, methods=["GET"], name="sandbox.mp.avatar"),
]
