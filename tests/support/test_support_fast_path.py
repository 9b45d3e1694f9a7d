"""Customer service on the message server's fast path: once a conversation's state is known in Redis, the
bot answers (or hands off, or stays quiet) with no SQL in the request, and the drain makes the same
conversation writes the database path makes; anything that needs the database still takes that path."""

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wxmall.officialaccount.models import InboundMessage
from wxmall.support import actions
from wxmall.support import fast as support_fast
from wxmall.support.models import Conversation, ConversationState, FaqEntry, Handoff, Message

pytestmark = pytest.mark.django_db

GIFT = "可以，下单备注即可。"


@pytest.fixture
def faq(db):
    return FaqEntry.objects.create(
        intent="gift_wrap", question="可以礼品包装吗", variants="能包成礼物吗\n送人要包装", answer=GIFT
    )


def say(client, push, text):
    response = push.post(client, push.text(text), mode="safe")
    assert response.status_code == 200
    reply = push.reply(response, mode="safe")
    return reply["Content"] if reply else None


def no_sql(client, push, text, reads=0):
    """The answer to `text`, asserting the request ran no SQL (or only `reads` SELECTs)."""
    with CaptureQueriesContext(connection) as queries:
        answer = say(client, push, text)
    assert len(queries) == reads and all(q["sql"].startswith("SELECT") for q in queries), [
        q["sql"] for q in queries
    ]
    return answer


def state_in_redis(oa_redis, push):
    key = support_fast.STATE_KEY.format(appid=push.oa["appid"], openid=push.openid)
    value = redis.Redis.from_url(oa_redis.url).get(key)
    return value.decode() if value else None


def sources():
    return list(Message.objects.order_by("id").values_list("source", flat=True))


def test_the_bot_answers_without_sql_once_the_state_is_known(client, push, fast_path, faq, oa_redis):
    say(client, push, "你好")  # loads the rules, the FAQ and the catalogue indexes into this process
    fast_path.drain()
    Message.objects.all().delete()
    InboundMessage.objects.all().delete()
    Conversation.objects.all().delete()
    redis.Redis.from_url(oa_redis.url).delete(
        support_fast.STATE_KEY.format(appid=push.oa["appid"], openid=push.openid)
    )
    # A first contact: one read of the (absent) conversation, nothing written until the drain.
    assert no_sql(client, push, "能包成礼物吗", reads=1) == GIFT
    assert state_in_redis(oa_redis, push) is None and not Conversation.objects.exists()
    fast_path.drain()
    assert state_in_redis(oa_redis, push) == "bot"  # remembered under the row lock by the drain
    assert no_sql(client, push, "送人要包装吗") == GIFT
    fast_path.drain()
    assert InboundMessage.objects.count() == 2
    assert sources() == ["customer", "bot", "customer", "bot"]
    assert Message.objects.filter(source="bot", intent="gift_wrap").count() == 2


def test_a_hand_off_is_acknowledged_at_once_and_opened_by_the_drain(client, push, fast_path, faq, oa_redis):
    say(client, push, "能包成礼物吗")
    fast_path.drain()
    assert no_sql(client, push, "我要投诉快递员") == actions.HANDOFF_ACK
    assert state_in_redis(oa_redis, push) == "waiting"
    assert no_sql(client, push, "下单后多久发货") is None  # quiet while people have it, even before the drain
    fast_path.drain()
    conversation = Conversation.objects.get()
    assert conversation.state == ConversationState.WAITING
    assert Handoff.objects.get().reason == "asked_for_human"
    assert sources() == ["customer", "bot", "customer", "system", "customer"]


def test_an_agent_taking_over_sends_the_next_text_to_the_database(
    client, push, fast_path, faq, oa_redis, agent
):
    say(client, push, "能包成礼物吗")
    fast_path.drain()
    actions.take(Conversation.objects.get().pk, agent)
    assert state_in_redis(oa_redis, push) is None
    assert no_sql(client, push, "能包成礼物吗", reads=1) is None  # the state read: an agent has it, quiet
    fast_path.drain()
    assert Message.objects.filter(source="customer").count() == 2
    assert state_in_redis(oa_redis, push) == "agent"
    assert no_sql(client, push, "在吗") is None


def test_order_questions_take_the_database_path(client, push, fast_path, faq):
    say(client, push, "能包成礼物吗")
    fast_path.drain()
    answer = say(client, push, "我的订单发货了吗")
    assert "关联您的商城账号" in answer and fast_path.spooled() == []
    assert InboundMessage.objects.count() == 2


def test_an_faq_edit_is_answered_at_once_on_the_fast_path(client, push, fast_path, faq):
    say(client, push, "能包成礼物吗")
    fast_path.drain()
    faq.answer = "暂不提供礼品包装。"
    faq.save()
    assert say(client, push, "送人要包装吗") == "暂不提供礼品包装。"  # the stamp was forgotten: read again
    assert no_sql(client, push, "能包成礼物吗") == "暂不提供礼品包装。"


def test_a_redrained_note_changes_nothing(client, push, fast_path, faq, monkeypatch):
    from wxmall.officialaccount import actions as oa_actions
    from wxmall.officialaccount import spool

    say(client, push, "能包成礼物吗")
    fast_path.drain()
    no_sql(client, push, "送人要包装吗")
    spooled = fast_path.spooled()
    fast_path.drain()
    oa_actions.store_spooled(spooled)  # a drainer that died before deleting its file, taken up again
    assert sources() == ["customer", "bot", "customer", "bot"]
    assert spool.backlog_bytes() == 0


def test_redis_down_answers_from_the_database(client, push, fast_path, faq, settings):
    say(client, push, "能包成礼物吗")
    fast_path.drain()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert say(client, push, "送人要包装吗") == GIFT
    assert sources() == ["customer", "bot", "customer", "bot"] and fast_path.spooled() == []


def test_one_drain_applies_many_users_in_order_and_a_bad_note_costs_only_itself(
    client, oa, fast_path, faq, monkeypatch
):
    from wxmall.officialaccount.testing import Pusher

    users = [Pusher(oa, openid=f"oFast{n:023d}") for n in range(3)]
    for push in users:
        say(client, push, "能包成礼物吗")
    fast_path.drain()
    assert no_sql(client, users[0], "送人要包装吗") == GIFT
    assert no_sql(client, users[1], "我要投诉") == actions.HANDOFF_ACK
    assert no_sql(client, users[1], "快点") is None
    assert no_sql(client, users[2], "送人要包装吗") == GIFT
    real = Message.objects.bulk_create

    def refuse_user_two(objs, *args, **kwargs):
        if any(m.conversation.openid == users[2].openid for m in objs):
            raise RuntimeError("a poison message")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Message.objects, "bulk_create", refuse_user_two)
    fast_path.drain()
    assert InboundMessage.objects.count() == 7  # every push stored, whatever its note did
    by_user = {
        push.openid: list(
            Message.objects.filter(conversation__openid=push.openid)
            .order_by("id")
            .values_list("source", flat=True)
        )
        for push in users
    }
    assert by_user[users[0].openid] == ["customer", "bot", "customer", "bot"]
    assert by_user[users[1].openid] == ["customer", "bot", "customer", "system", "customer"]
    assert by_user[users[2].openid] == ["customer", "bot"]  # its note failed alone (logged)
    assert Conversation.objects.get(openid=users[1].openid).state == ConversationState.WAITING
