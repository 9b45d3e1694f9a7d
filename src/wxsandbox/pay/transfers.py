"""Merchant transfer to a user's WeChat balance (商家转账, 2025 version; wechat-kf-security-shipping.md §5.12).

``transfer-bills`` creates a bill in ``WAIT_USER_CONFIRM`` with a ``package_info`` the merchant's page hands to
``wx.requestMerchantTransfer``; the user's answer is the control route ``POST /sandbox/pay/transfers/
{out_bill_no}/confirm {"accept": true|false}``: accept → SUCCESS (the amount leaves a set balance; FAIL with
``fail_reason`` NOT_ENOUGH when it cannot), decline → CANCELLED (what a declined confirmation ends as is
unconfirmed). The merchant may cancel before the user answers (→ CANCELLED; the
intermediate CANCELING is not observable here). Every final state sends a signed ``MCHTRANSFER.BILL.FINISHED``
notification to the bill's ``notify_url`` when one was given. ``out_bill_no`` is the idempotency key (same
body → the same bill, another body → 400 INVALID_REQUEST). ``user_name`` (RSA-OAEP with the platform key the
``Wechatpay-Serial`` header names; another serial or an undecryptable value → 400 PARAM_ERROR) is required
from ``[pay] transfer_user_name_required_from`` (200000 fen, 2,000 yuan); the code of that refusal is
``code_transfer_user_name_missing`` (unconfirmed; PARAM_ERROR).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.control import ControlError, handles_control_errors, read_json
from wxsandbox.pay import notify, store
from wxsandbox.pay.http import PayContext, PayError, param_error, pay_endpoint
from wxsandbox.pay.profitsharing import decrypt_name
from wxsandbox.pay.transactions import REQUIRED, _string, request_digest, validate_notify_url
from wxsandbox.responses import json_response

SCHEMA = """
CREATE TABLE IF NOT EXISTS pay_transfers (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    mchid             TEXT NOT NULL,
    appid             TEXT NOT NULL,
    out_bill_no       TEXT NOT NULL,
    transfer_bill_no  TEXT NOT NULL UNIQUE,
    scene_id          TEXT NOT NULL,
    openid            TEXT NOT NULL,
    user_name         TEXT NOT NULL DEFAULT '',
    amount            INTEGER NOT NULL CHECK (amount > 0),
    remark            TEXT NOT NULL,
    notify_url        TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL,
    fail_reason       TEXT NOT NULL DEFAULT '',
    package_info      TEXT NOT NULL,
    request_digest    TEXT NOT NULL,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL,
    UNIQUE (mchid, out_bill_no)
);
"""

OUT_BILL_NO = re.compile(r"[0-9A-Za-z]{5,32}")
SCENES = ("1000", "1001", "1002", "1003", "1004", "1005", "1006")  # 现金营销, …, 1005 佣金报酬, 1006 企业报销
FINAL = ("SUCCESS", "FAIL", "CANCELLED")


def bill_json(sandbox, row: Any) -> dict[str, Any]:
    clock = sandbox.clock
    data = {
        "mch_id": row["mchid"],
        "out_bill_no": row["out_bill_no"],
        "transfer_bill_no": row["transfer_bill_no"],
        "appid": row["appid"],
        "state": row["state"],
        "transfer_amount": row["amount"],
        "transfer_remark": row["remark"],
        "openid": row["openid"],
        "create_time": clock.rfc3339(row["created_at"]),
        "update_time": clock.rfc3339(row["updated_at"]),
    }
    if row["fail_reason"]:
        data["fail_reason"] = row["fail_reason"]
    return data


def _notify(sandbox, row: Any) -> None:
    if not row["notify_url"]:
        return
    resource = bill_json(sandbox, row)
    resource["mchid"] = resource.pop("mch_id")
    merchant = sandbox.config.merchant(row["mchid"])
    notify.send(sandbox, merchant, row["notify_url"], "MCHTRANSFER.BILL.FINISHED", "商家转账单据终态通知",
                "mch_payment", resource)  # fmt: skip


def _validate(ctx: PayContext, data: dict[str, Any]) -> dict[str, Any]:
    appid = _string(data, "appid", "/body/appid", required=True, max_len=32)
    if appid not in ctx.merchant.appids:
        raise PayError("APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配，请检查后再试", 400)
    out_bill_no = _string(data, "out_bill_no", "/body/out_bill_no", required=True, max_len=32)
    if not OUT_BILL_NO.fullmatch(out_bill_no):
        raise param_error("/body/out_bill_no", "", "out_bill_no应为5-32位数字、大小写字母组成的字符串")
    scene = _string(data, "transfer_scene_id", "/body/transfer_scene_id", required=True, max_len=36)
    if scene not in SCENES:
        raise PayError("INVALID_REQUEST", "转账场景未开通或不存在", 400)
    openid = _string(data, "openid", "/body/openid", required=True, max_len=64)
    if ctx.sandbox.users.by_openid(appid, openid) is None:
        raise PayError("PARAM_ERROR", "openid与appid不匹配", 400, {"field": "/body/openid"})
    amount = data.get("transfer_amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise param_error("/body/transfer_amount", REQUIRED if amount is None else "类型校验失败，应为整数")
    if amount < 1:
        raise param_error("/body/transfer_amount", "", "转账金额必须大于0")
    remark = _string(data, "transfer_remark", "/body/transfer_remark", required=True, max_len=32)
    user_name = ""
    if data.get("user_name") is not None:
        user_name = decrypt_name(ctx, data["user_name"], "/body/user_name")
    elif amount >= ctx.settings.transfer_user_name_required_from:
        raise PayError(
            ctx.settings.code_transfer_user_name_missing,
            "转账金额大于等于2000元时必须填写收款用户姓名",
            400,
            {"location": "body", "field": "/body/user_name"},
        )
    notify_url = _string(data, "notify_url", "/body/notify_url", required=False, max_len=256)
    if notify_url:
        validate_notify_url(notify_url, "/body/notify_url", ctx.settings.require_https_notify_url)
    _string(data, "user_recv_perception", "/body/user_recv_perception", required=False, max_len=32)
    infos = data.get("transfer_scene_report_infos") or []
    if (
        not isinstance(infos, list)
        or len(infos) > 10
        or not all(
            isinstance(i, dict)
            and isinstance(i.get("info_type"), str)
            and isinstance(i.get("info_content"), str)
            for i in infos
        )
    ):
        raise param_error("/body/transfer_scene_report_infos", "", "transfer_scene_report_infos格式不正确")
    return {"appid": appid, "out_bill_no": out_bill_no, "scene": scene, "openid": openid, "amount": amount,
            "remark": remark, "user_name": user_name, "notify_url": notify_url}  # fmt: skip


@pay_endpoint
async def create(request: Request, ctx: PayContext):
    data = ctx.json_body()
    fields = _validate(ctx, data)
    digest = request_digest(
        "transfer", data | {"user_name": fields["user_name"]}
    )  # the cipher differs per call
    sandbox, mchid = ctx.sandbox, ctx.merchant.mchid
    now = sandbox.clock.now()
    with sandbox.state.transaction():
        row = sandbox.state.one(
            "SELECT * FROM pay_transfers WHERE mchid = ? AND out_bill_no = ?", (mchid, fields["out_bill_no"])
        )
        if row is not None and row["request_digest"] != digest:
            raise PayError("INVALID_REQUEST", "商户单号重复，且请求参数与原单据不一致", 400)
        if row is None:
            sandbox.state.execute(
                "INSERT INTO pay_transfers (mchid, appid, out_bill_no, transfer_bill_no, scene_id, openid, user_name,"
                " amount, remark, notify_url, state, package_info, request_digest, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'WAIT_USER_CONFIRM', ?, ?, ?, ?)",
                (mchid, fields["appid"], fields["out_bill_no"], "1330" + store._digits(36), fields["scene"],
                 fields["openid"], fields["user_name"], fields["amount"], fields["remark"], fields["notify_url"],
                 "ABBQO+oYAAABAAAAAAB" + store._digits(20), digest, now, now),
            )  # fmt: skip
            row = sandbox.state.one(
                "SELECT * FROM pay_transfers WHERE mchid = ? AND out_bill_no = ?",
                (mchid, fields["out_bill_no"]),
            )
    answer = {"out_bill_no": row["out_bill_no"], "transfer_bill_no": row["transfer_bill_no"],
              "create_time": sandbox.clock.rfc3339(row["created_at"]), "state": row["state"]}  # fmt: skip
    if row["state"] == "WAIT_USER_CONFIRM":
        answer["package_info"] = row["package_info"]
    if row["fail_reason"]:
        answer["fail_reason"] = row["fail_reason"]
    return 200, answer


def _bill(ctx: PayContext, column: str, value: str) -> Any:
    row = ctx.sandbox.state.one(
        f"SELECT * FROM pay_transfers WHERE mchid = ? AND {column} = ?", (ctx.merchant.mchid, value)
    )
    if row is None:
        raise PayError("NOT_FOUND", "记录不存在", 404)
    return row


@pay_endpoint
async def query(request: Request, ctx: PayContext):
    return 200, bill_json(ctx.sandbox, _bill(ctx, "out_bill_no", request.path_params["out_bill_no"]))


@pay_endpoint
async def query_by_id(request: Request, ctx: PayContext):
    return 200, bill_json(
        ctx.sandbox, _bill(ctx, "transfer_bill_no", request.path_params["transfer_bill_no"])
    )


@pay_endpoint
async def cancel(request: Request, ctx: PayContext):
    sandbox = ctx.sandbox
    with sandbox.state.transaction():
        row = _bill(ctx, "out_bill_no", request.path_params["out_bill_no"])
        moved = sandbox.state.execute(
            "UPDATE pay_transfers SET state = 'CANCELLED', updated_at = ? WHERE id = ? AND state = 'WAIT_USER_CONFIRM'",
            (sandbox.clock.now(), row["id"]),
        ).rowcount
        if not moved:
            raise PayError("INVALID_REQUEST", "当前单据状态不允许撤销", 400)
        row = sandbox.state.one("SELECT * FROM pay_transfers WHERE id = ?", (row["id"],))
        _notify(sandbox, row)
    return 200, {"out_bill_no": row["out_bill_no"], "transfer_bill_no": row["transfer_bill_no"],
                 "state": row["state"], "update_time": sandbox.clock.rfc3339(row["updated_at"])}  # fmt: skip


@handles_control_errors
async def confirm_route(request: Request):
    """The user answers wx.requestMerchantTransfer for a bill (control: what the phone does)."""
    sandbox = request.app.state.sandbox
    accept = (await read_json(request)).get("accept", True)
    if not isinstance(accept, bool):
        raise ControlError("invalid_request", "accept 需为 true 或 false")
    with sandbox.state.transaction():
        row = sandbox.state.one(
            "SELECT * FROM pay_transfers WHERE out_bill_no = ? ORDER BY id LIMIT 1",
            (request.path_params["out_bill_no"],),
        )
        if row is None:
            raise ControlError("not_found", "没有这笔商家转账", 404)
        if row["state"] != "WAIT_USER_CONFIRM":
            raise ControlError("invalid_state", f"转账单状态为 {row['state']}，不能再确认", 409)
        state, reason = ("CANCELLED", "") if not accept else ("SUCCESS", "")
        if accept and not store.debit_balance(sandbox.state, row["mchid"], row["amount"]):
            state, reason = "FAIL", "NOT_ENOUGH"
        sandbox.state.execute(
            "UPDATE pay_transfers SET state = ?, fail_reason = ?, updated_at = ? WHERE id = ?",
            (state, reason, sandbox.clock.now(), row["id"]),
        )
        row = sandbox.state.one("SELECT * FROM pay_transfers WHERE id = ?", (row["id"],))
        _notify(sandbox, row)
    return json_response(bill_json(sandbox, row))


_BASE = "/v3/fund-app/mch-transfer/transfer-bills"
routes = [
    Route(_BASE, create, methods=["POST"], name="pay.transfer.create"),
    Route(_BASE + "/out-bill-no/{out_bill_no}", query, methods=["GET"], name="pay.transfer.query"),
    Route(
        _BASE + "/transfer-bill-no/{transfer_bill_no}",
        query_by_id,
        methods=["GET"],
        name="pay.transfer.query_by_id",
    ),
    Route(_BASE + "/out-bill-no/{out_bill_no}/cancel", cancel, methods=["POST"], name="pay.transfer.cancel"),
]
control_routes = [
    Route(
        "/sandbox/pay/transfers/{out_bill_no}/confirm",
        confirm_route,
        methods=["POST"],
        name="sandbox.pay_transfer",
    ),
]
