"""The pages a WeChat user sees in the e-invoice flow, served on the sandbox's own origin:

  GET  /bizmall/authinvoice             the authorisation page (授权页) of ``getauthurl`` (type 0: confirm; type 1:
                                        pick a saved title or fill one; type 2: collect an issued invoice)
  POST /bizmall/authinvoice/confirm     the user's decision → event ``user_authorize_invoice`` to the merchant
  GET  /intp/invoice/getpdf             an uploaded PDF by its ``media_key`` (the ``pdf_url`` of getpdf)
  GET  /intp/invoice/usertitle          ``biz/getusertitleurl`` (save a title) / ``getselecttitleurl`` (pick one)
  POST /intp/invoice/usertitle/confirm  … the user's answer (``submit_invoice_title`` for a pick)

The browsing user is the ``sandbox_user`` query parameter or the ``wxsandbox_user`` cookie, as on the OAuth
page. Every value shown is HTML-escaped: titles and order ids come from the merchant.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from wxsandbox.invoice import cards, titles
from wxsandbox.invoice.render import browsing_user, error, page, saved_titles, title_fields, yuan
from wxsandbox.mp import oa_push
from wxsandbox.mp.oauth import USER_COOKIE, USER_PARAM


async def authinvoice(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    q = request.query_params
    row = cards.order_row(sandbox, q.get("s_pappid", ""), q.get("o1", ""))
    if row is None or row["page_key"] != q.get("signature", ""):
        return error("开票链接无效或已过期")
    if row["state"] == "REJECTED":
        return error("商户已拒绝为该订单开票")
    if row["state"] == "INSERTED":
        return error("发票已存入卡包")
    user = browsing_user(sandbox, request)
    if user is None:
        return error("请在沙箱手机里打开本页（未识别到微信用户）", 401)
    app = sandbox.config.app(row["appid"])
    merchant = html.escape((app.name if app else "") or row["appid"])
    hidden = (
        f'<input type="hidden" name="s_pappid" value="{html.escape(row["s_pappid"])}">'
        f'<input type="hidden" name="order_id" value="{html.escape(row["order_id"])}">'
        f'<input type="hidden" name="signature" value="{html.escape(row["page_key"])}">'
        f'<input type="hidden" name="user" value="{html.escape(user["id"])}">'
    )
    if row["type"] == 1:
        choose = (
            '<div class="card"><p>选择发票抬头</p>'
            + saved_titles(titles.of_user(sandbox, user["id"]))
            + '<label><input type="radio" name="title_id" value="new"> 填写新抬头</label>'
            + title_fields()
            + "</div>"
        )
        action = "申请开票"
    else:
        choose = (
            '<div class="card"><p>商户已获取开票信息。确认后，开具的电子发票将存入你的微信卡包。</p></div>'
        )
        action = "领取发票" if row["type"] == 2 else "允许并存入卡包"
    response = page(
        "微信发票",
        f"""<h1>{merchant}</h1>
<p class="muted" style="text-align:center">订单 {html.escape(row["order_id"])} · 开票金额</p>
<p class="amount" id="invoice-amount">¥{yuan(row["money"])}</p>
<form method="post" action="/bizmall/authinvoice/confirm">{hidden}{choose}
<button class="allow" id="invoice-allow" name="decision" value="allow">{action}</button>
<button class="deny" id="invoice-deny" name="decision" value="deny">不开票</button>
</form>""",
    )
    if q.get(USER_PARAM):
        response.set_cookie(USER_COOKIE, q[USER_PARAM], samesite="lax")
    return response


def _auth_info(sandbox: Any, user_id: str, form: Any, order_type: int) -> dict[str, Any] | str:
    """What ``getauthdata`` will return for the user's choice, or an error text for the page."""
    if order_type != 1:
        return {}
    choice = str(form.get("title_id", ""))
    if choice == "new":
        raw = {name: str(form.get(name, "")).strip() for name in titles.TITLE_FIELDS}
        problem = titles.problem(raw)
        if problem:
            return problem
        saved = titles.save(sandbox, user_id, raw)
    else:
        saved = next((t for t in titles.of_user(sandbox, user_id) if str(t["id"]) == choice), None)
        if saved is None:
            return "请选择一个发票抬头"
    return titles.auth_info(saved)


async def confirm(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    form = await request.form()
    row = cards.order_row(sandbox, str(form.get("s_pappid", "")), str(form.get("order_id", "")))
    if row is None or row["page_key"] != str(form.get("signature", "")):
        return error("开票链接无效或已过期")
    user = browsing_user(sandbox, request, form)
    if user is None:
        return error("未识别到微信用户", 401)
    decision = str(form.get("decision", ""))
    if decision not in ("allow", "deny"):
        return error("请求无效")
    info: dict[str, Any] | str = {}
    if decision == "allow":
        info = _auth_info(sandbox, user["id"], form, row["type"])
        if isinstance(info, str):
            return error(info)
    state = "AUTHORIZED" if decision == "allow" else "AUTH_FAILED"
    with sandbox.state.transaction():
        # Guarded: only an open link moves; a second tap or a stale tab changes nothing.
        moved = sandbox.state.execute(
            "UPDATE inv_orders SET state = ?, user_id = ?, auth_time = ?, auth_info = ?"
            " WHERE s_pappid = ? AND order_id = ? AND state = 'LINK_ISSUED'",
            (
                state,
                user["id"],
                sandbox.clock.timestamp(),
                json.dumps(info, ensure_ascii=False),
                row["s_pappid"],
                row["order_id"],
            ),
        ).rowcount
    if not moved:
        return error("该开票申请已处理", 409)
    app = sandbox.config.app(row["appid"])
    if app is not None:
        succ, fail = (row["order_id"], "") if decision == "allow" else ("", row["order_id"])
        fields = oa_push.event_fields(
            sandbox,
            app,
            user["id"],
            "user_authorize_invoice",
            SuccOrderId=succ,
            FailOrderId=fail,
            AppId=app.appid,
            Source=row["source"],
        )
        oa_push.enqueue(sandbox, app, user["id"], fields, f"invoice-auth:{row['s_pappid']}:{row['order_id']}")
    if (
        decision == "allow"
        and row["redirect_url"]
        and urlsplit(row["redirect_url"]).scheme in ("http", "https")
    ):
        return RedirectResponse(row["redirect_url"], status_code=302)
    done = "已提交开票申请，发票开具后将存入微信卡包" if decision == "allow" else "你已选择不开票"
    return page("微信发票", f'<h1 id="invoice-done">{done}</h1>')


async def pdf(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    key = request.query_params.get("media_key", "")
    row = sandbox.state.one("SELECT content FROM inv_pdfs WHERE media_key = ?", (key,)) if key else None
    if row is None:
        return error("发票文件不存在或已过期", 404)
    return Response(
        bytes(row["content"]),
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="invoice.pdf"'},
    )


routes = [
    Route("/bizmall/authinvoice", authinvoice, methods=["GET"], name="invoice.page"),
    Route("/bizmall/authinvoice/confirm", confirm, methods=["POST"], name="invoice.page_confirm"),
    Route("/intp/invoice/getpdf", pdf, methods=["GET"], name="invoice.pdf"),
    Route("/intp/invoice/usertitle", titles.title_page, methods=["GET"], name="invoice.title_page"),
    Route(
        "/intp/invoice/usertitle/confirm",
        titles.title_confirm,
        methods=["POST"],
        name="invoice.title_confirm",
    ),
]
