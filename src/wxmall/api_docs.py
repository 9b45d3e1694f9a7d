"""/api/docs served entirely from the project: Swagger UI's bundle and stylesheet come from var/vendor/
(fetched from the npm registry by `make setup`, like ECharts), never from a CDN, so the docs work on a
machine without internet and under the site's Content-Security-Policy (no inline script)."""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger

SWAGGER_BUNDLE = "swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui/swagger-ui.css"


class LocalSwagger(Swagger):
    template = "wxmall/api_docs.html"

    def render_page(self, request: HttpRequest, api, **kwargs: Any) -> HttpResponse:
        # A copy per request: the instance is shared by every request of the process.
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "api": api,
            "swagger_settings": swagger_settings,
            "swagger_available": bool(finders.find(SWAGGER_BUNDLE)),
            "swagger_bundle": SWAGGER_BUNDLE,
            "swagger_css": SWAGGER_CSS,
        }
        return render(request, self.template, context)
