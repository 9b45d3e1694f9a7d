"""After-sales requests: filed from my orders with a reason and photos, decided once by staff with the
permission, refunded through payments (whole or in part, once), returns with the customer's tracking,
and every refusal a clear Chinese message with nothing written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from helpers.db import refused
from helpers.threads import codes, run_parallel
from wxmall.aftersales import actions
from wxmall.aftersales.models import AfterSale, Photo, Status
from wxmall.audit.models import AuditEntry
from wxmall.core.relay import relay
from wxmall.fulfilment import actions as fulfilment
from wxmall.fulfilment.testing import make_staff
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus as S
from wxmall.payments import actions as payments
from wxmall.payments.models import Refund, RefundStatus

pytestmark = pytest.mark.django_db(transaction=True)


def jpeg(size=(64, 48), name="photo.jpg", fmt="JPEG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def file_request(customer, order, **kwargs):
    fields = {"kind": "refund", "reason": "quality", "description": "屏幕有坏点"} | kwargs
    return actions.request(customer, order.order_no, **fields)


def test_a_refund_request_with_photos_approved_twice_refunds_once(paid_order, customer, desk):
    sale = file_request(customer, paid_order, uploads=[jpeg(), jpeg((3000, 2000), fmt="PNG", name="b.png")])
    assert Order.objects.get(pk=paid_order.pk).status == S.REFUND_REQUESTED
    photos = list(Photo.objects.filter(aftersale=sale))
    assert len(photos) == 2 and max(photos[1].width, photos[1].height) == 1600  # shrunk, re-encoded
    assert photos[1].file.read(3) == b"\xff\xd8\xff"  # JPEG now, whatever was uploaded

    actions.approve(sale.pk, desk, "质量问题，同意退款")
    refused("aftersale_already_decided", actions.approve, sale.pk, desk)
    refused("aftersale_already_decided", actions.reject, sale.pk, desk, "晚了")
    refund = Refund.objects.get()
    assert refund.amount == paid_order.total and refund.completes_order
    entry = AuditEntry.objects.get(action__startswith="aftersale.")
    assert (entry.action, entry.actor, entry.target_id) == ("aftersale.refund", desk, str(paid_order.pk))

    relay()  # the refund reaches wxsandbox; its outcome is queried as the stuck-refund job would
    payments.query_refund(refund.pk)
    assert Refund.objects.get().status == RefundStatus.SUCCESS
    assert Order.objects.get(pk=paid_order.pk).status == S.REFUNDED
    client = Client()
    client.force_login(customer)
    page = client.get(f"/orders/{paid_order.order_no}/").content.decode()
    assert "已退款" in page and "商品质量问题" in page and "质量问题，同意退款" in page


def test_concurrent_approvals_refund_once(paid_order, customer, desk):
    sale = file_request(customer, paid_order)
    other = make_staff("decide_aftersale")
    results = run_parallel([lambda: actions.approve(sale.pk, desk), lambda: actions.approve(sale.pk, other)])
    assert codes(results) == ["AfterSale", "aftersale_already_decided"]
    assert Refund.objects.count() == 1


def test_a_partial_refund_puts_the_order_back_and_a_rejection_too(paid_order, customer, desk):
    sale = file_request(customer, paid_order, amount=1990, reason="not_wanted")
    actions.approve(sale.pk, desk)
    order = Order.objects.get(pk=paid_order.pk)
    assert (
        order.status == S.PAID
        and Refund.objects.get().amount == 1990
        and not Refund.objects.get().completes_order
    )

    second = file_request(customer, paid_order, amount=1990)
    refused("aftersale_reason_required", actions.reject, second.pk, desk, "  ")
    actions.reject(second.pk, desk, "已超过七天无理由期限")
    assert Order.objects.get(pk=paid_order.pk).status == S.PAID
    assert AfterSale.objects.get(pk=second.pk).status == Status.REJECTED
    exc = refused("aftersale_invalid_amount", file_request, customer, paid_order, amount=paid_order.total)
    assert "可退金额" in exc.message


def test_a_return_carries_the_customers_tracking_and_refunds_when_received(paid_order, customer, desk):
    refused("aftersale_return_not_shipped", file_request, customer, paid_order, kind="return")
    fulfilment.ship(paid_order.pk, desk, courier_code="SF", tracking_no="SF1234567890")
    sale = file_request(customer, paid_order, kind="return", reason="damaged")
    actions.approve(sale.pk, desk, "请寄回")
    assert AfterSale.objects.get(pk=sale.pk).status == Status.AWAITING_RETURN and not Refund.objects.exists()
    refused(
        "aftersale_invalid_return", actions.ship_return, customer, sale.pk, courier_code="SF", tracking_no="x"
    )
    client = Client()
    client.force_login(customer)
    response = client.post(
        f"/orders/{paid_order.order_no}/aftersales/{sale.pk}/return/",
        {"courier": "YTO", "tracking_no": "YT5550001111"},
    )
    assert response.status_code == 302
    returned = AfterSale.objects.get(pk=sale.pk)
    assert (returned.status, returned.return_courier, returned.return_tracking_no) == (
        Status.RETURN_SHIPPED,
        "圆通速递",
        "YT5550001111",
    )
    staff_page = Client()
    staff_page.force_login(desk)
    assert "YT5550001111" in staff_page.get(f"/console/aftersales/{sale.pk}/").content.decode()
    actions.receive_return(sale.pk, desk)
    refused("aftersale_already_decided", actions.receive_return, sale.pk, desk)
    assert (
        Refund.objects.get().completes_order
        and Order.objects.get(pk=paid_order.pk).status == S.REFUND_REQUESTED
    )


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (
            SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg"),
            "aftersale_not_an_image",
        ),
        (
            SimpleUploadedFile("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif"),
            "aftersale_not_an_image",
        ),
        (
            SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024), content_type="image/jpeg"),
            "aftersale_photo_too_big",
        ),
    ],
)
def test_photos_that_are_not_images_or_too_big_write_nothing(paid_order, customer, upload, code):
    refused(code, file_request, customer, paid_order, uploads=[upload])
    assert Order.objects.get(pk=paid_order.pk).status == S.PAID


def test_too_many_photos_and_bad_enums_are_refused(paid_order, customer, settings):
    settings.AFTERSALES_MAX_PHOTOS = 2
    refused("aftersale_too_many_photos", file_request, customer, paid_order, uploads=[jpeg(), jpeg(), jpeg()])
    refused("aftersale_invalid_request", file_request, customer, paid_order, reason="because")
    refused("aftersale_invalid_request", file_request, customer, paid_order, kind="exchange")


def test_one_open_request_per_order_and_not_for_others(paid_order, customer, other_customer):
    file_request(customer, paid_order)
    refused("aftersale_not_allowed", file_request, customer, paid_order)  # already 退款中
    refused("order_not_found", file_request, other_customer, paid_order)


def test_a_role_without_the_permission_cannot_decide(paid_order, customer):
    sale = file_request(customer, paid_order, uploads=[jpeg()])
    warehouse = make_staff("ship_order")
    refused("aftersale_not_permitted", actions.approve, sale.pk, warehouse)
    client = Client()
    client.force_login(warehouse)
    for url in (
        "/console/aftersales/",
        f"/console/aftersales/{sale.pk}/",
        f"/console/aftersales/photos/{sale.photos.get().pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 403 and "没有「处理售后申请」的权限" in response.content.decode()
    assert client.post(f"/console/aftersales/{sale.pk}/approve/").status_code == 403
    assert not Refund.objects.exists()


def test_the_storefront_form_files_a_request_and_shows_errors(paid_order, customer):
    client = Client()
    client.force_login(customer)
    url = f"/orders/{paid_order.order_no}/refund/"
    bad = client.post(
        url, {"kind": "refund", "reason": "quality", "photos": [SimpleUploadedFile("a.jpg", b"nope")]}
    )
    assert bad.status_code == 400 and "不是有效的图片" in bad.content.decode()
    bad_amount = client.post(url, {"kind": "refund", "reason": "quality", "amount": "-5"})
    assert bad_amount.status_code == 400 and not AfterSale.objects.exists()
    done = client.post(url, {"kind": "refund", "reason": "not_wanted", "amount": "19.9", "photos": [jpeg()]})
    assert done.status_code == 302
    sale = AfterSale.objects.get()
    assert (sale.amount, sale.photos.count()) == (1990, 1)
    assert "待商家处理" in client.get(f"/orders/{paid_order.order_no}/").content.decode()


def test_a_refund_made_in_the_payments_console_closes_the_open_request(paid_order, customer, desk):
    sale = file_request(customer, paid_order)
    payments.refund_order(paid_order.pk, None, "客服直接退款", staff=desk)
    relay()
    payments.query_refund(Refund.objects.get().pk)
    assert AfterSale.objects.get(pk=sale.pk).status == Status.REFUNDING
