"""Request facts shared by every app: the client's address and the Chinese "not allowed" page."""

from __future__ import annotations

import ipaddress
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For entry the outermost trusted
    proxy appended (what the client itself wrote further left is ignored)."""
    value = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= count and forwarded[-count]:
            value = forwarded[-count]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return "127.0.0.1"


def forbidden(request: HttpRequest, what: str = "") -> HttpResponse:
    """The console's 403: says in Chinese what is not allowed and whom to ask."""
    html = render_to_string("core/forbidden.html", {"what": what}, request=request)
    return HttpResponse(html, status=403)


def staff_permission_required(*perms: str, what: str = ""):
    """Console views: anonymous visitors go to the admin login; staff without every one of `perms` get
    the Chinese 403 page (not a redirect loop to the login they already passed)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not (user.is_authenticated and user.is_active and user.is_staff):
                return redirect_to_login(request.get_full_path(), "admin:login")
            if not user.has_perms(perms):
                return forbidden(request, what)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
