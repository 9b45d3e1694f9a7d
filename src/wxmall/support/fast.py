"""Customer service on the message server's fast path (officialaccount.fast): the bot answers a text from
what Redis and this process hold, with no SQL, and the conversation's writes follow in the drain
(`actions.apply_fast`).

Redis holds, per OA user, the conversation's state as last seen under its row lock (`remember_state`,
by the database path and the drain) and, for everyone, the FAQ and catalogue index stamps. A missing
entry means "ask the database": one read of that row or stamp in the request. Every other
change of a conversation (an agent taking, answering, transferring or closing it, WeCom) forgets its
entry at once and again at commit (signals.py), so the bot never answers over a person for longer than
a race between two commits; STATE_TTL_SECONDS bounds even that. The FAQ stamp is forgotten on every FAQ
change the same way (one read in a request racing an FAQ commit can outlive it by FAQ_TTL_SECONDS); the catalogue stamp is kept CATALOG_TTL_SECONDS (product answers, price and stock
included, may lag a catalogue edit by that much). Order questions always take the database path (they
read the asking customer's orders).
"""

from __future__ import annotations

import json
import logging

from django.db import transaction

from wxmall.officialaccount.fast import enabled, redis_client
from wxmall.officialaccount.hooks import FastText, InboundText

from . import bot
from .models import ConversationState
from .queries import conversation_state

logger = logging.getLogger(__name__)
STATE_KEY = "support:state:{appid}:{openid}"
FAQ_KEY = "support:faq-stamp"
CATALOG_KEY = "support:catalog-stamp"
STATE_TTL_SECONDS = 3600  # a backstop only: every change forgets the entry (signals.py)
FAQ_TTL_SECONDS = 30
CATALOG_TTL_SECONDS = 10
QUIET_STATES = (ConversationState.WAITING, ConversationState.AGENT, ConversationState.WECOM)


def _state_key(appid: str, openid: str) -> str:
    return STATE_KEY.format(appid=appid, openid=openid)


def answer(inbound: InboundText) -> FastText | None:
    """The bot's passive answer from Redis and memory, or None for the database path. Raises when Redis
    is unreachable (the message server then takes the database path too).

    A user whose state Redis does not hold (a first contact, an hour of silence, just after an agent
    acted) costs one read of the conversation's state, without a lock: it is not remembered from that
    read (only under the row lock, by the drain), so a concurrent change can race it for this one text
    at most, as it can race a remembered state."""
    if bot.asks_about_order(inbound.text):
        return None
    key = _state_key(inbound.appid, inbound.openid)
    client = redis_client()
    state, faq, catalog = client.mget(key, FAQ_KEY, CATALOG_KEY)
    state = state.decode() if state is not None else conversation_state(inbound.appid, inbound.openid)
    if state in QUIET_STATES:
        return FastText(None, {"kind": "quiet"})  # a person has it: the text is only kept
    if faq is None or catalog is None:
        stamps = bot.Stamps.read()  # Redis lost them (or they expired): read once, for everyone
        remember_stamps(stamps)
    else:
        stamps = bot.Stamps(faq.decode(), tuple(json.loads(catalog)))
    found = bot.answer(inbound.text, stamps=stamps)
    if found.handoff:
        # Until the drain opens the hand-off, this user's next texts must not get the bot either.
        client.set(key, ConversationState.WAITING.value.encode(), ex=STATE_TTL_SECONDS)
        return FastText(bot.HANDOFF_ACK, {"kind": "handoff", "reason": found.reason})
    return FastText(found.text, {"kind": "bot", "intent": found.intent, "text": found.text})


def remember_state(appid: str, openid: str, state: str) -> None:
    """Call holding the conversation's row lock, after its change: the state the next texts may rely on."""
    if not enabled():
        return
    try:
        redis_client().set(_state_key(appid, openid), state.encode(), ex=STATE_TTL_SECONDS)
    except Exception:
        logger.warning("support fast path: state not remembered (Redis unavailable)", exc_info=True)


def remember_states(states: list[tuple[str, str, str]]) -> None:
    """`remember_state` of many (appid, openid, state) in one round trip."""
    if not enabled() or not states:
        return
    try:
        pipe = redis_client().pipeline(transaction=False)
        for appid, openid, state in states:
            pipe.set(_state_key(appid, openid), state.encode(), ex=STATE_TTL_SECONDS)
        pipe.execute()
    except Exception:
        logger.warning("support fast path: states not remembered (Redis unavailable)", exc_info=True)


def forget_state(appid: str, openid: str) -> None:
    """The conversation changed elsewhere: its next text asks the database (now and again at commit)."""
    _forget(_state_key(appid, openid))
    transaction.on_commit(lambda: _forget(_state_key(appid, openid)), robust=True)


def remember_stamps(stamps: bot.Stamps) -> None:
    if not enabled():
        return
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.set(FAQ_KEY, stamps.faq.encode(), ex=FAQ_TTL_SECONDS)
        pipe.set(CATALOG_KEY, json.dumps(list(stamps.catalog)).encode(), ex=CATALOG_TTL_SECONDS)
        pipe.execute()
    except Exception:
        logger.warning("support fast path: stamps not remembered (Redis unavailable)", exc_info=True)


def forget_faq_stamp() -> None:
    _forget(FAQ_KEY)
    transaction.on_commit(lambda: _forget(FAQ_KEY), robust=True)


def _forget(key: str) -> None:
    if not enabled():
        return
    try:
        redis_client().delete(key)
    except Exception:  # Redis down: the fast path is off until it is back, and then TTLs bound staleness
        logger.warning("support fast path: %s not forgotten (Redis unavailable)", key, exc_info=True)
