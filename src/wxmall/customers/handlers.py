"""The outbox handler that mass-sends a segment message (destination `oa_mass`) and the Official Account
event handler that records WeChat's MASSSENDJOBFINISH report on it.

Delivery: the tags sync first puts the segment's tag on WeChat with exactly its followers, then
`message/mass/sendall` goes to that tag with the message's clientmsgid. The relay delivers at least once:
a resend after a lost answer gets 45065 (that clientmsgid was sent) and counts as submitted, never as a
second send. A refusal WeChat will repeat (quota 45028, content, a bad tag) marks the message failed and
completes the row; network errors and retryable errcodes go back to the relay's backoff."""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.utils import timezone

from wxmall.core.outbox import DeliveryError, PermanentError
from wxmall.officialaccount import tags as oa_tags
from wxmall.officialaccount import xml as wxml
from wxmall.officialaccount.hooks import InboundEvent
from wxmall.officialaccount.models import FollowerTag, InboundMessage
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured, get_app
from wxmall.wechat.errors import WeChatError

from .models import SegmentMessage

EVENT = "MASSSENDJOBFINISH"
ALREADY_SENT = 45065  # clientmsgid exist


def deliver_mass(message, config: dict) -> dict:
    found = SegmentMessage.objects.filter(pk=message.payload["message"]).first()
    if found is None or found.status != SegmentMessage.Status.QUEUED:
        return {"status": found.status if found else "missing"}
    try:
        appid = get_app("oa").appid
        oa_tags.sync(appid)
        tag_id = FollowerTag.objects.filter(pk=found.tag_id).values_list("wechat_id", flat=True).first()
        if not tag_id:
            raise DeliveryError("粉丝标签尚未同步到微信")
        answer = client("oa").message.send_mass(
            {
                "filter": {"is_to_all": False, "tag_id": tag_id},
                "msgtype": "text",
                "text": {"content": found.content},
                "clientmsgid": found.clientmsgid,
            }
        )
    except NotConfigured as exc:
        raise PermanentError("未配置微信公众号") from exc
    except WeChatError as exc:
        if exc.errcode == ALREADY_SENT:
            return _submitted(found.pk, None)
        if exc.retryable:
            raise DeliveryError(f"errcode {exc.errcode}: {exc.errmsg}"[:500]) from exc
        SegmentMessage.objects.filter(pk=found.pk, status=SegmentMessage.Status.QUEUED).update(
            status=SegmentMessage.Status.FAILED, errcode=exc.errcode, finished_at=timezone.now()
        )
        return {"status": "failed", "errcode": exc.errcode}
    return _submitted(found.pk, int(answer["msg_id"]))


def _submitted(pk: int, msg_id: int | None) -> dict:
    SegmentMessage.objects.filter(pk=pk, status=SegmentMessage.Status.QUEUED).update(
        status=SegmentMessage.Status.SUBMITTED, msg_id=msg_id, submitted_at=timezone.now()
    )
    if msg_id:
        # WeChat's report can be processed before this write: apply it now.
        early = InboundMessage.objects.filter(event=EVENT, msg_id=msg_id, processed_at__isnull=False)
        for report in early[:1]:
            with contextlib.suppress(wxml.BadXml):
                record_finish(msg_id, wxml.parse(report.raw))
    return {"status": "submitted", **({"msg_id": msg_id} if msg_id else {})}


def _count(fields: dict, name: str, digits: int = 9) -> int | None:
    """A non-negative integer field of the push (at most `digits` digits), else None."""
    value = str(fields.get(name, "")).strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= digits else None


def record_finish(msg_id: int | None, fields: dict) -> int:
    """WeChat's result of the mass send `msg_id`: status and counts (a repeated report changes nothing)."""
    if not msg_id:
        return 0
    with transaction.atomic():
        return SegmentMessage.objects.filter(msg_id=msg_id, finished_at__isnull=True).update(
            status=SegmentMessage.Status.FINISHED,
            wechat_status=str(fields.get("Status", ""))[:64],
            total_count=_count(fields, "TotalCount"),
            filter_count=_count(fields, "FilterCount"),
            sent_count=_count(fields, "SentCount"),
            error_count=_count(fields, "ErrorCount"),
            finished_at=timezone.now(),
        )


def on_mass_finish(event: InboundEvent) -> None:
    """Registered with the Official Account's event hooks for MASSSENDJOBFINISH."""
    msg_id = _count(event.fields, "MsgID", digits=18)
    record_finish(msg_id, event.fields)
