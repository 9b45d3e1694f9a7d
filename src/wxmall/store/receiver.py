"""Store push receiver `/wechat/store/<appid>/` (reference §9): verify, store raw, answer fast.

GET: URL verification (`signature` over token/timestamp/nonce) answers the `echostr` as is.
POST: safe-mode JSON `{"ToUserName", "Encrypt"}`: the URL signature, the `msg_signature` over the
ciphertext and a ±5 min timestamp window are checked, the ciphertext decrypted and its trailing AppID
compared with ours; the decrypted event is stored once per (Event, business id, CreateTime) (a unique
constraint: WeChat redelivers), processing is queued after commit and the answer is `success` — in a few
milliseconds of database work, well inside WeChat's 5 s. Rejections answer 4xx without echoing input.
"""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .crypto import PushRejected, decrypt, signature, signatures_match
from .models import StoreEvent
from .shop import push_credentials

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
TIMESTAMP_WINDOW_SECONDS = 300
MAX_QUERY_VALUE = 128

# Event → (body key, business id field)
BUSINESS_ID = {
    "product_spu_audit": ("ProductSpuAudit", "product_id"),
    "product_spu_listing": ("ProductSpuListing", "product_id"),
    "product_spu_update": ("ProductSpuUpdate", "product_id"),
    "channels_ec_stock_no_enough": ("channels_ec_stock_no_enough", "sku_id"),
    "channels_ec_aftersale_update": ("finder_shop_aftersale_status_update", "after_sale_order_id"),
    "product_order_status_update": ("ProductOrderStatusUpdate", "order_id"),
}
# Events whose fields sit at the top level, no wrapper object (reference §8.3): Event → the fields that
# make the business id. A bind and an unbind within one second share a CreateTime: the status keeps
# them two events, not a redelivery.
TOP_LEVEL_ID = {"channels_ec_sharer_change": ("openid", "bind_status")}


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def business_id(message: dict) -> str:
    event = str(message.get("Event", ""))
    if event in TOP_LEVEL_ID:
        values = [message.get(name) for name in TOP_LEVEL_ID[event]]
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            return ""
        return ":".join(str(v) for v in values)[:64]
    key, name = BUSINESS_ID.get(
        event, ("order_info", "order_id") if event.startswith("channels_ec_order_") else ("", "")
    )
    body = message.get(key) if key else None
    value = body.get(name) if isinstance(body, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | str):
        return ""
    return str(value)[:64]


@csrf_exempt
def receive(request: HttpRequest, appid: str) -> HttpResponse:
    store = settings.WECHAT_APPS.get("store") or {}
    if not store.get("appid") or appid != store["appid"]:
        return _plain(404, "unknown receiver")
    token, aes_key = push_credentials(appid)
    if not token or not aes_key:
        return _plain(404, "unknown receiver")
    q = request.GET
    timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
    if any(len(v) > MAX_QUERY_VALUE for v in q.values()) or not timestamp.isdigit() or not nonce:
        return _plain(400, "bad query")
    if not signatures_match(signature(token, timestamp, nonce), q.get("signature", "")):
        return _plain(401, "bad signature")
    if request.method == "GET":
        echostr = q.get("echostr", "")
        return _plain(200, echostr) if echostr else _plain(400, "bad query")
    if request.method != "POST":
        return _plain(405, "method not allowed")
    if abs(time.time() - int(timestamp)) > TIMESTAMP_WINDOW_SECONDS:
        return _plain(401, "stale timestamp")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return _plain(413, "too large")
    try:
        envelope = json.loads(request.body)
        encrypted = envelope["Encrypt"] if isinstance(envelope, dict) else None
        if not isinstance(encrypted, str) or not encrypted:
            raise PushRejected("缺少 Encrypt")
        if not signatures_match(signature(token, timestamp, nonce, encrypted), q.get("msg_signature", "")):
            return _plain(401, "bad msg_signature")
        text = decrypt(aes_key, encrypted, appid)
        message = json.loads(text, parse_float=_no_float)
        if not isinstance(message, dict) or not isinstance(message.get("Event"), str):
            raise PushRejected("不是事件")
        create_time = message.get("CreateTime")
        if isinstance(create_time, str) and create_time.isdigit():
            create_time = int(create_time)
        if not isinstance(create_time, int) or isinstance(create_time, bool):
            raise PushRejected("CreateTime 不对")
    except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError and PushRejected are ValueErrors
        logger.warning(
            "store push rejected: %s", exc if isinstance(exc, PushRejected) else type(exc).__name__
        )
        return _plain(400, "bad push")
    event = message["Event"][:64]
    try:
        with transaction.atomic():
            row = StoreEvent.objects.create(
                appid=appid, event=event, business_id=business_id(message), create_time=create_time, raw=text
            )
            transaction.on_commit(lambda: _kick(row.pk), robust=True)
    except IntegrityError:
        pass  # WeChat's redelivery of an event already stored: answer success, do nothing
    return _plain(200, "success")


def _no_float(value: str):
    raise PushRejected("数值不能是小数")


def _kick(event_id: int) -> None:
    from .tasks import process_event

    process_event.apply_async((event_id,), expires=max(settings.STORE_EVENT_RETRY_SECONDS, 1))
