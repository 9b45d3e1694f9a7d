"""Channels selling through the WeChat Store against wxsandbox: a live session WeChat reports (status,
viewers), a bound sharer synced from the Store, a buyer ordering from the live room through the sharer:
the order is attributed to the session and the sharer, the session's figures follow, the sharer's
commission is paid by merchant transfer (the Store settles the order's own funds), a refund reverses
it, and the ended session's plan no longer changes."""

import pytest
from django.utils import timezone

from wxmall.channels.actions import live, sharers
from wxmall.channels.models import Attribution, Commission, CommissionStatus, LiveStatus, SettleMethod, Sharer
from wxmall.channels.testing import make_rule
from wxmall.core.errors import DomainError
from wxmall.marketing.models import OrderTouch
from wxmall.marketing.testing import make_link
from wxmall.orders.state import OrderStatus
from wxmall.store import tasks
from wxmall.store.actions import aftersales

FINDER = "sph3FZbOEY46mAB"


def test_a_live_order_through_a_sharer_is_attributed_and_counted(
    wx_store, on_store, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.ANALYTICS_DIR = str(tmp_path / "analytics")
    wx_store.control("POST", "store/finders", json={"nickname": "电脑城官方", "finder_id": FINDER})
    remote = wx_store.control("POST", "channels/lives", json={"finder_id": FINDER, "title": "周末装机直播"})
    export_id = remote["export_id"]
    session = live.create(
        title="周末装机直播", starts_at=timezone.now(), finder_id=FINDER, export_id=export_id
    )
    live.add_to_shelf(session.pk, on_store.sku.product_id)
    live_link = make_link(channel="live", campaign="周末装机", content_id=export_id)  # the session's link
    quoted = export_id.replace("/", "%2F")
    wx_store.control(
        "POST", f"channels/lives/{quoted}/shelf", json={"add": [on_store.store_product.store_product_id]}
    )
    wx_store.control("POST", f"channels/lives/{quoted}/start")
    wx_store.control("POST", f"channels/lives/{quoted}/watch", json={"user": "xiaoming"})
    wx_store.control("POST", f"channels/lives/{quoted}/viewers", json={"count": 9})
    assert live.sync_figures() == 1
    session.refresh_from_db()
    assert session.status == LiveStatus.LIVE and session.viewers == 10

    assert sharers.invite()  # the Store's invitation code; wangfang scans it in WeChat
    wx_store.control("POST", "store/sharers", json={"user": "wangfang"})
    assert sharers.sync() == 1
    sharer = Sharer.objects.get()
    make_rule(product=on_store.sku.product, rate_bp=500)
    placed = wx_store.control(
        "POST",
        "store/orders",
        json={
            "user": "xiaoming",
            "product_id": on_store.store_product.store_product_id,
            "sku_id": on_store.store_sku_id,
            "live_id": export_id,
            "sharer": {"user": "wangfang", "share_scene": 1},
        },
    )["order"]
    wx_store.control("POST", f"store/orders/{placed['order_id']}/pay")
    with django_capture_on_commit_callbacks(execute=True):  # the analytics events spool at commit
        tasks.poll_orders()
    attribution = Attribution.objects.get()
    assert (attribution.live, attribution.sharer, attribution.finder_id) == (session, sharer, FINDER)
    row = Commission.objects.get()
    assert (row.method, row.status, row.amount) == (
        SettleMethod.TRANSFER,
        CommissionStatus.ACCRUED,
        399_900 * 5 // 100,
    )
    from wxmall.channels import queries

    figures = queries.live_figures(session)
    assert (figures["orders"], figures["gmv"], figures["conversion"]) == (1, 399_900, "10.0%")
    # The Store order has no browser: its touch is the session's link, so the dashboards credit it.
    touch = OrderTouch.objects.get(order=attribution.order)
    assert (touch.first_link, touch.last_link) == (live_link, live_link)
    from wxmall.analytics import queries as analytics
    from wxmall.analytics import store as event_store

    event_store.flush(settle_seconds=0.0)
    day = timezone.localdate()
    with analytics.Board(analytics.Filters(start=day, end=day)) as board:
        (content,) = board.contents(analytics.VIDEO_CHANNELS)
        campaigns = {r["key"]: r["gmv"] for r in board.by("campaign")}
    # (its placement, synced before WeChat said it was paid, stays unattributed: the touch comes at pay)
    assert (content["key"], content["gmv"]) == (export_id, 399_900) and campaigns["周末装机"] == 399_900

    sale = wx_store.control(
        "POST",
        "store/aftersales",
        json={"order_id": placed["order_id"], "sku_id": on_store.store_sku_id, "type": "REFUND"},
    )
    sale_id = (sale.get("after_sale_order") or sale)["after_sale_order_id"]
    aftersales.sync(sale_id)
    aftersales.decide(sale_id, accept=True)
    from wxmall.core.relay import relay

    relay()
    aftersales.sync(sale_id)
    assert attribution.order.__class__.objects.get(pk=attribution.order_id).status == OrderStatus.REFUNDED
    row.refresh_from_db()
    assert (row.status, row.net) == (CommissionStatus.REVERSED, 0)
    assert queries.live_figures(session)["gmv"] == 0  # refunded: out of the session's GMV

    wx_store.control("POST", f"channels/lives/{quoted}/end")
    live.sync_figures()
    session.refresh_from_db()
    assert session.status == LiveStatus.ENDED
    with pytest.raises(DomainError) as refused:
        live.add_to_shelf(session.pk, on_store.sku.product_id)
    assert refused.value.error.code == "channels_session_ended"

    # Unbinding the sharer ends their attribution: the Store no longer lists them.
    assert sharers.unbind(sharer.pk)
    assert sharers.sync() == 0
    assert not Sharer.objects.get(pk=sharer.pk).bound
