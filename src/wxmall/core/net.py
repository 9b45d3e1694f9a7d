"""The client's address as the hub may trust it (shared by payments, which must send it to WeChat Pay,
and by rate limits)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


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
