"""WeChat Pay's notify endpoints: verify over the raw bytes and headers, store the raw notification, apply
it, answer. Both run in a few milliseconds of database work; anything that must reach another system
(order status to the merchant's systems, refunds, closes) is an outbox row written by the actions."""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import actions, wechatpay
from .config import pay_config
from .models import NotificationOutcome

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
_FAIL = {"code": "FAIL", "message": "失败"}


def _receive(request: HttpRequest, expected_prefix: str) -> HttpResponse:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return JsonResponse(_FAIL, status=413)
    body = request.body  # the exact bytes: never re-serialise before verifying
    config = pay_config()
    try:
        verified = wechatpay.verify_notification(config, request.META, body, time.time())
    except wechatpay.Rejected as exc:
        logger.warning("pay notification rejected: %s", exc.reason)  # never log or echo the body
        return JsonResponse(_FAIL, status=exc.status)
    event_type = str(verified.envelope.get("event_type", ""))
    notification_id, outcome = actions.record_notification(verified, body.decode("utf-8"))
    if outcome != NotificationOutcome.RECEIVED:
        # WeChat retrying one we already applied (our 204 was late or lost): applying it again could only
        # find it done, so answer without touching the payment.
        return HttpResponse(status=204)
    if not event_type.startswith(expected_prefix):
        applied = actions.Applied("ignored", f"意外的事件类型 {event_type[:32]}")
    elif expected_prefix == "TRANSACTION.":
        applied = actions.apply_transaction(verified.resource, config)
    else:
        applied = actions.apply_refund_result(verified.resource, config)
    actions.settle_notification(notification_id, applied)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def payment_notify(request: HttpRequest) -> HttpResponse:
    return _receive(request, "TRANSACTION.")


@csrf_exempt
@require_POST
def refund_notify(request: HttpRequest) -> HttpResponse:
    return _receive(request, "REFUND.")
