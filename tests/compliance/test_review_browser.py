"""The review queue's done-when journey in a real browser: copy with a warning waits in the queue, a
reviewer sees it marked up, rewrites it there (re-scanned: still a warning) and approves it."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from playwright.sync_api import expect

from wxmall.accounts.testing import make_customer
from wxmall.catalog.testing import make_product
from wxmall.compliance.models import ReviewItem, ReviewStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_rewrites_and_approves_copy_with_a_warning(page, live_server, csp_violations):
    product = make_product("出厂价 轻薄笔记本电脑", description="<b>静音</b>散热")
    user = make_customer("browser-reviewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_copy"))
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/console/compliance/review/")
    page.get_by_role("link", name="出厂价 轻薄笔记本电脑").click()
    expect(page.locator("mark.warn").first).to_have_text("出厂价")
    expect(page.get_by_text("<b>静音</b>散热").first).to_be_visible()  # shown as text, not markup
    page.locator("#id_title").fill("亏本价 轻薄笔记本电脑")
    page.get_by_role("button", name="保存并重新检查").click()
    expect(page.locator("mark.warn").first).to_have_text("亏本价")
    page.get_by_role("button", name="通过").click()
    expect(page.get_by_text("人工通过")).to_be_visible()
    item = ReviewItem.objects.get(object_id=str(product.pk))
    assert item.status == ReviewStatus.APPROVED and item.copy["title"] == "亏本价 轻薄笔记本电脑"
    assert csp_violations == []
