"""WeChat calls through the outbox relay, end to end against wxsandbox."""

from django.db import transaction

from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.core.relay import relay
from wxmall.wechat.actions import queue_call, queue_text


def _interact(sandbox, user="xiaoming"):
    """The customer follows and writes to the Official Account: the 48-hour window opens."""
    sandbox.control("POST", "mp/oa/follow", json={"user": user})
    sandbox.control("POST", "mp/oa/message", json={"user": user, "content": "在吗"})
    return sandbox.openid(user, sandbox.app_of_kind("official_account").appid)


def _conversation(sandbox, user="xiaoming"):
    return sandbox.control("GET", "mp/oa/conversation", params={"user": user})


def test_customer_service_text_reaches_the_customer(wechat):
    openid = _interact(wechat.sandbox)
    with transaction.atomic():
        row = queue_text(openid, "您的订单已发货，顺丰 SF123", key="order:1:shipped")
    assert row.destination == "wechat_message"
    assert relay().delivered == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED
    assert "您的订单已发货，顺丰 SF123" in str(_conversation(wechat.sandbox))


def test_the_same_key_sends_once(wechat):
    openid = _interact(wechat.sandbox)
    for _ in range(2):
        with transaction.atomic():
            queue_text(openid, "只发一次", key="order:2:shipped")
    relay()
    assert str(_conversation(wechat.sandbox)).count("只发一次") == 1
    assert OutboxMessage.objects.count() == 1


def test_outside_the_window_is_a_dead_letter_at_once(wechat):
    openid = wechat.sandbox.openid("lihua", wechat.sandbox.app_of_kind("official_account").appid)
    with transaction.atomic():
        row = queue_text(openid, "没有互动过", key="x:1")
    result = relay()
    row.refresh_from_db()
    assert result.dead == 1 and row.status == OutboxStatus.DEAD
    assert "45015" in row.last_error


def test_system_busy_is_retried_later_not_dead(wechat, settings):
    settings.WECHAT_RETRY_ATTEMPTS = 1
    openid = _interact(wechat.sandbox)
    wechat.sandbox.add_fault(target="mp.message.custom_send", errcode=-1, times=1)
    with transaction.atomic():
        row = queue_text(openid, "稍后重试", key="x:2")
    assert relay().retried == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and "errcode -1" in row.last_error


def test_template_message_stores_wechats_msgid(wechat):
    _interact(wechat.sandbox)
    openid = wechat.sandbox.openid("xiaoming", wechat.sandbox.app_of_kind("official_account").appid)
    body = {"touser": openid, "template_id": "TPL_ORDER_SHIPPED", "data": {"keyword1": {"value": "笔记本"}}}
    with transaction.atomic():
        row = queue_call("message.template_send", body, key="order:3:template")
    assert relay().delivered == 1
    row.refresh_from_db()
    assert isinstance(row.result["msgid"], int)


def test_menu_goes_through_its_own_destination(wechat):
    menu = {"button": [{"type": "view", "name": "进店", "url": "http://127.0.0.1:8000/"}]}
    with transaction.atomic():
        row = queue_call("menu.create", menu, key="menu:v1")
    assert row.destination == "wechat_menu"
    relay()
    assert wechat.client("oa").menu.get()["menu"]["button"][0]["name"] == "进店"
