"""What every storefront view shares: who may see a page, how a refused action is shown, the 404 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from wxmall.core.errors import DomainError
from wxmall.core.validation import parse_positive_int


def customer_required(view: Callable) -> Callable:
    """Anonymous visitors go to the login page and come back afterwards: to the page itself for a
    GET, to the page the form was on for a POST (coming back to a POST-only URL would be a 405)."""
    page_view = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET" or request.user.is_authenticated:
            return page_view(request, *args, **kwargs)
        referer = request.META.get("HTTP_REFERER", "")
        same_site = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect_to_login(
            urlsplit(referer).path if same_site and referer else reverse("storefront:home")
        )

    return wrapper


def not_found(request: HttpRequest, message: str = "您访问的页面不存在或已下架") -> HttpResponse:
    return render(request, "storefront/not_found.html", {"message": message}, status=404)


def refused(request: HttpRequest, error: DomainError, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render `template` again with the domain's Chinese message and its 4xx status. Used for POST
    results: the action raised inside its own transaction, so nothing was written."""
    messages.error(request, error.message)
    return render(request, template, context, status=error.status)


def positive_int(value: Any, default: int | None = None) -> int | None:
    """Parse a positive id or quantity from a query/form value; anything else (including numbers beyond a
    64-bit column, which would overflow the database) gives `default`."""
    return parse_positive_int(value, default)
