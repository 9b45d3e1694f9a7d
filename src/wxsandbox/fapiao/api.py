"""The fake invoicing platform's endpoints (protocol in ``wxsandbox.fapiao``'s docstring)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wxsandbox.control import ControlError, read_json
from wxsandbox.fapiao import pdf
from wxsandbox.fapiao import settings as fp_settings
from wxsandbox.mp.http import control_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS fp_invoices (
    request_no   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,          -- blue | red
    invoice_type TEXT NOT NULL,          -- normal | special
    invoice_no   TEXT NOT NULL UNIQUE,
    body_hash    TEXT NOT NULL,          -- the request that created it (a replay must match)
    record       TEXT NOT NULL,          -- buyer, lines, totals as issued
    original     TEXT,                   -- red: the blue invoice's request_no
    reversed_by  TEXT,                   -- blue: the red invoice's request_no
    replays      INTEGER NOT NULL DEFAULT 0,  -- the same issue request again (a client that did not query)
    issued_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fp_nonces (
    nonce       TEXT PRIMARY KEY,
    seen_at     REAL NOT NULL
);
"""
_SECRET_META = "fapiao.app_secret"
REQUEST_NO = re.compile(r"[A-Za-z0-9_-]{6,40}")
RATES = frozenset({0, 100, 300, 600, 900, 1300})  # 1/10000, as WeChat Pay writes rates (1300 = 13 %)
MAX_LINES = 200


class PlatformError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse({"code": self.code, "message": self.message}, status_code=self.status)


def credentials(sandbox: Any) -> dict[str, str]:
    secret = sandbox.state.get_meta(_SECRET_META)
    if not secret:
        secret = secrets.token_hex(24)
        sandbox.state.set_meta(_SECRET_META, secret)
    return {"app_key": fp_settings.load(sandbox).app_key, "app_secret": secret}


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _verify(sandbox: Any, request: Request, body: bytes) -> None:
    creds = credentials(sandbox)
    headers = request.headers
    app, timestamp = headers.get("x-fapiao-app", ""), headers.get("x-fapiao-timestamp", "")
    nonce, signature = headers.get("x-fapiao-nonce", ""), headers.get("x-fapiao-signature", "")
    if not secrets.compare_digest(app, creds["app_key"]):
        raise PlatformError(401, "UNKNOWN_APP", "未知的应用")
    window = fp_settings.load(sandbox).timestamp_window_seconds
    now = sandbox.clock.now()
    if not timestamp.isdigit() or abs(int(timestamp) - now) > window:
        raise PlatformError(401, "TIMESTAMP_EXPIRED", "请求时间戳超出允许范围")
    expected = sign(creds["app_secret"], request.method, request.url.path, timestamp, nonce, body)
    if not nonce or not secrets.compare_digest(expected, signature.lower()):
        raise PlatformError(401, "SIGN_ERROR", "签名错误")
    with sandbox.state.transaction():
        sandbox.state.execute("DELETE FROM fp_nonces WHERE seen_at < ?", (now - window,))
        fresh = sandbox.state.execute(
            "INSERT INTO fp_nonces (nonce, seen_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING",
            (nonce, now),
        ).rowcount
    if not fresh:
        raise PlatformError(401, "NONCE_REPLAYED", "重复的请求")


def endpoint(handler):
    async def wrapped(request: Request) -> Response:
        sandbox = request.app.state.sandbox
        body = await request.body()
        try:
            _verify(sandbox, request, body)
            return await handler(request, sandbox, body)
        except PlatformError as exc:
            return exc.response()

    wrapped.__name__ = handler.__name__
    return wrapped


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlatformError(400, "INVALID_JSON", "请求体不是合法的 JSON") from exc
    if not isinstance(data, dict):
        raise PlatformError(400, "INVALID_JSON", "请求体必须是 JSON 对象")
    return data


def _text(data: dict[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise PlatformError(400, "INVALID_PARAM", f"{name} 缺失或不合法")
    return value.strip()


def _fen(data: dict[str, Any], name: str, *, positive: bool = True) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < (1 if positive else 0):
        raise PlatformError(400, "INVALID_PARAM", f"{name} 必须是正整数（分）")
    return value


def _buyer(data: dict[str, Any], invoice_type: str) -> dict[str, str]:
    buyer = data.get("buyer")
    if not isinstance(buyer, dict):
        raise PlatformError(400, "INVALID_PARAM", "缺少购买方信息")
    kind = buyer.get("type")
    if kind not in ("individual", "company"):
        raise PlatformError(400, "INVALID_PARAM", "购买方类型必须是 individual 或 company")
    out = {
        "type": kind,
        "name": _text(buyer, "name", 256),
        "tax_id": _text(buyer, "tax_id", 32, required=kind == "company"),
        "address_phone": _text(buyer, "address_phone", 160, required=invoice_type == "special"),
        "bank_account": _text(buyer, "bank_account", 160, required=invoice_type == "special"),
    }
    if kind == "company" and not re.fullmatch(r"[0-9A-Z]{15,20}", out["tax_id"]):
        raise PlatformError(400, "INVALID_TAX_ID", "购买方纳税人识别号格式错误")
    if invoice_type == "special" and kind != "company":
        raise PlatformError(400, "INVALID_PARAM", "专用发票的购买方必须是单位")
    return out


def _lines(data: dict[str, Any]) -> list[dict[str, Any]]:
    lines = data.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise PlatformError(400, "INVALID_PARAM", f"发票行须有 1 到 {MAX_LINES} 行")
    out = []
    for line in lines:
        if not isinstance(line, dict):
            raise PlatformError(400, "INVALID_PARAM", "发票行格式错误")
        rate = line.get("tax_rate")
        if rate not in RATES:
            raise PlatformError(400, "INVALID_TAX_RATE", "税率不在允许范围内")
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise PlatformError(400, "INVALID_PARAM", "数量必须是正整数")
        amount, tax = _fen(line, "amount"), _fen(line, "tax", positive=False)
        # Tax-control software tolerates |tax − amount × rate| ≤ 0.06 元 per line (reference §2.6).
        if abs(tax * 10000 - amount * rate) > 6 * 10000:
            raise PlatformError(400, "TAX_MISMATCH", "行税额与金额×税率不符")
        out.append(
            {
                "name": _text(line, "name", 100),
                "unit": _text(line, "unit", 16, required=False),
                "quantity": quantity,
                "amount": amount,
                "tax": tax,
                "tax_rate": rate,
            }
        )
    return out


def _invoice_no(sandbox: Any) -> str:
    """20 digits: 2-digit year, 2-digit region, then 16 random digits (structure unconfirmed)."""
    year = sandbox.clock.datetime().strftime("%y")
    region = fp_settings.load(sandbox).region[:2].rjust(2, "0")
    return year + region + "".join(secrets.choice("0123456789") for _ in range(16))


def _answer(row: Any, request: Request) -> dict[str, Any]:
    record = json.loads(row["record"])
    base = str(request.base_url).rstrip("/")
    return {
        "request_no": row["request_no"],
        "status": "reversed" if row["reversed_by"] else "issued",
        "kind": row["kind"],
        "invoice_type": row["invoice_type"],
        "invoice_no": row["invoice_no"],
        "issued_at": row["issued_at"],
        "total": record["total"],
        "amount": record["amount"],
        "tax": record["tax"],
        "original_request_no": row["original"],
        "reversed_by": row["reversed_by"],
        "pdf_url": f"{base}/fapiao/v1/invoices/{row['request_no']}/pdf",
    }


def _row(sandbox: Any, request_no: str) -> Any:
    return sandbox.state.one("SELECT * FROM fp_invoices WHERE request_no = ?", (request_no,))


async def _delayed(sandbox: Any, answer: dict[str, Any]) -> JSONResponse:
    delay = fp_settings.load(sandbox).answer_delay_seconds
    if delay:
        await asyncio.sleep(delay)  # issued already: a client that gave up must query, not issue again
    return JSONResponse(answer)


@endpoint
async def issue(request: Request, sandbox: Any, body: bytes) -> Response:
    data = _json(body)
    request_no = _text(data, "request_no", 40)
    if not REQUEST_NO.fullmatch(request_no):
        raise PlatformError(400, "INVALID_PARAM", "request_no 须为 6-40 位字母、数字、_ 或 -")
    invoice_type = data.get("invoice_type")
    if invoice_type not in ("normal", "special"):
        raise PlatformError(400, "INVALID_PARAM", "invoice_type 必须是 normal 或 special")
    body_hash = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    buyer, lines = _buyer(data, invoice_type), _lines(data)
    amount, tax = sum(line["amount"] for line in lines), sum(line["tax"] for line in lines)
    if data.get("amount") != amount or data.get("tax") != tax or data.get("total") != amount + tax:
        raise PlatformError(400, "TOTAL_MISMATCH", "合计金额、税额或价税合计与发票行不符")
    rejected = {n.strip() for n in fp_settings.load(sandbox).reject_titles.split(",") if n.strip()}
    if buyer["name"] in rejected:
        raise PlatformError(422, "TITLE_REJECTED", "税务系统校验购买方名称失败")
    record = {
        "buyer": buyer,
        "lines": lines,
        "amount": amount,
        "tax": tax,
        "total": amount + tax,
        "remarks": _text(data, "remarks", 200, required=False),
    }
    with sandbox.state.transaction():
        existing = _row(sandbox, request_no)
        if existing is not None:  # the same request again (a retry): the same invoice, never a second one
            if existing["body_hash"] != body_hash:
                raise PlatformError(409, "REQUEST_NO_CONFLICT", "该请求流水号已用于另一张发票")
            sandbox.state.execute(
                "UPDATE fp_invoices SET replays = replays + 1 WHERE request_no = ?", (request_no,)
            )
            return JSONResponse(_answer(existing, request))
        sandbox.state.execute(
            "INSERT INTO fp_invoices (request_no, kind, invoice_type, invoice_no, body_hash, record, issued_at)"
            " VALUES (?, 'blue', ?, ?, ?, ?, ?)",
            (
                request_no,
                invoice_type,
                _invoice_no(sandbox),
                body_hash,
                json.dumps(record, ensure_ascii=False),
                sandbox.clock.timestamp(),
            ),
        )
    return await _delayed(sandbox, _answer(_row(sandbox, request_no), request))


@endpoint
async def query(request: Request, sandbox: Any, body: bytes) -> Response:
    row = _row(sandbox, request.path_params["request_no"])
    if row is None:
        raise PlatformError(404, "NOT_FOUND", "没有这个请求流水号的发票")
    return JSONResponse(_answer(row, request))


@endpoint
async def red(request: Request, sandbox: Any, body: bytes) -> Response:
    data = _json(body)
    red_no = _text(data, "red_request_no", 40)
    reason = _text(data, "reason", 100)
    if not REQUEST_NO.fullmatch(red_no):
        raise PlatformError(400, "INVALID_PARAM", "red_request_no 格式错误")
    with sandbox.state.transaction():
        blue = _row(sandbox, request.path_params["request_no"])
        if blue is None or blue["kind"] != "blue":
            raise PlatformError(404, "NOT_FOUND", "没有这张蓝字发票")
        if blue["reversed_by"]:
            if blue["reversed_by"] != red_no:
                raise PlatformError(409, "ALREADY_REVERSED", "该发票已红冲")
            return JSONResponse(_answer(_row(sandbox, red_no), request))  # a retry of the same reversal
        if _row(sandbox, red_no) is not None:
            raise PlatformError(409, "REQUEST_NO_CONFLICT", "该请求流水号已被使用")
        record = json.loads(blue["record"])
        negated = {
            **record,
            "lines": [{**line, "amount": -line["amount"], "tax": -line["tax"]} for line in record["lines"]],
            "amount": -record["amount"],
            "tax": -record["tax"],
            "total": -record["total"],
            "remarks": f"红冲原因：{reason}",
            "original_invoice_no": blue["invoice_no"],
        }
        sandbox.state.execute(
            "INSERT INTO fp_invoices (request_no, kind, invoice_type, invoice_no, body_hash, record, original,"
            " issued_at) VALUES (?, 'red', ?, ?, ?, ?, ?, ?)",
            (
                red_no,
                blue["invoice_type"],
                _invoice_no(sandbox),
                hashlib.sha256(body).hexdigest(),
                json.dumps(negated, ensure_ascii=False),
                blue["request_no"],
                sandbox.clock.timestamp(),
            ),
        )
        sandbox.state.execute(
            "UPDATE fp_invoices SET reversed_by = ? WHERE request_no = ?", (red_no, blue["request_no"])
        )
    return await _delayed(sandbox, _answer(_row(sandbox, red_no), request))


def seller(sandbox: Any) -> dict[str, str]:
    s = fp_settings.load(sandbox)
    return {
        "name": s.seller_name,
        "tax_id": s.seller_tax_id,
        "address_phone": s.seller_address_phone,
        "bank_account": s.seller_bank_account,
        "maker": s.maker,
    }


@endpoint
async def pdf_file(request: Request, sandbox: Any, body: bytes) -> Response:
    row = _row(sandbox, request.path_params["request_no"])
    if row is None:
        raise PlatformError(404, "NOT_FOUND", "没有这张发票")
    record = json.loads(row["record"]) | {
        "invoice_no": row["invoice_no"],
        "issued_at": row["issued_at"],
        "kind": row["kind"],
        "invoice_type": row["invoice_type"],
    }
    content = await asyncio.to_thread(pdf.render, record, seller(sandbox))
    return Response(content, media_type="application/pdf")


@control_endpoint
async def control_credentials(request: Request, sandbox: Any) -> dict:
    return credentials(sandbox)


@control_endpoint
async def control_invoices(request: Request, sandbox: Any) -> dict:
    rows = sandbox.state.query("SELECT * FROM fp_invoices ORDER BY issued_at, request_no")
    return {
        "invoices": [
            {key: row[key] for key in row.keys() if key not in ("record", "body_hash")}  # noqa: SIM118 (sqlite3.Row)
            | {"record": json.loads(row["record"])}
            for row in rows
        ]
    }


@control_endpoint
async def control_settings(request: Request, sandbox: Any) -> dict:
    try:
        if request.method == "POST":
            fp_settings.LAYER.override(sandbox, await read_json(request))
        elif request.method == "DELETE":
            fp_settings.LAYER.reset(sandbox)
    except ValueError as exc:
        raise ControlError("invalid_settings", str(exc)) from exc
    return fp_settings.LAYER.as_dict(fp_settings.load(sandbox))


routes = [
    Route("/fapiao/v1/invoices", issue, methods=["POST"], name="fapiao.issue"),
    Route("/fapiao/v1/invoices/{request_no}", query, methods=["GET"], name="fapiao.query"),
    Route("/fapiao/v1/invoices/{request_no}/red", red, methods=["POST"], name="fapiao.red"),
    Route("/fapiao/v1/invoices/{request_no}/pdf", pdf_file, methods=["GET"], name="fapiao.pdf"),
]
control_routes = [
    Route(
        "/sandbox/fapiao/credentials", control_credentials, methods=["GET"], name="sandbox.fapiao.credentials"
    ),
    Route("/sandbox/fapiao/invoices", control_invoices, methods=["GET"], name="sandbox.fapiao.invoices"),
    Route(
        "/sandbox/fapiao/settings",
        control_settings,
        methods=["GET", "POST", "DELETE"],
        name="sandbox.fapiao.settings",
    ),
]
