"""Conversations end to end: wxsandbox's user writes to the Official Account, the live hub's message server
hands the text to the support fallback (bot or human), agents answer through custom/send within WeChat's
windows, transfer and close; the console shows it all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.core.relay import relay
from wxmall.customers.testing import as_owner
from wxmall.officialaccount.models import InboundMessage
from wxmall.support import actions, demo, queries, windows
from wxmall.support.errors import SupportError
from wxmall.support.models import Conversation, ConversationState, Handoff, Message

pytestmark = pytest.mark.django_db(transaction=True)


def chat(sb, user="xiaoming"):
    return [
        m["body"].get("content")
        for m in sb.control("GET", "mp/oa/conversation", params={"user": user})["messages"]
    ]


def say(sb, text, user="xiaoming"):
    return sb.control("POST", "mp/oa/message", json={"user": user, "content": text})


@pytest.fixture
def hub(oa_hub):
    demo.load()
    sb = oa_hub("safe")
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    return sb


def test_the_bot_answers_and_hands_off_with_an_acknowledgement(hub):
    answered = say(hub, "你们一般多久发货呀")
    assert "24 小时内发货" in answered["reply"]["content"]
    conversation = Conversation.objects.get()
    assert conversation.state == ConversationState.BOT
    handed = say(hub, "我要投诉快递员")
    assert handed["reply"]["content"] == actions.HANDOFF_ACK
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING
    assert Handoff.objects.get().reason == "asked_for_human"
    # While a human has it, the bot stays quiet (success, no passive reply) and the text is kept.
    quiet = say(hub, "下单后多久发货")
    assert quiet["reply"] is None and not quiet["error"]
    sources = list(Message.objects.values_list("source", flat=True))
    assert sources == ["customer", "bot", "customer", "system", "customer"]


def test_agent_reply_reaches_the_user_and_counts_against_the_window(hub, agent):
    say(hub, "转人工")
    conversation = Conversation.objects.get()
    window = windows.window_for(conversation.appid, conversation.openid)
    assert window.kind == "message" and window.remaining == 5
    message = actions.reply(conversation.pk, agent, "您好，我是客服小王，请问有什么可以帮您？")
    assert relay().delivered == 1
    message.outbox.refresh_from_db()
    assert message.outbox.status == OutboxStatus.DELIVERED
    assert chat(hub)[-1] == "您好，我是客服小王，请问有什么可以帮您？"
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.AGENT and conversation.agent == agent
    handoff = Handoff.objects.get()
    assert handoff.first_response_at is not None and handoff.first_response_at >= handoff.created_at
    for n in range(4):
        actions.reply(conversation.pk, agent, f"第 {n + 2} 条")
    assert windows.window_for(conversation.appid, conversation.openid).remaining == 0
    with pytest.raises(DomainError) as refused:
        actions.reply(conversation.pk, agent, "第 6 条")
    assert refused.value.error is SupportError.WINDOW_COUNT_EXCEEDED
    assert relay().delivered == 4 and Message.objects.filter(source="agent").count() == 5
    say(hub, "好的，谢谢")  # a new message restarts the count
    assert windows.window_for(conversation.appid, conversation.openid).remaining == 5


def test_reply_after_the_48_hour_window_is_refused(hub, agent):
    say(hub, "转人工")
    conversation = Conversation.objects.get()
    InboundMessage.objects.update(received_at=timezone.now() - timedelta(hours=49))
    before = OutboxMessage.objects.count()
    with pytest.raises(DomainError) as refused:
        actions.reply(conversation.pk, agent, "还在吗")
    assert refused.value.error is SupportError.WINDOW_EXPIRED
    assert OutboxMessage.objects.count() == before and not Message.objects.filter(source="agent").exists()


def test_wechat_refusal_is_shown_on_the_message(hub, agent):
    """If WeChat counts differently than the hub (45047), the row dead-letters with the code."""
    say(hub, "转人工")
    conversation = Conversation.objects.get()
    hub.add_fault(target="mp.message.custom_send", errcode=45047, times=1)
    message = actions.reply(conversation.pk, agent, "您好")
    assert relay().dead == 1
    message.outbox.refresh_from_db()
    assert "45047" in message.outbox.last_error


def test_transfer_close_and_metrics(hub, agent):
    from wxmall.accounts.testing import make_customer

    other = as_owner(make_customer("agent_li", is_staff=True))
    say(hub, "转人工")
    conversation = Conversation.objects.get()
    actions.take(conversation.pk, agent)
    actions.transfer(conversation.pk, agent, other.pk)
    conversation.refresh_from_db()
    assert conversation.agent == other and conversation.state == ConversationState.AGENT
    with pytest.raises(DomainError):
        actions.transfer(conversation.pk, agent, 999999)  # not a staff member
    actions.reply(conversation.pk, other, "已为您查询")
    actions.close(conversation.pk, other, resolved=True)
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.CLOSED
    with pytest.raises(DomainError) as closed:
        actions.reply(conversation.pk, other, "再补充一句")
    assert closed.value.error is SupportError.CONVERSATION_CLOSED
    # A new question after closing goes to the bot again.
    assert "顺丰" in say(hub, "用的什么快递")["reply"]["content"]
    m = queries.metrics(timezone.now() - timedelta(hours=1))
    assert m.bot_answers == 1 and m.handoffs == 1 and m.closed == 1 and m.resolution_rate == 1.0
    assert m.first_response_avg_s is not None and m.first_response_avg_s >= 0


def test_console_inbox_and_reply(hub, agent, client):
    say(hub, "转人工")
    conversation = Conversation.objects.get()
    assert client.get("/console/support/").status_code == 302  # staff only
    client.force_login(agent)
    page = client.get("/console/support/").content.decode()
    assert "客服会话" in page and "等待人工" in page and "智能客服解答率" in page
    detail = client.get(f"/console/support/{conversation.pk}/").content.decode()
    assert "还可发送 <strong>5</strong> 条" in detail and "转人工" in detail
    hostile = "<script>alert('x')</script>"
    client.post(f"/console/support/{conversation.pk}/reply/", {"text": hostile})
    detail = client.get(f"/console/support/{conversation.pk}/").content.decode()
    assert hostile not in detail and "&lt;script&gt;" in detail
    assert "还可发送 <strong>4</strong> 条" in detail
    before = Message.objects.count()
    for bad in ({"text": ""}, {"text": "长" * 601}, {}):
        response = client.post(f"/console/support/{conversation.pk}/reply/", bad, follow=True)
        assert "回复内容不能为空" in response.content.decode()
    assert Message.objects.count() == before
    assert client.get("/console/support/999999/").status_code == 404
    assert client.get(f"/console/support/{conversation.pk}/reply/").status_code == 405
