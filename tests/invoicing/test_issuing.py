"""Issuing through wxsandbox's invoicing platform and WeChat's card package, end to end over HTTP: the
PDF, the customer's consent on WeChat's page and the insert; the platform failing, refusing and timing
out after it issued (reconciled by query: one invoice, never two); the user declining; WeChat refusing
the insert; every state recovered from the desk."""

import re

import pytest
from django.test import Client

from helpers.pay import settle
from wxmall.accounts.testing import make_customer
from wxmall.core.models import OutboxMessage
from wxmall.customers.testing import as_owner
from wxmall.invoicing import actions
from wxmall.invoicing.models import Invoice, InvoiceStatus, WechatStatus
from wxmall.invoicing.testing import company, paid_order
from wxmall.officialaccount.actions import process_pending
from wxmall.officialaccount.models import InboundMessage

pytestmark = pytest.mark.django_db(transaction=True)


def platform_invoices(sb):
    return sb.control("GET", "fapiao/invoices")["invoices"]


def issued(invoice) -> bool:
    return Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED


def wechat(invoice) -> str:
    process_pending()  # the worker applying the OA pushes that arrived
    return Invoice.objects.get(pk=invoice.pk).wechat_status


@pytest.fixture
def buyer(db):
    customer = make_customer("qianhai", nickname="前海数码")
    client = Client()
    client.force_login(customer)
    return customer, client


@pytest.fixture
def staff(db):
    client = Client()
    client.force_login(as_owner(make_customer("accountant", is_staff=True)))
    return client


def request(customer, **buyer):
    order = paid_order(customer)
    return actions.request_invoice(customer, [order.order_no], company(**buyer))


def test_issued_with_a_real_pdf_then_inserted_into_the_card_package(invoice_hub, buyer):
    customer, client = buyer
    invoice = request(customer)
    settle(lambda: issued(invoice))
    invoice.refresh_from_db()
    assert len(invoice.platform_invoice_no) == 20 and invoice.total == 599900
    pdf = client.get(f"/invoices/{invoice.number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and invoice.platform_invoice_no.encode() in pdf.content

    to_wechat = client.get(f"/invoices/{invoice.number}/wechat/")
    assert to_wechat.status_code == 302 and "/bizmall/authinvoice?" in to_wechat["Location"]
    assert invoice_hub.invoice_consent(to_wechat["Location"], "xiaoming") == 302
    settle(lambda: wechat(invoice) == WechatStatus.INSERTED)
    card = invoice_hub.control("GET", "invoice/cards", params={"user": "xiaoming"})["cards"][0]
    data = card["invoice_user_data"]
    assert (data["billing_no"], data["fee"], data["fee_without_tax"], data["tax"]) == (
        invoice.platform_invoice_no,
        599900,
        530885,
        69015,
    )
    assert data["buyer_number"] == "9144030071526726XG"
    assert invoice_hub.client.get(card["pdf_url"].removeprefix(invoice_hub.base_url)).content == bytes(
        Invoice.objects.get(pk=invoice.pk).pdf
    )
    # 红冲 from the desk: the red invoice, the card cancelled in WeChat, a new invoice for the same amount.
    actions.request_reversal(invoice.pk, "开错抬头")
    settle(lambda: Invoice.objects.filter(replaces=invoice, status=InvoiceStatus.ISSUED).exists())
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REVERSED and invoice.red_invoice_no
    card = invoice_hub.control("GET", "invoice/cards", params={"user": "xiaoming"})["cards"][0]
    assert card["reimburse_status"] == "INVOICE_REIMBURSE_CANCEL"
    kinds = sorted(i["kind"] for i in platform_invoices(invoice_hub))
    assert kinds == ["blue", "blue", "red"]


def test_the_platform_failing_then_recovering_issues_once(invoice_hub, buyer):
    customer, _ = buyer
    invoice_hub.control("POST", "faults", json={"target": "fapiao.issue", "http_status": 503, "times": 2})
    invoice = request(customer)
    settle(lambda: issued(invoice))
    invoice.refresh_from_db()
    assert invoice.attempts == 3 and invoice.last_error == ""
    assert len(platform_invoices(invoice_hub)) == 1


def test_a_timeout_after_the_platform_issued_is_reconciled_by_query(invoice_hub, buyer, settings):
    customer, _ = buyer
    patient = settings.INVOICE_PLATFORM
    settings.INVOICE_PLATFORM = patient | {"timeout": 1}
    invoice_hub.control("POST", "fapiao/settings", json={"answer_delay_seconds": 2.5})
    invoice = request(customer)
    settle(lambda: Invoice.objects.get(pk=invoice.pk).last_error != "")
    assert "超时" in Invoice.objects.get(pk=invoice.pk).last_error
    assert len(platform_invoices(invoice_hub)) == 1  # issued on the platform; our answer was lost
    invoice_hub.control("DELETE", "fapiao/settings")
    settings.INVOICE_PLATFORM = patient  # the PDF download needs more than a second
    settle(lambda: issued(invoice))
    (only,) = platform_invoices(invoice_hub)
    assert only["replays"] == 0  # the hub asked the platform instead of sending the invoice again
    assert Invoice.objects.get(pk=invoice.pk).platform_invoice_no == only["invoice_no"]


def test_a_refused_title_is_failed_and_fixed_from_the_desk(invoice_hub, buyer, staff):
    customer, _ = buyer
    invoice_hub.control("POST", "fapiao/settings", json={"reject_titles": "深圳市前海数码科技有限公司"})
    invoice = request(customer)
    settle(lambda: Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.FAILED)
    page = staff.get(f"/console/invoices/{invoice.pk}/").content.decode()
    assert "开票失败" in page and "税务系统校验购买方名称失败" in page
    fixed = {
        "invoice_type": "special",
        "kind": "company",
        "name": "深圳前海数码科技有限公司",
        "tax_id": "9144030071526726XG",
        "address": "深圳",
        "phone": "0755-1",
        "bank_name": "招行",
        "bank_account": "1",
    }
    assert staff.post(f"/console/invoices/{invoice.pk}/correct/", fixed).status_code == 302
    settle(lambda: issued(invoice))
    assert Invoice.objects.get(pk=invoice.pk).buyer_name == "深圳前海数码科技有限公司"
    assert len(platform_invoices(invoice_hub)) == 1


def test_declining_on_wechat_keeps_the_invoice_and_a_refused_insert_is_retried(invoice_hub, buyer, staff):
    customer, client = buyer
    invoice = request(customer)
    settle(lambda: issued(invoice))
    url = client.get(f"/invoices/{invoice.number}/wechat/")["Location"]
    assert invoice_hub.invoice_consent(url, "xiaoming", "deny") == 200
    settle(lambda: wechat(invoice) == WechatStatus.DECLINED)
    page = client.get(f"/invoices/{invoice.number}/").content.decode()
    assert "用户未授权" in page and "存入微信卡包" in page and "下载发票 PDF" in page

    invoice_hub.control("POST", "faults", json={"target": "invoice.insert", "errcode": 72040, "times": 1})
    invoice_hub.advance_clock(2)  # OA events are deduplicated by user and second: the user comes back later
    url = client.get(f"/invoices/{invoice.number}/wechat/")["Location"]
    assert invoice_hub.invoice_consent(url, "xiaoming") == 302
    settle(lambda: wechat(invoice) == WechatStatus.FAILED)
    dead = OutboxMessage.objects.get(destination="wechat_invoice", kind="insert")
    assert dead.status == "dead"
    assert staff.post(f"/console/invoices/{invoice.pk}/retry-wechat/").status_code == 302
    settle(lambda: wechat(invoice) == WechatStatus.INSERTED)
    assert len(invoice_hub.control("GET", "invoice/cards", params={"user": "xiaoming"})["cards"]) == 1


def test_a_title_picked_from_the_customers_wechat_titles_is_saved(invoice_hub, buyer):
    customer, client = buyer
    invoice_hub.control(
        "POST",
        "invoice/titles",
        json={
            "user": "xiaoming",
            "title": "深圳市前海数码科技有限公司",
            "tax_no": "9144030071526726XG",
            "addr": "深圳",
        },
    )
    invoice_hub.control(
        "POST",
        "invoice/titles",
        json={"user": "xiaoming", "title": "坏税号公司", "tax_no": "9144030071526726XQ"},
    )
    link = client.get("/invoices/wechat-titles/")
    assert link.status_code == 302 and "select_title_key=" in link["Location"]
    parts = link["Location"].split("#")[0].removeprefix(invoice_hub.base_url)
    for index in (0, 1):  # the good title, then the one WeChat kept with a mistyped id
        page = invoice_hub.client.get(parts + "&sandbox_user=xiaoming").text
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
        title_id = re.findall(r'name="title_id" value="(\d+)"', page)[index]
        invoice_hub.client.post("/intp/invoice/usertitle/confirm", data=form | {"title_id": title_id})
        invoice_hub.advance_clock(2)  # OA events are deduplicated by user and second

    def both_applied() -> bool:
        process_pending()
        pushes = InboundMessage.objects.filter(event="submit_invoice_title", processed_at__isnull=False)
        return pushes.count() == 2

    settle(both_applied)
    (title,) = customer.invoice_titles.all()
    assert (title.name, title.tax_id, title.from_wechat) == (
        "深圳市前海数码科技有限公司",
        "9144030071526726XG",
        True,
    )
    assert "深圳市前海数码科技有限公司" in client.get("/invoices/new/").content.decode()
