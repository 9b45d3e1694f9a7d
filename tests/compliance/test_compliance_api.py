import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wxmall.compliance.scanner import builtin_scanner

URL = "/api/compliance/scan"


@pytest.fixture
def staff(db):
    from wxmall.accounts.testing import make_customer

    client = Client()
    client.force_login(make_customer("staff-compliance", is_staff=True))
    return client


def _post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_staff_scan_reports_hits_with_spans_and_suggestions(staff):
    r = _post(
        staff, {"text": "这款 全 網 最 低 價 的笔记本，最大支持64GB内存", "context": "product_description"}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "block"
    [hit] = body["hits"]
    assert hit["text"] == "全 網 最 低 價" and hit["rule"] == "ad_absolute" and hit["suggestion"]


def test_clean_copy_passes(staff):
    r = _post(staff, {"text": "第一代产品，最高睿频5.0GHz"})
    assert r.json() == {"status": "pass", "hits": []}


def test_customers_and_anonymous_are_refused(api):
    assert _post(api, {"text": "最便宜"}).json()["code"] == "compliance_staff_only"
    assert _post(Client(), {"text": "最便宜"}).status_code == 401


def test_csrf_is_required(db):
    from wxmall.accounts.testing import make_customer

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_customer("staff-csrf", is_staff=True))
    assert _post(client, {"text": "最便宜"}).status_code == 403


@pytest.mark.parametrize(
    "body",
    [{"text": "x" * 20_001}, {"text": 123}, {"text": "最便宜", "context": "nope"}, {}, {"text": "a\u202eb"}],
)
def test_bad_input_is_a_4xx_that_does_not_echo(staff, body):
    r = _post(staff, body)
    assert 400 <= r.status_code < 500
    assert "最便宜" not in r.content.decode() and "xxxxxxxx" not in r.content.decode()


HOSTILE = [
    "<script>alert('最便宜')</script>",
    "'; DROP TABLE catalog_product; -- 全网最低价",
    "\u200b\u200c\u200d\ufeff" * 1000,
    "ＡＢＣ Ελληνικά русский 🔥🔥 عربى 最\U0002a6a5便宜",
    "\x00\x01\x7f",
    "\ud800",  # lone surrogate
]


@pytest.mark.parametrize("text", HOSTILE)
def test_scanner_survives_hostile_strings(text):
    verdict = builtin_scanner().scan(text)
    for h in verdict.hits:
        assert text[h.start : h.end] == h.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_scanner_spans_always_index_the_original(text):
    for h in builtin_scanner().scan(text).hits:
        assert 0 <= h.start < h.end <= len(text)
        assert text[h.start : h.end] == h.text


def test_huge_text_scans(staff):
    text = ("最大支持 64GB 内存。" * 200_000) + "全网最低价"
    verdict = builtin_scanner().scan(text)
    assert [h.term for h in verdict.hits] == ["全网最低价"]
