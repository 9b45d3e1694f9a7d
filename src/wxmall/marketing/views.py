"""The tracked redirect `/l/<code>`: one indexed read, one buffered append, a 302.

The visitor cookie `wxv` (random, a year, HttpOnly) identifies a browser across clicks so first and last
touch can be kept per visitor; it carries no personal data. The link cookie `wxl` (the last link's
code, 7 days) lets checkout attribute the order to the link it came through (a sharer's, a video's).
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from . import buffer
from .queries import target_of

VISITOR_COOKIE = "wxv"
VISITOR_MAX_AGE = 365 * 86400
LINK_COOKIE, LINK_MAX_AGE = "wxl", 7 * 86400
_VISITOR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _visitor(request: HttpRequest) -> tuple[str, bool]:
    value = request.COOKIES.get(VISITOR_COOKIE, "")
    if 16 <= len(value) <= 32 and set(value) <= _VISITOR_CHARS:
        return value, False
    return secrets.token_urlsafe(16)[:22], True


@require_GET
def follow(request: HttpRequest, code: str) -> HttpResponse:
    found = target_of(code) if len(code) <= 16 and code.isascii() and code.isalnum() else None
    if found is None:
        return HttpResponse("链接不存在或已失效", status=404, content_type="text/plain; charset=utf-8")
    link_id, target_url = found
    visitor, new = _visitor(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    buffer.push(
        {
            "id": buffer.new_click_id(),
            "link": link_id,
            "visitor": visitor,
            "at": round(time.time(), 3),
            "wechat": "MicroMessenger" in user_agent,
            "ua": user_agent[:200],
            "ref": request.META.get("HTTP_REFERER", "")[:300],
        }
    )
    response = HttpResponseRedirect(target_url)
    response.set_cookie(
        LINK_COOKIE,
        code,
        max_age=LINK_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    if new:
        response.set_cookie(
            VISITOR_COOKIE,
            visitor,
            max_age=VISITOR_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
