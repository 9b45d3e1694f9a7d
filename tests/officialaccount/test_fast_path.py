"""The message server's fast path (Redis configured): a push answered from in-process rules is deduplicated
by an atomic add in Redis and spooled to a file, with no SQL in the request; the drain stores each push
exactly once, whatever crashes, and the database path takes over whenever Redis or the spool fails."""

import threading
from urllib.parse import urlencode

import pytest
import redis
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from helpers.db import assert_unchanged, snapshot
from wxmall.core import spool as files
from wxmall.officialaccount import actions, fast, hooks, spool
from wxmall.officialaccount.models import Follower, InboundMessage, ReplyRule
from wxmall.officialaccount.testing import Pusher

pytestmark = pytest.mark.django_db

WARRANTY = "整机保修两年"


@pytest.fixture
def warranty_rule(db):
    return ReplyRule.objects.create(name="保修", match="contains", pattern="保修", text=WARRANTY)


def seen_keys(oa_redis) -> list[bytes]:
    return redis.Redis.from_url(oa_redis.url).keys("officialaccount:seen:*")


def test_a_keyword_message_is_answered_without_sql_and_stored_by_the_drain(
    client, push, fast_path, warranty_rule
):
    push.post(client, push.text("保修多久"), mode="safe")  # loads the rules into this process
    message = push.text("保修政策是什么")
    with CaptureQueriesContext(connection) as queries:
        response = push.post(client, message, mode="safe")
    assert push.reply(response, mode="safe")["Content"] == WARRANTY
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert InboundMessage.objects.count() == 0 and len(fast_path.spooled()) == 2

    drained = fast_path.drain()
    assert (drained.pushes, fast_path.spooled()) == (2, [])
    stored = InboundMessage.objects.get(msg_id=message["MsgId"])
    assert (stored.content, stored.mode, stored.openid) == ("保修政策是什么", "safe", push.openid)
    assert WARRANTY in stored.reply and "<Encrypt>" not in stored.raw and "保修政策是什么" in stored.raw
    assert stored.processed_at is None  # a message's bookkeeping is the sweep's, as on the database path


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_a_resent_message_gets_the_first_reply_and_is_spooled_once(client, push, fast_path, mode):
    rule = ReplyRule.objects.create(name="你好", match="exact", pattern="你好", text="您好，欢迎光临")
    message = push.text("你好")
    first = push.post(client, message, mode=mode)
    rule.text = "改过的回复"
    rule.save()  # a re-send is answered what the first delivery was, not what the rules say now
    again = push.post(client, message, mode=mode)
    assert push.reply(first, mode)["Content"] == push.reply(again, mode)["Content"] == "您好，欢迎光临"
    assert len(fast_path.spooled()) == 2  # every delivery is spooled; the drain's insert keeps the first
    fast_path.drain()
    assert InboundMessage.objects.count() == 1
    assert "您好，欢迎光临" in InboundMessage.objects.get().reply


def test_a_message_resent_concurrently_is_spooled_once(transactional_db, oa, fast_path, warranty_rule):
    push = Pusher(oa)
    query, body = push.request(push.text("保修几年"), "safe")
    url = f"{push.path}?{urlencode(query)}"
    barrier, replies = threading.Barrier(8), []

    def send():
        barrier.wait()
        try:
            response = Client().post(url, data=body, content_type="text/xml")
            replies.append((response.status_code, push.reply(response, "safe")["Content"]))
        finally:
            connection.close()  # this thread's own connection (the rules are read once per thread)

    threads = [threading.Thread(target=send) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert replies == [(200, WARRANTY)] * 8
    assert len(fast_path.spooled()) == 8
    fast_path.drain()
    assert InboundMessage.objects.count() == 1


def test_a_subscribe_gets_the_welcome_and_is_processed_after_the_drain(client, push, fast_path):
    ReplyRule.objects.create(name="欢迎", trigger="subscribe", text="欢迎关注电脑城")
    response = push.post(client, push.event("subscribe"), mode="safe")
    assert push.reply(response, "safe")["Content"] == "欢迎关注电脑城"
    assert not Follower.objects.exists()
    fast_path.drain()
    assert actions.process_pending() == 1  # the drain kicked it; the sweep does the same for a lost kick
    follower = Follower.objects.get(openid=push.openid)
    assert follower.subscribed and follower.customer is not None


def test_events_dedupe_on_sender_and_create_time(client, push, fast_path):
    click = push.event("CLICK", EventKey="V1001")
    push.post(client, click)
    push.post(client, click)
    push.post(client, push.event("CLICK", EventKey="V1001", CreateTime=click["CreateTime"] + 1))
    fast_path.drain()
    assert InboundMessage.objects.filter(event="CLICK").count() == 2


def test_a_text_for_the_fallbacks_takes_the_database_path(client, push, fast_path, monkeypatch):
    monkeypatch.setattr(hooks, "registry", hooks.registry.extended(lambda m: f"机器人：{m.text}"))
    message = push.text("能装双系统吗")
    first = push.post(client, message, mode="safe")
    again = push.post(client, message, mode="safe")
    assert (
        push.reply(first, "safe")["Content"] == push.reply(again, "safe")["Content"] == "机器人：能装双系统吗"
    )
    assert InboundMessage.objects.count() == 1 and fast_path.spooled() == []


def test_redis_down_falls_back_to_the_database_path(client, push, fast_path, settings, warranty_rule):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    message = push.text("保修怎么算")
    first = push.post(client, message, mode="safe")
    again = push.post(client, message, mode="safe")
    assert push.reply(first, "safe")["Content"] == push.reply(again, "safe")["Content"] == WARRANTY
    assert InboundMessage.objects.count() == 1
    assert len(fast_path.spooled()) == 2  # spooled before Redis was tried: the drain drops the copies
    fast_path.drain()
    assert InboundMessage.objects.count() == 1 and fast_path.spooled() == []


def test_an_unwritable_spool_falls_back_to_the_database_before_redis_is_asked(
    client, push, fast_path, settings, tmp_path, oa_redis, warranty_rule
):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    settings.OA_SPOOL_DIR = str(blocker / "spool")
    message = push.text("保修")
    assert push.reply(push.post(client, message, mode="safe"), "safe")["Content"] == WARRANTY
    assert InboundMessage.objects.count() == 1 and seen_keys(oa_redis) == []
    # The re-send tries the fast path again, and the database says "stored already".
    assert push.reply(push.post(client, message, mode="safe"), "safe")["Content"] == WARRANTY
    assert InboundMessage.objects.count() == 1


def test_a_drain_that_fails_midway_is_redrained_without_duplicates(client, push, fast_path, monkeypatch):
    for n in range(5):
        push.post(client, push.text(f"第{n}条"))
    calls = []

    def insert_then_crash(records):
        actions.store_spooled(records)
        calls.append(len(records))
        if len(calls) == 2:
            raise RuntimeError("worker killed mid-drain")

    with pytest.raises(RuntimeError):
        spool.drain(insert_then_crash, batch=2, settle_seconds=0)
    assert InboundMessage.objects.count() == 4 and len(fast_path.spooled()) == 5  # the file is back whole
    assert fast_path.drain().pushes == 5
    assert InboundMessage.objects.count() == 5 and fast_path.spooled() == []


def test_a_file_abandoned_by_a_dead_drainer_is_taken_up_again_once(client, push, fast_path, monkeypatch):
    for n in range(3):
        push.post(client, push.text(f"第{n}条"))
    files.set_aside(spool._dir())
    [claimed] = spool._claim(spool._dir(), 0)
    actions.store_spooled(spool._records(claimed))  # inserted, then the drainer died before the unlink
    assert fast_path.drain().pushes == 0  # not abandoned yet: nobody steals a live drainer's file
    monkeypatch.setattr(spool, "ABANDONED_SECONDS", 0.0)
    assert fast_path.drain().pushes == 3
    assert InboundMessage.objects.count() == 3 and fast_path.spooled() == []


def test_a_redis_that_lost_its_keys_costs_a_second_reply_never_a_second_row(
    client, push, fast_path, oa_redis, warranty_rule
):
    message = push.text("保修")
    push.post(client, message, mode="safe")
    fast_path.drain()
    redis.Redis.from_url(oa_redis.url).flushall()
    assert push.reply(push.post(client, message, mode="safe"), "safe")["Content"] == WARRANTY
    fast_path.drain()
    assert InboundMessage.objects.count() == 1


def test_a_torn_line_is_skipped_and_the_rest_stored(client, push, fast_path):
    push.post(client, push.text("完整的一条"))
    [live] = list(fast_path.spool_dir.glob("*.jsonl"))
    with live.open("ab") as f:
        f.write(b'{"appid": "wx1a2b3c4d5e6f7a8b", "dedupe_ke')  # a crash mid-write
    assert fast_path.drain().pushes == 1
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize(
    "fields, kwargs, status, code",
    [
        ("<xml><unclosed>", {}, 400, "oa_bad_message"),
        (
            '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x "y">]><xml><Content>&x;</Content></xml>',
            {},
            400,
            "oa_bad_message",
        ),
        (None, {"query": {"signature": "0" * 40}}, 403, "oa_bad_signature"),
        (None, {"query": {"msg_signature": "0" * 40}}, 403, "oa_bad_signature"),
    ],
)
def test_bad_pushes_are_refused_with_nothing_spooled_or_remembered(
    client, push, fast_path, oa_redis, fields, kwargs, status, code
):
    before = snapshot()
    response = push.post(client, fields if fields is not None else push.text("保修"), mode="safe", **kwargs)
    assert (response.status_code, response.content.decode()) == (status, code)
    assert_unchanged(before)
    assert fast_path.spooled() == [] and seen_keys(oa_redis) == []


def test_an_oversized_push_is_refused_unread_with_nothing_spooled(client, push, fast_path, settings):
    settings.OA_MESSAGE_MAX_BYTES = 4096
    response = push.post(client, push.text("长" * 3000), mode="plain")
    assert (response.status_code, response.content) == (413, b"oa_message_too_large")
    assert fast_path.spooled() == []


def test_the_dedupe_key_outlives_the_timestamp_window(settings):
    assert settings.OA_DEDUPE_SECONDS > settings.OA_TIMESTAMP_TOLERANCE_SECONDS
    assert fast.seen_key("wxa", "msg:1") != fast.seen_key("wxb", "msg:1")


def test_the_drain_task_never_sleeps_and_follows_up_on_what_is_settling(client, push, fast_path, monkeypatch):
    from wxmall.officialaccount import tasks

    follow_ups = []
    monkeypatch.setattr(tasks.drain_spool, "apply_async", lambda **kw: follow_ups.append(kw))
    push.post(client, push.text("刚到的一条"))
    assert tasks.drain_spool() == 0  # set aside just now: a writer may still be finishing its line
    assert follow_ups == [{"countdown": spool.SETTLE_SECONDS, "expires": 60}]
    monkeypatch.setattr(spool, "SETTLE_SECONDS", 0.0)
    assert tasks.drain_spool() == 1 and len(follow_ups) == 1
    assert InboundMessage.objects.count() == 1


def test_a_keyword_message_is_answered_while_the_database_is_down(client, push, fast_path, warranty_rule):
    push.post(client, push.text("保修多久"), mode="safe")  # the rules are in this process now

    def database_down(execute, sql, params, many, context):
        raise ConnectionError("database unreachable")

    with connection.execute_wrapper(database_down):
        response = push.post(client, push.text("保修范围"), mode="safe")
    assert push.reply(response, "safe")["Content"] == WARRANTY
    fast_path.drain()  # once it is back, the drain stores what was answered meanwhile
    assert InboundMessage.objects.filter(content="保修范围").count() == 1
