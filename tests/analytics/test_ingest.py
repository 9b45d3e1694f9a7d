"""POST /api/analytics/events: what is accepted, what is refused (writing nothing), and attribution that
only a followed link can set."""

import json
import time
from datetime import date

import pytest
from django.test import Client

from wxmall.analytics import queries, store
from wxmall.analytics.actions import local_day
from wxmall.analytics.api import MAX_BATCH
from wxmall.marketing.testing import make_link
from wxmall.marketing.touch import TOUCH_COOKIE
from wxmall.marketing.views import VISITOR_COOKIE

pytestmark = pytest.mark.django_db
PHONE = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50"
URL = "/api/analytics/events"


def send(client, events, *, agent=PHONE, **headers):
    body = json.dumps({"events": events})
    return client.post(URL, data=body, content_type="application/json", HTTP_USER_AGENT=agent, **headers)


def stored() -> list[dict]:
    store.flush(settle_seconds=0.0)
    today = date.fromisoformat(local_day(int(time.time() * 1000)))
    with queries.Board(queries.Filters(start=today, end=today)) as board:
        return board.rows("SELECT * FROM events ORDER BY ts")


def test_a_batch_is_stamped_by_the_server_and_visible_after_a_flush():
    client = Client()
    response = send(
        client,
        [
            {"type": "page_view", "path": "/p/5?from=x"},
            {"type": "product_view", "path": "/p/5", "product_id": 5, "age_ms": 1500},
            {"type": "page_leave", "path": "/p/5", "duration_ms": 8000},
        ],
    )
    assert response.status_code == 202 and response.json() == {"accepted": 3}
    visitor = response.cookies[VISITOR_COOKIE].value  # a first batch gives the browser its visitor id
    rows = stored()
    assert [r["type"] for r in rows] == ["product_view", "page_view", "page_leave"]  # age_ms moved it back
    assert {r["visitor"] for r in rows} == {visitor}
    assert rows[0]["product_id"] == 5 and rows[2]["duration_ms"] == 8000
    assert all(r["last_link"] is None and r["user_id"] is None for r in rows)


def test_only_a_followed_link_attributes_forged_parameters_and_cookies_do_not():
    link = make_link(channel="oa_menu", campaign="双十二")
    client = Client()
    send(client, [{"type": "page_view", "path": "/?channel=moments_ad&utm_campaign=fake&gdt_vid=wx0abc"}])
    client.cookies[TOUCH_COOKIE] = "WzEsMSwxLDFd:forged-signature"
    send(client, [{"type": "page_view", "path": "/"}])
    client.get(f"/l/{link.code}?gdt_vid=wx0ad123")
    send(client, [{"type": "page_view", "path": "/"}])
    rows = stored()
    assert [(r["first_link"], r["last_link"]) for r in rows] == [
        (None, None),
        (None, None),
        (link.pk, link.pk),
    ]
    with queries.Board(queries.Filters(start=rows[0]["day"], end=rows[0]["day"])) as board:
        channels = {r["key"]: r["uv"] for r in board.by("channel")}
    assert channels == {"direct": 1, "oa_menu": 1}  # the forged ?channel= never made a moments_ad visitor


def test_an_unknown_link_code_sets_no_touch():
    client = Client()
    assert client.get("/l/zzzzzzz").status_code == 404
    assert TOUCH_COOKIE not in client.cookies


@pytest.mark.parametrize(
    ("events", "why"),
    [
        ([{"type": "order_paid"}], "server-only type"),
        ([{"type": "page_view", "path": "/" + "a" * 400}], "path too long"),
        ([{"type": "page_view", "path": "/<script>alert(1)</script>"}], "hostile path"),
        ([{"type": "page_view", "path": "javascript:alert(1)"}], "not a path"),
        ([{"type": "video_view", "content_id": "x" * 65}], "content id too long"),
        ([{"type": "video_view", "content_id": "'; DROP TABLE events;--"}], "hostile content id"),
        ([{"type": "page_view", "visitor": "someone-else"}], "a claimed visitor"),
        ([{"type": "page_view", "first_link": 1}], "a claimed attribution"),
        ([{"type": "page_view", "age_ms": 86_400_000}], "too old"),
        ([{"type": "page_leave", "duration_ms": -1}], "negative dwell"),
        ([{"type": "product_view", "product_id": "5"}], "id as text"),
        ([{"type": "page_view"}] * (MAX_BATCH + 1), "too many"),
    ],
)
def test_a_bad_event_refuses_the_whole_batch(events, why):
    response = send(Client(), [{"type": "page_view", "path": "/ok"}, *events])
    assert response.status_code == 400, why
    assert response.json()["code"] == "invalid_request"
    assert stored() == []


def test_bots_foreign_origins_and_non_json_are_refused():
    client = Client()
    good = [{"type": "page_view", "path": "/"}]
    assert send(client, []).status_code == 400
    assert send(client, good, agent="").json()["code"] == "events_bot_refused"
    assert send(client, good, agent="python-requests/2.32").status_code == 403
    assert send(client, good, agent="Mozilla/5.0 (compatible; Googlebot/2.1)").status_code == 403
    assert send(client, good, HTTP_ORIGIN="https://evil.example").json()["code"] == "events_foreign_origin"
    assert send(client, good, HTTP_ORIGIN="http://testserver").status_code == 202
    text = client.post(
        URL, data=json.dumps({"events": good}), content_type="text/plain", HTTP_USER_AGENT=PHONE
    )
    assert text.status_code == 415
    huge = client.post(
        URL, data=b"{" + b" " * 70_000 + b"}", content_type="application/json", HTTP_USER_AGENT=PHONE
    )
    assert huge.status_code == 413
    assert len(stored()) == 1


def test_a_flood_is_rate_limited_per_visitor_and_per_address(settings):
    settings.ANALYTICS_EVENTS_PER_MINUTE_VISITOR = 100
    settings.ANALYTICS_EVENTS_PER_MINUTE_IP = 150
    flooder = Client()
    batch = [{"type": "page_view", "path": "/"}] * 50
    assert [send(flooder, batch).status_code for _ in range(3)] == [202, 202, 429]
    assert send(flooder, batch).json()["code"] == "events_rate_limited"
    other = Client()  # another browser behind the same address: the address quota is what is left
    assert send(other, batch).status_code == 429
    assert len(stored()) == 100


def test_a_signed_in_customer_carries_the_touch_to_the_order(
    api, sku, address, django_capture_on_commit_callbacks
):
    from wxmall.orders.models import Order

    link = make_link(channel="live", campaign="直播节", content_id="live-7")
    api.get(f"/l/{link.code}")
    assert send(api, [{"type": "product_view", "product_id": sku.product_id}]).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/checkout/orders",
            data=json.dumps({"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk}),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    order = Order.objects.get(order_no=response.json()["order_no"])
    assert order.channel == "live"
    assert (order.touch.first_link, order.touch.last_link) == (link, link)
    placed = [r for r in stored() if r["type"] == "order_placed"]
    assert [(r["order_no"], r["amount"], r["last_link"], r["user_id"]) for r in placed] == [
        (order.order_no, order.total, link.pk, order.user_id)
    ]
