"""The account's template library: ``api_add_template``, ``get_all_private_template``, ``del_private_template``.

Templates come from the ``[mp] templates`` table (appid → ids) and from ``api_add_template`` (which turns a
library id such as ``TM00015`` into a private template id). With ``template_registry = "strict"`` only these
can be sent (40037 otherwise); with ``auto`` any id is accepted but the list still shows the known ones.
An account holds at most 25 private templates (45026).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, ok, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_templates (
    appid        TEXT NOT NULL,
    template_id  TEXT NOT NULL,
    short_id     TEXT NOT NULL,
    title        TEXT NOT NULL,
    created_at   REAL NOT NULL,
    PRIMARY KEY (appid, template_id)
);
"""

MAX_PRIVATE_TEMPLATES = 25


def known(sandbox: Any, appid: str) -> list[dict[str, Any]]:
    """Configured templates first, then those added through the API."""
    configured = [
        {"template_id": t, "title": t, "short_id": ""}
        for t in mp_settings.load(sandbox).templates.get(appid, [])
    ]
    added = [
        dict(r)
        for r in sandbox.state.query(
            "SELECT template_id, title, short_id FROM mp_templates WHERE appid = ? ORDER BY created_at",
            (appid,),
        )
    ]
    return configured + [t for t in added if t["template_id"] not in {c["template_id"] for c in configured}]


def is_known(sandbox: Any, appid: str, template_id: str) -> bool:
    return template_id in mp_settings.load(sandbox).templates.get(appid, []) or bool(
        sandbox.state.scalar(
            "SELECT 1 FROM mp_templates WHERE appid = ? AND template_id = ?", (appid, template_id)
        )
    )


@wx_endpoint
async def add(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    short_id = data.get("template_id_short")
    if not isinstance(short_id, str) or not short_id:
        raise WxError(40037)
    keywords = data.get("keyword_name_list", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise WxError(47003, "keyword_name_list")
    with sandbox.state.transaction():
        if len(known(sandbox, who.appid)) >= MAX_PRIVATE_TEMPLATES:
            raise WxError(45026)
        template_id = secrets.token_urlsafe(32)
        title = f"模板 {short_id}" + (f"（{'、'.join(keywords)}）" if keywords else "")
        sandbox.state.execute(
            "INSERT INTO mp_templates (appid, template_id, short_id, title, created_at) VALUES (?, ?, ?, ?, ?)",
            (who.appid, template_id, short_id, title, sandbox.clock.now()),
        )
    return ok({"template_id": template_id})


@wx_endpoint
async def list_all(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    return {
        "template_list": [
            {
                "template_id": t["template_id"],
                "title": t["title"],
                "primary_industry": "IT科技",
                "deputy_industry": "互联网|电子商务",
                "content": "{{first.DATA}}\n{{keyword1.DATA}}\n{{remark.DATA}}",
                "example": "",
            }
            for t in known(sandbox, who.appid)
        ]
    }


@wx_endpoint
async def delete(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    cur = sandbox.state.execute(
        "DELETE FROM mp_templates WHERE appid = ? AND template_id = ?", (who.appid, data.get("template_id"))
    )
    if cur.rowcount == 0:
        raise WxError(40037)
    return ok()


routes = [
    Route("/cgi-bin/template/api_add_template", add, methods=["POST"], name="mp.template.add"),
    Route("/cgi-bin/template/get_all_private_template", list_all, methods=["GET"], name="mp.template.list"),
    Route("/cgi-bin/template/del_private_template", delete, methods=["POST"], name="mp.template.delete"),
]
