"""The phone's 视频号 view in a real browser: a user opens a live room from a sharer's link, is counted,
takes the pop-up coupon, buys the featured product from the shelf and pays; then watches a short video and
buys from its product card. The orders are checked through the shop's own API (order/get)."""

import pytest
from playwright.sync_api import expect
from test_sandbox_store_channels import coupon

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_watch_a_live_take_the_popup_coupon_buy_from_the_shelf_and_from_a_video(page, quiet_store):
    store, sb = quiet_store, quiet_store.handle
    featured = store.add_product()
    other = store.add_product(out_product_id="PC-SHELF-2", title="电竞显示器 27 寸 2K 165Hz")
    session = sb.control("POST", "channels/lives", json={"title": "周六晚装机直播 " + HOSTILE})
    export_id = session["export_id"]
    live = f"channels/lives/{export_id}"
    sb.control("POST", f"{live}/shelf", json={"add": [other, featured]})
    sb.control("POST", f"{live}/start")
    sb.control("POST", f"{live}/featured", json={"product_id": featured})
    sb.control("POST", f"{live}/popups", json={"coupon_id": coupon(store)})
    store.ok("sharer/bind", {"username": "lihua"})
    sharer = store.control("POST", "sharers", json={"user": "lihua"})

    page.set_default_timeout(10_000)
    page.goto(f"{sb.base_url}/phone/?user=xiaoming&live={export_id}&sharer=lihua")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    room = page.locator("#live-room")
    expect(room).to_be_visible()
    expect(page.locator("#room-status")).to_have_text("直播中")
    expect(page.locator("#room-viewers")).to_contain_text("1 人看过")
    expect(page.locator("#channels-title")).to_have_text("周六晚装机直播 " + HOSTILE)  # text, not markup
    expect(page.locator("#room-sharer")).to_contain_text("lihua")
    first = page.locator("#room-shelf li").first
    expect(first).to_have_attribute("data-product-id", featured)  # the featured product leads the shelf
    expect(first).to_contain_text("讲解中")

    expect(page.locator("#room-popup")).to_be_visible()
    page.click("#popup-claim")
    expect(page.locator("#toast")).to_have_text("领取成功")
    expect(page.locator("#room-coupon")).to_be_visible()
    page.click("#popup-claim")  # the pop-up is still up: a second tap is refused
    expect(page.locator("#toast")).to_have_text("你已经领过这张券了")

    first.locator("[data-buy]").click()
    pay_button = first.locator("[data-pay]")
    expect(pay_button).to_have_text("确认支付 ¥3949.00")  # 3999.00 less the 50.00 coupon
    order_id = pay_button.get_attribute("data-pay")
    pay_button.click()
    expect(page.locator("#toast")).to_have_text("支付成功")
    expect(first.locator("[data-buy]")).to_be_visible()

    order = store.ok("order/get", {"order_id": order_id})["order"]
    detail = order["order_detail"]
    assert order["status"] == 20 and order["openid"] == sb.openid("xiaoming", store.app.appid)
    assert detail["ext_info"]["live_id"] == export_id and detail["ext_info"]["order_scene"] == 2
    assert detail["sharer_info"]["sharer_openid"] == sharer["openid"]
    assert detail["product_infos"][0]["order_product_coupon_info_list"]
    after = sb.control("GET", live)
    assert (after["viewer_uv"], after["order_count"], after["gmv"]) == (1, 1, 394900)

    video = sb.control("POST", "channels/videos", json={"title": "2K 显示器开箱", "product_id": other})
    page.click("#channels-back")
    page.locator(f"#video-list li[data-video-id='{video['video_id']}']").click()
    expect(page.locator("#video-title")).to_have_text("2K 显示器开箱")
    expect(page.locator("#video-meta")).to_contain_text("1 次播放")
    page.locator("#video-card [data-buy]").click()
    page.locator("#video-card [data-pay]").click()
    expect(page.locator("#toast")).to_have_text("支付成功")
    counted = sb.control("GET", f"channels/videos/{video['video_id']}")
    assert (counted["views"], counted["uv"], counted["order_count"]) == (1, 1, 1)
    assert page.evaluate("window.__pwned") is None
