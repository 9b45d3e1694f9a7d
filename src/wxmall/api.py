"""The JSON API root: one NinjaAPI under /api/ with each domain's router mounted by its name.
Errors always come back as {"code": ..., "message": ...} with a 4xx/5xx status; they never echo the
request's input (validation details name the field and the rule, not the value)."""

from __future__ import annotations

import logging
import uuid

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from wxmall.api_docs import LocalSwagger
from wxmall.core.errors import CommonError, DomainError, ErrorCode, common_error_for_status

log = logging.getLogger("wxmall.api")


class UnsupportedMediaType(Exception):
    pass


class JsonOnlyParser(Parser):
    """A JSON body must say so: a form, multipart or text/plain body is refused (415), never guessed at.
    (Otherwise a cross-site form post of JSON as text/plain would reach the API as JSON.)"""

    def parse_body(self, request: HttpRequest):
        if request.content_type != "application/json":
            raise UnsupportedMediaType
        return super().parse_body(request)


api = NinjaAPI(
    title="wxmall API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    docs=LocalSwagger(),
    parser=JsonOnlyParser(),
)

MAX_FIELD_ERRORS = 10
MAX_LOC_PART = 40


def _error(request: HttpRequest, status: int, body: dict):
    return api.create_response(request, body, status=status)


def _common(request: HttpRequest, error: ErrorCode, **details):
    body: dict = error.body()
    if details:
        body["details"] = details
    return _error(request, error.status, body)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.as_dict())


def _loc(parts) -> list[str]:
    # A location can hold a client-chosen dict key: bound it like any other input.
    return [str(p)[:MAX_LOC_PART] for p in parts][:8]


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    # pydantic's entries also carry `input` (the offending value) and `ctx`: only loc and msg go out.
    fields = [{"loc": _loc(e.get("loc", [])), "msg": str(e.get("msg", ""))[:200]} for e in exc.errors]
    return _common(request, CommonError.INVALID_REQUEST, fields=fields[:MAX_FIELD_ERRORS])


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _common(request, CommonError.NOT_AUTHENTICATED)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    text = str(exc)
    if exc.status_code == 400 and text.startswith("Cannot parse request body"):
        if isinstance(exc.__cause__, UnsupportedMediaType):
            return _common(request, CommonError.UNSUPPORTED_MEDIA_TYPE)
        return _common(request, CommonError.MALFORMED_JSON)
    if exc.status_code == 403 and text.startswith("CSRF check Failed"):
        return _common(request, CommonError.CSRF_FAILED)
    # ninja's other HttpErrors carry free text (sometimes echoing input): answer the common code instead.
    return _common(request, common_error_for_status(exc.status_code))


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    """A bug, not a refusal: log it with an id the customer can quote, answer the envelope, leak nothing."""
    request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
    log.exception("unhandled API error request_id=%s %s %s", request_id, request.method, request.path)
    response = _common(request, CommonError.INTERNAL_ERROR, request_id=request_id)
    response["X-Request-ID"] = request_id
    return response


def _mount_routers() -> None:
    # Each domain owns `api.py` exposing `router`; mounting here keeps one OpenAPI document.
    from wxmall.accounts.api import router as accounts
    from wxmall.analytics.api import router as analytics
    from wxmall.catalog.api import router as catalog
    from wxmall.channels.api import router as channels
    from wxmall.checkout.api import router as checkout
    from wxmall.compliance.api import router as compliance
    from wxmall.core.api import router as core
    from wxmall.orders.api import router as orders
    from wxmall.payments.api import router as payments
    from wxmall.pickup.api import router as pickup
    from wxmall.wechat.api import router as wechat

    api.add_router("/catalog", catalog)
    api.add_router("/checkout", checkout)
    api.add_router("/orders", orders)
    api.add_router("/payments", payments)
    api.add_router("/pickup", pickup)
    api.add_router("/core", core)
    api.add_router("/wechat", wechat)
    api.add_router("/compliance", compliance)
    api.add_router("/analytics", analytics)
    api.add_router("/accounts", accounts)
    api.add_router("/channels", channels)


_mount_routers()
