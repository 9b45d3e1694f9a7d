"""The phone UI's in-WeChat browser shows the shop in a frame: wxsandbox asks the hub itself whether it may
(its /sandbox/phone/frameable probe reads the real response headers)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def frameable(wxsandbox, live_server, path: str) -> dict:
    # The phone and the shop on one site (127.0.0.1), as `make run` has them: only the headers decide.
    url = live_server.url.replace("localhost", "127.0.0.1") + path
    response = wxsandbox.client.get("/sandbox/phone/frameable", params={"url": url})
    assert response.status_code == 200
    return response.json()


def with_frame_ancestors(settings, sources: list[str]) -> None:
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "frame-ancestors": sources}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}


def test_the_demo_lets_the_configured_phone_origin_frame_the_shop(wxsandbox, live_server, settings):
    # The demo's setting names wxsandbox's phone origin (127.0.0.1:9100 by default; here its test port).
    with_frame_ancestors(settings, ["'self'", wxsandbox.base_url])
    result = frameable(wxsandbox, live_server, "/login/")
    assert result["reachable"] and result["frameable"] is True


def test_production_framing_policy_refuses_the_phone(wxsandbox, live_server, settings):
    with_frame_ancestors(settings, ["'none'"])
    result = frameable(wxsandbox, live_server, "/login/")
    assert result["frameable"] is False and "frame-ancestors" in result["reason"]


def test_another_origin_is_not_let_in_by_the_demo_policy(wxsandbox, live_server, settings):
    with_frame_ancestors(settings, ["'self'", "http://127.0.0.1:1"])
    result = frameable(wxsandbox, live_server, "/login/")
    assert result["reachable"] and result["frameable"] is False and "frame-ancestors" in result["reason"]
