"""WeChat Pay's notify endpoints, the fast half: verify over the raw bytes and headers, store the raw
notification (one statement), kick the worker and answer 204. The worker's half, `actions.apply_notification`
(checks of mchid, appid, out_trade_no and amount; paid under the payment's row lock, exactly once; mismatches
flagged), runs right after, and a periodic sweep applies whatever a lost kick left. WeChat only needs the
2xx within 5 s, and a stored notification is never lost: it stays `received` until applied."""

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
    if event_type.startswith(expected_prefix):
        outcome, detail = NotificationOutcome.RECEIVED, ""
    else:  # stored for staff, never applied: a refund's event on the payment endpoint or the reverse
        outcome, detail = NotificationOutcome.IGNORED, f"意外的事件类型 {event_type[:32]}"
    notification_id, current, _first = actions.record_notification(
        verified, body.decode("utf-8"), outcome=outcome, detail=detail
    )
    # A redelivery of one still `received` kicks again too: its first kick may be what was lost.
    if current == NotificationOutcome.RECEIVED:
        actions.kick_apply(notification_id)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def payment_notify(request: HttpRequest) -> HttpResponse:
    return _receive(request, "TRANSACTION.")


@csrf_exempt
@require_POST
def refund_notify(request: HttpRequest) -> HttpResponse:
    return _receive(request, "REFUND.")
