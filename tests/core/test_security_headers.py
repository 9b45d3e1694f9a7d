"""Content-Security-Policy on every kind of page, frame-ancestors instead of X-Frame-Options, and /api/docs
served from the project with no outside URL."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from fresh_process import REAL, run

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/login/",
    "/console/",
    "/admin/",
    "/admin/core/outboxmessage/",
    "/api/docs",
    "/api/openapi.json",
]


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("clerk", password="x"))
    return client


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_strict_csp_and_lets_only_the_phone_ui_frame_it(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    csp = directives(response)
    assert "X-Frame-Options" not in response.headers
    assert csp["frame-ancestors"] == ["'self'", "http://127.0.0.1:9100"]  # the demo's wxsandbox phone
    assert "'self'" in csp["script-src"] and "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src-elem"]
    assert csp["object-src"] == ["'none'"] and csp["default-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_inline_scripts_and_styles_carry_the_responses_nonce(staff_client):
    response = staff_client.get("/console/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    tags = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", html)
    inline = [(tag, attrs) for tag, attrs in tags if "application/json" not in attrs]  # data, never run
    assert inline, "the console home has an inline chart script and a stylesheet"
    assert all(f'nonce="{nonce}"' in attrs for _, attrs in inline)
    assert "onsubmit=" not in html and "onclick=" not in html
    assert (
        staff_client.get("/console/").headers["Content-Security-Policy"]
        != response.headers["Content-Security-Policy"]
    )  # a fresh nonce per response


def test_the_configured_frame_ancestors_are_sent(client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "frame-ancestors": ["'none'"]}
    }
    assert directives(client.get("/login/"))["frame-ancestors"] == ["'none'"]


def test_api_docs_reference_only_local_assets_that_are_served(client):
    assert finders.find("swagger-ui/swagger-ui-bundle.js"), "run `make setup`: it fetches Swagger UI from npm"
    html = client.get("/api/docs").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("swagger-ui.css") for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//") or url.startswith("data:"), url
        if url.startswith("/static/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert b"".join(response.streaming_content if response.streaming else [response.content])
    assert "cdn" not in html.lower()
    assert '"url": "/api/openapi.json"' in html


PRODUCTION_HEADERS = """
import json
from django.test import Client
c = Client()
api = c.get("/api/openapi.json", secure=True, HTTP_HOST="shop.example.com")
plain = c.get("/api/openapi.json", HTTP_HOST="shop.example.com")
health = c.get("/healthz", HTTP_HOST="shop.example.com")
print(json.dumps({
    "csp": api.headers.get("Content-Security-Policy"), "xfo": api.headers.get("X-Frame-Options"),
    "hsts": api.headers.get("Strict-Transport-Security"), "plain": [plain.status_code, plain.headers.get("Location")],
    "health": health.status_code,
}))
"""


def test_production_forbids_framing_sends_hsts_and_redirects_plain_http(tmp_path):
    result = run(tmp_path, ["manage.py", "shell", "-c", PRODUCTION_HEADERS], **REAL)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "frame-ancestors 'none'" in seen["csp"] and seen["xfo"] is None
    assert seen["hsts"].startswith("max-age=31536000") and "includeSubDomains" in seen["hsts"]
    assert seen["plain"] == [301, "https://shop.example.com/api/openapi.json"]
    assert seen["health"] == 200  # load balancers probe over plain HTTP


def test_no_template_needs_unsafe_inline_script():
    """Inline handlers and javascript: URLs cannot carry a nonce: the CSP would refuse them in the browser."""
    import wxmall

    root = Path(wxmall.__file__).parent
    offenders = []
    for path in root.rglob("templates/**/*.html"):
        html = path.read_text()
        if re.search(r"\son[a-z]+\s*=", html) or "javascript:" in html:
            offenders.append(f"{path.relative_to(root)}: inline handler or javascript: URL")
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html):
            if "application/json" not in attrs and "nonce=" not in attrs:
                offenders.append(f"{path.relative_to(root)}: inline <script> without nonce")
        for attrs in re.findall(r"<style([^>]*)>", html):
            if "nonce=" not in attrs:
                offenders.append(f"{path.relative_to(root)}: <style> without nonce")
    assert offenders == []
