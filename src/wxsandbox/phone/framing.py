"""Can a page be shown inside the phone's iframe? Browsers refuse frames that a page forbids with
``X-Frame-Options`` (Django sends ``DENY`` by default) or CSP ``frame-ancestors``; and a page from another
*site* than the phone (say the hub on ``localhost`` and the phone on ``127.0.0.1``) loses its SameSite=Lax
cookies inside a frame, so its login would not stick. In those cases the phone opens the page in a window
of its own instead, where ``WeixinJSBridge`` talks to the phone through ``window.opener``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

TIMEOUT_SECONDS = 3.0
CROSS_SITE = "跨站点页面在框架中无法保存登录 Cookie"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _site(url: str) -> tuple[str, str]:
    """(scheme, registrable domain) — ports do not count. Without the Public Suffix List the registrable
    domain is approximated by the last two labels; IP addresses and single-label hosts stand for themselves."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    if host.replace(".", "").isdigit() or ":" in host or len(labels) <= 2:
        return parts.scheme.lower(), host
    return parts.scheme.lower(), ".".join(labels[-2:])


def same_site(url: str, phone_origin: str) -> bool:
    return _site(url) == _site(phone_origin)


def _csp_allows(csp: str, page_origin: str, phone_origin: str) -> bool | None:
    """True/False when a ``frame-ancestors`` directive decides, None when there is none."""
    for directive in csp.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name.lower() != "frame-ancestors":
            continue
        sources = value.split()
        if "'none'" in sources:
            return False
        for source in sources:
            if source == "*" or source.rstrip("/").lower() == phone_origin:
                return True
            if source == "'self'" and page_origin == phone_origin:
                return True
        return False
    return None


def frame_verdict(headers: httpx.Headers, page_url: str, phone_origin: str) -> tuple[bool, str]:
    """Whether ``page_url`` answering with ``headers`` may be framed by a page on ``phone_origin``."""
    page_origin = _origin(page_url)
    if not same_site(page_url, phone_origin):
        return False, CROSS_SITE
    for csp in headers.get_list("content-security-policy"):
        allowed = _csp_allows(csp, page_origin, phone_origin)
        if allowed is not None:  # frame-ancestors overrides X-Frame-Options
            return allowed, "" if allowed else "Content-Security-Policy frame-ancestors"
    xfo = headers.get("x-frame-options", "").strip().upper()
    if xfo == "DENY":
        return False, "X-Frame-Options: DENY"
    if xfo == "SAMEORIGIN" and page_origin != phone_origin:
        return False, "X-Frame-Options: SAMEORIGIN"
    return True, ""


async def check(url: str, phone_origin: str) -> dict:
    """Fetch ``url`` (no redirects followed: the first answer's headers are what the frame gets)."""
    if not same_site(url, phone_origin):  # decided without asking the page
        return {"url": url, "frameable": False, "reason": CROSS_SITE, "reachable": None}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=False) as client:
            response = await client.get(url, follow_redirects=False)
    except httpx.HTTPError as exc:
        return {"url": url, "frameable": True, "reason": "", "reachable": False, "error": type(exc).__name__}
    frameable, reason = frame_verdict(response.headers, url, phone_origin)
    return {
        "url": url,
        "frameable": frameable,
        "reason": reason,
        "reachable": True,
        "status": response.status_code,
    }
