"""State changes of the 微信客服 hand-off, one transaction each (remote calls happen outside them).

1. `hand_to_wecom`: staff hand a conversation over. The hub gets a kf link (add_contact_way), tags it
   with a one-off `scene_param` naming the conversation, and sends it to the OA user by custom/send
   (outbox, within WeChat's window). There is no API that moves an OA chat into 微信客服 (reference
   §1.12): the user continues there by opening the link.
2. `receive_callback`: WeCom's kf_msg_or_event, verified and stored; it only says "pull".
3. `pull`: sync_msg from the stored cursor until has_more is 0, under the cursor row's lock. The user's
   `enter_session` (with our scene_param) binds their external_userid to the conversation, which is then
   moved to a servicer or the queue pool (service_state/trans); customer and servicer messages and
   session changes are shown in the console.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.wechat.actions import queue_text

from . import wecom, windows
from .actions import _add, _first_response, _locked, _open_handoff
from .errors import SupportError
from .models import Conversation, ConversationState, Handoff, Message, WecomCallback, WecomCursor

logger = logging.getLogger(__name__)
PULL_TASK = "wxmall.support.pull_wecom"
MAX_PAGES = 50


def hand_to_wecom(conversation_id: int, agent) -> Conversation:
    if not wecom.configured():
        raise DomainError(SupportError.WECOM_NOT_CONFIGURED)
    try:
        link = wecom.contact_link("hub")
    except wecom.WeComError as exc:
        logger.warning("WeCom add_contact_way failed: errcode %s", exc.errcode)
        raise DomainError(SupportError.WECOM_FAILED) from exc
    with transaction.atomic():
        conversation = _locked(conversation_id)
        if conversation.state == ConversationState.CLOSED:
            raise DomainError(SupportError.CONVERSATION_CLOSED)
        if conversation.state == ConversationState.WECOM:
            raise DomainError(SupportError.CONVERSATION_AT_WECOM)
        window = windows.window_for(conversation.appid, conversation.openid)
        if not window.is_open:
            raise DomainError(SupportError.WINDOW_EXPIRED)
        if window.remaining <= 0:
            raise DomainError(SupportError.WINDOW_COUNT_EXCEEDED)
        conversation.wecom_token = secrets.token_hex(12)
        conversation.wecom_open_kfid = settings.WECOM_KF_OPEN_KFID
        conversation.wecom_external_userid = ""
        conversation.wecom_service_state = None
        conversation.wecom_servicer = ""
        conversation.state = ConversationState.WECOM
        conversation.save()
        url = f"{link}&scene_param={quote(conversation.wecom_token)}"
        text = f"您的问题已转交微信客服专员处理，请点击进入继续咨询：{url}"
        message = _add(conversation, Message.Source.SYSTEM, text, agent=agent)
        message.outbox = queue_text(
            conversation.openid, text, key=f"support:wecom:{conversation.wecom_token}"
        )
        message.save(update_fields=["outbox"])
        _open_handoff(conversation, "wecom")
    return conversation


def receive_callback(xml: str, fields: dict[str, str]) -> WecomCallback | None:
    """Store a verified callback once (its Token is unique per callback: a re-send changes nothing)."""
    token = fields.get("Token", "")[:128]
    try:
        with transaction.atomic():
            row = WecomCallback.objects.create(
                raw=xml, event_token=token, open_kfid=fields.get("OpenKfId", "")[:64]
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: kick_pull(token), robust=True)
    return row


def kick_pull(event_token: str = "") -> None:
    from wxmall.celery import app as celery_app

    celery_app.signature(PULL_TASK, args=(event_token,)).apply_async(expires=600)


def _conversation_of(external: str) -> Conversation | None:
    return (
        Conversation.objects.filter(wecom_external_userid=external).order_by("-updated_at").first()
        if external
        else None
    )


def _apply(item: dict, to_route: list[tuple[int, str]]) -> None:
    msgtype, origin = item.get("msgtype"), item.get("origin")
    if msgtype == "event":
        event = item.get("event") or {}
        kind, external = event.get("event_type"), str(event.get("external_userid", ""))[:64]
        if kind == "enter_session":
            token = str(event.get("scene_param", ""))[:64]
            conversation = Conversation.objects.filter(wecom_token=token).first() if token else None
            if conversation is None:
                return  # someone opened a kf link the hub did not hand out: WeCom servicers see them
            conversation = _locked(conversation.pk)
            conversation.wecom_external_userid = external
            conversation.wecom_service_state = 0
            conversation.save()
            _add(
                conversation,
                Message.Source.SYSTEM,
                "顾客已进入微信客服会话",
                wecom_msgid=str(item.get("msgid", ""))[:128],
            )
            to_route.append((conversation.pk, external))
        elif kind == "session_status_change":
            conversation = _conversation_of(external)
            if conversation is None:
                return
            change = event.get("change_type")
            if change in (1, 2, 4):
                conversation.wecom_service_state = 3
                conversation.wecom_servicer = str(event.get("new_servicer_userid", ""))[:64]
                note = f"微信客服 {conversation.wecom_servicer} 接待中"
            else:
                conversation.wecom_service_state = 4
                conversation.state = ConversationState.CLOSED
                note = "微信客服会话已结束"
                Handoff.objects.filter(conversation=conversation, closed_at__isnull=True).update(
                    closed_at=timezone.now()
                )
            conversation.save()
            _add(conversation, Message.Source.SYSTEM, note, wecom_msgid=str(item.get("msgid", ""))[:128])
        return
    if msgtype != "text" or origin not in (3, 5):
        return
    conversation = _conversation_of(str(item.get("external_userid", ""))[:64])
    if conversation is None:
        return
    text = str((item.get("text") or {}).get("content", ""))[:2048]
    if origin == 3:
        _add(conversation, Message.Source.WECOM_CUSTOMER, text, wecom_msgid=str(item.get("msgid", ""))[:128])
        return
    servicer = str(item.get("servicer_userid", ""))[:64]
    if _add(
        conversation,
        Message.Source.WECOM_AGENT,
        f"{servicer}：{text}",
        wecom_msgid=str(item.get("msgid", ""))[:128],
    ):
        _first_response(conversation)


def pull(event_token: str = "") -> int:
    """Pull everything new; returns how many items were applied. Safe to run concurrently and repeatedly."""
    if not wecom.configured():
        return 0
    open_kfid = settings.WECOM_KF_OPEN_KFID
    applied, to_route = 0, []
    with transaction.atomic():
        WecomCursor.objects.get_or_create(open_kfid=open_kfid)
        cursor_row = WecomCursor.objects.select_for_update().get(open_kfid=open_kfid)
        cursor = cursor_row.cursor
        for _ in range(MAX_PAGES):
            page = wecom.sync(cursor, event_token)
            for item in page.get("msg_list", []):
                _apply(item, to_route)
                applied += 1
            cursor = str(page.get("next_cursor", cursor))[:64]
            if not page.get("has_more"):
                break
        cursor_row.cursor = cursor
        cursor_row.save()
        WecomCallback.objects.filter(processed_at__isnull=True, event_token=event_token).update(
            processed_at=timezone.now()
        )
    for conversation_id, external in to_route:
        _route(conversation_id, external)
    return applied


def _route(conversation_id: int, external: str) -> None:
    """Hand the new 微信客服 session to people: a named servicer (state 3) or the queue pool (state 2)."""
    target = 3 if settings.WECOM_KF_SERVICER else 2
    try:
        wecom.trans(external, target, settings.WECOM_KF_SERVICER)
    except wecom.WeComError as exc:
        logger.warning("WeCom service_state/trans failed: errcode %s", exc.errcode)
        with transaction.atomic():
            _add(
                _locked(conversation_id),
                Message.Source.SYSTEM,
                f"转接微信客服失败（errcode {exc.errcode}），请重试",
            )
        return
    with transaction.atomic():
        conversation = _locked(conversation_id)
        conversation.wecom_service_state = target
        conversation.wecom_servicer = settings.WECOM_KF_SERVICER if target == 3 else ""
        conversation.save()
        _add(
            conversation,
            Message.Source.SYSTEM,
            f"已转给微信客服 {settings.WECOM_KF_SERVICER}" if target == 3 else "已进入微信客服排队",
        )
