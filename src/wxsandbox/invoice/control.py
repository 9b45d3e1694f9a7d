"""Control API of the e-invoice surface (the user's side of WeChat and the test's knobs):

GET  /sandbox/invoice/cards?user=          the user's card package (卡包 → 我的发票), newest first
GET  /sandbox/invoice/titles?user=         the user's saved titles;  POST {"user", "title", "tax_no", …} saves one
GET  /sandbox/invoice/orders?order_id=     authorisation state of merchant orders (the emulator's table)
GET|POST|DELETE /sandbox/invoice/settings  effective settings / override / reset
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.control import ControlError, read_json
from wxsandbox.invoice import settings as inv_settings
from wxsandbox.invoice import titles
from wxsandbox.invoice.cards import pdf_url
from wxsandbox.mp.http import control_endpoint
from wxsandbox.mp.oauth import user_or_error


def _user(sandbox: Any, value: Any) -> dict[str, Any]:
    return user_or_error(sandbox, value)


@control_endpoint
async def cards(request: Request, sandbox: Any) -> dict:
    user = _user(sandbox, request.query_params.get("user"))
    rows = sandbox.state.query(
        "SELECT c.*, t.payee, t.type AS invoice_type, p.media_key FROM inv_cards c"
        " JOIN inv_templates t ON t.card_id = c.card_id JOIN inv_pdfs p ON p.s_media_id = c.s_media_id"
        " WHERE c.user_id = ? ORDER BY c.created_at DESC, c.code",
        (user["id"],),
    )
    base = inv_settings.load(sandbox).page_base or str(request.base_url).rstrip("/")
    return {
        "cards": [
            {
                "card_id": r["card_id"],
                "code": r["code"],
                "order_id": r["order_id"],
                "payee": r["payee"],
                "type": r["invoice_type"],
                "reimburse_status": r["reimburse_status"],
                "invoice_user_data": json.loads(r["data"]),
                "pdf_url": pdf_url(base, r["media_key"]),
            }
            for r in rows
        ]
    }


@control_endpoint
async def user_titles(request: Request, sandbox: Any) -> dict:
    if request.method == "GET":
        user = _user(sandbox, request.query_params.get("user"))
        return {"titles": titles.of_user(sandbox, user["id"])}
    data = await read_json(request)
    user = _user(sandbox, data.get("user"))
    raw = {name: str(data.get(name) or "").strip() for name in titles.TITLE_FIELDS}
    problem = titles.problem(raw)
    if problem:
        raise ControlError("invalid_title", problem)
    return {"title": titles.save(sandbox, user["id"], raw)}


@control_endpoint
async def orders(request: Request, sandbox: Any) -> dict:
    order_id = request.query_params.get("order_id")
    sql = (
        "SELECT s_pappid, order_id, appid, money, source, type, state, user_id, reject_reason FROM inv_orders"
    )
    rows = (
        sandbox.state.query(sql + " WHERE order_id = ?", (order_id,))
        if order_id
        else sandbox.state.query(sql + " ORDER BY created_at DESC LIMIT 200")
    )
    return {"orders": [dict(r) for r in rows]}


@control_endpoint
async def settings_view(request: Request, sandbox: Any) -> dict:
    try:
        if request.method == "POST":
            inv_settings.LAYER.override(sandbox, await read_json(request))
        elif request.method == "DELETE":
            inv_settings.LAYER.reset(sandbox)
    except ValueError as exc:
        raise ControlError("invalid_settings", str(exc)) from exc
    return inv_settings.LAYER.as_dict(inv_settings.load(sandbox))


control_routes = [
    Route("/sandbox/invoice/cards", cards, methods=["GET"], name="sandbox.invoice.cards"),
    Route("/sandbox/invoice/titles", user_titles, methods=["GET", "POST"], name="sandbox.invoice.titles"),
    Route("/sandbox/invoice/orders", orders, methods=["GET"], name="sandbox.invoice.orders"),
    Route(
        "/sandbox/invoice/settings",
        settings_view,
        methods=["GET", "POST", "DELETE"],
        name="sandbox.invoice.settings",
    ),
]
