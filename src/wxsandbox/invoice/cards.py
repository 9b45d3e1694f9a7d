"""WeChat e-invoice ``card/invoice/*`` endpoints (invoice reference §1.4–1.9), on api.weixin.qq.com.

State per ``(s_pappid, order_id)`` follows the reference's emulator table: LINK_ISSUED → AUTHORIZED |
AUTH_FAILED; AUTHORIZED → INSERTED | REJECTED. An order id is dead after ``rejectinsert`` (72035) and can be
inserted once (72018). ``insert`` must be called with the token of the account that obtained the
``s_pappid`` (72038 otherwise), which in self-built mode (自建平台) is the merchant's own account.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.invoice import settings as inv_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, ok, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS inv_platforms (
    appid       TEXT PRIMARY KEY,       -- the account that called seturl (platform or self-built merchant)
    s_pappid    TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS inv_biz_attrs (
    appid       TEXT NOT NULL,
    name        TEXT NOT NULL,          -- contact | auth_field | pay_mch
    value       TEXT NOT NULL,
    PRIMARY KEY (appid, name)
);
CREATE TABLE IF NOT EXISTS inv_templates (
    card_id     TEXT PRIMARY KEY,
    appid       TEXT NOT NULL,
    payee       TEXT NOT NULL,
    type        TEXT NOT NULL,
    title       TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS inv_orders (
    s_pappid     TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    appid        TEXT NOT NULL,         -- the merchant account that raised the page
    money        INTEGER NOT NULL,
    source       TEXT NOT NULL,
    type         INTEGER NOT NULL,
    redirect_url TEXT NOT NULL DEFAULT '',
    page_key     TEXT NOT NULL,         -- the signature the page URL carries
    state        TEXT NOT NULL,         -- LINK_ISSUED | AUTHORIZED | AUTH_FAILED | REJECTED | INSERTED
    user_id      TEXT,
    auth_time    INTEGER,
    auth_info    TEXT NOT NULL DEFAULT '{}',
    reject_reason TEXT NOT NULL DEFAULT '',
    created_at   REAL NOT NULL,
    PRIMARY KEY (s_pappid, order_id)
);
CREATE TABLE IF NOT EXISTS inv_pdfs (
    s_media_id  TEXT PRIMARY KEY,
    appid       TEXT NOT NULL,
    media_key   TEXT NOT NULL UNIQUE,
    content     BLOB NOT NULL,
    created_at  REAL NOT NULL,
    expires_at  REAL NOT NULL,          -- unlinked PDFs are dropped after 3 days
    linked      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS inv_cards (
    card_id     TEXT NOT NULL,
    code        TEXT NOT NULL,
    s_pappid    TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    appid       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    openid      TEXT NOT NULL,
    data        TEXT NOT NULL,          -- invoice_user_data as inserted
    s_media_id  TEXT NOT NULL,
    reimburse_status TEXT NOT NULL,
    created_at  REAL NOT NULL,
    billing_no  TEXT NOT NULL,
    PRIMARY KEY (card_id, code),
    UNIQUE (s_pappid, order_id)
);
"""

SOURCES = ("app", "web", "wxa", "wap")
REIMBURSE_STATUSES = (
    "INVOICE_REIMBURSE_INIT",
    "INVOICE_REIMBURSE_LOCK",
    "INVOICE_REIMBURSE_CLOSURE",
    "INVOICE_REIMBURSE_CANCEL",
)
PDF_TTL_SECONDS = 3 * 86400
PDF_URL_TTL_SECONDS = 7200


def _caller(request: Request, sandbox: Any):
    return caller(request, sandbox, kind=OFFICIAL_ACCOUNT)


def s_pappid_of(sandbox: Any, appid: str) -> str | None:
    return sandbox.state.scalar("SELECT s_pappid FROM inv_platforms WHERE appid = ?", (appid,))


def _text(data: dict[str, Any], name: str, limit: int = 256, required: bool = True) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise WxError(72031, f"{name} is empty")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > limit:
        raise WxError(72031, name)
    return str(value)


def _int(data: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    value = data.get(name)
    if isinstance(value, str) and value.isdigit():
        value = int(value)  # public samples send billing_time as a string
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise WxError(72031, name)
    return value


# -- one-time setup ------------------------------------------------------------------------------------------


@wx_endpoint
async def seturl(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    await json_body(request)
    with sandbox.state.transaction():
        found = s_pappid_of(sandbox, who.appid)
        if found is None:  # stable per platform: the same value on every later call
            found = base64.urlsafe_b64encode(f"{who.appid}_".encode() + secrets.token_bytes(32)).decode()
            found = found.rstrip("=")
            sandbox.state.execute(
                "INSERT INTO inv_platforms (appid, s_pappid) VALUES (?, ?)", (who.appid, found)
            )
    return ok({"invoice_url": f"https://mp.weixin.qq.com/bizmall/authinvoice?action=list&s_pappid={found}"})


BIZ_ACTIONS = {
    "set_contact": ("contact", "contact"),
    "get_contact": ("contact", None),
    "set_auth_field": ("auth_field", "auth_field"),
    "get_auth_field": ("auth_field", None),
    "set_pay_mch": ("pay_mch", "paymch_info"),
    "get_pay_mch": ("pay_mch", None),
}


def biz_attr(sandbox: Any, appid: str, name: str) -> dict[str, Any] | None:
    raw = sandbox.state.scalar("SELECT value FROM inv_biz_attrs WHERE appid = ? AND name = ?", (appid, name))
    return json.loads(raw) if raw else None


@wx_endpoint
async def setbizattr(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    action = request.query_params.get("action", "")
    if action not in BIZ_ACTIONS:
        raise WxError(72027)
    name, body_key = BIZ_ACTIONS[action]
    data = await json_body(request)
    response_key = {"pay_mch": "paymch_info"}.get(name, name)
    if body_key is None:
        return ok({response_key: biz_attr(sandbox, who.appid, name) or {}})
    value = data.get(body_key)
    if not isinstance(value, dict):
        raise WxError(72031, body_key)
    if name == "contact":
        phone = value.get("phone")
        if not isinstance(phone, str) or not phone or len(phone) > 32:
            raise WxError(72031, "phone")
        _int(value, "time_out", minimum=1)
    sandbox.state.execute(
        "INSERT INTO inv_biz_attrs (appid, name, value) VALUES (?, ?, ?)"
        " ON CONFLICT (appid, name) DO UPDATE SET value = excluded.value",
        (who.appid, name, json.dumps(value, ensure_ascii=False)),
    )
    return ok()


@wx_endpoint
async def createcard(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    data = await json_body(request)
    info = data.get("invoice_info")
    if not isinstance(info, dict) or not isinstance(info.get("base_info"), dict):
        raise WxError(72031, "invoice_info")
    base = info["base_info"]
    payee = _text(info, "payee")
    kind = _text(info, "type", 64)
    title = _text(base, "title", 64)
    _text(base, "logo_url", 512)
    if len(title) > 9:  # "≤9 Chinese characters"
        raise WxError(72031, "title")
    card_id = "p" + base64.urlsafe_b64encode(secrets.token_bytes(21)).decode()[:27]
    sandbox.state.execute(
        "INSERT INTO inv_templates (card_id, appid, payee, type, title, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (card_id, who.appid, payee, kind, title, sandbox.clock.now()),
    )
    return ok({"card_id": card_id})


# -- per order -----------------------------------------------------------------------------------------------


def page_key(s_pappid: str, order_id: str, money: int) -> str:
    return hashlib.sha1(f"{s_pappid}:{order_id}:{money}:{secrets.token_hex(8)}".encode()).hexdigest()


@wx_endpoint
async def getauthurl(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    data = await json_body(request)
    s_pappid = _text(data, "s_pappid", 128)
    order_id = _text(data, "order_id", 64)
    money = _int(data, "money", minimum=1)
    timestamp = _int(data, "timestamp")
    source = _text(data, "source", 8)
    kind = _int(data, "type")
    ticket = _text(data, "ticket", 256)
    redirect_url = _text(data, "redirect_url", 1024, required=False)
    if source not in SOURCES or kind not in (0, 1, 2):
        raise WxError(72031, "source" if source not in SOURCES else "type")
    if sandbox.state.scalar("SELECT 1 FROM inv_platforms WHERE s_pappid = ?", (s_pappid,)) is None:
        raise WxError(72031, "s_pappid")
    if biz_attr(sandbox, who.appid, "contact") is None:
        raise WxError(72063)
    if kind == 1 and biz_attr(sandbox, who.appid, "auth_field") is None:
        raise WxError(72029)
    valid_ticket = sandbox.state.scalar(
        "SELECT ticket FROM mp_tickets WHERE appid = ? AND type = 'wx_card' AND expires_at > ?",
        (who.appid, sandbox.clock.now()),
    )
    if valid_ticket is None or not secrets.compare_digest(valid_ticket, ticket):
        raise WxError(72031, "ticket")
    with sandbox.state.transaction():
        row = sandbox.state.one(
            "SELECT * FROM inv_orders WHERE s_pappid = ? AND order_id = ?", (s_pappid, order_id)
        )
        if row is not None and row["state"] == "REJECTED":
            raise WxError(72035)
        if row is not None and row["state"] == "INSERTED":
            raise WxError(72018)
        if row is not None and row["appid"] != who.appid:
            raise WxError(72031, "order_id")
        key = (
            row["page_key"]
            if row is not None and row["money"] == money
            else page_key(s_pappid, order_id, money)
        )
        if row is None:
            sandbox.state.execute(
                "INSERT INTO inv_orders (s_pappid, order_id, appid, money, source, type, redirect_url, page_key,"
                " state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'LINK_ISSUED', ?)",
                (s_pappid, order_id, who.appid, money, source, kind, redirect_url, key, sandbox.clock.now()),
            )
        elif row["state"] in ("LINK_ISSUED", "AUTH_FAILED"):  # asking again re-opens the page
            sandbox.state.execute(
                "UPDATE inv_orders SET money = ?, source = ?, type = ?, redirect_url = ?, page_key = ?,"
                " state = 'LINK_ISSUED' WHERE s_pappid = ? AND order_id = ?",
                (money, source, kind, redirect_url, key, s_pappid, order_id),
            )
    query = {
        "action": "list",
        "s_pappid": s_pappid,
        "appid": who.appid,
        "num": 1,
        "o1": order_id,
        "m1": money,
        "t1": timestamp,
        "source": source,
        "type": kind,
        "redirect_url": redirect_url,
        "signature": key,
    }
    base = inv_settings.load(sandbox).page_base or str(request.base_url).rstrip("/")
    answer = {"auth_url": f"{base}/bizmall/authinvoice?{urlencode(query)}#wechat_redirect"}
    if source == "wxa":
        answer["appid"] = inv_settings.load(sandbox).auth_mini_program_appid
    return ok(answer)


def order_row(sandbox: Any, s_pappid: str, order_id: str) -> dict[str, Any] | None:
    return sandbox.state.one(
        "SELECT * FROM inv_orders WHERE s_pappid = ? AND order_id = ?", (s_pappid, order_id)
    )


@wx_endpoint
async def getauthdata(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    data = await json_body(request)
    s_pappid, order_id = _text(data, "s_pappid", 128), _text(data, "order_id", 64)
    row = order_row(sandbox, s_pappid, order_id)
    if row is None or row["appid"] != who.appid or row["state"] in ("LINK_ISSUED", "AUTH_FAILED"):
        return ok({"invoice_status": "never auth"})
    if row["state"] == "REJECTED":
        raise WxError(72035)
    return ok(
        {
            "invoice_status": "auth success",
            "auth_time": row["auth_time"],
            "user_auth_info": json.loads(row["auth_info"]),
        }
    )


@wx_endpoint
async def rejectinsert(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    data = await json_body(request)
    s_pappid, order_id = _text(data, "s_pappid", 128), _text(data, "order_id", 64)
    reason = _text(data, "reason", 256)
    _text(data, "url", 1024, required=False)
    with sandbox.state.transaction():
        row = order_row(sandbox, s_pappid, order_id)
        if row is None or row["appid"] != who.appid or row["state"] in ("LINK_ISSUED", "AUTH_FAILED"):
            raise WxError(72038)
        if row["state"] == "REJECTED":
            return ok()  # rejecting twice changes nothing
        if row["state"] == "INSERTED":
            raise WxError(72018)
        sandbox.state.execute(
            "UPDATE inv_orders SET state = 'REJECTED', reject_reason = ? WHERE s_pappid = ? AND order_id = ?",
            (reason, s_pappid, order_id),
        )
    return ok()


# -- PDF and insertion ---------------------------------------------------------------------------------------


@wx_endpoint
async def setpdf(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise WxError(47001)
    form = await request.form()
    upload = form.get("pdf")
    if upload is None or isinstance(upload, str):
        raise WxError(47001)  # e.g. the generic media field name `media`
    content = await upload.read()
    limit = inv_settings.load(sandbox).max_pdf_bytes
    if len(content) > limit:
        raise WxError(72040)
    if not content.startswith(b"%PDF-"):
        raise WxError(72040)
    media_id = str(secrets.randbelow(9 * 10**15) + 10**15)
    now = sandbox.clock.now()
    sandbox.state.execute(
        "INSERT INTO inv_pdfs (s_media_id, appid, media_key, content, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (media_id, who.appid, secrets.token_urlsafe(48), content, now, now + PDF_TTL_SECONDS),
    )
    return ok({"s_media_id": media_id})


def pdf_row(sandbox: Any, media_id: str) -> dict[str, Any] | None:
    return sandbox.state.one(
        "SELECT * FROM inv_pdfs WHERE s_media_id = ? AND (linked = 1 OR expires_at > ?)",
        (media_id, sandbox.clock.now()),
    )


def pdf_url(request_base: str, media_key: str) -> str:
    return f"{request_base}/intp/invoice/getpdf?action=media_pdf&media_key={media_key}"


@wx_endpoint
async def getpdf(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    data = await json_body(request)
    action = data.get("action") or request.query_params.get("action")  # wechatpy sends it in the query
    if action != "get_url":
        raise WxError(72027)
    row = pdf_row(sandbox, _text(data, "s_media_id", 32))
    if row is None or row["appid"] != who.appid:
        raise WxError(72031, "s_media_id")
    base = inv_settings.load(sandbox).page_base or str(request.base_url).rstrip("/")
    return ok({"pdf_url": pdf_url(base, row["media_key"]), "pdf_url_expire_time": PDF_URL_TTL_SECONDS})


INVOICE_DATA_FIELDS = {
    "fee": "int",
    "title": "str",
    "billing_time": "int",
    "billing_no": "str",
    "billing_code": "opt",
    "fee_without_tax": "int",
    "tax": "int",
    "s_pdf_media_id": "str",
    "check_code": "opt",
}


def _invoice_data(sandbox: Any, data: dict[str, Any]) -> dict[str, Any]:
    card_ext = data.get("card_ext")
    if not isinstance(card_ext, dict) or not isinstance(card_ext.get("user_card"), dict):
        raise WxError(72031, "card_ext")
    _text(card_ext, "nonce_str", 64)
    invoice = card_ext["user_card"].get("invoice_user_data")
    if not isinstance(invoice, dict):
        raise WxError(72031, "invoice_user_data")
    for key in invoice:
        if key != key.strip():  # e.g. "s_pdf_media_id " (a trailing space)
            raise WxError(72031, key)
    for name, kind in INVOICE_DATA_FIELDS.items():
        if kind == "int":
            _int(invoice, name)
        else:
            _text(invoice, name, 256, required=kind == "str")
    settings = inv_settings.load(sandbox)
    if settings.check_fee_sum and invoice["fee"] != invoice["fee_without_tax"] + invoice["tax"]:
        raise WxError(72031, "fee")  # configurable: the reference leaves this check unconfirmed
    if settings.require_check_code and invoice.get("billing_code") and not invoice.get("check_code"):
        raise WxError(72045)  # old-style invoices carry a check code; 数电 invoices have no code at all
    return invoice


@wx_endpoint
async def insert(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    data = await json_body(request)
    order_id, card_id = _text(data, "order_id", 64), _text(data, "card_id", 64)
    appid = _text(data, "appid", 64)
    invoice = _invoice_data(sandbox, data)
    s_pappid = s_pappid_of(sandbox, who.appid)
    template = sandbox.state.one("SELECT * FROM inv_templates WHERE card_id = ?", (card_id,))
    if template is None or template["appid"] != who.appid:
        raise WxError(40073)
    with sandbox.state.transaction():
        row = order_row(sandbox, s_pappid or "", order_id) if s_pappid else None
        if row is None or row["appid"] != appid or row["state"] in ("LINK_ISSUED", "AUTH_FAILED"):
            raise WxError(72038)
        if row["state"] == "REJECTED":
            raise WxError(72035)
        if row["state"] == "INSERTED":
            raise WxError(72018)
        pdf = pdf_row(sandbox, invoice["s_pdf_media_id"])
        if pdf is None or pdf["appid"] != who.appid or pdf["linked"]:
            raise WxError(72040)
        billing_no = str(invoice["billing_no"])
        if sandbox.state.scalar(
            "SELECT 1 FROM inv_cards WHERE card_id = ? AND billing_no = ?", (card_id, billing_no)
        ):
            raise WxError(72042)
        code = str(secrets.randbelow(9 * 10**11) + 10**11)
        openid = sandbox.users.openid(row["user_id"], appid)
        sandbox.state.execute(
            "INSERT INTO inv_cards (card_id, code, s_pappid, order_id, appid, user_id, openid, data, s_media_id,"
            " reimburse_status, created_at, billing_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                card_id,
                code,
                s_pappid,
                order_id,
                appid,
                row["user_id"],
                openid,
                json.dumps(invoice, ensure_ascii=False),
                invoice["s_pdf_media_id"],
                "INVOICE_REIMBURSE_INIT",
                sandbox.clock.now(),
                billing_no,
            ),
        )
        sandbox.state.execute(
            "UPDATE inv_pdfs SET linked = 1 WHERE s_media_id = ?", (invoice["s_pdf_media_id"],)
        )
        sandbox.state.execute(
            "UPDATE inv_orders SET state = 'INSERTED' WHERE s_pappid = ? AND order_id = ?",
            (s_pappid, order_id),
        )
    answer = {"code": code, "openid": openid}
    return ok(answer)


# From → allowed targets for the platform's own updates (reference §1.7.1; the LOCK row is unconfirmed).
PLATFORM_TRANSITIONS = {
    "INVOICE_REIMBURSE_INIT": {"INVOICE_REIMBURSE_CLOSURE", "INVOICE_REIMBURSE_CANCEL"},
    "INVOICE_REIMBURSE_LOCK": {"INVOICE_REIMBURSE_CLOSURE", "INVOICE_REIMBURSE_CANCEL"},
}


@wx_endpoint
async def updatestatus(request: Request, sandbox: Any) -> dict:
    who = _caller(request, sandbox)
    data = await json_body(request)
    card_id, code = _text(data, "card_id", 64), _text(data, "code", 32)
    target = _text(data, "reimburse_status", 32)
    if target not in REIMBURSE_STATUSES:
        raise WxError(72024)
    with sandbox.state.transaction():
        card = sandbox.state.one("SELECT * FROM inv_cards WHERE card_id = ? AND code = ?", (card_id, code))
        if card is None or s_pappid_of(sandbox, who.appid) != card["s_pappid"]:
            raise WxError(72038)  # e.g. the tax 发票号码 passed instead of the card code
        current = card["reimburse_status"]
        if current == target == "INVOICE_REIMBURSE_CANCEL":
            return ok()  # the platform repeating itself (an outbox retry)
        if current == "INVOICE_REIMBURSE_CANCEL":
            raise WxError(72060)
        if current == "INVOICE_REIMBURSE_CLOSURE":
            raise WxError(72061)
        if target not in PLATFORM_TRANSITIONS.get(current, set()):
            raise WxError(72024)
        sandbox.state.execute(
            "UPDATE inv_cards SET reimburse_status = ? WHERE card_id = ? AND code = ?",
            (target, card_id, code),
        )
    return ok()


routes = [
    Route("/card/invoice/seturl", seturl, methods=["POST"], name="invoice.seturl"),
    Route("/card/invoice/setbizattr", setbizattr, methods=["POST"], name="invoice.setbizattr"),
    Route("/card/invoice/platform/createcard", createcard, methods=["POST"], name="invoice.createcard"),
    Route("/card/invoice/getauthurl", getauthurl, methods=["POST"], name="invoice.getauthurl"),
    Route("/card/invoice/getauthdata", getauthdata, methods=["POST"], name="invoice.getauthdata"),
    Route("/card/invoice/rejectinsert", rejectinsert, methods=["POST"], name="invoice.rejectinsert"),
    Route("/card/invoice/platform/setpdf", setpdf, methods=["POST"], name="invoice.setpdf"),
    Route("/card/invoice/platform/getpdf", getpdf, methods=["POST"], name="invoice.getpdf"),
    Route("/card/invoice/insert", insert, methods=["POST"], name="invoice.insert"),
    Route("/card/invoice/platform/updatestatus", updatestatus, methods=["POST"], name="invoice.updatestatus"),
]
