"""The FAQ bot's behaviour beyond the labelled set: index freshness, the asking customer's orders,
catalogue compatibility, hostile input."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wxmall.accounts.models import WeChatIdentity
from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions as checkout
from wxmall.support import bot
from wxmall.support.models import FaqEntry, FaqIndexVersion
from wxmall.support.queries import customer_for

APPID = "wx5b1f0a7c3e9d0a01"


@pytest.fixture
def faq(db):
    return FaqEntry.objects.create(
        intent="gift_wrap",
        question="可以礼品包装吗",
        variants="能包成礼物吗\n送人要包装",
        answer="可以，下单备注即可。",
    )


def test_an_faq_edit_is_answered_at_once(faq):
    assert bot.answer("能不能礼品包装").text == "可以，下单备注即可。"
    before = FaqIndexVersion.objects.get().version
    faq.answer = "暂不提供礼品包装。"
    faq.save()
    assert FaqIndexVersion.objects.get().version == before + 1
    assert bot.answer("能不能礼品包装").text == "暂不提供礼品包装。"
    faq.is_active = False
    faq.save()
    assert bot.answer("能不能礼品包装").handoff


def test_deleting_an_entry_moves_the_version(faq):
    before = FaqIndexVersion.objects.get().version
    faq.delete()
    assert FaqIndexVersion.objects.get().version == before + 1
    got = bot.answer("能不能礼品包装")
    assert got.handoff, got


def test_order_status_is_the_asking_customers_own(customer, other_customer, address, sku):
    from wxmall.accounts.testing import make_address

    WeChatIdentity.objects.create(user=customer, appid=APPID, openid="oMINE")
    mine = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    theirs = checkout.place_order(
        other_customer, items=[(sku.pk, 1)], address_id=make_address(other_customer).pk
    )
    got = bot.answer("我的订单到哪了", user_id=customer_for(APPID, "oMINE"))
    assert got.kind == "order" and mine.order_no in got.text and "待支付" in got.text
    assert theirs.order_no not in got.text
    # Naming someone else's order number finds nothing for this customer.
    other = bot.answer(f"订单 {theirs.order_no} 到哪了", user_id=customer.pk)
    assert theirs.order_no not in other.text and "没有查到" in other.text
    unlinked = bot.answer("我的订单到哪了", user_id=customer_for(APPID, "oSTRANGER"))
    assert unlinked.kind == "order" and "登录" in unlinked.text and mine.order_no not in unlinked.text


def test_cpu_motherboard_compatibility_from_the_catalogue(db):
    cpu = make_sku(title="AMD 锐龙 7 9800X3D 游戏处理器").product
    cpu.specs = {"接口": "AM5", "TDP": "120W"}
    cpu.save()
    board = make_sku(title="华硕 TUF GAMING B650M-PLUS 重炮手主板").product
    board.specs = {"芯片组": "AMD B650", "板型": "M-ATX"}
    board.save()
    other = make_sku(title="微星 MAG B760M MORTAR 迫击炮主板").product
    other.specs = {"芯片组": "Intel B760"}
    other.save()
    got = bot.answer("9800X3D用什么主板")
    assert got.intent == f"product:{cpu.slug or cpu.id}"
    assert "AM5" in got.text and board.title in got.text and other.title not in got.text


def test_delisted_product_is_not_answered(db):
    product = make_sku(title="零刻 SER8 迷你主机").product
    product.specs = {"接口": "USB4、HDMI"}
    product.save()
    assert bot.answer("SER8有哪些接口").kind == "product"
    product.is_listed = False
    product.save()
    assert bot.answer("SER8有哪些接口").kind != "product"


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "<script>alert(1)</script>",
        "'; DROP TABLE support_faqentry; --",
        "😀" * 300,
        "发" * 5000,
        "\x00\x01",
    ],
)
def test_hostile_or_empty_questions_hand_off_without_echo(faq, question):
    got = bot.answer(question)
    assert got.handoff and got.text == ""
    assert FaqEntry.objects.count() == 1


def test_asking_for_a_human_hands_off(faq):
    for q in ("转人工", "人工客服", "我要投诉"):
        assert bot.answer(q).reason == "asked_for_human"


def test_warming_builds_what_the_first_question_needs(faq):
    bot._faq.cache_clear()
    bot._catalog.cache_clear()
    bot.warm()  # what each web worker runs when it starts (wsgi.py)
    assert bot._faq.cache_info().currsize == 1 and bot._catalog.cache_info().currsize == 1
    misses = bot._faq.cache_info().misses
    bot.answer("你们一般多久发货")
    assert bot._faq.cache_info().misses == misses  # answered from the warmed index


TERMS = ["保修", "发货", "退货", "发票", "顺丰", "电脑", "内存", "型号"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(st.lists(st.sampled_from(TERMS), max_size=8), min_size=1, max_size=30),
    query=st.lists(st.sampled_from([*TERMS, "未知"]), max_size=10),
)
def test_the_postings_score_exactly_as_rank_bm25(corpus, query):
    """The index scores from precomputed postings; rank_bm25's own loop over every document is the oracle."""
    index = bot._build(list(enumerate(corpus)))
    if index.bm25 is None:
        return
    expected = index.bm25.get_scores(query)
    assert np.allclose(index.scores(query), expected, rtol=1e-12, atol=1e-12)
    if query:  # an empty question ranks nothing
        best, score, _ = index.best(query)
        assert np.isclose(expected[best], expected.max(), rtol=1e-12)
        assert np.isclose(score, expected.max(), rtol=1e-12)
