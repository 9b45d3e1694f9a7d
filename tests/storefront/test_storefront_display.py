"""Display helpers: amounts in fen shown as yuan, and query strings for filter links."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from wxmall.storefront.forms import ListingFilterForm, yuan_to_fen
from wxmall.storefront.templatetags.storefront import format_fen


@pytest.mark.parametrize(
    "fen, shown",
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (99, "¥0.99"),
        (129900, "¥1,299.00"),
        (123456789, "¥1,234,567.89"),
        (-2000, "-¥20.00"),
        (None, ""),
    ],
)
def test_format_fen(fen, shown):
    assert format_fen(fen) == shown


def test_price_range_tag():
    template = Template("{% load storefront %}{% price_range a b %}|{% price_range a a %}")
    assert template.render(Context({"a": 499900, "b": 699900})) == "¥4,999.00 – ¥6,999.00|¥4,999.00"


def test_query_with_replaces_and_resets_the_page():
    request = RequestFactory().get("/search/", {"q": "<联想>", "page": "3", "brand": "联想"})
    template = Template("{% load storefront %}{% query_with sort='price_asc' %} {% query_set name '' %}")
    rendered = template.render(Context({"request": request, "name": "brand"}))
    first, second = rendered.split(" ")
    assert "page=" not in first and "sort=price_asc" in first and "q=%3C%E8%81%94%E6%83%B3%3E" in first
    assert "brand" not in second and "q=" in second


@pytest.mark.parametrize(
    "text, fen",
    [
        ("1299", 129900),
        ("1,299.5", 129950),
        ("0", 0),
        ("abc", None),
        ("-1", None),
        ("NaN", None),
        ("1e309", None),
        ("99999999999", None),
    ],
)
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


def test_listing_filters_are_lenient():
    form = ListingFilterForm(
        {
            "q": "  笔记本  ",
            "min_price": "x",
            "max_price": "5000",
            "sort": "evil",
            "page": "0",
            "cpu": "i7" * 100,
        }
    )
    filters = form.cleaned_filters()
    assert filters["q"] == "笔记本" and filters["min_price"] is None and filters["max_price"] == 500000
    assert filters["sort"] == "default" and filters["page"] == 1 and filters["cpu"] == ""
    assert "价格区间请输入数字" in form.non_field_errors()


def test_yuan_filter_keeps_the_fen():
    assert (
        Template("{% load storefront %}{{ a|yuan }}|{{ b|yuan }}").render(Context({"a": 129950, "b": None}))
        == "1299.50|"
    )
