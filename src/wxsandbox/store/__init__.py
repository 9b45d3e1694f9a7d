"""WeChat Store (微信小店) surface of wxsandbox: the shop APIs under /channels/ec/* (wechat-store-channels.md).

Only a ``kind = "store"`` app's access_token (``/cgi-bin/stable_token`` or ``/cgi-bin/token`` with the
shop's AppID/AppSecret) may call these (48001 otherwise). Every answer is WeChat's envelope ``{"errcode",
"errmsg", …}`` on HTTP 200; ids are emitted as JSON strings and accepted as strings or numbers; money is
fen. Body-less reads accept GET or POST ``{}``; other APIs answer GET with 43002.

  module      WeChat endpoints (POST JSON unless noted)
  shop        GET|POST basics/info/get; basics/img/upload?upload_type=0|1&resp_type=0|1 (multipart / img_url)
  categories  GET|POST category/all; category/availablesoncategories/get; category/detail;
              GET|POST category/list/get
  products    product/add, update, get (data_type 1 online | 2 draft | 3 both), list/get (next_key),
              listing, delisting, delete, audit/cancel, stock/update (diff_type 1 add | 2 subtract | 3 set),
              stock/get, stock/batchget
  orders      order/list/get (create/update_time_range ≤ 7 days, next_key), get, search, price/update,
              merchantnotes/update, sensitiveinfo/decode, deliverycompanylist/get (+ /new/get),
              delivery/send
  aftersales  aftersale/getaftersalelist (≤ 24 h of create or update time), getaftersaleorder, acceptapply,
              rejectapply, reason/get, rejectreason/get
  coupons     coupon/create, update, update_status, get, get_list (page, page_ctx), get_user_coupon_list,
              get_user_coupon
  compass     compass/shop/overall/get, product/data/get, product/list/get, sale/profile/data/get ({ds}
              YYYYMMDD Beijing day; data ``compass_*_delay_seconds`` after the day ends, else 10024001)
  sharers     sharer/bind, search_sharer, get_sharer_list, unbind, get_sharer_order_list (§8.3; push
              channels_ec_sharer_change)
  league      league/promoter/add, upd, delete, get, list/get; league/item/batchadd, upd, delete, get,
              list/get (§8.4–8.5, 优选联盟)
  finder      finderlive/getfinderliverecordlist, getfinderlivenoticerecordlist, get_finder_attr_by_appid
              (a ``kind = "channels"`` app's 视频号助手 token)
  lives,      live rooms and short videos are run in 视频号助手 (§8.2: no open API): control API only
  videos
  window      window/product/add, get, list/get, off (§8.1, 视频号助手 token)
  quota       POST /cgi-bin/openapi/quota/get, /cgi-bin/openapi/quota/clear (per appid and cgi_path;
              ``[store] daily_quotas`` → 45009)
  push        events to the shop's server_url: safe-mode JSON, WeChat's retry schedule (callback kind
              ``store.push``)

Any other /channels/* path answers 40066 ``invalid url``. Knobs: ``settings.py`` (``[store]`` table,
run-time overrides; ``settings.EXAMPLE_TOML`` documents them).

Control API (JSON; errors ``{"error", "message"}`` with a 4xx status; ``appid`` defaults to the first store
app):

  GET|POST /sandbox/store/finders              ?appid= / {"nickname", "finder_id"?, "appid"?}  bound Channels
                                               accounts; 409 finder_limit_reached past the shop type's limit
  DELETE   /sandbox/store/finders/{finder_id}  unbind
  GET      /sandbox/store/media/{media_id}     an uploaded image's bytes
  GET      /sandbox/store/products             ?appid=&status=  products with status, edit_status, stock
  GET      /sandbox/store/products/{id}        one product's summary
  POST     /sandbox/store/products/{id}/audit  {"outcome": "pass"|"reject", "reason"?}  decide a pending audit
  POST     /sandbox/store/products/{id}/platform-delist  {"status": 13|14|15|20, "reason"?}
  POST     /sandbox/store/products/bulk        {"products": [{"out_product_id", "title"?, "skus": [{"out_sku_id",
                                               "sale_price", "stock"}]}]}  already-listed products (no audit,
                                               no pushes; benchmarks) → 201 the assigned ids
  POST     /sandbox/store/stock                {"items": [{"sku_id", "stock"}]}  set stock from WeChat's side
  GET|POST /sandbox/store/orders               ?appid= / a buyer orders: {"user", "product_id", "sku_id",
                                               "count"? | "items": [...], "finder_id"?, "live_id"? | "video_id"?,
                                               "order_scene"?, "sharer"? {"user", "share_scene"}, "promoter"?,
                                               "address"?,
                                               "customer_notes"?, "freight"?, "user_coupon_id"?, "appid"?} → 201 {"order"}
  GET      /sandbox/store/orders/{id}          the order object
  POST     /sandbox/store/orders/{id}/pay      the buyer pays (10 → 20)
  POST     /sandbox/store/orders/{id}/cancel   {"cancel_type": 1 (buyer, unpaid) | 4 (oversold, paid)}
  POST     /sandbox/store/orders/{id}/confirm  the buyer confirms receipt (30 → 100)
  GET|POST /sandbox/store/aftersales           ?appid= / the buyer applies: {"order_id", "sku_id"?, "count"?,
                                               "type": "REFUND"|"RETURN", "reason"?, "amount"?, "desc"?} → 201
  POST     /sandbox/store/aftersales/{id}/return  {"delivery_id", "waybill_id"}  the buyer ships the return
  POST     /sandbox/store/aftersales/{id}/cancel  the buyer withdraws the request
  POST     /sandbox/store/coupons/{id}/claim   {"user"}  the buyer claims a live coupon (use it by ordering
                                               with "user_coupon_id")
  GET|POST /sandbox/store/sharers              ?appid= / {"user", "sharer_type"? 0|1}  the invited user accepts
                                               a sharer/bind code (type 0), or staff add a 店铺分享员 (type 1)
  POST     /sandbox/store/promoters/{finder_id}/accept|reject  {"nickname"?}  the creator answers an 优选联盟
                                               invitation
  …        /sandbox/channels/lives, /sandbox/channels/videos   live sessions and short videos (lives.py, videos.py)
  GET      /sandbox/store/events               ?appid=&event=<glob>&business_id=&since_id=  pushed events
                                               (plaintext) with their deliveries' status
  GET      /sandbox/store/deliveries           ?status=&event=&since_id=  push deliveries with every attempt
  POST     /sandbox/store/verify-url           {"appid"?}  WeChat's URL-verification GET to server_url
  GET|POST|DELETE /sandbox/store/settings      effective settings / override / reset
  POST     /sandbox/store/reset                forget all store state and overrides
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import STORE
from wxsandbox.control import ControlError, read_json
from wxsandbox.mp import oa_push
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import wx_endpoint
from wxsandbox.store import (
    aftersales,
    categories,
    compass,
    coupons,
    finder,
    league,
    lives,
    orders,
    products,
    push,
    quota,
    sharers,
    shop,
    timers,
    videos,
    window,
)
from wxsandbox.store import settings as store_settings
from wxsandbox.store.http import control_api, shop_of

_MODULES = (
    shop,
    categories,
    products,
    orders,
    aftersales,
    coupons,
    compass,
    quota,
    lives,
    videos,
    finder,
    sharers,
    league,
    window,
)


@wx_endpoint
async def _unknown_api(request: Request, sandbox: Any) -> dict:
    raise WxError(40066)


routes = [route for module in _MODULES for route in module.routes] + [
    Route("/channels/{rest:path}", _unknown_api, methods=["GET", "POST"], name="store.unknown")
]


@control_api
async def _events_route(request: Request, sandbox: Any) -> Any:
    q = request.query_params
    since = q.get("since_id", "0")
    if not since.isdigit():
        raise ControlError("invalid_request", "since_id must be an integer")
    app = shop_of(sandbox, q.get("appid"))
    found = push.events(
        sandbox, appid=app.appid, event=q.get("event"), business_id=q.get("business_id"), since_id=int(since)
    )
    return {"events": found}


@control_api
async def _deliveries_route(request: Request, sandbox: Any) -> Any:
    """Push deliveries (callback kind ``store.push``) with their attempts; ``event`` is in ``meta``."""
    q = request.query_params
    since = q.get("since_id", "0")
    if not since.isdigit():
        raise ControlError("invalid_request", "since_id must be an integer")
    found = sandbox.callbacks.list(
        kind=push.KIND, status=q.get("status") or None, since_id=int(since), limit=5000
    )
    event = q.get("event")
    return {"deliveries": [d for d in found if not event or d["meta"].get("event") == event]}


@control_api
async def _verify_url_route(request: Request, sandbox: Any) -> Any:
    app = shop_of(sandbox, (await read_json(request)).get("appid"))
    return await oa_push.verify_url(sandbox, push.target(sandbox, app))


@control_api
async def _settings_route(request: Request, sandbox: Any) -> Any:
    if request.method == "POST":
        try:
            store_settings.override(sandbox, await read_json(request))
        except ValueError as exc:
            raise ControlError("invalid_request", str(exc)) from exc
        push.register(sandbox)
    elif request.method == "DELETE":
        store_settings.reset_overrides(sandbox)
        push.register(sandbox)
    return store_settings.as_dict(store_settings.load(sandbox))


@control_api
async def _reset_route(request: Request, sandbox: Any) -> Any:
    reset(sandbox)
    return {"ok": True}


control_routes = [r for module in _MODULES for r in getattr(module, "control_routes", [])] + [
    Route("/sandbox/store/events", _events_route, methods=["GET"], name="sandbox.store.events"),
    Route("/sandbox/store/deliveries", _deliveries_route, methods=["GET"], name="sandbox.store.deliveries"),
    Route("/sandbox/store/verify-url", _verify_url_route, methods=["POST"], name="sandbox.store.verify_url"),
    Route(
        "/sandbox/store/settings",
        _settings_route,
        methods=["GET", "POST", "DELETE"],
        name="sandbox.store.settings",
    ),
    Route("/sandbox/store/reset", _reset_route, methods=["POST"], name="sandbox.store.reset"),
]

SCHEMA = "\n".join([timers.SCHEMA, push.SCHEMA, *(m.SCHEMA for m in _MODULES if hasattr(m, "SCHEMA"))])
EXAMPLE_TOML = store_settings.EXAMPLE_TOML  # appended to `wxsandbox config --example`


def setup(sandbox: Any) -> None:
    """Called once by the core's ``create_app``: push kind, timer handlers, the shops' official accounts."""
    push.register(sandbox)
    timers.register(sandbox, "audit", products.run_audit)
    timers.register(sandbox, "pay_timeout", orders.run_pay_timeout)
    timers.register(sandbox, "auto_confirm", orders.run_auto_confirm)
    timers.register(sandbox, "settle", orders.run_settle)
    timers.register(sandbox, "coupon_expire", coupons.run_coupon_expire)
    timers.register(sandbox, "user_coupon_expire", coupons.run_user_coupon_expire)
    sandbox.clock.on_advance(lambda _now: timers.run_due(sandbox))
    shop.seed(sandbox)


def reset(sandbox: Any) -> None:
    """Forget everything the store surface holds and its run-time settings (ids keep counting)."""
    tables = [
        r["name"]
        for r in sandbox.state.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'store\\_%' ESCAPE '\\'"
        )
    ]
    with sandbox.state.transaction():
        for table in tables:
            sandbox.state.execute(f'DELETE FROM "{table}"')
    store_settings.reset_overrides(sandbox)
    push.register(sandbox)
    if sandbox.config.apps_of_kind(STORE):
        shop.seed(sandbox)
