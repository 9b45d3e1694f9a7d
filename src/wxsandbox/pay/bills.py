"""Trade and fund-flow bills (reference §1.13): a signed JSON pointer, then an unsigned CSV download whose
SHA-1 matches. The fund-flow file and the fee rates live in ``funds``.

File format (shared with v2 bills): UTF-8 CSV, Chinese header, every value prefixed with a backtick, amounts
in yuan, then a summary header and one summary row. The bill for a day exists once that day (Beijing time,
sandbox clock) is over and it had transactions; the hash is over the uncompressed file.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
from datetime import date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsandbox.clock import CHINA_TZ
from wxsandbox.pay import funds
from wxsandbox.pay.http import PayContext, PayError, pay_endpoint

HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,"
    "商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
SUMMARY_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
BILL_TYPES = ("ALL", "SUCCESS", "REFUND")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _row(values: list[str]) -> str:
    return ",".join("`" + v.replace(",", "，") for v in values)


def trade_bill(sandbox, mchid: str, day: date, bill_type: str) -> tuple[str, int]:
    """The CSV text and its number of data rows."""
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ).timestamp()
    end = start + 86400
    fmt = "%Y-%m-%d %H:%M:%S"
    lines, count = [HEADER], 0
    paid_sum = refund_sum = fee_sum = order_sum = applied_refund_sum = 0
    if bill_type in ("ALL", "SUCCESS"):
        for o in sandbox.state.query(
            "SELECT * FROM pay_orders WHERE mchid = ? AND success_time >= ? AND success_time < ?"
            " ORDER BY success_time, id",
            (mchid, start, end),
        ):
            rate = funds.rate_bp(sandbox, o)
            fee = funds.fee(o["amount_total"], rate)
            lines.append(
                _row(
                    [
                        datetime.fromtimestamp(o["success_time"], CHINA_TZ).strftime(fmt),
                        o["appid"],
                        o["mchid"],
                        "0",
                        o["device_id"],
                        o["transaction_id"],
                        o["out_trade_no"],
                        o["payer_openid"],
                        o["trade_type"],
                        "SUCCESS",
                        o["bank_type"],
                        o["currency"],
                        yuan(o["amount_total"]),
                        "0.00",
                        "0",
                        "0",
                        "0.00",
                        "0.00",
                        "",
                        "",
                        o["description"],
                        o["attach"],
                        yuan(fee),
                        funds.rate_text(rate),
                        yuan(o["amount_total"]),
                        "0.00",
                        "",
                    ]
                )
            )
            count += 1
            paid_sum += o["amount_total"]
            order_sum += o["amount_total"]
            fee_sum += fee
    if bill_type in ("ALL", "REFUND"):
        for r in sandbox.state.query(
            "SELECT r.*, o.appid, o.transaction_id, o.out_trade_no, o.payer_openid, o.trade_type, o.bank_type,"
            " o.currency, o.amount_total, o.description, o.attach, o.device_id, o.success_time AS paid_at"
            " FROM pay_refunds r JOIN pay_orders o ON o.id = r.order_id WHERE r.mchid = ? AND r.status = 'SUCCESS'"
            " AND r.success_at >= ? AND r.success_at < ? ORDER BY r.success_at, r.id",
            (mchid, start, end),
        ):
            rate = funds.rate_bp(sandbox, r)
            fee = -funds.fee(r["amount_refund"], rate)
            lines.append(
                _row(
                    [
                        datetime.fromtimestamp(r["paid_at"], CHINA_TZ).strftime(fmt),
                        r["appid"],
                        r["mchid"],
                        "0",
                        r["device_id"],
                        r["transaction_id"],
                        r["out_trade_no"],
                        r["payer_openid"],
                        r["trade_type"],
                        "REFUND",
                        r["bank_type"],
                        r["currency"],
                        "0.00",
                        "0.00",
                        r["refund_id"],
                        r["out_refund_no"],
                        yuan(r["amount_refund"]),
                        "0.00",
                        "ORIGINAL",
                        "SUCCESS",
                        r["description"],
                        r["attach"],
                        yuan(fee),
                        funds.rate_text(rate),
                        "0.00",
                        yuan(r["amount_refund"]),
                        "",
                    ]
                )
            )
            count += 1
            refund_sum += r["amount_refund"]
            applied_refund_sum += r["amount_refund"]
            fee_sum += fee
    lines.append(SUMMARY_HEADER)
    lines.append(
        _row(
            [
                str(count),
                yuan(paid_sum),
                yuan(refund_sum),
                "0.00",
                yuan(fee_sum),
                yuan(order_sum),
                yuan(applied_refund_sum),
            ]
        )
    )
    return "\r\n".join(lines) + "\r\n", count


def _bill_day(ctx: PayContext, raw_date: str) -> date:
    if not _DATE.fullmatch(raw_date):
        raise PayError(
            "PARAM_ERROR",
            "bill_date格式错误，应为yyyy-MM-DD",
            400,
            {"location": "query", "field": "bill_date"},
        )
    try:
        day = date.fromisoformat(raw_date)
    except ValueError as exc:
        raise PayError("PARAM_ERROR", "bill_date不是有效日期", 400, {"location": "query"}) from exc
    today = ctx.sandbox.clock.datetime().date()
    if day >= today:
        raise PayError("NO_STATEMENT_EXIST", "账单尚未生成，请在账单日次日后下载", 400)
    if day < today - timedelta(days=92):
        raise PayError(
            "PARAM_ERROR", "仅支持下载三个月内的账单", 400, {"location": "query", "field": "bill_date"}
        )
    return day


def _tar_type(request: Request) -> str | None:
    tar_type = request.query_params.get("tar_type")
    if tar_type not in (None, "GZIP"):
        raise PayError("PARAM_ERROR", "tar_type取值应为GZIP或不填", 400, {"location": "query"})
    return tar_type


def _pointer(ctx: PayContext, text: str, tar_type: str | None) -> tuple[int, dict[str, str]]:
    """Store the file under a fresh token; the pointer carries the SHA-1 of the uncompressed bytes."""
    content = text.encode()
    digest = hashlib.sha1(content).hexdigest()
    stored = gzip.compress(content, mtime=0) if tar_type == "GZIP" else content
    token = secrets.token_urlsafe(24)
    ctx.sandbox.state.execute(
        "INSERT INTO pay_bill_files (token, mchid, content, created_at) VALUES (?, ?, ?, ?)",
        (token, ctx.merchant.mchid, stored, ctx.sandbox.clock.now()),
    )
    return 200, {
        "hash_type": "SHA1",
        "hash_value": digest,
        "download_url": f"{ctx.base_url}/v3/billdownload/file?token={token}",
    }


@pay_endpoint
async def tradebill(request: Request, ctx: PayContext):
    q = request.query_params
    bill_type = q.get("bill_type", "ALL")
    if bill_type not in BILL_TYPES:
        raise PayError("PARAM_ERROR", f"bill_type取值应为{'/'.join(BILL_TYPES)}", 400, {"location": "query"})
    tar_type = _tar_type(request)
    day = _bill_day(ctx, q.get("bill_date", ""))
    text, rows = trade_bill(ctx.sandbox, ctx.merchant.mchid, day, bill_type)
    if rows == 0:
        raise PayError("NO_STATEMENT_EXIST", "该日期无交易，账单文件不存在", 400)
    return _pointer(ctx, text, tar_type)


@pay_endpoint
async def fundflowbill(request: Request, ctx: PayContext):
    q = request.query_params
    account_type = q.get("account_type", "BASIC")
    if account_type not in funds.ACCOUNT_TYPES:
        raise PayError(
            "PARAM_ERROR", f"account_type取值应为{'/'.join(funds.ACCOUNT_TYPES)}", 400, {"location": "query"}
        )
    tar_type = _tar_type(request)
    day = _bill_day(ctx, q.get("bill_date", ""))
    text, rows = funds.fund_flow_bill(ctx.sandbox, ctx.merchant.mchid, day, account_type)
    if rows == 0:
        raise PayError("NO_STATEMENT_EXIST", "该日期该账户无资金变动，账单文件不存在", 400)
    return _pointer(ctx, text, tar_type)


@pay_endpoint
async def download(request: Request, ctx: PayContext):
    """The file stream: authenticated like any call, but the answer is not signed (§1.13)."""
    row = ctx.sandbox.state.one(
        "SELECT content FROM pay_bill_files WHERE token = ? AND mchid = ?",
        (request.query_params.get("token", ""), ctx.merchant.mchid),
    )
    if row is None:
        raise PayError("INVALID_REQUEST", "下载链接无效或已过期", 400)
    return Response(bytes(row["content"]), media_type="application/octet-stream")


routes = [
    Route("/v3/bill/tradebill", tradebill, methods=["GET"], name="pay.tradebill"),
    Route("/v3/bill/fundflowbill", fundflowbill, methods=["GET"], name="pay.fundflowbill"),
    Route("/v3/billdownload/file", download, methods=["GET"], name="pay.bill_download"),
]
