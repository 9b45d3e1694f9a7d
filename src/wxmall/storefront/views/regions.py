"""The province/city/district tree (`wxmall.core.regions`) for the address form's cascading picker."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from wxmall.core import regions


@require_GET
def regions_json(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(regions.DATA.read_bytes(), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"  # changes only with a release
    return response
