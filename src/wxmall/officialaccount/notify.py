"""Order notifications (paid / shipped / refunded): written on the orders hooks, in the transition's
transaction, as a `Notification` row plus an outbox row of the `oa_notification` destination; the
relay's handler (`deliver`) counts the daily quota and per-minute limit atomically, then sends an OA
template message (reference §4.3) or, for a customer known only to the Mini Program, a subscribe
message (§4.4).

43101 (the user refused / no subscription), 45009 (WeChat's quota) and 43004 (not following) are final:
the notification is marked and the outbox row completes, never retried. Our own daily quota is final
the same way; the per-minute limit defers the row (the relay retries it after its backoff).
TEMPLATESENDJOBFINISH pushes record WeChat's delivery result on the notification (`record_job_finish`).
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wxmall.accounts.models import WeChatIdentity
from wxmall.core.money import yuan
from wxmall.core.outbox import DeliveryError, PermanentError, enqueue
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from . import xml as wxml
from .models import InboundMessage, Notification, SendCounter

DESTINATION = "oa_notification"
FINAL_ERRCODES = {
    43101: Notification.Status.REFUSED,
    45009: Notification.Status.QUOTA,
    43004: Notification.Status.UNSUBSCRIBED,
}
TITLES = {"paid": "订单支付成功", "shipped": "订单已发货", "refunded": "订单已退款"}


def _recipient(order, kind: str) -> tuple[str, str, str] | None:
    """(app, channel, openid) for the order's customer: the Official Account first. One query."""
    wanted = {}
    for app, channel in (("oa", Notification.Channel.OA_TEMPLATE), ("mp", Notification.Channel.MP_SUBSCRIBE)):
        appid = (settings.WECHAT_APPS.get(app) or {}).get("appid")
        if appid and settings.OA_NOTIFY_TEMPLATES.get(app, {}).get(kind):
            wanted[appid] = (app, channel)
    if not wanted:
        return None
    found = dict(
        WeChatIdentity.objects.filter(user_id=order.user_id, appid__in=wanted)
        .order_by("-id")
        .values_list("appid", "openid")
    )
    for appid, (app, channel) in wanted.items():
        if appid in found:
            return app, channel, found[appid]
    return None


def _body(app: str, order, kind: str, openid: str) -> dict:
    template_id = settings.OA_NOTIFY_TEMPLATES[app][kind]
    page = f"{settings.SITE_URL.rstrip('/')}/orders/{order.order_no}/"
    if app == "oa":
        return {
            "touser": openid,
            "template_id": template_id,
            "url": page,
            "data": {
                "first": {"value": TITLES[kind]},
                "keyword1": {"value": order.order_no},
                "keyword2": {"value": f"{yuan(order.total)} 元"},
                "keyword3": {"value": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
            },
        }
    return {
        "touser": openid,
        "template_id": template_id,
        "page": f"pages/order/detail?order_no={order.order_no}",
        "data": {
            "character_string1": {"value": order.order_no},
            "amount2": {"value": f"{yuan(order.total)}元"},
            "thing3": {"value": TITLES[kind]},
        },
    }


def queue(order, kind: str) -> Notification | None:
    """In the caller's transaction: the notification and its outbox row, once per (order, kind)."""
    recipient = _recipient(order, kind)
    if recipient is None:
        return None
    app, channel, openid = recipient
    try:
        with transaction.atomic():
            notification = Notification.objects.create(order=order, kind=kind, channel=channel, openid=openid)
    except IntegrityError:
        return None  # already notified for this transition
    payload = {"notification": notification.pk, "app": app, "body": _body(app, order, kind, openid)}
    enqueue(DESTINATION, f"notify.{kind}", payload, key=f"{DESTINATION}:{order.order_no}:{kind}")
    return notification


def on_paid(order, from_status: str, to_status: str) -> None:
    queue(order, Notification.Kind.PAID)


def on_shipped(order, from_status: str, to_status: str) -> None:
    queue(order, Notification.Kind.SHIPPED)


def on_refunded(order, from_status: str, to_status: str) -> None:
    queue(order, Notification.Kind.REFUNDED)


def _take(window: str, limit: int) -> bool:
    """Count one send in `window` unless it is full (guarded UPDATE: no overshoot under concurrency)."""
    SendCounter.objects.get_or_create(window=window)
    return bool(SendCounter.objects.filter(window=window, count__lt=limit).update(count=F("count") + 1))


def _give_back(window: str) -> None:
    SendCounter.objects.filter(window=window, count__gt=0).update(count=F("count") - 1)


def _finish(notification_id: int, status: str, errcode: int | None = None, msgid: int | None = None) -> dict:
    Notification.objects.filter(pk=notification_id, status=Notification.Status.QUEUED).update(
        status=status, errcode=errcode, msgid=msgid, sent_at=timezone.now()
    )
    if msgid:
        # WeChat's delivery report can arrive (and be processed) before this write: apply it now.
        early = InboundMessage.objects.filter(
            event="TEMPLATESENDJOBFINISH", msg_id=msgid, processed_at__isnull=False
        )
        for report in early[:1]:
            with contextlib.suppress(wxml.BadXml):
                record_job_finish(msgid, wxml.parse(report.raw).get("Status", ""))
    return {
        "status": status,
        **({"errcode": errcode} if errcode else {}),
        **({"msgid": msgid} if msgid else {}),
    }


def deliver(message, config: dict) -> dict:
    """The outbox handler of `oa_notification`."""
    payload = message.payload
    notification_id = payload["notification"]
    now = timezone.localtime()
    day, minute = f"day:{now:%Y-%m-%d}", f"minute:{now:%Y-%m-%dT%H:%M}"
    if not _take(minute, settings.OA_NOTIFY_PER_MINUTE):
        raise DeliveryError("每分钟通知发送量已满，稍后重试")
    if not _take(day, settings.OA_NOTIFY_DAILY_QUOTA):
        _give_back(minute)
        return _finish(notification_id, Notification.Status.QUOTA)
    try:
        wx = client(payload["app"])
        body = payload["body"]
        if payload["app"] == "oa":
            msgid = wx.message.send_template({"client_msg_id": message.idempotency_key[-64:], **body})
        else:
            msgid = wx.message.send_subscribe(body)
    except NotConfigured as exc:
        raise PermanentError(f"未配置微信应用 {payload['app']}") from exc
    except WeChatError as exc:
        if exc.errcode in FINAL_ERRCODES:
            return _finish(notification_id, FINAL_ERRCODES[exc.errcode], errcode=exc.errcode)
        _give_back(minute)
        _give_back(day)
        if exc.retryable:
            raise DeliveryError(f"errcode {exc.errcode}: {exc.errmsg}"[:500]) from exc
        _finish(notification_id, Notification.Status.FAILED, errcode=exc.errcode)
        raise PermanentError(f"errcode {exc.errcode}: {exc.errmsg}"[:500]) from exc
    return _finish(notification_id, Notification.Status.SENT, msgid=msgid)


def record_job_finish(msg_id: int | None, status: str) -> int:
    """A TEMPLATESENDJOBFINISH push: WeChat's delivery result for the template message `msg_id`."""
    if not msg_id:
        return 0
    return Notification.objects.filter(msgid=msg_id, channel=Notification.Channel.OA_TEMPLATE).update(
        job_status=status[:64], finished_at=timezone.now()
    )
