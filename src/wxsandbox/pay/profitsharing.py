"""Profit sharing (分账, wechat-kf-security-shipping.md §5.1–5.7, 5.10–5.11): receivers, sharing orders,
returns, unfreeze and the unsplit amount, over the same signed Pay v3 pipeline as payments.

Rules, each checked inside the transaction that writes (guarded, no check-then-act):
  * only a transaction paid with ``settle_info.profit_sharing = true`` can be shared ("非分账订单不支持分账");
    its funds stay frozen until shared, unfrozen (``unfreeze_unsplit`` or ``orders/unfreeze``), or
    ``profit_sharing_freeze_days`` after payment ("订单已分账完结" from then on);
  * no earlier than ``profit_sharing_min_delay_seconds`` after payment ("订单处理中，暂时无法分账");
  * every receiver added first for the order's appid ("分账接收方关系不存在"); 1–50 receivers, ≤ 50 orders;
  * all shares of a transaction ≤ (paid − refunded) × ``profit_sharing_max_ratio_bp`` / 10000;
  * a return only from a ``MERCHANT_ID`` receiver of that order, ≤ what it got minus earlier returns;
  * ``out_order_no`` / ``out_return_no`` are idempotency keys: the same body answers the same order, another
    body is refused.
A sharing order is PROCESSING for ``profit_sharing_finish_seconds`` (sandbox time, or that many seconds
scaled by time_factor in wall-clock time, like refunds), then FINISHED with every line SUCCESS; returns
succeed at once. Receivers' own notifications (分账动账通知) go to URLs set in *their* merchant platform,
which the sandbox does not model, so none are sent: merchants query.

``name`` fields are RSA-OAEP encrypted with the platform key named by the request's ``Wechatpay-Serial``.
"""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.pay import crypto, signing, store
from wxsandbox.pay.http import PayContext, PayError, param_error, pay_endpoint
from wxsandbox.pay.transactions import REQUIRED, _string, request_digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS pay_sharing_transactions (
    order_id     INTEGER PRIMARY KEY REFERENCES pay_orders (id),   -- paid with profit_sharing = true
    unfrozen_at  REAL                                               -- no more shares after this
);
CREATE TABLE IF NOT EXISTS pay_sharing_receivers (
    mchid           TEXT NOT NULL,
    appid           TEXT NOT NULL,
    type            TEXT NOT NULL,
    account         TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',        -- decrypted
    relation_type   TEXT NOT NULL,
    custom_relation TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (mchid, appid, type, account)
);
CREATE TABLE IF NOT EXISTS pay_sharing_orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    mchid           TEXT NOT NULL,
    order_id        INTEGER NOT NULL REFERENCES pay_orders (id),
    out_order_no    TEXT NOT NULL,
    sharing_id      TEXT NOT NULL UNIQUE,            -- WeChat's order_id
    kind            TEXT NOT NULL,                   -- share | unfreeze
    unfreeze        INTEGER NOT NULL,                -- this order ended the sharing (1) or not
    request_digest  TEXT NOT NULL,
    created_at      REAL NOT NULL,
    finish_at       REAL NOT NULL,
    finish_real     REAL NOT NULL,
    UNIQUE (mchid, out_order_no)
);
CREATE TABLE IF NOT EXISTS pay_sharing_lines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    sharing      INTEGER NOT NULL REFERENCES pay_sharing_orders (id),
    type         TEXT NOT NULL,
    account      TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount >= 0),
    description  TEXT NOT NULL,
    detail_id    TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS pay_sharing_returns (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    mchid           TEXT NOT NULL,
    sharing         INTEGER NOT NULL REFERENCES pay_sharing_orders (id),
    out_return_no   TEXT NOT NULL,
    return_id       TEXT NOT NULL UNIQUE,
    return_mchid    TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    description     TEXT NOT NULL,
    request_digest  TEXT NOT NULL,
    created_at      REAL NOT NULL,
    UNIQUE (mchid, out_return_no)
);
"""

OUT_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
RECEIVER_TYPES = ("MERCHANT_ID", "PERSONAL_OPENID")
RELATIONS = ("SERVICE_PROVIDER", "STORE", "STAFF", "STORE_OWNER", "PARTNER", "HEADQUARTER", "BRAND",
             "DISTRIBUTOR", "USER", "SUPPLIER", "CUSTOM")  # fmt: skip
MAX_RECEIVERS = 50
MAX_ORDERS = 50
UNFREEZE_DESCRIPTION = "解冻给分账方"


def _invalid(message: str) -> PayError:
    return PayError("INVALID_REQUEST", message, 400)


def _out_no(data: dict[str, Any], key: str) -> str:
    value = _string(data, key, f"/body/{key}", required=True, max_len=64)
    if not OUT_NO.fullmatch(value):
        raise param_error(f"/body/{key}", "", f"{key}应为1-64位数字、大小写字母、_-|*@组成的字符串")
    return value


def decrypt_name(ctx: PayContext, value: Any, path: str) -> str:
    """A receiver's name, RSA-OAEP encrypted with the platform key the request's Wechatpay-Serial names."""
    if not isinstance(value, str) or not value:
        raise param_error(path, "类型校验失败，应为字符串")
    serial = (ctx.request.headers.get("wechatpay-serial") or "").strip().upper()
    anchor = next((a for a in signing.anchors(ctx.merchant).values() if a.serial.upper() == serial), None)
    if anchor is None:
        raise PayError(
            "PARAM_ERROR", "Wechatpay-Serial 与平台证书或公钥 ID 不匹配", 400, {"location": "header"}
        )
    try:
        return crypto.oaep_decrypt(anchor.private_key_pem, value)
    except (ValueError, TypeError) as exc:
        raise param_error(path, "", "敏感信息解密失败，请使用微信支付平台公钥加密") from exc


def _appid(ctx: PayContext, data: dict[str, Any]) -> str:
    appid = _string(data, "appid", "/body/appid", required=True, max_len=32)
    if appid not in ctx.merchant.appids:
        raise PayError("APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配，请检查后再试", 400)
    return appid


def _receiver_key(ctx: PayContext, data: dict[str, Any], path: str) -> tuple[str, str]:
    kind = _string(data, "type", f"{path}/type", required=True, max_len=32)
    if kind not in RECEIVER_TYPES:
        raise param_error(f"{path}/type", "", f"type应为{'、'.join(RECEIVER_TYPES)}之一")
    account = _string(data, "account", f"{path}/account", required=True, max_len=64)
    return kind, account


# -- receivers --------------------------------------------------------------------------------------------------------


@pay_endpoint
async def add_receiver(request: Request, ctx: PayContext):
    data = ctx.json_body()
    appid = _appid(ctx, data)
    kind, account = _receiver_key(ctx, data, "/body")
    relation = _string(data, "relation_type", "/body/relation_type", required=True, max_len=32)
    if relation not in RELATIONS:
        raise param_error("/body/relation_type", "", "relation_type不合法")
    custom = _string(
        data, "custom_relation", "/body/custom_relation", required=relation == "CUSTOM", max_len=10
    )
    name = ""
    if data.get("name") is not None or kind == "MERCHANT_ID":
        if data.get("name") is None:
            raise param_error("/body/name", REQUIRED)
        name = decrypt_name(ctx, data["name"], "/body/name")
    if kind == "PERSONAL_OPENID" and ctx.sandbox.users.by_openid(appid, account) is None:
        raise PayError("PARAM_ERROR", "分账接收方openid与appid不匹配", 400, {"field": "/body/account"})
    if kind == "MERCHANT_ID":
        known = ctx.sandbox.config.merchant(account)
        if known is not None and known.name != name:
            raise PayError("PARAM_ERROR", "分账接收方全称与商户号不匹配", 400, {"field": "/body/name"})
        if not account.isdigit():
            raise PayError("PARAM_ERROR", "分账接收方商户号不合法", 400, {"field": "/body/account"})
    ctx.sandbox.state.execute(  # adding again is accepted and refreshes the relation (idempotent)
        "INSERT INTO pay_sharing_receivers (mchid, appid, type, account, name, relation_type, custom_relation)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mchid, appid, type, account) DO UPDATE SET"
        " name = excluded.name, relation_type = excluded.relation_type, custom_relation = excluded.custom_relation",
        (ctx.merchant.mchid, appid, kind, account, name, relation, custom),
    )
    answer = {"type": kind, "account": account}
    if data.get("name") is not None:
        answer["name"] = data["name"]
    answer["relation_type"] = relation
    if custom:
        answer["custom_relation"] = custom
    return 200, answer


@pay_endpoint
async def delete_receiver(request: Request, ctx: PayContext):
    data = ctx.json_body()
    appid = _appid(ctx, data)
    kind, account = _receiver_key(ctx, data, "/body")
    ctx.sandbox.state.execute(
        "DELETE FROM pay_sharing_receivers WHERE mchid = ? AND appid = ? AND type = ? AND account = ?",
        (ctx.merchant.mchid, appid, kind, account),
    )
    return 200, {"type": kind, "account": account}


# -- the frozen amount --------------------------------------------------------------------------------------------------


def _transaction(ctx: PayContext, transaction_id: str) -> dict[str, Any]:
    order = store.order_by(ctx.sandbox.state, ctx.merchant.mchid, transaction_id=transaction_id)
    if order is None:
        raise PayError("RESOURCE_NOT_EXISTS", "订单不存在", 404)
    return order


def _sharing(ctx: PayContext, order: dict[str, Any]) -> Any:
    """The order's sharing row, with the automatic unfreeze applied when its time has come."""
    state, settings = ctx.sandbox.state, ctx.settings
    row = state.one("SELECT * FROM pay_sharing_transactions WHERE order_id = ?", (order["id"],))
    if row is None:
        return None
    due = (order["success_time"] or 0) + settings.profit_sharing_freeze_days * 86400
    if row["unfrozen_at"] is None and order["success_time"] is not None and ctx.sandbox.clock.now() >= due:
        state.execute(
            "UPDATE pay_sharing_transactions SET unfrozen_at = ? WHERE order_id = ? AND unfrozen_at IS NULL",
            (due, order["id"]),
        )
        row = state.one("SELECT * FROM pay_sharing_transactions WHERE order_id = ?", (order["id"],))
    return row


def shared_total(state, order_id: int) -> int:
    return state.scalar(
        "SELECT COALESCE(SUM(l.amount), 0) FROM pay_sharing_lines l JOIN pay_sharing_orders o ON o.id = l.sharing"
        " WHERE o.order_id = ? AND o.kind = 'share' AND NOT (l.type = 'MERCHANT_ID' AND l.account = o.mchid)",
        (order_id,),
    )


def unsplit(ctx: PayContext, order: dict[str, Any], sharing: Any) -> int:
    """Still frozen: paid − refunded − shared, or 0 once unfrozen (or for a non-sharing order)."""
    if sharing is None or sharing["unfrozen_at"] is not None or order["trade_state"] not in store.PAID_STATES:
        return 0
    left = order["amount_total"] - order["refunded_total"] - shared_total(ctx.sandbox.state, order["id"])
    return max(0, left)


@pay_endpoint
async def amounts(request: Request, ctx: PayContext):
    order = _transaction(ctx, request.path_params["transaction_id"])
    with ctx.sandbox.state.transaction():
        left = unsplit(ctx, order, _sharing(ctx, order))
    return 200, {"transaction_id": order["transaction_id"], "unsplit_amount": left}


# -- sharing orders --------------------------------------------------------------------------------------------------------


def _finished(ctx: PayContext, row: Any) -> bool:
    return ctx.sandbox.clock.now() >= row["finish_at"] or time.time() >= row["finish_real"]


def order_json(ctx: PayContext, row: Any) -> dict[str, Any]:
    clock = ctx.sandbox.clock
    order = ctx.sandbox.state.one("SELECT transaction_id FROM pay_orders WHERE id = ?", (row["order_id"],))
    done = _finished(ctx, row)
    lines = []
    for line in ctx.sandbox.state.query(
        "SELECT * FROM pay_sharing_lines WHERE sharing = ? ORDER BY id", (row["id"],)
    ):
        item = {
            "amount": line["amount"],
            "description": line["description"],
            "type": line["type"],
            "account": line["account"],
            "result": "SUCCESS" if done else "PENDING",
            "detail_id": line["detail_id"],
            "create_time": clock.rfc3339(row["created_at"]),
        }
        if done:
            item["finish_time"] = clock.rfc3339(min(row["finish_at"], clock.now()))
        lines.append(item)
    return {
        "transaction_id": order["transaction_id"],
        "out_order_no": row["out_order_no"],
        "order_id": row["sharing_id"],
        "state": "FINISHED" if done else "PROCESSING",
        "receivers": lines,
    }


def _new_id(prefix: str) -> str:
    return prefix + store._digits(28 - len(prefix))


def _repeat(ctx: PayContext, out_order_no: str, digest: str) -> dict[str, Any] | None:
    """The stored order for a repeated out_order_no (same body), or a refusal (another body)."""
    row = ctx.sandbox.state.one(
        "SELECT * FROM pay_sharing_orders WHERE mchid = ? AND out_order_no = ?",
        (ctx.merchant.mchid, out_order_no),
    )
    if row is None:
        return None
    if row["request_digest"] != digest:
        raise _invalid("商户分账单号重复，且请求参数与原分账单不一致")
    return order_json(ctx, row)


def _insert_order(ctx: PayContext, order: dict[str, Any], out_order_no: str, kind: str, unfreeze: bool,
                  digest: str, lines: list[tuple[str, str, int, str]]) -> Any:  # fmt: skip
    sandbox, settings = ctx.sandbox, ctx.settings
    now = sandbox.clock.now()
    delay = settings.profit_sharing_finish_seconds
    cur = sandbox.state.execute(
        "INSERT INTO pay_sharing_orders (mchid, order_id, out_order_no, sharing_id, kind, unfreeze, request_digest,"
        " created_at, finish_at, finish_real) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ctx.merchant.mchid, order["id"], out_order_no, _new_id("3008"), kind, int(unfreeze), digest, now,
         now + delay, time.time() + delay * sandbox.callbacks.time_factor),
    )  # fmt: skip
    for kind_, account, amount, description in lines:
        sandbox.state.execute(
            "INSERT INTO pay_sharing_lines (sharing, type, account, amount, description, detail_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (cur.lastrowid, kind_, account, amount, description, _new_id("3601")),
        )
    if unfreeze:
        sandbox.state.execute(
            "UPDATE pay_sharing_transactions SET unfrozen_at = ? WHERE order_id = ?", (now, order["id"])
        )
    return sandbox.state.one("SELECT * FROM pay_sharing_orders WHERE id = ?", (cur.lastrowid,))


def _shareable(ctx: PayContext, order: dict[str, Any]) -> Any:
    """The sharing row of a paid profit-sharing transaction that may still be shared, else the refusal."""
    sharing = _sharing(ctx, order)
    if sharing is None:
        raise _invalid("非分账订单不支持分账")
    paid_at = order["success_time"]
    if order["trade_state"] not in store.PAID_STATES or paid_at is None:
        raise _invalid("订单处理中，暂时无法分账")
    if ctx.sandbox.clock.now() < paid_at + ctx.settings.profit_sharing_min_delay_seconds:
        raise _invalid("订单处理中，暂时无法分账")
    if sharing["unfrozen_at"] is not None:
        raise _invalid("订单已分账完结，不能再分账")
    return sharing


def _lines(ctx: PayContext, appid: str, raw: Any) -> list[tuple[str, str, int, str]]:
    if not isinstance(raw, list) or not raw:
        raise param_error("/body/receivers", REQUIRED)
    if len(raw) > MAX_RECEIVERS:
        raise param_error("/body/receivers", "", f"分账接收方最多{MAX_RECEIVERS}个")
    lines, seen = [], set()
    for index, item in enumerate(raw):
        path = f"/body/receivers/{index}"
        if not isinstance(item, dict):
            raise param_error(path, "类型校验失败，应为对象")
        kind, account = _receiver_key(ctx, item, path)
        amount = item.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise param_error(f"{path}/amount", "类型校验失败，应为整数")
        if amount < 1:
            raise param_error(f"{path}/amount", "", "分账金额必须大于0")
        description = _string(item, "description", f"{path}/description", required=True, max_len=80)
        if item.get("name") is not None:
            decrypt_name(ctx, item["name"], f"{path}/name")
        if (kind, account) in seen:
            raise param_error(path, "", "分账接收方重复")
        seen.add((kind, account))
        known = ctx.sandbox.state.one(
            "SELECT 1 FROM pay_sharing_receivers WHERE mchid = ? AND appid = ? AND type = ? AND account = ?",
            (ctx.merchant.mchid, appid, kind, account),
        )
        if known is None:
            raise _invalid("分账接收方关系不存在，请先添加分账接收方")
        lines.append((kind, account, amount, description))
    return lines


@pay_endpoint
async def create(request: Request, ctx: PayContext):
    data = ctx.json_body()
    appid = _appid(ctx, data)
    transaction_id = _string(data, "transaction_id", "/body/transaction_id", required=True, max_len=32)
    out_order_no = _out_no(data, "out_order_no")
    unfreeze = data.get("unfreeze_unsplit")
    if not isinstance(unfreeze, bool):
        raise param_error(
            "/body/unfreeze_unsplit", REQUIRED if unfreeze is None else "类型校验失败，应为布尔值"
        )
    digest = request_digest("profitsharing", data)
    state = ctx.sandbox.state
    with state.transaction():
        repeated = _repeat(ctx, out_order_no, digest)
        if repeated is not None:
            return 200, repeated
        order = _transaction(ctx, transaction_id)
        if order["appid"] != appid:
            raise _invalid("appid与订单不一致")
        _shareable(ctx, order)
        lines = _lines(ctx, appid, data.get("receivers"))
        count = state.scalar(
            "SELECT COUNT(*) FROM pay_sharing_orders WHERE order_id = ? AND kind = 'share'", (order["id"],)
        )
        if count >= MAX_ORDERS:
            raise _invalid(f"分账次数过多，同一订单最多分账{MAX_ORDERS}次")
        base = order["amount_total"] - order["refunded_total"]
        cap = base * ctx.settings.profit_sharing_max_ratio_bp // 10000
        total = sum(line[2] for line in lines)
        if shared_total(state, order["id"]) + total > cap:
            raise _invalid("分账金额超出最大分账比例")
        if unfreeze:  # the remainder goes to the merchant itself: its own line in the order
            rest = base - shared_total(state, order["id"]) - total
            lines.append(("MERCHANT_ID", ctx.merchant.mchid, max(0, rest), UNFREEZE_DESCRIPTION))
        try:
            row = _insert_order(ctx, order, out_order_no, "share", unfreeze, digest, lines)
        except sqlite3.IntegrityError as exc:  # a concurrent request with the same out_order_no won
            raise PayError("SYSTEM_ERROR", "系统繁忙，请使用相同的商户分账单号重试", 500) from exc
    return 200, order_json(ctx, row)


@pay_endpoint
async def unfreeze(request: Request, ctx: PayContext):
    data = ctx.json_body()
    transaction_id = _string(data, "transaction_id", "/body/transaction_id", required=True, max_len=32)
    out_order_no = _out_no(data, "out_order_no")
    description = _string(data, "description", "/body/description", required=True, max_len=80)
    digest = request_digest("unfreeze", data)
    with ctx.sandbox.state.transaction():
        repeated = _repeat(ctx, out_order_no, digest)
        if repeated is not None:
            return 200, repeated
        order = _transaction(ctx, transaction_id)
        sharing = _shareable(ctx, order)
        rest = unsplit(ctx, order, sharing)
        line = ("MERCHANT_ID", ctx.merchant.mchid, rest, description or UNFREEZE_DESCRIPTION)
        row = _insert_order(ctx, order, out_order_no, "unfreeze", True, digest, [line])
    return 200, order_json(ctx, row)


@pay_endpoint
async def query(request: Request, ctx: PayContext):
    transaction_id = request.query_params.get("transaction_id")
    if not transaction_id:
        raise PayError(
            "PARAM_ERROR", "transaction_id必填", 400, {"location": "query", "field": "transaction_id"}
        )
    row = ctx.sandbox.state.one(
        "SELECT o.* FROM pay_sharing_orders o JOIN pay_orders p ON p.id = o.order_id"
        " WHERE o.mchid = ? AND o.out_order_no = ? AND p.transaction_id = ?",
        (ctx.merchant.mchid, request.path_params["out_order_no"], transaction_id),
    )
    if row is None:
        raise PayError("RESOURCE_NOT_EXISTS", "分账单不存在", 404)
    return 200, order_json(ctx, row)


# -- returns ------------------------------------------------------------------------------------------------------------------


def return_json(ctx: PayContext, row: Any) -> dict[str, Any]:
    clock = ctx.sandbox.clock
    sharing = ctx.sandbox.state.one("SELECT * FROM pay_sharing_orders WHERE id = ?", (row["sharing"],))
    return {
        "order_id": sharing["sharing_id"],
        "out_order_no": sharing["out_order_no"],
        "out_return_no": row["out_return_no"],
        "return_id": row["return_id"],
        "return_mchid": row["return_mchid"],
        "amount": row["amount"],
        "description": row["description"],
        "result": "SUCCESS",
        "create_time": clock.rfc3339(row["created_at"]),
        "finish_time": clock.rfc3339(row["created_at"]),
    }


@pay_endpoint
async def create_return(request: Request, ctx: PayContext):
    data = ctx.json_body()
    sharing_id = _string(data, "order_id", "/body/order_id", required=False, max_len=64)
    out_order_no = _string(data, "out_order_no", "/body/out_order_no", required=False, max_len=64)
    if not sharing_id and not out_order_no:
        raise PayError("PARAM_ERROR", "order_id和out_order_no必须二选一", 400, {"location": "body"})
    out_return_no = _out_no(data, "out_return_no")
    return_mchid = _string(data, "return_mchid", "/body/return_mchid", required=True, max_len=32)
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise param_error("/body/amount", REQUIRED if amount is None else "类型校验失败，应为整数")
    if amount < 1:
        raise param_error("/body/amount", "", "回退金额必须大于0")
    description = _string(data, "description", "/body/description", required=True, max_len=80)
    digest = request_digest("return", data)
    state, mchid = ctx.sandbox.state, ctx.merchant.mchid
    with state.transaction():
        existing = state.one(
            "SELECT * FROM pay_sharing_returns WHERE mchid = ? AND out_return_no = ?", (mchid, out_return_no)
        )
        if existing is not None:
            if existing["request_digest"] != digest:
                raise _invalid("商户回退单号重复，且请求参数与原回退单不一致")
            return 200, return_json(ctx, existing)
        key, value = ("sharing_id", sharing_id) if sharing_id else ("out_order_no", out_order_no)
        sharing = state.one(
            f"SELECT * FROM pay_sharing_orders WHERE mchid = ? AND kind = 'share' AND {key} = ?",
            (mchid, value),
        )
        if sharing is None or (sharing_id and out_order_no and sharing["out_order_no"] != out_order_no):
            raise PayError("RESOURCE_NOT_EXISTS", "分账单不存在", 404)
        got = state.scalar(
            "SELECT COALESCE(SUM(amount), 0) FROM pay_sharing_lines WHERE sharing = ? AND type = 'MERCHANT_ID'"
            " AND account = ?",
            (sharing["id"], return_mchid),
        )
        if not got or return_mchid == mchid:
            raise _invalid("回退方不是该分账单的商户类型分账接收方")
        returned = state.scalar(
            "SELECT COALESCE(SUM(amount), 0) FROM pay_sharing_returns WHERE sharing = ? AND return_mchid = ?",
            (sharing["id"], return_mchid),
        )
        if returned + amount > got:
            raise _invalid("回退金额超过分账金额")
        cur = state.execute(
            "INSERT INTO pay_sharing_returns (mchid, sharing, out_return_no, return_id, return_mchid, amount,"
            " description, request_digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (mchid, sharing["id"], out_return_no, _new_id("3008"), return_mchid, amount, description, digest,
             ctx.sandbox.clock.now()),
        )  # fmt: skip
        row = state.one("SELECT * FROM pay_sharing_returns WHERE id = ?", (cur.lastrowid,))
    return 200, return_json(ctx, row)


@pay_endpoint
async def query_return(request: Request, ctx: PayContext):
    out_order_no = request.query_params.get("out_order_no")
    if not out_order_no:
        raise PayError("PARAM_ERROR", "out_order_no必填", 400, {"location": "query", "field": "out_order_no"})
    row = ctx.sandbox.state.one(
        "SELECT r.* FROM pay_sharing_returns r JOIN pay_sharing_orders o ON o.id = r.sharing"
        " WHERE r.mchid = ? AND r.out_return_no = ? AND o.out_order_no = ?",
        (ctx.merchant.mchid, request.path_params["out_return_no"], out_order_no),
    )
    if row is None:
        raise PayError("RESOURCE_NOT_EXISTS", "回退单不存在", 404)
    return 200, return_json(ctx, row)


_BASE = "/v3/profitsharing"
routes = [
    Route(f"{_BASE}/receivers/add", add_receiver, methods=["POST"], name="pay.profitsharing.receivers_add"),
    Route(
        f"{_BASE}/receivers/delete",
        delete_receiver,
        methods=["POST"],
        name="pay.profitsharing.receivers_delete",
    ),
    Route(f"{_BASE}/orders", create, methods=["POST"], name="pay.profitsharing.create"),
    Route(f"{_BASE}/orders/unfreeze", unfreeze, methods=["POST"], name="pay.profitsharing.unfreeze"),
    Route(f"{_BASE}/orders/{{out_order_no}}", query, methods=["GET"], name="pay.profitsharing.query"),
    Route(f"{_BASE}/return-orders", create_return, methods=["POST"], name="pay.profitsharing.return"),
    Route(
        f"{_BASE}/return-orders/{{out_return_no}}",
        query_return,
        methods=["GET"],
        name="pay.profitsharing.return_query",
    ),
    Route(
        f"{_BASE}/transactions/{{transaction_id}}/amounts",
        amounts,
        methods=["GET"],
        name="pay.profitsharing.amounts",
    ),
]
