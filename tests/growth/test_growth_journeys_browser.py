"""Growth journeys in a real browser (Debian's Chromium through Playwright): a customer joins a group from
its page and lands on the order to pay; the group fills and shows 已成团 while another expires unfilled and
is refunded; a merchant's referral campaign with induced-sharing copy is refused with the words shown.

Payments are recorded as a verified notification records them (`growth.testing.pay`); the WeChat Pay
round trip itself is covered by the payments journeys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from playwright.sync_api import expect

from wxmall.customers.testing import as_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_a_group_fills_another_fails_and_induced_sharing_is_refused(
    browser, live_server, deal, customer, address, shoppers
):
    from wxmall.accounts.testing import make_customer
    from wxmall.growth.actions import groups
    from wxmall.growth.models import Group, GroupMember
    from wxmall.growth.testing import pay
    from wxmall.payments.models import Refund

    leader = groups.open_group(customer, deal.pk, address_id=address.pk)
    group = leader.group
    pay(leader.order)
    joiner, joiner_address = shoppers[0]
    context = _context(browser, live_server, joiner)
    page = context.new_page()
    page.goto(f"{live_server.url}/g/groups/{group.pk}/")
    expect(page.locator(".group-state")).to_contain_text("拼团中")
    expect(page.locator("#countdown")).to_be_visible()
    page.get_by_role("button", name="参团").click()
    expect(page.locator("#order-status")).to_have_text("待支付")  # the pay page sends here: no Pay set up
    member = GroupMember.objects.get(group=group, user=joiner)
    assert page.url == f"{live_server.url}/orders/{member.order.order_no}/"
    pay(member.order)
    pay(groups.join_group(shoppers[1][0], group.pk, address_id=shoppers[1][1].pk).order)
    page.goto(f"{live_server.url}/g/groups/{group.pk}/")
    expect(page.locator(".group-state")).to_contain_text("已成团")
    expect(page.locator(".group-members li")).to_have_count(3)

    other = groups.open_group(shoppers[2][0], deal.pk, address_id=shoppers[2][1].pk)
    pay(other.order)
    Group.objects.filter(pk=other.group_id).update(expires_at=other.group.expires_at - timedelta(days=2))
    assert groups.expire_due() == 1
    page.goto(f"{live_server.url}/g/groups/{other.group_id}/")
    expect(page.locator(".group-state")).to_contain_text("未成团")
    assert Refund.objects.get(order=other.order).amount == deal.group_price
    context.close()

    staff = _context(browser, live_server, as_owner(make_customer("growth-boss", is_staff=True)))
    console = staff.new_page()
    console.goto(f"{live_server.url}/console/growth/campaigns/")
    console.fill("input[name=name]", "双十二老带新")
    console.fill("textarea[name=copy]", "转发有礼！集赞满 20 个送 500 积分")
    console.fill("textarea[name=mechanism]", "分享到朋友圈后截图领取")
    console.get_by_role("button", name="创建").click()
    console.get_by_role("button", name="开始").click()
    expect(console.locator("body")).to_contain_text("诱导分享")
    expect(console.locator("body")).to_contain_text("转发有礼")
    expect(console.locator("table")).to_contain_text("草稿")
    console.goto(f"{live_server.url}/console/growth/groups/")
    expect(console.locator("table")).to_contain_text("已成团")
    expect(console.locator("table")).to_contain_text("未成团")
    staff.close()
