"""Control routes for WeChat Pay (tests and the phone UI).

  GET  /sandbox/pay/orders?user_id=…            the user's unpaid orders (JSAPI orders placed for them)
  GET  /sandbox/pay/orders?mchid=…&state=…      every order of a merchant (optionally one trade_state)
  POST /sandbox/pay/resolve  {ref}              what a scanned code_url / opened h5_url / prepay_id is
  POST /sandbox/pay/confirm  {ref, user_id}     the user pays → SUCCESS + TRANSACTION.SUCCESS notification
  POST /sandbox/pay/cancel   {ref, user_id}     the user leaves the cashier (order stays NOTPAY)
  POST /sandbox/pay/invoke   {params, user_id?} what WeChat checks when a page/app opens the cashier:
                                                JSAPI/Mini Program {appId, timeStamp, nonceStr, package,
                                                signType, paySign} or App {appid, partnerid, prepayid, package,
                                                noncestr, timestamp, sign}; 400 invalid_signature etc.
  POST /sandbox/pay/refund-result {out_refund_no, mchid?, status: PROCESSING|SUCCESS|ABNORMAL|CLOSED}
                                                a refund in flight is held in PROCESSING (no settling, its
                                                REFUND.SUCCESS withdrawn), settles now, or fails →
                                                REFUND.<status> notification (not for PROCESSING)
  GET  /sandbox/pay/balance?mchid=…             the merchant's available balance (null: never short)
  POST /sandbox/pay/balance {mchid?, balance}   set it in fen (null: unlimited again); payments add to
                                                it, refunds take from it, beyond it refunds answer
                                                403 NOT_ENOUGH

``ref`` is one of ``prepay_id``, ``code_url``, ``h5_url`` or ``out_trade_no`` (+ ``mchid``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.control import ControlError, handles_control_errors, read_json, sandbox_of
from wxsandbox.pay import payments, refunds, store
from wxsandbox.responses import json_response

REF_KEYS = ("prepay_id", "code_url", "h5_url", "out_trade_no", "mchid")


def _ref(data: dict) -> dict:
    return {k: data[k] for k in REF_KEYS if isinstance(data.get(k), str) and data[k]}


def _user_id(data: dict) -> str | None:
    user_id = data.get("user_id")
    if user_id is not None and not isinstance(user_id, str):
        raise ControlError("invalid_request", "user_id must be a string")
    return user_id


async def _run(fn, *args):
    try:
        return fn(*args)
    except payments.PaymentRefused as exc:
        raise ControlError(exc.code, exc.message, exc.status) from exc


@handles_control_errors
async def orders(request: Request):
    sb = sandbox_of(request)
    q = request.query_params
    if q.get("user_id"):
        if sb.users.get(q["user_id"]) is None:
            raise ControlError("not_found", f"no user {q['user_id']}", 404)
        return json_response({"orders": payments.pending_for(sb, q["user_id"])})
    mchid = q.get("mchid") or sb.config.merchants[0].mchid
    sql, params = "SELECT * FROM pay_orders WHERE mchid = ?", [mchid]
    if q.get("state"):
        sql += " AND trade_state = ?"
        params.append(q["state"])
    rows = sb.state.query(sql + " ORDER BY id DESC LIMIT 500", params)
    now, expired = sb.clock.now(), sb.config.pay.expired_order_state
    return json_response(
        {
            "orders": [
                payments.describe(sb, store.expire_if_due(sb.state, dict(r), now, expired)) for r in rows
            ]
        }
    )


@handles_control_errors
async def resolve(request: Request):
    sb = sandbox_of(request)
    data = await read_json(request)
    order = await _run(payments.find_order, sb, _ref(data))
    return json_response(payments.describe(sb, order))


@handles_control_errors
async def confirm(request: Request):
    sb = sandbox_of(request)
    data = await read_json(request)
    return json_response(await _run(payments.confirm, sb, _ref(data), _user_id(data)))


@handles_control_errors
async def cancel(request: Request):
    sb = sandbox_of(request)
    data = await read_json(request)
    return json_response(await _run(payments.cancel, sb, _ref(data), _user_id(data)))


@handles_control_errors
async def invoke(request: Request):
    sb = sandbox_of(request)
    data = await read_json(request)
    params = data.get("params")
    if not isinstance(params, dict):
        raise ControlError("invalid_request", "params must be the object passed to getBrandWCPayRequest")
    return json_response(await _run(payments.verify_invocation, sb, params, _user_id(data)))


@handles_control_errors
async def refund_result(request: Request):
    sb = sandbox_of(request)
    data = await read_json(request)
    mchid = data.get("mchid") or sb.config.merchants[0].mchid
    try:
        refund = refunds.force_result(sb, mchid, str(data.get("out_refund_no", "")), data.get("status"))
    except LookupError as exc:
        raise ControlError("not_found", "退款单不存在", 404) from exc
    except ValueError as exc:
        raise ControlError("invalid_request", str(exc), 409) from exc
    return json_response(refund)


def _mchid(sb, value) -> str:
    mchid = value or sb.config.merchants[0].mchid
    if not isinstance(mchid, str) or sb.config.merchant(mchid) is None:
        raise ControlError("not_found", "商户号不存在", 404)
    return mchid


@handles_control_errors
async def balance(request: Request):
    sb = sandbox_of(request)
    if request.method == "GET":
        mchid = _mchid(sb, request.query_params.get("mchid"))
    else:
        data = await read_json(request)
        mchid = _mchid(sb, data.get("mchid"))
        value = data.get("balance")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ControlError("invalid_request", "balance must be a non-negative integer (fen) or null")
        store.set_balance(sb.state, mchid, value)
    return json_response({"mchid": mchid, "balance": store.get_balance(sb.state, mchid)})


control_routes = [
    Route("/sandbox/pay/orders", orders, methods=["GET"], name="sandbox.pay_orders"),
    Route("/sandbox/pay/resolve", resolve, methods=["POST"], name="sandbox.pay_resolve"),
    Route("/sandbox/pay/confirm", confirm, methods=["POST"], name="sandbox.pay_confirm"),
    Route("/sandbox/pay/cancel", cancel, methods=["POST"], name="sandbox.pay_cancel"),
    Route("/sandbox/pay/invoke", invoke, methods=["POST"], name="sandbox.pay_invoke"),
    Route("/sandbox/pay/refund-result", refund_result, methods=["POST"], name="sandbox.pay_refund_result"),
    Route("/sandbox/pay/balance", balance, methods=["GET", "POST"], name="sandbox.pay_balance"),
]
