"""The user's saved invoice titles (我的发票抬头) and the title APIs (invoice reference §1.9):

  POST /card/invoice/biz/getusertitleurl    a link that saves a merchant-given title into the user's WeChat
  POST /card/invoice/biz/getselecttitleurl  a link where the user picks a saved title → ``submit_invoice_title``
  POST /card/invoice/scantitle              decode a user's title QR code (``…/usertitlewxa?…&invoice_key=``)

WeChat's own rules: ``tax_no`` 15–20 digits or Latin letters, ``phone`` digits and ``-`` only.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.invoice import settings as inv_settings
from wxsandbox.invoice.render import browsing_user, error, page, saved_titles, title_fields
from wxsandbox.mp import oa_push
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, ok, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS inv_user_titles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT NOT NULL,
    title_type  TEXT NOT NULL,          -- business | person
    title       TEXT NOT NULL,
    tax_no      TEXT NOT NULL DEFAULT '',
    addr        TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    bank_type   TEXT NOT NULL DEFAULT '',
    bank_no     TEXT NOT NULL DEFAULT '',
    invoice_key TEXT NOT NULL UNIQUE,   -- what the user's own title QR code carries
    created_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS inv_title_links (
    key         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,          -- save | select
    appid       TEXT NOT NULL,
    data        TEXT NOT NULL,
    expires_at  REAL NOT NULL
);
"""

TITLE_FIELDS = ("title", "tax_no", "addr", "phone", "bank_type", "bank_no")
TAX_NO = re.compile(r"[0-9A-Za-z]{15,20}")
PHONE = re.compile(r"[0-9-]{1,32}")


def problem(raw: dict[str, str]) -> str:
    """Why WeChat would refuse this title ("" when fine), in the words its page uses."""
    if not raw.get("title"):
        return "请填写抬头名称"
    if len(raw["title"]) > 128 or any(len(raw.get(name, "")) > 128 for name in TITLE_FIELDS):
        return "抬头信息过长"
    if raw.get("tax_no") and not TAX_NO.fullmatch(raw["tax_no"]):
        return "税号必须是15-20位数字或者英文字母"
    if raw.get("phone") and not PHONE.fullmatch(raw["phone"]):
        return "电话只能包含数字和“-”"
    return ""


def save(sandbox: Any, user_id: str, raw: dict[str, str]) -> dict[str, Any]:
    kind = "business" if raw.get("tax_no") else "person"
    key = secrets.token_urlsafe(16)
    row_id = sandbox.state.execute(
        "INSERT INTO inv_user_titles (user_id, title_type, title, tax_no, addr, phone, bank_type, bank_no,"
        " invoice_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (user_id, kind, *(raw.get(name, "") for name in TITLE_FIELDS), key, sandbox.clock.now()),
    ).lastrowid
    return dict(sandbox.state.one("SELECT * FROM inv_user_titles WHERE id = ?", (row_id,)))


def of_user(sandbox: Any, user_id: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in sandbox.state.query(
            "SELECT * FROM inv_user_titles WHERE user_id = ? ORDER BY id", (user_id,)
        )
    ]


def auth_info(saved: dict[str, Any]) -> dict[str, Any]:
    """``getauthdata.user_auth_info`` for a chosen title: ``biz_field`` for a unit, ``user_field`` for a person."""
    if saved["title_type"] == "business":
        return {"biz_field": {name: saved[name] for name in TITLE_FIELDS}}
    return {"user_field": {"title": saved["title"], "phone": saved["phone"], "email": ""}}


def _link(
    sandbox: Any, kind: str, appid: str, data: dict[str, Any], base: str, action: str, param: str
) -> str:
    key = secrets.token_urlsafe(12)
    ttl = inv_settings.load(sandbox).title_link_ttl_seconds
    sandbox.state.execute(
        "INSERT INTO inv_title_links (key, kind, appid, data, expires_at) VALUES (?, ?, ?, ?, ?)",
        (key, kind, appid, json.dumps(data, ensure_ascii=False), sandbox.clock.now() + ttl),
    )
    return f"{base}/intp/invoice/usertitle?action={action}&{param}={key}#wechat_redirect"


def _base(sandbox: Any, request: Request) -> str:
    return inv_settings.load(sandbox).page_base or str(request.base_url).rstrip("/")


@wx_endpoint
async def getusertitleurl(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    user_fill = data.get("user_fill", 0)
    if user_fill not in (0, 1):
        raise WxError(72031, "user_fill")
    raw = {name: str(data.get(name) or "") for name in (*TITLE_FIELDS, "out_title_id")}
    if user_fill == 0 and problem(raw):
        raise WxError(72031, problem(raw))
    url = _link(
        sandbox,
        "save",
        who.appid,
        raw | {"user_fill": user_fill},
        _base(sandbox, request),
        "list_auth",
        "biz_title_key",
    )
    return ok({"url": url})


@wx_endpoint
async def getselecttitleurl(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    attach = data.get("attach", "")
    biz_name = data.get("biz_name", "")
    if (
        not isinstance(attach, str)
        or not isinstance(biz_name, str)
        or len(attach) > 256
        or len(biz_name) > 64
    ):
        raise WxError(72031)
    data = {"attach": attach, "biz_name": biz_name}
    url = _link(
        sandbox, "select", who.appid, data, _base(sandbox, request), "select_title", "select_title_key"
    )
    return ok({"url": url})


@wx_endpoint
async def scantitle(request: Request, sandbox: Any) -> dict:
    caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    text = data.get("scan_text")
    if not isinstance(text, str) or not text:
        raise WxError(72031, "scan_text")
    key = (parse_qs(urlsplit(text).query).get("invoice_key") or [""])[0]
    saved = sandbox.state.one("SELECT * FROM inv_user_titles WHERE invoice_key = ?", (key,)) if key else None
    if saved is None:
        raise WxError(72044)
    return ok(
        {"title_type": 0 if saved["title_type"] == "business" else 1} | {n: saved[n] for n in TITLE_FIELDS}
    )


def _open_link(sandbox: Any, key: str) -> dict[str, Any] | None:
    row = sandbox.state.one(
        "SELECT * FROM inv_title_links WHERE key = ? AND expires_at > ?", (key, sandbox.clock.now())
    )
    return None if row is None else dict(row) | {"data": json.loads(row["data"])}


async def title_page(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    key = request.query_params.get("biz_title_key") or request.query_params.get("select_title_key") or ""
    link = _open_link(sandbox, key)
    if link is None:
        return error("链接已过期，请让商户重新生成")
    user = browsing_user(sandbox, request)
    if user is None:
        return error("请在沙箱手机里打开本页（未识别到微信用户）", 401)
    hidden = f'<input type="hidden" name="key" value="{html.escape(key)}"><input type="hidden" name="user" value="{html.escape(user["id"])}">'
    if link["kind"] == "save":
        data = link["data"]
        shown = (
            title_fields()
            if data.get("user_fill") == 1
            else "".join(f"<p>{html.escape(data[name])}</p>" for name in TITLE_FIELDS if data.get(name))
        )
        body = f'<h1>保存发票抬头</h1><form method="post" action="/intp/invoice/usertitle/confirm">{hidden}<div class="card">{shown}</div><button class="allow" id="title-save">保存到我的发票抬头</button></form>'
    else:
        body = (
            f"<h1>{html.escape(link['data']['biz_name'] or '选择发票抬头')}</h1>"
            f'<form method="post" action="/intp/invoice/usertitle/confirm">{hidden}<div class="card">'
            f"{saved_titles(of_user(sandbox, user['id']))}</div>"
            '<button class="allow" id="title-submit">提交抬头</button></form>'
        )
    return page("发票抬头", body)


async def title_confirm(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    form = await request.form()
    link = _open_link(sandbox, str(form.get("key", "")))
    user = browsing_user(sandbox, request, form)
    if link is None or user is None:
        return error("链接已过期，请让商户重新生成")
    if link["kind"] == "save":
        data = link["data"]
        raw = (
            {name: str(form.get(name, "")).strip() for name in TITLE_FIELDS}
            if data.get("user_fill") == 1
            else {name: data.get(name, "") for name in TITLE_FIELDS}
        )
        if problem(raw):
            return error(problem(raw))
        save(sandbox, user["id"], raw)
        return page("发票抬头", '<h1 id="title-done">已保存到我的发票抬头</h1>')
    saved = next((t for t in of_user(sandbox, user["id"]) if str(t["id"]) == str(form.get("title_id"))), None)
    app = sandbox.config.app(link["appid"])
    if saved is None or app is None:
        return error("请选择一个发票抬头")
    title_type = (
        "InvoiceUserTitleBusinessType" if saved["title_type"] == "business" else "InvoiceUserTitlePersonType"
    )
    fields = oa_push.event_fields(
        sandbox,
        app,
        user["id"],
        "submit_invoice_title",
        **{name: saved[name] for name in TITLE_FIELDS},
        attach=link["data"]["attach"],
        title_type=title_type,
    )
    oa_push.enqueue(sandbox, app, user["id"], fields, f"invoice-title:{link['key']}:{saved['id']}")
    return page("发票抬头", '<h1 id="title-done">已提交</h1>')


routes = [
    Route(
        "/card/invoice/biz/getusertitleurl", getusertitleurl, methods=["POST"], name="invoice.getusertitleurl"
    ),
    Route(
        "/card/invoice/biz/getselecttitleurl",
        getselecttitleurl,
        methods=["POST"],
        name="invoice.getselecttitleurl",
    ),
    Route("/card/invoice/scantitle", scantitle, methods=["POST"], name="invoice.scantitle"),
]
