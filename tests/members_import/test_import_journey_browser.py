"""The done-when journey in a real browser (Debian's Chromium through Playwright): a merchant uploads a
10,000-row member file with duplicates and bad rows in the console, sees the preview with the refused rows'
reasons, applies it; then an imported customer opens the shop in the wxsandbox phone, logs in with WeChat
(snsapi_base, then snsapi_userinfo, which tells the hub their unionid) and keeps their imported points —
no duplicate customer."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from playwright.sync_api import expect

from wxmall.wechat.testing import use_sandbox
from wxsandbox.config import OFFICIAL_ACCOUNT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 10_000
WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.50"


def _member_file(path, unionid: str) -> tuple[int, int]:
    """ROWS data rows: the sandbox user's own row, every 20th row repeating an earlier member (phone
    spelled differently), one row in 100 refused (a landline or a broken email). Returns (duplicates,
    refused)."""
    dups = bad = 0
    lines = ["姓名,手机号,邮箱,unionid,积分,标签"]
    lines.append(f"小明老会员,13800138001,,{unionid},880,VIP")
    for n in range(1, ROWS):
        if n % 100 == 5:  # row 6 is the first: inside the 20-row preview
            lines.append(f"坏行{n},010-6552{n % 10000:04d},,,5," if n % 200 < 100 else f"坏行{n},,bad@,,5,")
            bad += 1
        elif n % 20 == 0:
            earlier = n - 7
            lines.append(f"重复{n},+86 139-{earlier // 10000:04d}-{earlier % 10000:04d},,,3,老客")
            dups += 1
        else:
            lines.append(f"会员{n},139{n:08d},,,{n % 500},老客")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dups, bad


def test_merchant_imports_10000_members_and_an_imported_customer_logs_in_with_wechat_keeping_points(
    browser, live_server, settings, wxsandbox, staff, eager_worker, tmp_path
):
    from wxmall.accounts.models import Member, User, WeChatIdentity
    from wxmall.customers.testing import as_owner
    from wxmall.members_import.models import ImportJob, JobStatus

    use_sandbox(settings, wxsandbox)
    settings.ALLOWED_HOSTS = ["*"]
    oa_appid = wxsandbox.app_of_kind(OFFICIAL_ACCOUNT).appid
    dups, bad = _member_file(tmp_path / "老店会员.csv", wxsandbox.sandbox.users.unionid("xiaoming", oa_appid))

    client = Client()
    client.force_login(as_owner(staff))
    console = browser.new_context(locale="zh-CN")
    console.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = console.new_page()
    page.set_default_timeout(240_000)  # the import runs inside the start request on a loaded machine
    page.goto(f"{live_server.url}/console/members/")
    page.set_input_files("input[name=file]", str(tmp_path / "老店会员.csv"))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("h1")).to_contain_text("待确认")
    expect(page.locator("body")).to_contain_text("拒绝：手机号格式不正确")
    expect(page.locator("select[name=map_unionid]")).to_have_value("3")
    page.get_by_role("button", name="确认并开始导入").click()
    expect(page.locator("h1 .badge")).to_have_text("已完成")
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE
    assert (job.created_count, job.duplicate_count, job.rejected_count) == (ROWS - dups - bad, dups, bad)
    expect(page.locator("body")).to_contain_text(f"新建客户 {ROWS - dups - bad} · 重复行 {dups}")
    expect(page.locator("body")).to_contain_text(f"拒绝 {bad}")
    imported = User.objects.get(nickname="小明老会员")
    assert Member.objects.get(user=imported).points == 880
    console.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", user_agent=WECHAT_UA)
    wechat = phone.new_page()
    with phone.expect_page() as opened:  # the hub refuses framing: the phone opens it in its own window
        wechat.goto(
            f"{wxsandbox.base_url}/phone/?user=xiaoming&open={quote(f'{live_server.url}/me/', safe='')}"
        )
    shop = opened.value
    shop.locator("text=使用微信头像昵称").click(timeout=30_000)
    shop.locator("button.allow").click()  # consent: snsapi_userinfo gives the unionid
    # One person: the page greets the joined customer (the merge keeps the imported member's name).
    expect(shop.locator("h1").first).to_have_text("小明老会员", timeout=30_000)
    shop.goto(f"{live_server.url}/me/points/")
    expect(shop.locator("#points-balance")).to_have_text("880", timeout=30_000)
    phone.close()

    identity = WeChatIdentity.objects.get()
    assert Member.objects.get(user=identity.user).points == 880
    assert not User.objects.get(pk=imported.pk).is_active or identity.user_id == imported.pk  # one person
    assert User.objects.filter(is_active=True, nickname__in=["小明", "小明老会员"]).count() == 1
