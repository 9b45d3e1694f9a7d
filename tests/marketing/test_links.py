"""The tracked redirect /l/<code>: fast 302, buffered clicks flushed in batches, visitor touches."""

import threading

import pytest
from django.test import Client

from wxmall.marketing import actions, buffer
from wxmall.marketing.models import Click, VisitorTouch
from wxmall.marketing.testing import make_link
from wxmall.marketing.views import VISITOR_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def spool(settings, tmp_path, monkeypatch):
    settings.REDIS_URL = ""
    settings.MARKETING_CLICK_SPOOL_DIR = str(tmp_path / "clicks")
    monkeypatch.setattr(buffer, "SETTLE_SECONDS", 0.0)
    return tmp_path / "clicks"


def test_a_click_redirects_sets_the_visitor_cookie_and_writes_nothing_yet(client):
    link = make_link("https://shop.example/p/9?from=menu")
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")
    assert response.status_code == 302 and response["Location"] == "https://shop.example/p/9?from=menu"
    cookie = response.cookies[VISITOR_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and len(cookie.value) >= 16
    assert Click.objects.count() == 0  # buffered, not written per click
    assert actions.flush_clicks() == 1
    click = Click.objects.get()
    assert (click.link, click.visitor, click.in_wechat) == (link, cookie.value, True)


def test_first_and_last_touch_per_visitor(client):
    menu, article, poster = (
        make_link(channel="oa_menu"),
        make_link(channel="article"),
        make_link(channel="poster"),
    )
    client.get(f"/l/{menu.code}")
    client.get(f"/l/{article.code}")
    actions.flush_clicks()
    client.get(f"/l/{poster.code}")
    actions.flush_clicks()
    other = Client()
    other.get(f"/l/{poster.code}")
    actions.flush_clicks()
    mine = VisitorTouch.objects.get(visitor=client.cookies[VISITOR_COOKIE].value)
    assert (mine.first_link, mine.last_link, mine.clicks) == (menu, poster, 3)
    theirs = VisitorTouch.objects.get(visitor=other.cookies[VISITOR_COOKIE].value)
    assert (theirs.first_link, theirs.last_link, theirs.clicks) == (poster, poster, 1)


@pytest.mark.parametrize("code", ["nope123", "../../etc", "%00", "码" * 3, "a" * 40])
def test_unknown_or_hostile_codes_are_404_and_record_nothing(client, code):
    make_link()
    response = client.get(f"/l/{code}")
    assert response.status_code == 404 and code not in response.content.decode()
    assert actions.flush_clicks() == 0


def test_an_inactive_link_is_gone(client):
    link = make_link(is_active=False)
    assert client.get(f"/l/{link.code}").status_code == 404


def test_a_forged_visitor_cookie_is_replaced(client):
    link = make_link()
    client.cookies[VISITOR_COOKIE] = "<script>"
    response = client.get(f"/l/{link.code}")
    assert response.cookies[VISITOR_COOKIE].value != "<script>"


def test_a_failed_flush_loses_nothing_and_a_replayed_batch_inserts_once(client, monkeypatch):
    link = make_link()
    for _ in range(3):
        client.get(f"/l/{link.code}")
    real_store, seen = actions._store, []

    def store_then_crash(clicks):
        seen.extend(clicks)
        real_store(clicks)  # committed, but the drainer dies before removing the batch
        raise RuntimeError("worker killed after the insert")

    monkeypatch.setattr(actions, "_store", store_then_crash)
    with pytest.raises(RuntimeError):
        actions.flush_clicks()
    monkeypatch.setattr(actions, "_store", real_store)
    assert actions.flush_clicks() == 3  # the same batch again
    assert Click.objects.count() == 3 and VisitorTouch.objects.get().clicks == 3
    assert actions.flush_clicks() == 0


def test_concurrent_clicks_from_many_threads_are_all_counted(transactional_db):
    link = make_link()
    barrier = threading.Barrier(8)

    def click():
        c = Client()
        barrier.wait()
        for _ in range(25):
            assert c.get(f"/l/{link.code}").status_code == 302

    threads = [threading.Thread(target=click) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert actions.flush_clicks() == 200
    assert Click.objects.count() == 200 and VisitorTouch.objects.count() == 8


def test_an_edited_or_deactivated_link_redirects_to_its_new_state_at_once(client):
    link = make_link("https://shop.example/old")
    assert client.get(f"/l/{link.code}")["Location"] == "https://shop.example/old"
    link.target_url = "https://shop.example/new"
    link.save()
    assert client.get(f"/l/{link.code}")["Location"] == "https://shop.example/new"
    link.is_active = False
    link.save()
    assert client.get(f"/l/{link.code}").status_code == 404


def test_a_moments_ad_click_id_is_kept_only_when_well_formed(client):
    link = make_link(channel="moments_ad")
    client.get(f"/l/{link.code}?gdt_vid=wx0ad123abc&qz_gdt=ignored-second")
    client.get(f"/l/{link.code}?weixinadinfo=<script>")
    actions.flush_clicks()
    assert sorted(Click.objects.values_list("ad_click_id", flat=True)) == ["", "gdt_vid:wx0ad123abc"]


def test_another_process_edit_reaches_this_process_within_the_check_interval(client):
    """Another process's save() only bumps the shared generation; this process notices it at its next
    check (at most LOCAL_CHECK_SECONDS later) and then reads the link anew."""
    from django.core.cache import cache

    from wxmall.marketing import queries
    from wxmall.marketing.models import Link

    link = make_link("https://shop.example/old")
    assert client.get(f"/l/{link.code}")["Location"] == "https://shop.example/old"
    Link.objects.filter(pk=link.pk).update(target_url="https://shop.example/new")  # no signal here
    cache.delete(queries.TARGET_CACHE.format(code=link.code))
    cache.set(queries.TARGET_GENERATION, "another-process", None)  # what forget_target does there
    assert client.get(f"/l/{link.code}")["Location"] == "https://shop.example/old"  # within the interval
    queries._local.checked_at -= queries.LOCAL_CHECK_SECONDS
    assert client.get(f"/l/{link.code}")["Location"] == "https://shop.example/new"


def test_a_flood_of_unknown_codes_keeps_the_known_links_and_stays_bounded(client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wxmall.marketing import queries

    monkeypatch.setattr(queries, "LOCAL_MAX", 5)
    link = make_link()
    client.get(f"/l/{link.code}")
    for i in range(12):
        assert client.get(f"/l/nope{i:03d}").status_code == 404
    assert len(queries._local.unknown) <= 5 and link.code in queries._local.known
    with CaptureQueriesContext(connection) as seen:
        assert client.get(f"/l/{link.code}").status_code == 302
    assert len(seen) == 0  # still served from the process's copy


def test_the_touch_cookie_is_signed_and_a_rotated_secret_still_verifies(settings):
    from wxmall.marketing import touch

    value = touch.write(touch.Touch(3, 100, 7, 200))
    assert touch.read(value) == touch.Touch(3, 100, 7, 200)
    payload, mac = value.rsplit(".", 1)
    assert touch.read(value.replace("t1.3.", "t1.4.")) is None  # another first link, same MAC
    assert touch.read(f"{payload}.{'A' * 22}") is None
    assert touch.read(value + "=") is None and touch.read("t1.0.1.0.1." + mac) is None
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-" + "x" * 40, [old]
    assert touch.read(value) == touch.Touch(3, 100, 7, 200)
    settings.SECRET_KEY_FALLBACKS = []
    assert touch.read(value) is None


def test_a_cookie_signed_before_the_t1_format_still_attributes_within_the_window():
    import time

    from django.core import signing

    from wxmall.marketing import touch

    now = int(time.time())
    signer = signing.Signer(salt=touch._SALT)
    old = signer.sign_object([3, now - 86400, 7, now - 60], compress=False)
    assert touch.read(old) == touch.Touch(3, now - 86400, 7, now - 60)
    assert touch.read(signer.sign_object([3, now - 86400, 7, now - 60], compress=True)) is not None
    assert touch.read(old[:-1] + ("A" if old[-1] != "A" else "B")) is None  # tampered
    forged = signing.Signer(key="not-the-secret", salt=touch._SALT).sign_object([3, now, 7, now])
    assert touch.read(forged) is None
    # a browser drops the cookie TOUCH_MAX_AGE after the last click: one older than that is replayed
    expired = signer.sign_object([3, 100, 7, now - touch.TOUCH_MAX_AGE - 1])
    assert touch.read(expired) is None
    assert touch.read(signer.sign_object([0, now, 7, now])) is None  # no link 0
    assert touch.read(signer.sign_object({"first": 3})) is None  # not the old payload
    assert touch.read("x" * 60) is None and touch.read("a:b") is None  # not signing's shape: not unsigned
