"""Share and video/live view events from the storefront: the product page a short video's or a live
session's tracked link lands on marks one view, the share button marks a share, both go through the
batched ingest and the per-content dashboard counts the views."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from wxmall.analytics import queries
from wxmall.analytics.templatetags import analytics as tags
from wxmall.catalog.testing import make_product
from wxmall.marketing.testing import make_link

from .test_ingest import URL, stored

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def spool(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.MARKETING_CLICK_SPOOL_DIR = str(tmp_path / "clicks")


def landing(client, link, product):
    hop = client.get(f"/l/{link.code}")
    assert hop.status_code == 302
    return client.get(reverse("storefront:product", args=[product.pk])).content.decode()


def test_a_video_link_lands_with_one_video_view_marker_and_a_live_link_with_a_live_view():
    product = make_product()
    url = reverse("storefront:product", args=[product.pk])
    video = make_link(f"https://shop.example{url}", channel="channels_video", content_id="export/VID001")
    live = make_link(f"https://shop.example{url}", channel="live", content_id="live-7")
    html = landing(Client(), video, product)
    assert 'data-track-view="video_view"' in html and "data-track-once=" in html
    assert (
        "data-content-id=" not in html.split('data-track-view="video_view"')[1].split(">")[0]
    )  # "/" is refused
    html = landing(Client(), live, product)
    assert 'data-track-view="live_view"' in html and 'data-content-id="live-7"' in html


def test_no_view_marker_without_a_fresh_video_or_live_touch(monkeypatch):
    product = make_product()
    browser = Client()
    assert "video_view" not in browser.get(reverse("storefront:product", args=[product.pk])).content.decode()
    html = landing(browser, make_link(channel="oa_menu"), product)
    assert "video_view" not in html and "live_view" not in html
    other = Client()
    landing(other, make_link(channel="channels_video", content_id="v1"), product)
    monkeypatch.setattr(tags, "LANDING_SECONDS", -1)  # the click is now older than the landing window
    html = other.get(reverse("storefront:product", args=[product.pk])).content.decode()
    assert "video_view" not in html
    from wxmall.marketing.touch import TOUCH_COOKIE

    other.cookies[TOUCH_COOKIE] = "t1.1.1.1.1.AAAAAAAAAAAAAAAAAAAAAA"  # forged: no marker either
    monkeypatch.setattr(tags, "LANDING_SECONDS", 10**12)
    assert "video_view" not in other.get(reverse("storefront:product", args=[product.pk])).content.decode()


def test_the_product_page_has_a_tracked_share_button():
    product = make_product()
    html = Client().get(reverse("storefront:product", args=[product.pk])).content.decode()
    assert 'id="share-btn" data-track="share"' in html and f'data-product-id="{product.pk}"' in html


def test_views_and_shares_reach_the_per_content_dashboard():
    product = make_product()
    video = make_link(channel="channels_video", content_id="VID001", campaign="开箱")
    viewer, sharer = Client(), Client()
    landing(viewer, video, product)
    body = {
        "events": [
            {"type": "video_view", "path": "/p/1"},
            {"type": "share", "path": "/p/1", "product_id": product.pk},
        ]
    }
    response = viewer.post(
        URL, data=json.dumps(body), content_type="application/json", HTTP_USER_AGENT="Mozilla/5.0"
    )
    assert response.status_code == 202
    landing(sharer, video, product)  # a second visitor of the video, who does not play it
    sharer.post(
        URL,
        data=json.dumps({"events": [{"type": "page_view", "path": "/p/1"}]}),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0",
    )
    rows = stored()
    assert sorted(r["type"] for r in rows) == ["page_view", "share", "video_view"]
    assert all(r["last_link"] == video.pk for r in rows)
    day = rows[0]["day"]
    with queries.Board(queries.Filters(start=day, end=day)) as board:
        (row,) = board.contents(queries.VIDEO_CHANNELS)
    assert (row["key"], row["uv"], row["views"]) == ("VID001", 2, 1)
