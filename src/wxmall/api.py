"""The JSON API root: one NinjaAPI under /api/ with each domain's router mounted by its name.
Errors always come back as {"code": ..., "message": ...} with a 4xx/5xx status."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from wxmall.api_docs import LocalSwagger
from wxmall.core.errors import CommonError, DomainError

api = NinjaAPI(title="wxmall API", version="1", urls_namespace="api", docs_url="/docs", docs=LocalSwagger())


def _error(request: HttpRequest, status: int, body: dict):
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.as_dict())


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields = [{"loc": [str(p) for p in err.get("loc", [])], "msg": err.get("msg", "")} for err in exc.errors]
    return _error(
        request,
        400,
        {
            "code": CommonError.INVALID_REQUEST.code,
            "message": CommonError.INVALID_REQUEST.message,
            "details": {"fields": fields},
        },
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(
        request,
        401,
        {"code": CommonError.NOT_AUTHENTICATED.code, "message": CommonError.NOT_AUTHENTICATED.message},
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # ninja reports an unparseable body as HttpError(400, "Cannot parse request body ...").
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        error = CommonError.MALFORMED_JSON
        return _error(request, error.status, error.body())
    error = _BY_STATUS.get(exc.status_code, CommonError.INVALID_REQUEST)
    return _error(request, exc.status_code, error.body())


# ninja's own HttpErrors carry free text (sometimes echoing input): answer the common code instead.
_BY_STATUS = {e.status: e for e in CommonError if e is not CommonError.MALFORMED_JSON}


def _mount_routers() -> None:
    # Each domain owns `api.py` exposing `router`; mounting here keeps one OpenAPI document.
    from wxmall.catalog.api import router as catalog
    from wxmall.checkout.api import router as checkout
    from wxmall.core.api import router as core
    from wxmall.orders.api import router as orders

    api.add_router("/catalog", catalog)
    api.add_router("/checkout", checkout)
    api.add_router("/orders", orders)
    api.add_router("/core", core)


_mount_routers()
