"""/api/compliance: scan copy before publishing it. Staff only; session auth with CSRF (cookie
`csrftoken` + header `X-CSRFToken`). Text is cleaned like every API text field (zero-width characters
stripped, NFC) before the scan, so spans index the cleaned text; each hit also carries its characters."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from wxmall.core.errors import DomainError
from wxmall.core.validation import Text

from .actions import check_copy
from .errors import ComplianceError

router = Router(auth=django_auth, tags=["合规"])

MAX_SCAN_CHARS = 20_000


class ErrorOut(Schema):
    code: str
    message: str
    details: dict | None = None


class ScanIn(Schema):
    text: Text(MAX_SCAN_CHARS, multiline=True)
    context: Literal["product_title", "product_description", "coupon", "live_script", "oa_reply", "api"] = (
        "api"
    )


class HitOut(Schema):
    start: int
    end: int
    text: str
    term: str
    rule: str
    severity: Literal["block", "warn"]
    suggestion: str
    via: str


class ScanOut(Schema):
    status: Literal["pass", "warn", "block"]
    hits: list[HitOut]


@router.post(
    "/scan",
    response={200: ScanOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 415: ErrorOut},
    summary="检查文案是否违反广告法与平台规则",
)
def scan(request: HttpRequest, payload: ScanIn):
    if not request.auth.is_staff:
        raise DomainError(ComplianceError.STAFF_ONLY)
    verdict = check_copy(payload.text, context=payload.context)
    return {"status": verdict.status, "hits": [_hit(h) for h in verdict.hits]}


def _hit(h) -> dict:
    return {
        f: getattr(h, f) for f in ("start", "end", "text", "term", "rule", "severity", "suggestion", "via")
    }
