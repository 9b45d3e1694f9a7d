"""What every storefront view shares: who may see a page, how a refused action is shown, the 404 page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wxmall.core.errors import DomainError

# Pages that act for a customer send anonymous visitors to the login page with `next` set.
customer_required = login_required


def not_found(request: HttpRequest, message: str = "您访问的页面不存在或已下架") -> HttpResponse:
    return render(request, "storefront/not_found.html", {"message": message}, status=404)


def refused(request: HttpRequest, error: DomainError, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render `template` again with the domain's Chinese message and its 4xx status. Used for POST
    results: the action raised inside its own transaction, so nothing was written."""
    messages.error(request, error.message)
    return render(request, template, context, status=error.status)


def positive_int(value: Any, default: int | None = None) -> int | None:
    """Parse a positive integer from a query/form value; anything else gives `default`."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default
