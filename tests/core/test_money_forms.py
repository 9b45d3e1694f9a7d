"""Money typed by people: yuan in, fen out, every bad input refused with a Chinese reason."""

import pytest
from django import forms
from django.template import Context, Template

from wxmall.core.money import MAX_FEN
from wxmall.core.money_forms import YuanField, YuanInput


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("4249", 424900),
        ("4249.5", 424950),
        ("4,249.00", 424900),
        ("¥4249", 424900),
        ("￥ 4249.01", 424901),
        (" 0.01 ", 1),
        ("0", 0),
        ("10000000", MAX_FEN),
    ],
)
def test_yuan_typed_becomes_fen(typed, fen):
    assert YuanField().clean(typed) == fen


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "金额不能为负数"),
        ("−5.00", "金额不能为负数"),
        ("abc", "请输入金额"),
        ("12元", "请输入金额"),
        ("1e5", "请输入金额"),
        ("4249.123", "最多保留两位小数"),
        ("10000000.01", "不能超过 ¥10,000,000.00"),
        ("99999999999", "不能超过"),
        ("1" * 40, "请输入金额"),
        ("NaN", "请输入金额"),
    ],
)
def test_bad_money_is_refused_in_chinese(typed, message):
    with pytest.raises(forms.ValidationError) as refused:
        YuanField().clean(typed)
    assert message in " ".join(refused.value.messages)


def test_minimum_and_required():
    with pytest.raises(forms.ValidationError, match="不能低于 ¥0.01"):
        YuanField(min_fen=1).clean("0")
    with pytest.raises(forms.ValidationError):
        YuanField().clean("")
    assert YuanField(required=False).clean("") is None


def test_widget_shows_fen_as_yuan_and_a_refused_value_as_typed():
    widget = YuanInput()
    assert 'value="4249.00"' in widget.render("price", 424900)
    assert 'inputmode="decimal"' in widget.render("price", 424900)

    class PriceForm(forms.Form):
        price = YuanField()

    form = PriceForm({"price": "-3"})
    assert not form.is_valid()
    assert 'value="-3"' in str(form["price"])


def test_fen_filter_for_templates():
    rendered = Template("{% load wxmall_money %}{{ a|fen }} {{ b|fen }} [{{ c|fen }}]").render(
        Context({"a": 424900, "b": -2000, "c": None})
    )
    assert rendered == "¥4,249.00 -¥20.00 []"
