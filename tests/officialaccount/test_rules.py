"""Keyword and welcome rules: matching, bounded regexes, compliance on save, the console page."""

import time

import pytest
from django.test import Client

from helpers.db import assert_unchanged, snapshot
from wxmall.accounts.testing import make_customer
from wxmall.officialaccount.forms import ReplyRuleForm
from wxmall.officialaccount.models import ReplyRule

pytestmark = pytest.mark.django_db


def rule(**fields):
    return ReplyRule.objects.create(**({"name": "r", "text": "答"} | fields))


def answer(push, client, content):
    reply = push.reply(push.post(client, push.text(content), mode="safe"), mode="safe")
    return reply and (reply.get("Content") or reply)


def test_exact_contains_and_regex_by_priority(client, push):
    rule(name="精确", match="exact", pattern="发票", text="开票说明", priority=10)
    rule(name="包含", match="contains", pattern="发票", text="包含发票", priority=20)
    rule(name="正则", match="regex", pattern=r"^(订单|物流)\d{6,}$", text="查询中", priority=30)
    rule(name="停用", match="contains", pattern="保修", text="不该出现", is_active=False)
    assert answer(push, client, " 发票 ") == "开票说明"
    assert answer(push, client, "怎么开发票") == "包含发票"
    assert answer(push, client, "订单2026120100") == "查询中"
    assert answer(push, client, "保修多久") is None


def test_exact_and_contains_ignore_case(client, push):
    rule(match="exact", pattern="RTX4090", text="有货")
    assert answer(push, client, "rtx4090") == "有货"


def test_news_and_link_replies(client, push):
    rule(name="新品", match="exact", pattern="新品", reply_type="news", title="新品上市", description="轻薄本",
         url="https://shop.example/new", pic_url="https://shop.example/new.png")  # fmt: skip
    rule(name="官网", match="exact", pattern="官网", reply_type="link", text="点这里：", title="商城首页",
         url="https://shop.example/?a=1&b=2")  # fmt: skip
    news = push.reply(push.post(client, push.text("新品"), mode="safe"), mode="safe")
    assert news["MsgType"] == "news" and news["ArticleCount"] == "1"
    assert news["Articles"]["item"] == {
        "Title": "新品上市", "Description": "轻薄本", "PicUrl": "https://shop.example/new.png",
        "Url": "https://shop.example/new",
    }  # fmt: skip
    assert (
        answer(push, client, "官网") == '点这里：\n<a href="https://shop.example/?a=1&amp;b=2">商城首页</a>'
    )


def test_the_welcome_answers_a_follow_but_not_an_unfollow(client, push):
    rule(trigger="subscribe", text="欢迎关注！", priority=5)
    rule(trigger="subscribe", text="第二条欢迎语", priority=6)
    reply = push.reply(push.post(client, push.event("subscribe"), mode="safe"), mode="safe")
    assert reply["Content"] == "欢迎关注！"
    assert push.post(client, push.event("unsubscribe"), mode="safe").content == b"success"


def test_a_catastrophic_regex_times_out_instead_of_holding_the_answer(client, push):
    # Stored directly (as if saved before validation): the matcher must still bound it.
    rule(match="regex", pattern=r"(a+)+$", text="不会出现", priority=1)
    rule(match="contains", pattern="a", text="后备规则", priority=2)
    started = time.monotonic()
    assert answer(push, client, "a" * 40 + "!") == "后备规则"
    assert time.monotonic() - started < 3  # generous: a backtracking `re` takes minutes on this input


@pytest.mark.parametrize(
    ("match", "pattern", "reason"),
    [
        ("regex", "(unclosed", "正则表达式不合法"),
        ("exact", "  ", "关键词不能为空"),
        ("contains", "长" * 201, ""),
    ],
)
def test_bad_patterns_are_refused(match, pattern, reason):
    form = ReplyRuleForm({"name": "x", "trigger": "keyword", "match": match, "pattern": pattern,
                          "reply_type": "text", "text": "答", "priority": 1, "is_active": True})  # fmt: skip
    assert not form.is_valid()
    assert any(reason in e for e in form.errors.get("pattern", []))


@pytest.fixture
def staff():
    client = Client()
    client.force_login(make_customer("oa-staff", is_staff=True, is_superuser=True))
    return client


def rule_form(**fields):
    return {"name": "满减", "trigger": "keyword", "match": "contains", "pattern": "优惠", "reply_type": "text",
            "text": "本周满 5000 减 300", "title": "", "description": "", "url": "", "pic_url": "",
            "priority": "10", "is_active": "on"} | fields  # fmt: skip


def test_console_creates_edits_and_deletes_a_rule(staff, client, push):
    assert staff.get("/console/oa/").status_code == 200
    assert staff.post("/console/oa/rules/new/", rule_form()).status_code == 302
    created = ReplyRule.objects.get()
    assert answer(push, client, "有优惠吗") == "本周满 5000 减 300"
    assert staff.post(f"/console/oa/rules/{created.pk}/", rule_form(text="改了")).status_code == 302
    assert answer(push, client, "有优惠吗") == "改了"
    assert staff.post(f"/console/oa/rules/{created.pk}/delete/").status_code == 302
    assert not ReplyRule.objects.exists()


def test_console_refuses_a_blocking_compliance_hit_and_shows_it(staff):
    before = snapshot()
    response = staff.post("/console/oa/rules/new/", rule_form(text="全网最低价，手慢无"))
    assert response.status_code == 400
    assert "全网最低价" in response.content.decode() and "违反广告法" in response.content.decode()
    assert_unchanged(before)


def test_console_escapes_hostile_copy_and_refuses_control_characters(staff):
    hostile = "<script>alert('x')</script>"
    assert staff.post("/console/oa/rules/new/", rule_form(name=hostile, text=hostile)).status_code == 302
    page = staff.get("/console/oa/").content.decode()
    assert hostile not in page and "&lt;script&gt;" in page
    before = snapshot()
    assert staff.post("/console/oa/rules/new/", rule_form(text="坏\x00字符")).status_code == 400
    assert_unchanged(before)


def test_console_is_for_staff_only(client):
    response = client.get("/console/oa/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_edit_or_a_delete_applies_to_the_next_message(client, push):
    edited = rule(match="exact", pattern="发票", text="旧答案")
    assert answer(push, client, "发票") == "旧答案"
    edited.text = "新答案"
    edited.save()
    assert answer(push, client, "发票") == "新答案"
    edited.delete()
    assert answer(push, client, "发票") is None


def test_rules_are_held_per_version_and_reloaded_when_it_moves_or_ages(client, push, monkeypatch):
    """Another process's edit reaches this one through the shared version stamp; one that bypasses the
    signals (a queryset update) is seen once RULES_MAX_AGE_SECONDS have passed."""
    import types

    from wxmall.officialaccount import rules

    rule(match="exact", pattern="发票", text="旧答案")
    assert answer(push, client, "发票") == "旧答案"
    ReplyRule.objects.update(text="改了")  # no signal: this process keeps its rules for now
    assert answer(push, client, "发票") == "旧答案"
    rules.bump_version()  # what a save in any process does
    assert answer(push, client, "发票") == "改了"

    ReplyRule.objects.update(text="又改了")
    later = time.time() + rules.RULES_MAX_AGE_SECONDS
    monkeypatch.setattr(rules, "time", types.SimpleNamespace(time=lambda: later))
    assert answer(push, client, "发票") == "又改了"


def test_a_lost_version_stamp_reloads_the_rules(client, push):
    from django.core.cache import cache

    from wxmall.officialaccount import rules

    rule(match="exact", pattern="发票", text="旧答案")
    assert answer(push, client, "发票") == "旧答案"
    ReplyRule.objects.update(text="改了")
    cache.delete(rules.VERSION_KEY)  # evicted, or a cache restarted empty
    assert answer(push, client, "发票") == "改了"


def test_a_cache_outage_reads_the_rules_from_the_table_and_saves_still_work(client, push, monkeypatch):
    from django.core.cache import cache

    def down(*_args, **_kwargs):
        raise ConnectionError("cache down")

    rule(match="exact", pattern="发票", text="旧答案")
    assert answer(push, client, "发票") == "旧答案"
    for method in ("get", "set", "add"):
        monkeypatch.setattr(cache, method, down)
    edited = ReplyRule.objects.get()
    edited.text = "新答案"
    edited.save()  # the version cannot move: the save still succeeds
    assert answer(push, client, "发票") == "新答案"
