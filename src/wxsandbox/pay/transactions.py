"""Prepay (JSAPI / App / H5 / Native), query, close (reference §1.8, §1.10)."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.clock import parse_rfc3339
from wxsandbox.pay import store
from wxsandbox.pay.http import PayContext, PayError, param_error, pay_endpoint

OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
TRADE_TYPES = {"jsapi": "JSAPI", "app": "APP", "h5": "MWEB", "native": "NATIVE"}
REQUIRED = "必填性规则校验失败，此字段为必填项"


def _string(data: dict, key: str, path: str, *, required: bool, max_len: int | None = None) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise param_error(path, REQUIRED)
        return ""
    if not isinstance(value, str):
        raise param_error(path, "类型校验失败，应为字符串")
    if max_len is not None and len(value) > max_len:
        raise param_error(path, f"长度校验失败，最大长度为{max_len}")
    return value


def _object(data: dict, key: str, path: str, *, required: bool) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            raise param_error(path, REQUIRED)
        return {}
    if not isinstance(value, dict):
        raise param_error(path, "类型校验失败，应为对象")
    return value


def validate_notify_url(url: str, path: str, require_https: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise param_error(path, "", "notify_url格式不正确，应为完整的URL")
    if require_https and parts.scheme != "https":
        raise param_error(path, "", "notify_url必须为https地址")
    if parts.query or "?" in url:
        raise param_error(path, "", "notify_url不能携带参数")


def validate_prepay(ctx: PayContext, trade_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Field rules of §1.8; returns the normalised order fields."""
    settings = ctx.settings
    appid = _string(data, "appid", "/body/appid", required=True, max_len=32)
    mchid = _string(data, "mchid", "/body/mchid", required=True, max_len=32)
    description = _string(data, "description", "/body/description", required=True, max_len=127)
    out_trade_no = _string(data, "out_trade_no", "/body/out_trade_no", required=True, max_len=32)
    if not OUT_TRADE_NO.fullmatch(out_trade_no):
        raise param_error(
            "/body/out_trade_no", "", "out_trade_no应为6-32位数字、大小写字母、_-|*组成的字符串"
        )
    attach = _string(data, "attach", "/body/attach", required=False, max_len=128)
    notify_url = _string(data, "notify_url", "/body/notify_url", required=True, max_len=255)
    validate_notify_url(notify_url, "/body/notify_url", settings.require_https_notify_url)
    amount = _object(data, "amount", "/body/amount", required=True)
    total = amount.get("total")
    if total is None:
        raise param_error("/body/amount/total", REQUIRED)
    if isinstance(total, bool) or not isinstance(total, int):
        raise param_error("/body/amount/total", "类型校验失败，应为整数")
    if total < 1:
        raise param_error("/body/amount/total", "", "订单金额必须大于0")
    currency = amount.get("currency", "CNY")
    if currency != "CNY":
        raise param_error("/body/amount/currency", "", "境内商户仅支持人民币CNY")
    payer = _object(data, "payer", "/body/payer", required=trade_type == "JSAPI")
    openid = _string(payer, "openid", "/body/payer/openid", required=trade_type == "JSAPI", max_len=128)
    scene = _object(data, "scene_info", "/body/scene_info", required=trade_type == "MWEB")
    if scene:
        _string(scene, "payer_client_ip", "/body/scene_info/payer_client_ip", required=True, max_len=45)
    if trade_type == "MWEB":
        h5_info = _object(scene, "h5_info", "/body/scene_info/h5_info", required=True)
        _string(h5_info, "type", "/body/scene_info/h5_info/type", required=True, max_len=32)
    device_id = (
        _string(scene, "device_id", "/body/scene_info/device_id", required=False, max_len=32) if scene else ""
    )

    settle = _object(data, "settle_info", "/body/settle_info", required=False)
    profit_sharing = settle.get("profit_sharing", False)
    if not isinstance(profit_sharing, bool):
        raise param_error("/body/settle_info/profit_sharing", "类型校验失败，应为布尔值")

    if mchid != ctx.merchant.mchid:
        raise PayError(
            "PARAM_ERROR",
            "请求参数中的mchid与Authorization中的商户号不一致",
            400,
            {"location": "body", "field": "/body/mchid"},
        )
    app = ctx.sandbox.config.app(appid)
    if app is None or appid not in ctx.merchant.appids:
        raise PayError(
            "APPID_MCHID_NOT_MATCH",
            "appid和mch_id不匹配，请检查后再试",
            settings.status_appid_mchid_not_match,
        )
    payer_user = None
    if openid:
        payer_user = ctx.sandbox.users.by_openid(appid, openid)
        if payer_user is None:
            raise PayError(
                "PARAM_ERROR",
                "openid和appid不匹配，请检查后再试",
                400,
                {"location": "body", "field": "/body/payer/openid"},
            )

    now = ctx.sandbox.clock.now()
    expire_at = now + settings.default_expire_seconds
    if data.get("time_expire") is not None:
        raw = data["time_expire"]
        try:
            expire_at = parse_rfc3339(raw)
        except (ValueError, TypeError) as exc:
            raise param_error("/body/time_expire", "", "time_expire格式错误，应为RFC 3339格式") from exc
        # Earlier than creation + 1 min is raised to + 1 min; later than the cap is capped (§1.8).
        expire_at = min(max(expire_at, now + 60), now + settings.max_expire_days * 86400)
    return {
        "mchid": mchid,
        "appid": appid,
        "out_trade_no": out_trade_no,
        "trade_type": trade_type,
        "description": description,
        "attach": attach,
        "notify_url": notify_url,
        "amount_total": total,
        "currency": currency,
        "payer_openid": openid,
        "payer_user_id": payer_user["id"] if payer_user else "",
        "device_id": device_id,
        "expire_at": expire_at,
        "created_at": now,
        "request_digest": request_digest(trade_type, data),
        "profit_sharing": profit_sharing,
    }


def request_digest(kind: str, data: dict[str, Any]) -> str:
    """SHA-256 of the canonical request: equal digests ⇔ a repeated placement with the same parameters."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{kind}:{canonical}".encode()).hexdigest()


def prepay_answer(order: dict[str, Any]) -> dict[str, Any]:
    if order["trade_type"] == "NATIVE":
        return {"code_url": order["code_url"]}
    if order["trade_type"] == "MWEB":
        return {"h5_url": order["h5_url"]}
    return {"prepay_id": order["prepay_id"]}


def place_order(ctx: PayContext, fields: dict[str, Any]) -> dict[str, Any]:
    """Insert the order, or answer a repeated placement: same parameters ⇒ same prepay; else an error.

    The common case is one INSERT; the unique (mchid, out_trade_no) constraint detects a repeat, which is
    then judged against the stored order inside a transaction (no check-then-act window).
    """
    sandbox = ctx.sandbox
    prepay_id = store.new_prepay_id(fields["created_at"])
    code_url = store.new_code_url() if fields["trade_type"] == "NATIVE" else None
    h5_url = None
    if fields["trade_type"] == "MWEB":
        h5_url = (
            "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id="
            f"{quote(prepay_id)}&package={store._digits(10)}"
        )
    try:
        if fields["profit_sharing"]:
            with sandbox.state.transaction():
                _insert_order(sandbox, fields, prepay_id, code_url, h5_url)
        else:  # the hot path: one autocommitted INSERT
            _insert_order(sandbox, fields, prepay_id, code_url, h5_url)
    except sqlite3.IntegrityError:
        return repeated_placement(ctx, fields)
    return {"prepay_id": prepay_id, "code_url": code_url, "h5_url": h5_url, **fields}


def _insert_order(
    sandbox, fields: dict[str, Any], prepay_id: str, code_url: str | None, h5_url: str | None
) -> None:
    """The order row, and with ``settle_info.profit_sharing`` its frozen-funds row (profitsharing.py)."""
    cur = sandbox.state.execute(
        "INSERT INTO pay_orders (mchid, appid, out_trade_no, trade_type, description, attach, notify_url,"
        " amount_total, currency, payer_openid, payer_user_id, device_id, request_digest, prepay_id,"
        " code_url, h5_url, created_at, expire_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?)",
        (
            fields["mchid"],
            fields["appid"],
            fields["out_trade_no"],
            fields["trade_type"],
            fields["description"],
            fields["attach"],
            fields["notify_url"],
            fields["amount_total"],
            fields["currency"],
            fields["payer_openid"],
            fields["payer_user_id"],
            fields["device_id"],
            fields["request_digest"],
            prepay_id,
            code_url,
            h5_url,
            fields["created_at"],
            fields["expire_at"],
        ),
    )
    if fields["profit_sharing"]:
        sandbox.state.execute("INSERT INTO pay_sharing_transactions (order_id) VALUES (?)", (cur.lastrowid,))


def repeated_placement(ctx: PayContext, fields: dict[str, Any]) -> dict[str, Any]:
    sandbox, settings = ctx.sandbox, ctx.settings
    with sandbox.state.transaction():
        existing = store.order_by(sandbox.state, fields["mchid"], out_trade_no=fields["out_trade_no"])
        if existing is None:  # the clash was on a random prepay_id/code_url: astronomically rare
            raise PayError("SYSTEM_ERROR", "系统繁忙，请稍后重试", 500)
        existing = store.expire_if_due(
            sandbox.state, existing, sandbox.clock.now(), settings.expired_order_state
        )
        if existing["trade_state"] in store.PAID_STATES:
            raise PayError(settings.code_close_paid_order, "该订单已支付，请勿重复下单", 400)
        if existing["trade_state"] == "CLOSED":
            raise PayError("ORDER_CLOSED", "订单已关闭", 400)
        if existing["request_digest"] != fields["request_digest"]:
            raise PayError(
                settings.code_out_trade_no_used,
                "商户订单号重复，且请求参数与原订单不一致",
                settings.status_out_trade_no_used,
            )
        return existing


def make_prepay(trade_type: str):
    @pay_endpoint
    async def prepay(request: Request, ctx: PayContext):
        fields = validate_prepay(ctx, trade_type, ctx.json_body())
        return 200, prepay_answer(place_order(ctx, fields))

    prepay.__name__ = f"prepay_{trade_type.lower()}"
    return prepay


def transaction_json(order: dict[str, Any], clock) -> dict[str, Any]:
    """The Transaction object (query answer and decrypted notification), key order as WeChat sends it."""
    paid = order["transaction_id"] is not None
    data: dict[str, Any] = {
        "mchid": order["mchid"],
        "appid": order["appid"],
        "out_trade_no": order["out_trade_no"],
    }
    if paid:
        data["transaction_id"] = order["transaction_id"]
    data["trade_type"] = order["trade_type"]
    data["trade_state"] = order["trade_state"]
    data["trade_state_desc"] = store.TRADE_STATE_DESC.get(order["trade_state"], order["trade_state"])
    if paid:
        data["bank_type"] = order["bank_type"]
        data["attach"] = order["attach"]
        data["success_time"] = clock.rfc3339(order["success_time"])
    if order["payer_openid"]:
        data["payer"] = {"openid": order["payer_openid"]}
    if paid:
        data["amount"] = {
            "total": order["amount_total"],
            "payer_total": order["payer_total"],
            "currency": order["currency"],
            "payer_currency": order["currency"],
        }
    else:
        data["amount"] = {
            "total": order["amount_total"],
            "currency": order["currency"],
            "payer_currency": order["currency"],
        }
    if order["device_id"]:
        data["scene_info"] = {"device_id": order["device_id"]}
    if paid:
        data["promotion_detail"] = []
    return data


def _require_mchid_query(request: Request, ctx: PayContext) -> None:
    mchid = request.query_params.get("mchid")
    if not mchid:
        raise PayError(
            "PARAM_ERROR",
            "输入源“/query/mchid”映射到值字段“mchid”必填性规则校验失败，此字段为必填项",
            400,
            {"location": "query", "field": "mchid"},
        )
    if mchid != ctx.merchant.mchid:
        raise PayError(
            "PARAM_ERROR",
            "请求参数中的mchid与Authorization中的商户号不一致",
            400,
            {"location": "query", "field": "mchid"},
        )


def _load(ctx: PayContext, **key: str) -> dict[str, Any]:
    order = store.order_by(ctx.sandbox.state, ctx.merchant.mchid, **key)
    if order is None:
        raise PayError(ctx.settings.code_order_not_exist, "订单不存在", 404)
    return store.expire_if_due(
        ctx.sandbox.state, order, ctx.sandbox.clock.now(), ctx.settings.expired_order_state
    )


@pay_endpoint
async def query_by_out_trade_no(request: Request, ctx: PayContext):
    _require_mchid_query(request, ctx)
    order = _load(ctx, out_trade_no=request.path_params["out_trade_no"])
    return 200, transaction_json(order, ctx.sandbox.clock)


@pay_endpoint
async def query_by_transaction_id(request: Request, ctx: PayContext):
    _require_mchid_query(request, ctx)
    order = _load(ctx, transaction_id=request.path_params["transaction_id"])
    return 200, transaction_json(order, ctx.sandbox.clock)


@pay_endpoint
async def close(request: Request, ctx: PayContext):
    data = ctx.json_body()
    mchid = _string(data, "mchid", "/body/mchid", required=True, max_len=32)
    if mchid != ctx.merchant.mchid:
        raise PayError(
            "PARAM_ERROR",
            "请求参数中的mchid与Authorization中的商户号不一致",
            400,
            {"location": "body", "field": "/body/mchid"},
        )
    sandbox = ctx.sandbox
    with sandbox.state.transaction():
        order = _load(ctx, out_trade_no=request.path_params["out_trade_no"])
        if order["trade_state"] in store.PAID_STATES:
            raise PayError(ctx.settings.code_close_paid_order, "订单已支付，不能关闭", 400)
        sandbox.state.execute(
            "UPDATE pay_orders SET trade_state = 'CLOSED', closed_at = COALESCE(closed_at, ?)"
            " WHERE id = ? AND trade_state IN ('NOTPAY', 'CLOSED', 'PAYERROR', 'USERPAYING')",
            (sandbox.clock.now(), order["id"]),
        )
    return 204, None


routes = [
    *(
        Route(f"/v3/pay/transactions/{path}", make_prepay(kind), methods=["POST"], name=f"pay.{path}")
        for path, kind in TRADE_TYPES.items()
    ),
    Route(
        "/v3/pay/transactions/out-trade-no/{out_trade_no}",
        query_by_out_trade_no,
        methods=["GET"],
        name="pay.query",
    ),
    Route(
        "/v3/pay/transactions/id/{transaction_id}",
        query_by_transaction_id,
        methods=["GET"],
        name="pay.query_by_id",
    ),
    Route(
        "/v3/pay/transactions/out-trade-no/{out_trade_no}/close", close, methods=["POST"], name="pay.close"
    ),
]
