"""The done-when journey in a real browser (Debian's Chromium through Playwright): a company customer pays
an order, requests a special VAT invoice with a valid credit code inside wxsandbox's phone, consents on
WeChat's page, finds the invoice in the phone's card package and downloads its PDF; a partial refund
reverses it (红冲) and issues a new one; the invoice desk and the accountant's export show both.

WeChat (Pay, the OA push, the e-invoice API) and the invoicing platform are one wxsandbox; the outbox is
relayed here as the worker would, and the OA pushes processed as the worker's sweep would."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import expect

from helpers.pay import paid, settle
from payments.test_payments_journeys_browser import let_the_phone_embed_the_shop, logged_in_context
from wxmall.accounts.models import User
from wxmall.accounts.testing import make_address
from wxmall.catalog.testing import make_sku
from wxmall.checkout.actions import place_order
from wxmall.invoicing.models import Invoice, InvoiceStatus, WechatStatus
from wxmall.invoicing.testing import VALID_USCC
from wxmall.officialaccount.actions import process_pending
from wxmall.payments import actions as payments
from wxmall.payments.models import Refund, RefundStatus
from wxmall.payments.testing import pay_settings
from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLOW = 15_000  # ms: a push's round trip through the sandbox, the relay, a page reload


@pytest.fixture
def hub(invoice_hub, live_server, settings):
    """The invoice hub plus WeChat Pay from the same sandbox, calling the live hub back."""
    sb = invoice_hub
    oa, mp = sb.app_of_kind(OFFICIAL_ACCOUNT), sb.app_of_kind(MINI_PROGRAM)
    settings.WECHAT_PAY = pay_settings(
        sb.merchant,
        oa.appid,
        mp.appid,
        notify_url=f"{live_server.url}/payments/notify/",
        refund_notify_url=f"{live_server.url}/payments/notify/refund/",
    )
    settings.WECHAT_PAY_API_BASE = sb.base_url
    settings.ALLOWED_HOSTS = ["*"]
    let_the_phone_embed_the_shop(settings, sb)
    return sb


def invoice_of(customer, **filters) -> Invoice:
    return Invoice.objects.filter(customer=customer, **filters).order_by("pk").last()


def test_company_customer_gets_a_special_invoice_into_the_card_package_and_a_refund_reissues_it(
    browser, live_server, hub
):
    base = live_server.url.replace("localhost", "127.0.0.1")  # the phone frames pages of its own host
    customer = User.objects.create_user("qianhai", nickname="前海数码采购")
    staff = User.objects.create_superuser("accountant", password="pw-accountant-1")
    # Paid through WeChat Pay (Native QR, by the sandbox user) like any order; 2 laptops, 5 999.00 each.
    laptop = make_sku(price=599_900, stock=5, title="轻薄笔记本 Air 14", memory="16GB", storage="512GB")
    order = place_order(customer, items=[(laptop.pk, 2)], address_id=make_address(customer).pk)
    payment = paid(hub, order, customer, user_id="xiaoming")
    phone_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    phone_context.add_cookies([{"name": "sessionid", "value": _session(customer), "url": base}])
    desk_context = logged_in_context(browser, live_server, staff, viewport={"width": 1280, "height": 900})
    try:
        phone = phone_context.new_page()
        errors: list[str] = []
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        request_page = quote(f"{base}/invoices/new/?order={order.order_no}", safe="")
        phone.goto(f"{hub.base_url}/phone/?user=xiaoming&open={request_page}")
        shop = phone.frame_locator("#browser-frame")

        # The request form inside the phone's WeChat browser: a special VAT invoice for the company.
        expect(shop.locator("#invoice-form")).to_be_visible(timeout=SLOW)
        shop.locator('input[name="invoice_type"][value="special"]').check()
        shop.locator("#id_kind").select_option("company")
        shop.locator("#id_name").fill("深圳市前海数码科技有限公司")
        shop.locator("#id_tax_id").fill("9144 0300 7152 6726 XQ")  # one character mistyped …
        shop.locator("#id_address").fill("深圳市南山区科技园南路 88 号")
        shop.locator("#id_phone").fill("0755-86000000")
        shop.locator("#id_bank_name").fill("招商银行深圳科技园支行")
        shop.locator("#id_bank_account").fill("755912345678901")
        shop.locator("#invoice-submit").click()
        expect(shop.locator(".message-error")).to_contain_text("校验位不正确")  # … is caught, nothing written
        assert not Invoice.objects.exists()
        shop.locator("#id_tax_id").fill("9144 0300 7152 6726 XG")
        shop.locator("#invoice-submit").click()
        expect(shop.locator("#invoice-status")).to_have_text("待开票")
        first = invoice_of(customer)
        assert (first.invoice_type, first.buyer_tax_id, first.total) == ("special", VALID_USCC, 1_199_800)

        # The platform issues it (the outbox, relayed); the customer stores it in WeChat's card package.
        settle(lambda: invoice_of(customer).status == InvoiceStatus.ISSUED)
        shop.locator("#invoice-refresh").click()
        expect(shop.locator("#invoice-status")).to_have_text("已开票")
        shop.locator("#invoice-to-wechat").click()
        expect(shop.locator("#invoice-amount")).to_have_text("¥11998.00", timeout=SLOW)  # WeChat's own page
        shop.locator("#invoice-allow").click()
        expect(shop.locator("#invoice-status")).to_have_text("已开票", timeout=SLOW)  # back in the shop

        def in_card_package() -> bool:
            process_pending()
            return invoice_of(customer).wechat_status == WechatStatus.INSERTED

        settle(in_card_package, timeout=20)
        first.refresh_from_db()
        phone.locator('.tabbar button[data-tab="cards"]').click()
        card = phone.locator(f'.invoice-card[data-billing-no="{first.platform_invoice_no}"]')
        expect(card).to_be_visible(timeout=SLOW)
        expect(card).to_contain_text("¥11998.00")
        expect(card).to_contain_text("深圳市前海数码科技有限公司")
        pdf_url = card.locator(".invoice-pdf").get_attribute("href")
        pdf = phone_context.request.get(pdf_url)
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
        assert first.platform_invoice_no.encode() in pdf.body()  # the invoice number is the PDF's subject
        phone.locator('.tabbar button[data-tab="browser"]').click()
        with phone.expect_download() as download:
            shop.locator("#invoice-pdf").click()
        assert download.value.suggested_filename == f"fapiao-{first.platform_invoice_no}.pdf"

        # One laptop comes back: staff refund 5 999.00; the invoice is reversed and re-issued for the rest.
        payments.refund_order(order.pk, 599_900, "一台退货")
        settle(lambda: Refund.objects.filter(payment=payment, status=RefundStatus.SUCCESS).exists())
        settle(lambda: Invoice.objects.filter(replaces=first, status=InvoiceStatus.ISSUED).exists())
        second = Invoice.objects.get(replaces=first)
        first.refresh_from_db()
        assert first.status == InvoiceStatus.REVERSED and first.red_invoice_no
        assert (second.total, second.buyer_tax_id, second.invoice_type) == (599_900, VALID_USCC, "special")
        shop.locator("#invoice-refresh").click()
        expect(shop.locator("#invoice-status")).to_have_text("已红冲")
        shop.locator("#reissued-link").click()
        expect(shop.locator("#invoice-status")).to_have_text("已开票")
        expect(shop.locator("#invoice-total")).to_have_text("¥5,999.00")
        settle(lambda: _card_status(hub) == "INVOICE_REIMBURSE_CANCEL")  # the old card is cancelled in WeChat
        phone.locator('.tabbar button[data-tab="cards"]').click()
        phone.locator("#cards-refresh").click()
        expect(card).to_contain_text("已红冲")

        # The desk shows both, and the accountant's export has the blue, the red and the new blue invoice.
        desk = desk_context.new_page()
        desk.goto(f"{live_server.url}/console/invoices/")
        expect(desk.locator(f'tr[data-number="{first.number}"]')).to_contain_text("已红冲")
        expect(desk.locator(f'tr[data-number="{second.number}"]')).to_contain_text("已开票")
        expect(desk.locator("#monthly-totals")).to_contain_text("13%")
        with desk.expect_download() as exported:
            desk.locator("#invoice-export").click()
        sheet = load_workbook(io.BytesIO(Path(exported.value.path()).read_bytes()))["发票"]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
        assert [(r[1], r[2], float(r[10])) for r in rows] == [
            (first.platform_invoice_no, "蓝字", 11998.0),
            (first.red_invoice_no, "红字", -11998.0),
            (second.platform_invoice_no, "蓝字", 5999.0),
        ]
        assert errors == []
    finally:
        phone_context.close()
        desk_context.close()


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _card_status(sb) -> str:
    cards = sb.control("GET", "invoice/cards", params={"user": "xiaoming"})["cards"]
    return cards[-1]["reimburse_status"] if cards else ""
