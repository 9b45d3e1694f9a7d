"""The Channels journey in a real browser (the issue's done-when): the calendar reminds staff before the
live session; a wxsandbox user opens the live room in the phone's 视频号 view through a sharer's link,
takes the pop-up coupon and buys from the shelf; the order appears in the hub attributed to the session
and the sharer, the session's GMV updates on the 直播间看板, the commission shows in the month's statement,
is paid after the after-sale window (a Store order's sharer by 商家转账: the Store, not our Pay account,
holds that order's money — H5 orders are split by profit sharing, see test_channels_settlement_sandbox.py), and a
refund afterwards reverses it (recovered from the sharer's next commission)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpers.browser import console_login
from wxmall.channels import settlement
from wxmall.channels.actions import calendar, live, sharers
from wxmall.channels.models import Attribution, Commission, CommissionStatus, Reversal, SettleMethod, Sharer
from wxmall.channels.testing import make_rule
from wxmall.core.relay import relay
from wxmall.payments.testing import pay_settings
from wxmall.store import tasks
from wxmall.wechat import client

FINDER = "sph3FZbOEY46mAB"


def _store_coupon(sb) -> str:
    """Staff create a ¥50-off coupon in the Store's back end (the shop's coupon API) and switch it on."""
    now = int(sb.control("GET", "clock")["now"])
    body = {
        "type": 104,
        "name": "直播立减50",
        "promote_info": {"promote_type": 1},
        "discount_info": {"discount_fee": 5000},
        "receive_info": {
            "start_time": now - 60,
            "end_time": now + 86400,
            "limit_num_one_person": 1,
            "total_num": 100,
        },
        "valid_info": {"valid_type": 2, "valid_day_num": 7},
    }
    wx = client("store")
    coupon_id = str(
        wx.post("/channels/ec/coupon/create", api="test.coupon_create", json=body)["data"]["coupon_id"]
    )
    wx.post(
        "/channels/ec/coupon/update_status",
        api="test.coupon_status",
        json={"coupon_id": coupon_id, "status": 2},
    )
    return coupon_id


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_watch_take_the_coupon_buy_and_the_hub_attributes_counts_and_pays_the_sharer(
    page, live_server, settings, wx_store, on_store, csp_violations
):
    from django.contrib.auth import get_user_model

    sb = wx_store
    settings.WECHAT_PAY = pay_settings(sb.merchant, sb.app_of_kind("official_account").appid)
    settings.WECHAT_PAY_API_BASE = sb.base_url
    get_user_model().objects.create_superuser("boss", password="pw-boss-123")
    base = live_server.url

    # Staff plan the session; WeChat's live exists in 视频号助手 (the sandbox's staff hands) with the shelf.
    sb.control("POST", "store/finders", json={"nickname": "电脑城官方", "finder_id": FINDER})
    remote = sb.control("POST", "channels/lives", json={"finder_id": FINDER, "title": "周六晚装机直播"})
    export_id = remote["export_id"]
    session = live.create(
        title="周六晚装机直播",
        starts_at=timezone.now() + timedelta(minutes=30),
        finder_id=FINDER,
        export_id=export_id,
    )
    live.add_to_shelf(session.pk, on_store.sku.product_id)
    live.feature(session.pk, on_store.sku.product_id)
    room = f"channels/lives/{export_id}"
    sb.control("POST", f"{room}/shelf", json={"add": [on_store.store_product.store_product_id]})
    sb.control("POST", f"{room}/featured", json={"product_id": on_store.store_product.store_product_id})
    make_rule(product=on_store.sku.product, rate_bp=500)

    # The calendar reminds staff half an hour before (the beat job), shown in the console.
    assert calendar.remind_due() == 1
    page.set_default_timeout(15_000)
    console_login(page, f"{base}/console/channels/", "boss", "pw-boss-123")
    expect(page.locator("li.notice").first).to_contain_text("周六晚装机直播")
    expect(page.locator("li.notice").first).to_contain_text("分钟后开始")

    # The sharer is invited through the Store and binds; the hub syncs them.
    assert sharers.invite("wangfang")
    sb.control("POST", "store/sharers", json={"user": "wangfang"})
    sharers.sync()
    sharer = Sharer.objects.get()
    Sharer.objects.filter(pk=sharer.pk).update(
        receiver_account=sb.openid("wangfang", sb.app_of_kind("official_account").appid)
    )

    # On air: a pop-up coupon; xiaoming opens the room from wangfang's link, takes it and buys.
    sb.control("POST", f"{room}/start")
    sb.control("POST", f"{room}/popups", json={"coupon_id": _store_coupon(sb)})
    phone = page.context.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{sb.base_url}/phone/?user=xiaoming&live={export_id}&sharer=wangfang")
    expect(phone.locator("body")).to_have_attribute("data-ready", "true")
    expect(phone.locator("#room-status")).to_have_text("直播中")
    phone.click("#popup-claim")
    expect(phone.locator("#toast")).to_have_text("领取成功")
    first = phone.locator("#room-shelf li").first
    expect(first).to_contain_text("讲解中")
    first.locator("[data-buy]").click()
    pay = first.locator("[data-pay]")
    expect(pay).to_have_text("确认支付 ¥3949.00")
    pay.click()
    expect(phone.locator("#toast")).to_have_text("支付成功")

    # The hub: the order (by the Store's listing, as without a push), attributed to session and sharer.
    tasks.poll_orders()
    attribution = Attribution.objects.select_related("order").get()
    assert (attribution.live_id, attribution.sharer_id) == (session.pk, sharer.pk)
    paid_total = attribution.order.total
    assert paid_total == 394_900
    live.sync_figures()

    # The 直播间看板 shows the session's viewers, order and GMV (polled while the page is open).
    page.goto(f"{base}/console/channels/live/{session.pk}/")
    expect(page.locator("#f-orders")).to_have_text("1")
    expect(page.locator("#f-gmv")).to_have_text("¥3,949.00")
    expect(page.locator("#f-viewers")).to_have_text("1")
    expect(page.locator("#f-conversion")).to_have_text("100.0%")

    # The commission is on the ledger and in the month's statement.
    row = Commission.objects.get()
    assert (row.method, row.amount) == (SettleMethod.TRANSFER, paid_total * 5 // 100)
    page.goto(f"{base}/console/channels/")
    expect(page.locator("tr.commission").first).to_contain_text("待结算")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出对账单 CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert sharer.nickname in text and "197.45" in text

    # After the after-sale window it is paid (the sharer confirms the transfer in WeChat).
    started = settlement.start(row.pk, now=timezone.now() + timedelta(days=16))
    relay()
    sb.control("POST", f"pay/transfers/{started.out_bill_no}/confirm", json={"accept": True})
    settlement.poll()
    assert Commission.objects.get(pk=row.pk).status == CommissionStatus.SETTLED
    page.reload()
    expect(page.locator("tr.commission").first).to_contain_text("已结算")

    # A refund afterwards reverses it: paid to a person, it is recovered from their next commission.
    from wxmall.store.actions import aftersales

    sale = sb.control(
        "POST",
        "store/aftersales",
        json={
            "order_id": attribution.order.store_order.store_order_id,
            "sku_id": on_store.store_sku_id,
            "type": "REFUND",
        },
    )
    sale_id = (sale.get("after_sale_order") or sale)["after_sale_order_id"]
    aftersales.sync(sale_id)
    aftersales.decide(sale_id, accept=True)
    relay()
    aftersales.sync(sale_id)
    reversal = Reversal.objects.get(commission=row)
    assert (reversal.amount, reversal.status) == (row.amount, Reversal.Status.TO_RECOVER)
    live.sync_figures()
    page.goto(f"{base}/console/channels/live/{session.pk}/")
    expect(page.locator("#f-gmv")).to_have_text("¥0.00")  # refunded: out of the session's GMV
    assert csp_violations == []
