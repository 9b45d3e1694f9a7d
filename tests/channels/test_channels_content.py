"""Content without WeChat Pay: the calendar rhythm and its reminders (once, with the staff and booker
messages queued), the live shelf plan (refused once the session ended), per-session and per-video
figures, attribution through a tracked link at checkout, and challenge rewards claimed once — also when
two requests race."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from helpers.threads import run_parallel
from wxmall.catalog.testing import make_sku
from wxmall.channels import queries
from wxmall.channels.actions import calendar, challenges, live, videos
from wxmall.channels.models import (
    Attribution,
    CalendarEntry,
    ChallengeClaim,
    EntryKind,
    LiveBooking,
    LiveStatus,
    StaffNotice,
)
from wxmall.channels.testing import attributed_order, make_sharer, pay_locally
from wxmall.core.errors import DomainError
from wxmall.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_the_rhythm_is_tuesday_thursday_videos_weekend_lives_and_warm_ups(settings):
    settings.CHANNELS_PROMOTIONS = ["双12=12-12"]
    monday = dt.date(2026, 12, 7)
    assert calendar.generate(monday, 7) == 5
    entries = list(CalendarEntry.objects.order_by("starts_at"))
    found = [(timezone.localtime(e.starts_at).strftime("%a %H:%M"), e.kind) for e in entries]
    assert found == [
        ("Tue 19:00", EntryKind.REVIEW_VIDEO),
        ("Wed 10:00", EntryKind.PROMO_WARMUP),  # 3 days before 12-12
        ("Thu 19:00", EntryKind.REVIEW_VIDEO),
        ("Sat 20:00", EntryKind.LIVE),
        ("Sun 20:00", EntryKind.LIVE),
    ]
    assert entries[1].title == "双12大促预热"
    assert calendar.generate(monday, 7) == 0  # generating again adds nothing


def test_staff_and_bookers_are_reminded_once_before_the_session(settings, customer):
    settings.CHANNELS_STAFF_OPENID, settings.CHANNELS_STAFF_TEMPLATE_ID = "o_staff", "TPL_STAFF"
    settings.CHANNELS_LIVE_SUBSCRIBE_TEMPLATE_ID = "TPL_LIVE"
    now = timezone.now()
    session = live.create(title="双12 装机直播", starts_at=now + dt.timedelta(minutes=30))
    live.book(session.pk, "o_mp_fan1")
    live.book(session.pk, "o_mp_fan1")  # twice: one booking
    live.book(session.pk, "o_mp_fan2")
    later = CalendarEntry.objects.create(
        kind=EntryKind.REVIEW_VIDEO, title="下周测评", starts_at=now + dt.timedelta(days=2)
    )
    assert calendar.remind_due(now) == 1
    assert calendar.remind_due(now) == 0  # the next beat run
    notice = StaffNotice.objects.get()
    assert "双12 装机直播" in notice.message and "30 分钟后" in notice.message
    assert not StaffNotice.objects.filter(entry=later).exists()
    kinds = sorted(OutboxMessage.objects.values_list("kind", flat=True))
    assert kinds == ["message.subscribe_send", "message.subscribe_send", "message.template_send"]
    bodies = [
        m.payload["body"]["touser"] for m in OutboxMessage.objects.filter(kind="message.subscribe_send")
    ]
    assert sorted(bodies) == ["o_mp_fan1", "o_mp_fan2"]
    assert LiveBooking.objects.filter(reminded_at__isnull=True).count() == 0


def test_the_shelf_plan_changes_during_the_session_and_freezes_after(sku, cheap_sku):
    session = live.create(title="周末直播", starts_at=timezone.now())
    live.add_to_shelf(session.pk, sku.product_id)
    live.add_to_shelf(session.pk, cheap_sku.product_id)
    live.add_to_shelf(session.pk, sku.product_id)  # once
    assert session.shelf.count() == 2
    with pytest.raises(DomainError) as refused:
        live.feature(session.pk, make_sku(title="不在货架").product_id)
    assert refused.value.error.code == "channels_not_on_shelf"
    assert live.feature(session.pk, cheap_sku.product_id).featured_id == cheap_sku.product_id
    live.remove_from_shelf(session.pk, cheap_sku.product_id)
    session.refresh_from_db()
    assert session.featured_id is None
    live.end(session.pk)
    for edit in (
        lambda: live.add_to_shelf(session.pk, cheap_sku.product_id),
        lambda: live.remove_from_shelf(session.pk, sku.product_id),
        lambda: live.feature(session.pk, sku.product_id),
    ):
        with pytest.raises(DomainError) as refused:
            edit()
        assert refused.value.error.code == "channels_session_ended"
    assert session.shelf.count() == 1


def test_one_session_per_wechat_live():
    live.create(title="A", starts_at=timezone.now(), export_id="export/LIVE1")
    with pytest.raises(DomainError) as duplicate:
        live.create(title="B", starts_at=timezone.now(), export_id="export/LIVE1")
    assert duplicate.value.error.code == "channels_live_duplicate"
    other = live.create(title="C", starts_at=timezone.now())
    with pytest.raises(DomainError):
        live.link_export_id(other.pk, "export/LIVE1")


def test_session_figures_count_paid_orders_only(customer, address, sku):
    sharer = make_sharer()
    session = live.create(title="直播", starts_at=timezone.now())
    session.viewers = 40
    session.save()
    paid = attributed_order(customer, address, sku, sharer, live=session)
    pay_locally(paid)
    attributed_order(customer, address, sku, sharer, live=session)  # placed, never paid
    figures = queries.live_figures(session)
    assert (figures["orders"], figures["gmv"], figures["conversion"]) == (1, paid.total, "2.5%")
    assert figures["products"][0]["units"] == 1


def test_a_video_link_counts_visitors_and_attributes_the_checkout(
    customer, address, sku, settings, tmp_path, monkeypatch
):
    from wxmall.marketing import buffer
    from wxmall.marketing.actions import flush_clicks

    settings.REDIS_URL, settings.MARKETING_CLICK_SPOOL_DIR = "", str(tmp_path / "clicks")
    monkeypatch.setattr(buffer, "SETTLE_SECONDS", 0.0)

    video = videos.add_video(title="显卡开箱测评", export_id="export/VID001", product_id=sku.product_id)
    with pytest.raises(DomainError):
        videos.add_video(title="重复", export_id="export/VID001", product_id=sku.product_id)
    browser = Client()
    browser.force_login(customer)
    hop = browser.get(f"/l/{video.link.code}")
    assert hop.status_code == 302
    from wxmall.marketing import touch

    assert touch.read(hop.cookies[touch.TOUCH_COOKIE].value).last_link == video.link_id
    Client().get(f"/l/{video.link.code}")  # another visitor
    flush_clicks()
    from wxmall.checkout.actions import place_order

    order = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    from wxmall.channels.actions.commissions import attribute_h5

    attribute_h5(order, touch.read(browser.cookies[touch.TOUCH_COOKIE].value).last_link)
    pay_locally(order)
    assert Attribution.objects.get(order=order).video == video
    figures = queries.video_figures(video)
    assert (figures["uv"], figures["orders"], figures["conversion"]) == (2, 1, "50.0%")


def test_a_challenge_reward_is_claimed_once_even_by_racing_requests(customer):
    from wxmall.checkout.models import Coupon

    coupon = Coupon.objects.create(
        code="TOPIC20",
        name="话题奖励",
        kind="amount_off",
        value=2000,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(days=7),
    )
    challenge = challenges.create(
        topic="#晒出我的桌面",
        coupon_id=coupon.pk,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=1),
    )
    assert challenge.topic == "晒出我的桌面"
    challenges.claim(challenge.pk, customer, "export/POST1")
    with pytest.raises(DomainError) as again:
        challenges.claim(challenge.pk, customer, "export/POST2")
    assert again.value.error.code == "channels_coupon_taken"
    with pytest.raises(DomainError) as closed:
        challenges.claim(challenge.pk, customer, "p", now=timezone.now() + dt.timedelta(days=2))
    assert closed.value.error.code == "channels_challenge_closed"
    assert ChallengeClaim.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_give_one_reward(customer):
    from wxmall.checkout.models import Coupon

    coupon = Coupon.objects.create(
        code="TOPIC30",
        name="话题奖励",
        kind="amount_off",
        value=3000,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(days=7),
    )
    challenge = challenges.create(
        topic="装机挑战",
        coupon_id=coupon.pk,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=1),
    )
    results = run_parallel(
        [lambda i=i: challenges.claim(challenge.pk, customer, f"export/P{i}") for i in range(4)]
    )
    assert sum(isinstance(r, ChallengeClaim) for r in results) == 1
    assert all(
        isinstance(r, DomainError) and r.error.code == "channels_coupon_taken"
        for r in results
        if not isinstance(r, ChallengeClaim)
    )
    assert ChallengeClaim.objects.count() == 1


def test_the_api_claims_a_reward_and_books_a_live(api, customer, settings):
    from wxmall.accounts.models import WeChatIdentity
    from wxmall.checkout.models import Coupon
    from wxmall.wechat.config import get_app

    coupon = Coupon.objects.create(
        code="TOPIC40",
        name="话题奖励",
        kind="amount_off",
        value=2000,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(days=7),
    )
    challenge = challenges.create(
        topic="开箱",
        coupon_id=coupon.pk,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=1),
    )
    url = f"/api/channels/challenges/{challenge.pk}/claim"
    first = api.post(url, {"post_id": "export/POST9"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["coupon_code"] == "TOPIC40"
    second = api.post(url, {"post_id": "export/POST9"}, content_type="application/json")
    assert second.status_code == 409 and second.json()["code"] == "channels_coupon_taken"
    assert api.post(url, {"post_id": ""}, content_type="application/json").status_code in (400, 409)

    session = live.create(title="预约测试", starts_at=timezone.now() + dt.timedelta(days=1))
    booking = f"/api/channels/lives/{session.pk}/booking"
    assert api.post(booking, content_type="application/json").json()["code"] == "channels_no_mp_openid"
    WeChatIdentity.objects.create(user=customer, appid=get_app("mp").appid, openid="o_mp_alice")
    assert api.post(booking, content_type="application/json").json() == {
        "session_id": session.pk,
        "booked": True,
    }
    assert api.post(booking, content_type="application/json").json()["booked"] is False
    live.end(session.pk)
    assert api.post(booking, content_type="application/json").status_code == 409
    assert session.status == LiveStatus.SCHEDULED  # the object in hand; the row is ended


def test_a_channels_buyer_is_tagged_by_session_and_account_for_marketing(customer, address, sku):
    from wxmall.officialaccount.models import Follower

    follower = Follower.objects.create(appid="wx_oa", openid="o_oa_alice", subscribed=True, customer=customer)
    session = live.create(title="周末装机直播", starts_at=timezone.now(), finder_id="sph3FZbOEY46mAB")
    order = attributed_order(customer, address, sku, make_sharer(), live=session)
    Attribution.objects.filter(order=order).update(finder_id="sph3FZbOEY46mAB")
    pay_locally(order)
    assert sorted(follower.tags.values_list("name", flat=True)) == [
        "直播:周末装机直播",
        "视频号:sph3FZbOEY46mAB",
    ]
    assert Attribution.objects.get(order=order).tagged_at is not None


def test_a_storefront_checkout_through_a_sharer_link_is_theirs_and_asks_to_freeze_the_funds(
    customer, address, sku
):
    import re

    from wxmall.channels.testing import make_rule
    from wxmall.orders.models import Order
    from wxmall.payments.events import wants_profit_sharing

    sharer = make_sharer(nickname="王小明")
    make_rule(product=sku.product)
    link = videos.sharer_link(sharer.pk, product_id=sku.product_id)
    buyer = Client()
    buyer.force_login(customer)
    assert buyer.get(f"/l/{link.link.code}").status_code == 302  # sets the signed touch cookie
    page = buyer.get(f"/checkout/?sku={sku.pk}&qty=1").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    placed = buyer.post(
        "/checkout/", {"sku": sku.pk, "qty": 1, "address": address.pk, "idempotency_key": key}
    )
    assert placed.status_code == 302
    order = Order.objects.get(user=customer)
    assert Attribution.objects.get(order=order).sharer == sharer
    assert wants_profit_sharing(order)
