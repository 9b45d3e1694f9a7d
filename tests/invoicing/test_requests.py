"""Requesting invoices: who may ask for what, the titles' rules, one live invoice per order (also when two
requests race on the real database), and the customer's form answering in Chinese without writing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helpers.threads import codes, run_parallel
from wxmall.accounts.testing import make_customer
from wxmall.checkout.actions import place_order
from wxmall.core.errors import DomainError
from wxmall.core.models import OutboxMessage
from wxmall.invoicing import actions
from wxmall.invoicing.models import Invoice, InvoiceOrder, InvoiceTitle
from wxmall.invoicing.testing import MISTYPED_USCC, company, paid_order, person
from wxmall.orders import actions as orders
from wxmall.orders.models import Order
from wxmall.orders.state import ActorKind, OrderStatus


def refused(fn) -> str:
    with pytest.raises(DomainError) as caught:
        fn()
    return caught.value.code


@pytest.mark.django_db
def test_a_special_invoice_for_a_paid_order_is_queued_with_the_tax_split(customer):
    order = paid_order(customer, price=599900)
    invoice = actions.request_invoice(customer, [order.order_no], company())
    assert (invoice.status, invoice.invoice_type, invoice.total) == ("requested", "special", 599900)
    assert (invoice.amount, invoice.tax) == (530885, 69015)
    assert invoice.buyer_address_phone == "深圳市南山区科技园南路 88 号 0755-86000000"
    message = OutboxMessage.objects.get(destination="invoice_platform")
    assert (message.kind, message.payload) == ("issue", {"invoice_id": invoice.pk})
    assert InvoiceTitle.objects.filter(customer=customer, tax_id="9144030071526726XG").exists()


@pytest.mark.django_db
def test_bad_titles_are_refused_before_anything_is_written(customer):
    cases = {
        "invoice_tax_id_invalid": lambda: company(tax_id=MISTYPED_USCC),
        "invoice_special_needs_details": lambda: company(bank_account=""),
        "invoice_special_needs_company": lambda: actions.check_buyer(
            invoice_type="special", kind="individual", name="王小明"
        ),
        "invoice_title_name_missing": lambda: company(name="  "),
        "invoice_field_too_long": lambda: company(address="长" * 129),
    }
    for code, build in cases.items():
        assert refused(build) == code
    assert company(tax_id="9144 0300 7152 6726 xg").tax_id == "9144030071526726XG"
    assert person().tax_id == ""


@pytest.mark.django_db
def test_unpaid_refunded_foreign_and_stale_orders_are_refused(customer, other_customer, address, sku):
    unpaid = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    assert (
        refused(lambda: actions.request_invoice(customer, [unpaid.order_no], person()))
        == "invoice_order_unpaid"
    )
    refunded = paid_order(customer)
    orders.transition(refunded.pk, OrderStatus.REFUND_REQUESTED, actor_kind=ActorKind.STAFF)
    orders.transition(refunded.pk, OrderStatus.REFUNDED, actor_kind=ActorKind.SYSTEM)
    code = refused(lambda: actions.request_invoice(customer, [refunded.order_no], person()))
    assert code == "invoice_order_refunded"
    theirs = paid_order(other_customer)
    code = refused(lambda: actions.request_invoice(customer, [theirs.order_no], person()))
    assert code == "invoice_order_not_found"
    old = paid_order(customer)
    Order.objects.filter(pk=old.pk).update(
        status=OrderStatus.COMPLETED, completed_at=timezone.now() - timedelta(days=181)
    )
    assert (
        refused(lambda: actions.request_invoice(customer, [old.order_no], person()))
        == "invoice_order_too_old"
    )
    assert Invoice.objects.count() == 0
    assert not OutboxMessage.objects.filter(destination__in=("invoice_platform", "wechat_invoice")).exists()


@pytest.mark.django_db
def test_one_invoice_per_order_and_a_merged_invoice_for_several(customer):
    first, second = paid_order(customer, price=599900), paid_order(customer, price=8900, quantity=3)
    merged = actions.request_invoice(customer, [first.order_no, second.order_no], company())
    assert merged.total == 599900 + 26700 and len(merged.lines) == 2
    assert sum(line["total"] for line in merged.lines) == merged.total
    code = refused(lambda: actions.request_invoice(customer, [second.order_no], person()))
    assert code == "invoice_already_requested"
    assert Invoice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_one_order_at_once_make_one_invoice():
    customer = make_customer("racer")
    order = paid_order(customer)
    results = run_parallel(
        [lambda: actions.request_invoice(customer, [order.order_no], company()) for _ in range(2)]
    )
    assert codes(results) == ["Invoice", "invoice_already_requested"]
    assert Invoice.objects.count() == 1 and InvoiceOrder.objects.filter(active=True).count() == 1
    assert OutboxMessage.objects.filter(destination="invoice_platform").count() == 1


@pytest.mark.django_db
def test_the_customer_form_answers_in_chinese_and_writes_nothing_on_bad_input(customer, api):
    order = paid_order(customer)
    page = api.get(f"/invoices/new/?order={order.order_no}")
    assert page.status_code == 200 and order.order_no in page.content.decode()
    form = {
        "order": order.order_no,
        "invoice_type": "special",
        "kind": "company",
        "name": "<script>alert(1)</script>有限公司",
        "tax_id": MISTYPED_USCC,
    }
    bad = api.post("/invoices/new/", form)
    body = bad.content.decode()
    assert bad.status_code == 400 and "校验位不正确" in body
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body  # the typed name is escaped
    assert Invoice.objects.count() == 0
    good = api.post("/invoices/new/", form | {"tax_id": "9144030071526726XG", "name": "某某有限公司"})
    assert (
        good.status_code == 400 and "开户银行" in good.content.decode()
    )  # a special invoice needs bank details
    ok = api.post(
        "/invoices/new/",
        form
        | {
            "tax_id": "9144030071526726XG",
            "name": "某某有限公司",
            "address": "深圳",
            "phone": "0755-1",
            "bank_name": "招行",
            "bank_account": "123",
        },
    )
    invoice = Invoice.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/invoices/{invoice.number}/"
    assert "待开票" in api.get(ok["Location"]).content.decode()
    again = api.get(f"/invoices/new/?order={order.order_no}")  # 申请开票 / 查看发票 on the order page
    assert again.status_code == 302 and again["Location"] == f"/invoices/{invoice.number}/"
    stranger = Client()
    stranger.force_login(make_customer("stranger"))
    assert stranger.get(f"/invoices/{invoice.number}/").status_code == 404
    assert stranger.get(f"/invoices/{invoice.number}/pdf/").status_code == 404


@pytest.mark.django_db
def test_an_invoice_asked_for_at_checkout_is_requested_when_the_order_is_paid(customer, address, sku, api):
    form = {"sku": sku.pk, "qty": 1, "address": address.pk, "idempotency_key": "k-checkout-invoice-1"}
    invoice = {
        "want_invoice": "1",
        "inv_invoice_type": "normal",
        "inv_kind": "company",
        "inv_name": "某某有限公司",
    }
    bad = api.post("/checkout/", form | invoice | {"inv_tax_id": MISTYPED_USCC})
    assert bad.status_code == 400 and "校验位不正确" in bad.content.decode()
    assert not Order.objects.exists()  # nothing placed for a wrong title
    placed = api.post("/checkout/", form | invoice | {"inv_tax_id": "9144030071526726XG"})
    order = Order.objects.get()
    assert placed.status_code == 302 and not Invoice.objects.exists()  # unpaid: nothing to invoice yet
    orders.mark_paid(order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total)
    invoice_row = Invoice.objects.get()
    assert (invoice_row.buyer_name, invoice_row.buyer_tax_id, invoice_row.total) == (
        "某某有限公司",
        "9144030071526726XG",
        order.total,
    )
