"""HTML helpers of the e-invoice pages (WeChat's look, every merchant-given value escaped)."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from wxsandbox.mp.oauth import USER_COOKIE, USER_PARAM

_STYLE = """
body{margin:0;font-family:-apple-system,"PingFang SC","WenQuanYi Micro Hei",sans-serif;background:#ededed;color:#111}
main{max-width:420px;margin:0 auto;padding:32px 20px}h1{font-size:20px;font-weight:500;text-align:center}
.card{background:#fff;border-radius:8px;padding:12px 16px;margin:16px 0}.muted{color:#888;font-size:14px}
.amount{font-size:28px;text-align:center;margin:8px 0}label{display:block;margin:8px 0;font-size:15px}
input[type=text]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #ddd;border-radius:6px}
button{display:block;width:100%;padding:12px;margin:12px 0;border-radius:8px;border:0;font-size:17px}
.allow{background:#07c160;color:#fff}.deny{background:#fff;color:#fa5151}.err{color:#fa5151;text-align:center}
"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title><style>{_STYLE}</style>'
        f"</head><body><main>{body}</main></body></html>",
        status_code=status,
    )


def error(message: str, status: int = 400) -> HTMLResponse:
    return page("微信发票", f'<h1 class="err" id="invoice-error">{html.escape(message)}</h1>', status)


def browsing_user(sandbox: Any, request: Request, form: Any = None) -> dict[str, Any] | None:
    user_id = (form.get("user") if form else None) or request.query_params.get(USER_PARAM)
    user_id = user_id or request.cookies.get(USER_COOKIE)
    return sandbox.users.get(str(user_id)) if user_id else None


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def title_fields(prefix: str = "") -> str:
    rows = (
        ("title", "抬头名称"),
        ("tax_no", "税号"),
        ("addr", "单位地址"),
        ("phone", "电话"),
        ("bank_type", "开户银行"),
        ("bank_no", "银行账号"),
    )
    return "".join(
        f'<label>{label}<input type="text" name="{prefix}{name}" maxlength="128"></label>'
        for name, label in rows
    )


def saved_titles(user_titles: list[dict[str, Any]]) -> str:
    if not user_titles:
        return '<p class="muted">你还没有保存发票抬头。</p>'
    return "".join(
        f'<label><input type="radio" name="title_id" value="{t["id"]}"{" checked" if i == 0 else ""}> '
        f"{html.escape(t['title'])} <span class='muted'>{html.escape(t['tax_no'])}</span></label>"
        for i, t in enumerate(user_titles)
    )
