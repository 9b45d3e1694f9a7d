"""The JSON API's request guard. Under /api/ a request body is small (413 beyond API_MAX_BODY_BYTES),
and every error answer is the `{"code", "message"}` envelope, whichever layer produced it (Django's own
404/405/500 pages are HTML).

ninja's CSRF check reads `request.POST`, which for a multipart body consumed the input stream, so the
JSON parser then failed with RawPostDataException (a 500), and a multipart body without a boundary
raised inside the check itself. The API never reads forms: here `request.POST` is set empty and the
bounded body is read once, so the check only looks at the X-CSRFToken header, and the API's parser
refuses anything but application/json with 415 after authentication and CSRF have had their say."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict

from .errors import CommonError, ErrorCode, common_error_for_status

API_PREFIX = "/api/"
# The largest legitimate body (an order of a full cart) is a few KB; refuse anything far beyond it
# before reading it.
API_MAX_BODY_BYTES = 64 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def error_response(error: ErrorCode, **details) -> JsonResponse:
    body: dict = error.body()
    if details:
        body["details"] = details
    return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})


class ApiRequestGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        refused = self._refuse_body(request)
        if refused is not None:
            return refused
        # The API reads JSON only: no form is parsed, so the CSRF check takes its token from the header
        # and a malformed multipart body (no boundary) cannot raise inside it.
        request.POST = QueryDict()
        return self._as_envelope(self.get_response(request))

    @staticmethod
    def _refuse_body(request: HttpRequest) -> HttpResponse | None:
        if request.method not in _BODY_METHODS:
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(CommonError.INVALID_REQUEST)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length <= 0 and not chunked:
            return None
        if length > API_MAX_BODY_BYTES:
            return error_response(CommonError.PAYLOAD_TOO_LARGE, max_bytes=API_MAX_BODY_BYTES)
        try:
            body = request.body  # read once, bounded; later readers (CSRF, ninja) use this copy
        except RequestDataTooBig:
            return error_response(CommonError.PAYLOAD_TOO_LARGE, max_bytes=API_MAX_BODY_BYTES)
        if len(body) > API_MAX_BODY_BYTES:  # chunked bodies have no Content-Length to check first
            return error_response(CommonError.PAYLOAD_TOO_LARGE, max_bytes=API_MAX_BODY_BYTES)
        return None

    @staticmethod
    def _as_envelope(response: HttpResponse) -> HttpResponse:
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        error = common_error_for_status(response.status_code)
        envelope = JsonResponse(
            error.body(), status=response.status_code, json_dumps_params={"ensure_ascii": False}
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                envelope[header] = response[header]
        return envelope


__all__ = ["ApiRequestGuard", "error_response"]
