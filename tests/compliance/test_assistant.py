"""The copy assistant: deterministic template drafts from a product's facts, a local model through an
OpenAI-compatible endpoint (a tiny fake server here), and the scanner between any generator and the page."""

import json

import pytest
from django.test import Client

from helpers.http import HttpReceiver
from wxmall.catalog.testing import make_product
from wxmall.compliance import assistant
from wxmall.compliance.actions import check_copy
from wxmall.customers.testing import as_owner

BRIEF = assistant.Brief(
    "轻薄笔记本 Air 14", "笔记本电脑", "示例牌", {"处理器": "i5-1340P", "内存": "16GB"}, "3999"
)


@pytest.mark.parametrize("kind", list(assistant.KINDS))
@pytest.mark.parametrize("tone", list(assistant.TONES))
def test_template_drafts_use_the_facts_pass_the_scanner_and_repeat(db, kind, tone):
    first = assistant.draft(BRIEF, kind, tone, assistant.TemplateGenerator())
    assert first.offered and first.dropped == 0 and first.generator == "template"
    assert all(check_copy(t, context="assistant").status == "pass" for t in first.offered)
    assert any("i5-1340P" in t or "轻薄笔记本" in t for t in first.offered)
    assert assistant.draft(BRIEF, kind, tone, assistant.TemplateGenerator()) == first


class Scripted:
    name = "scripted"

    def __init__(self, lines):
        self.lines = lines

    def generate(self, brief, kind, tone):
        return self.lines


def test_drafts_with_any_hit_are_never_offered(db):
    got = assistant.draft(
        BRIEF,
        "title",
        "lively",
        Scripted(["全网最低价 轻薄本", "轻薄笔记本 Air 14", "分享到朋友圈即可领取", ""]),
    )
    assert got.offered == ["轻薄笔记本 Air 14"] and got.dropped == 2


@pytest.fixture
def fake_model():
    """A tiny OpenAI-compatible server: answers chat completions with the lines it is given."""
    with HttpReceiver("/v1/chat/completions") as server:
        server.lines = []

        def respond(request):
            if request.path != "/v1/chat/completions":
                return 404
            content = "\n".join(server.lines)
            body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
            return 200, json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json"}

        server.respond = respond
        yield server


def test_http_generator_speaks_chat_completions_and_is_scanned(db, settings, fake_model):
    settings.COMPLIANCE_ASSISTANT_GENERATOR = "http"
    settings.COMPLIANCE_ASSISTANT_URL = fake_model.base_url
    settings.COMPLIANCE_ASSISTANT_API_KEY = "local-key"
    fake_model.lines = ["1. 示例牌轻薄本，16GB 内存", "- 史上最强轻薄本", "示例牌轻薄本，16GB 内存"]
    got = assistant.draft(BRIEF, "selling_points", "friendly")
    assert got.generator == "http" and got.offered == ["示例牌轻薄本，16GB 内存"] and got.dropped == 1
    request = fake_model.requests[0]
    body = request.json()
    assert request.headers["authorization"] == "Bearer local-key" and body["model"] == "local"
    assert "i5-1340P" in body["messages"][0]["content"] and "广告法" in body["messages"][0]["content"]


@pytest.mark.parametrize("status", [500, 200])
def test_a_failing_model_falls_back_to_templates(db, settings, fake_model, status):
    settings.COMPLIANCE_ASSISTANT_GENERATOR = "http"
    settings.COMPLIANCE_ASSISTANT_URL = fake_model.base_url
    fake_model.respond = (lambda r: 500) if status == 500 else (lambda r: (200, b"not json", {}))
    got = assistant.draft(BRIEF, "oa_intro", "professional")
    assert got.generator == "template" and got.offered and "模板" in got.notice


def test_console_page_offers_drafts_escaped(db):
    from wxmall.accounts.testing import make_customer

    product = make_product("<img src=x onerror=alert(1)> 轻薄本", brand="示例牌")
    staff = Client()
    staff.force_login(as_owner(make_customer("assistant-staff", is_staff=True)))
    r = staff.post(
        "/console/compliance/assistant/", {"product": product.pk, "kind": "live_segment", "tone": "friendly"}
    )
    html = r.content.decode()
    assert r.status_code == 200 and "<img src=x" not in html and "&lt;img src=x" in html
    assert (
        staff.post(
            "/console/compliance/assistant/", {"product": 999999, "kind": "title", "tone": "lively"}
        ).status_code
        == 200
    )
    assert Client().get("/console/compliance/assistant/").status_code == 302
