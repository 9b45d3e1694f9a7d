"""State changes of customer service, one transaction each.

`on_text` is the Official Account's text fallback (registered in apps.py): it runs inside the push
WeChat waits on, so it does only the bot's in-memory ranking and a few row writes; messages to the user
outside that passive reply go through the outbox (custom/send) in the same transaction as the change.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.officialaccount.hooks import InboundText
from wxmall.wechat.actions import queue_text

from . import bot, fast, windows
from .errors import SupportError
from .models import Conversation, ConversationState, Handoff, Message
from .queries import customer_for, customers_for

MAX_REPLY_CHARS = 600
HANDOFF_ACK = bot.HANDOFF_ACK
HUMAN_STATES = (ConversationState.WAITING, ConversationState.AGENT)


def _locked(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    if conversation is None:
        raise DomainError(SupportError.CONVERSATION_NOT_FOUND)
    return conversation


def _add(conversation: Conversation, source: str, text: str, **fields) -> Message | None:
    """Store a message once (a MsgId / WeCom msgid seen before is ignored: None)."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                conversation=conversation, source=source, text=text[:2048], **fields
            )
    except IntegrityError:
        return None


def _open_handoff(conversation: Conversation, reason: str) -> None:
    """Open a hand-off unless one is open (the partial unique constraint keeps it to one)."""
    if Handoff.objects.filter(conversation=conversation, closed_at__isnull=True).exists():
        return
    try:
        with transaction.atomic():
            Handoff.objects.create(conversation=conversation, reason=reason)
    except IntegrityError:
        pass  # opened concurrently: that one stands


def _locked_for(appid: str, openid: str) -> Conversation:
    """The user's conversation, row-locked, created on first contact (the unique constraint settles a
    race): one locking read where a get_or_create and a second locking read took two."""
    conversation = Conversation.objects.select_for_update().filter(appid=appid, openid=openid).first()
    if conversation is None:
        conversation = Conversation(appid=appid, openid=openid)
        conversation._keeps_fast_state = True  # the caller remembers its state under the lock
        try:
            with transaction.atomic():
                conversation.save(force_insert=True)
        except IntegrityError:  # created concurrently: wait for that transaction's lock
            conversation = Conversation.objects.select_for_update().get(appid=appid, openid=openid)
    return conversation


def on_text(inbound: InboundText) -> str | None:
    """A follower's text no keyword rule answered: the bot answers it (the passive reply), or the
    conversation goes to a human with an acknowledgement; while people have it the bot stays quiet."""
    customer_id = customer_for(inbound.appid, inbound.openid)
    with transaction.atomic():
        conversation = _locked_for(inbound.appid, inbound.openid)
        conversation._keeps_fast_state = True  # remembered below, under this lock
        if (
            _add(conversation, Message.Source.CUSTOMER, inbound.text, wx_msg_id=inbound.msg_id or None)
            is None
        ):
            return None  # WeChat re-sent it; officialaccount answers re-sends with the first reply
        conversation.last_customer_message_at = timezone.now()
        changed = ["last_customer_message_at", "updated_at"]
        if customer_id is not None:
            conversation.customer_id = customer_id
            changed.append("customer")
        if conversation.state in HUMAN_STATES or conversation.state == ConversationState.WECOM:
            conversation.save(update_fields=changed)
            fast.remember_state(conversation.appid, conversation.openid, conversation.state)
            return None
        stamps = bot.Stamps.read()
        answer = bot.answer(inbound.text, user_id=customer_id, stamps=stamps)
        fast.remember_stamps(stamps)
        if answer.handoff:
            _hand_off(conversation, changed, answer.reason)
            return HANDOFF_ACK
        conversation.state = ConversationState.BOT
        conversation.save(update_fields=[*changed, "state"])
        _add(conversation, Message.Source.BOT, answer.text, intent=answer.intent)
        fast.remember_state(conversation.appid, conversation.openid, conversation.state)
        return answer.text


def _hand_off(conversation: Conversation, changed: list[str], reason: str) -> None:
    conversation.state = ConversationState.WAITING
    conversation.agent = None
    conversation.save(update_fields=[*changed, "state", "agent"])
    _open_handoff(conversation, reason)
    _add(conversation, Message.Source.SYSTEM, HANDOFF_ACK, intent="handoff")
    fast.remember_state(conversation.appid, conversation.openid, conversation.state)


def _locked_many(users: list[tuple[str, str]]) -> dict[tuple[str, str], Conversation]:
    """The users' conversations, row-locked in id order (no deadlock between two batches), created for
    first contacts (a concurrent creation is absorbed by the unique constraint)."""
    wanted = set(users)

    def locked() -> dict[tuple[str, str], Conversation]:
        rows = Conversation.objects.select_for_update().filter(
            appid__in={a for a, _ in wanted}, openid__in={o for _, o in wanted}
        )
        return {(c.appid, c.openid): c for c in rows.order_by("id") if (c.appid, c.openid) in wanted}

    found = locked()
    missing = wanted - found.keys()
    if missing:
        Conversation.objects.bulk_create(
            [Conversation(appid=a, openid=o) for a, o in sorted(missing)], ignore_conflicts=True
        )
        found = locked()
    return found


def apply_fast(items: list[tuple[InboundText, dict]]) -> None:
    """What the fast path's answers (support.fast.answer) mean for the conversations, applied by the drain
    once the pushes are stored, in arrival order: the writes `on_text` makes in the request, batched (one
    locking read, one insert of messages, one update of conversations). Idempotent: a text applied before
    (a re-drain) is recognised by its MsgId and changes nothing."""
    if not items:
        return
    users = list(dict.fromkeys((text.appid, text.openid) for text, _ in items))
    customers = customers_for(users)
    with transaction.atomic():
        conversations = _locked_many(users)
        ids = [text.msg_id for text, _ in items if text.msg_id]
        seen = set(
            Message.objects.filter(
                conversation__in=list(conversations.values()), wx_msg_id__in=ids
            ).values_list("conversation_id", "wx_msg_id")
        )
        messages, changed, handoffs = [], {}, []
        for text, note in items:
            conversation = conversations[(text.appid, text.openid)]
            if text.msg_id:
                if (conversation.pk, text.msg_id) in seen:
                    continue
                seen.add((conversation.pk, text.msg_id))
            messages.append(
                Message(
                    conversation=conversation,
                    source=Message.Source.CUSTOMER,
                    text=text.text[:2048],
                    wx_msg_id=text.msg_id or None,
                )
            )
            conversation.last_customer_message_at = text.received_at
            if customers.get((text.appid, text.openid)) is not None:
                conversation.customer_id = customers[(text.appid, text.openid)]
            with_people = conversation.state in HUMAN_STATES or conversation.state == ConversationState.WECOM
            kind = note.get("kind")
            if kind == "handoff" and not with_people:
                conversation.state, conversation.agent = ConversationState.WAITING, None
                handoffs.append((conversation, str(note.get("reason", ""))[:32]))
                messages.append(
                    Message(
                        conversation=conversation,
                        source=Message.Source.SYSTEM,
                        text=HANDOFF_ACK,
                        intent="handoff",
                    )
                )
            elif kind == "bot":  # sent as the passive reply: on record even if a person took over meanwhile
                if not with_people:
                    conversation.state = ConversationState.BOT
                messages.append(
                    Message(
                        conversation=conversation,
                        source=Message.Source.BOT,
                        text=str(note.get("text", ""))[:2048],
                        intent=str(note.get("intent", ""))[:80],
                    )
                )
            changed[conversation.pk] = conversation
        Message.objects.bulk_create(messages)
        now = timezone.now()
        for conversation in changed.values():
            conversation.updated_at = now
        Conversation.objects.bulk_update(
            list(changed.values()), ["last_customer_message_at", "customer", "state", "agent", "updated_at"]
        )
        for conversation, reason in handoffs:
            _open_handoff(conversation, reason)
        fast.remember_states([(c.appid, c.openid, c.state) for c in conversations.values()])


def _valid_text(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_REPLY_CHARS or "\x00" in text:
        raise DomainError(SupportError.INVALID_REPLY)
    return text


def _staff(user_id) -> object:
    try:
        agent = get_user_model().objects.filter(pk=int(user_id), is_staff=True, is_active=True).first()
    except (TypeError, ValueError):
        agent = None
    if agent is None:
        raise DomainError(SupportError.INVALID_AGENT)
    return agent


def _first_response(conversation: Conversation) -> None:
    Handoff.objects.filter(
        conversation=conversation, closed_at__isnull=True, first_response_at__isnull=True
    ).update(first_response_at=timezone.now())


@transaction.atomic
def reply(conversation_id: int, agent, text: str) -> Message:
    """An agent answers through custom/send, refused beyond WeChat's window and count (as the hub
    counts them; see windows.py). The conversation row lock serialises agents on one conversation."""
    text = _valid_text(text)
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
    message = Message.objects.create(
        conversation=conversation, source=Message.Source.AGENT, text=text, agent=agent
    )
    message.outbox = queue_text(conversation.openid, text, key=f"support:reply:{message.pk}")
    message.save(update_fields=["outbox"])
    if conversation.state != ConversationState.AGENT or conversation.agent_id is None:
        conversation.state = ConversationState.AGENT
        conversation.agent = conversation.agent or agent
    conversation.save()
    _open_handoff(conversation, "agent_started")
    _first_response(conversation)
    return message


@transaction.atomic
def take(conversation_id: int, agent) -> Conversation:
    conversation = _locked(conversation_id)
    if conversation.state == ConversationState.CLOSED:
        raise DomainError(SupportError.CONVERSATION_CLOSED)
    conversation.state, conversation.agent = ConversationState.AGENT, agent
    conversation.save()
    _open_handoff(conversation, "agent_started")
    _add(conversation, Message.Source.SYSTEM, f"{agent.get_username()} 接入会话")
    return conversation


@transaction.atomic
def transfer(conversation_id: int, agent, to_agent_id) -> Conversation:
    target = _staff(to_agent_id)
    conversation = _locked(conversation_id)
    if conversation.state in (ConversationState.CLOSED, ConversationState.WECOM):
        raise DomainError(
            SupportError.CONVERSATION_CLOSED
            if conversation.state == ConversationState.CLOSED
            else SupportError.CONVERSATION_AT_WECOM
        )
    conversation.state, conversation.agent = ConversationState.AGENT, target
    conversation.save()
    _open_handoff(conversation, "transfer")
    _add(conversation, Message.Source.SYSTEM, f"{agent.get_username()} 将会话转给 {target.get_username()}")
    return conversation


@transaction.atomic
def close(conversation_id: int, agent, *, resolved: bool) -> Conversation:
    conversation = _locked(conversation_id)
    if conversation.state == ConversationState.CLOSED:
        return conversation
    conversation.state, conversation.agent = ConversationState.CLOSED, None
    conversation.save()
    now = timezone.now()
    Handoff.objects.filter(conversation=conversation, closed_at__isnull=True).update(
        closed_at=now, resolved=resolved
    )
    _add(
        conversation,
        Message.Source.SYSTEM,
        f"{agent.get_username()} 关闭会话（{'已解决' if resolved else '未解决'}）",
    )
    return conversation
