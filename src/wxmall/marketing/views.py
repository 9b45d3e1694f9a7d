"""The tracked redirect `/l/<code>`: one in-process lookup (`queries.target_of`), one buffered append, a 302 (and, for staff, a
link's QR poster).

The visitor cookie `wxv` (random, a year, HttpOnly) identifies a browser across clicks so first and last
touch can be kept per visitor; it carries no personal data. The signed touch cookie `wxt` (see `touch`)
carries the first and last link to the event ingest and to checkout (an order through a sharer's or a
video's link is theirs). A Moments ad's click id (`gdt_vid`, `qz_gdt`, `weixinadinfo`: the parameter
names in MARKETING_AD_CLICK_PARAMS) is kept with the click only when it arrives on a known link;
elsewhere it attributes nothing.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wxmall.audit import actions as audit
from wxmall.catalog.models import Product
from wxmall.core.errors import DomainError

from . import actions, buffer, posters, touch
from .errors import MarketingError
from .models import Link
from .queries import target_of

VISITOR_COOKIE = "wxv"
VISITOR_MAX_AGE = 365 * 86400
_VISITOR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_AD_CLICK_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
MP_ENTRIES_SHOWN = 20


def _ad_click_id(request: HttpRequest) -> str:
    if not request.META.get("QUERY_STRING"):
        return ""  # most clicks carry none: parsing request.GET would be a tenth of the redirect's time
    for name in settings.MARKETING_AD_CLICK_PARAMS:
        value = request.GET.get(name, "")
        if _AD_CLICK_ID.fullmatch(value):
            return f"{name}:{value}"
    return ""


def visitor_of(request: HttpRequest) -> tuple[str, bool]:
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
    visitor, new = visitor_of(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    now = time.time()
    buffer.push(
        {
            "id": buffer.new_click_id(),
            "link": link_id,
            "visitor": visitor,
            "at": round(now, 3),
            "wechat": "MicroMessenger" in user_agent,
            "ua": user_agent[:200],
            "ref": request.META.get("HTTP_REFERER", "")[:300],
            "ad": _ad_click_id(request),
        }
    )
    response = HttpResponseRedirect(target_url)
    touched = touch.followed(touch.read(request.COOKIES.get(touch.TOUCH_COOKIE)), link_id, int(now))
    response.set_cookie(
        touch.TOUCH_COOKIE,
        touch.write(touched),
        max_age=touch.TOUCH_MAX_AGE,
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


@staff_member_required
@require_GET
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """The QR poster of a link (PNG); `?product=<id>` puts that product's picture, title and price on it;
    `?mp=1` puts the link's Mini Program code on it instead of the short link's QR (needs change_link)."""
    link = Link.objects.filter(code=code[:16]).first()
    if link is None:
        return HttpResponse("链接不存在", status=404, content_type="text/plain; charset=utf-8")
    product_id, product = request.GET.get("product", ""), None
    if product_id:
        if not (product_id.isdigit() and len(product_id) < 19):
            return HttpResponse("商品编号不正确", status=400, content_type="text/plain; charset=utf-8")
        product = Product.objects.filter(pk=int(product_id)).first()
        if product is None:
            return HttpResponse("商品不存在", status=404, content_type="text/plain; charset=utf-8")
    code = None
    if request.GET.get("mp") == "1":  # the Mini Program code instead of the short link's QR: a WeChat call
        if not request.user.has_perm("marketing.change_link"):
            return HttpResponse(
                "没有生成小程序码的权限", status=403, content_type="text/plain; charset=utf-8"
            )
        try:
            code, _ = actions.mp_code(link.code)
        except DomainError as error:
            return HttpResponse(
                error.message, status=error.error.status, content_type="text/plain; charset=utf-8"
            )
    png = (
        posters.poster_png(
            link, title=product.title, price=product.min_price or None, image=product.cover, mp_code=code
        )
        if product
        else posters.poster_png(link, title=link.name or link.code, mp_code=code)
    )
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="poster-{link.code}.png"'
    return response


def _mp_page(request: HttpRequest, link: Link, status: int = 200, **extra) -> HttpResponse:
    entries = link.mp_entries.all()[:MP_ENTRIES_SHOWN]
    context = {"link": link, "generated": "", "entries": entries, "state": None, "state_entry": None}
    return render(request, "marketing/mp_link.html", context | extra, status=status)


@staff_member_required
@permission_required("marketing.change_link", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mp_link(request: HttpRequest, code: str) -> HttpResponse:
    """A link's Mini Program entries. POST `kind=urllink|scheme`: WeChat generates a URL Link / Scheme;
    POST `kind=query&entry=<id>`: WeChat's current state of a kept URL Link (expiry, opens left today)."""
    link = Link.objects.filter(code=code[:16]).first()
    if link is None:
        return HttpResponse("链接不存在", status=404, content_type="text/plain; charset=utf-8")
    if request.method != "POST":
        return _mp_page(request, link)
    kind = request.POST.get("kind", "")[:16]
    try:
        if kind == "query":
            entry_id = request.POST.get("entry", "")
            if not (entry_id.isdigit() and len(entry_id) < 19):
                raise DomainError(MarketingError.MP_ENTRY_NOT_FOUND)
            entry = link.mp_entries.filter(pk=int(entry_id)).first()
            if entry is None:
                raise DomainError(MarketingError.MP_ENTRY_NOT_FOUND)
            state = actions.mp_link_state(entry.pk)
            expires = datetime.fromtimestamp(state.expire_time, UTC) if state.expire_time else None
            return _mp_page(request, link, state=state, state_entry=entry, state_expires=expires)
        generated = actions.mp_entry(link.code, kind)
        audit.record(
            request.user, "marketing.mp_link", link, f"生成小程序链接（{kind}）", {"kind": kind}, request
        )
        return _mp_page(request, link, generated=generated)
    except DomainError as error:
        messages.error(request, error.message)
        return _mp_page(request, link, status=error.error.status)


@staff_member_required
@permission_required("marketing.change_link", raise_exception=True)
@require_POST
def mp_code(request: HttpRequest, code: str) -> HttpResponse:
    """Download the link's Mini Program code (小程序码) as WeChat drew it (JPEG; PNG when transparent)."""
    link = Link.objects.filter(code=code[:16]).first()
    if link is None:
        return HttpResponse("链接不存在", status=404, content_type="text/plain; charset=utf-8")
    hyaline = request.POST.get("hyaline") == "1"
    try:
        image, content_type = actions.mp_code(link.code, hyaline=hyaline)
    except DomainError as error:
        messages.error(request, error.message)
        return _mp_page(request, link, status=error.error.status)
    audit.record(request.user, "marketing.mp_code", link, "下载小程序码", {"hyaline": hyaline}, request)
    response = HttpResponse(image, content_type=content_type)
    extension = "png" if content_type == "image/png" else "jpg"
    response["Content-Disposition"] = f'attachment; filename="mp-code-{link.code}.{extension}"'
    return response
