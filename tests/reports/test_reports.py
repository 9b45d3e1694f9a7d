"""Report figures checked by hand against a small set of orders, the page per role, and XLSX exports."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from wxmall.accounts.testing import make_customer
from wxmall.catalog.testing import make_category, make_product
from wxmall.checkout.testing import make_paid_order
from wxmall.customers.testing import OPERATOR, WAREHOUSE, make_staff
from wxmall.orders.models import Order
from wxmall.orders.queries import BEIJING
from wxmall.payments.models import Payment, PaymentStatus, PayMethod
from wxmall.reports import queries
from wxmall.reports.queries import Range

SPAN = Range(date(2026, 11, 1), date(2026, 11, 30))


def at(day, hour=10):
    return datetime(2026, 11, day, hour, tzinfo=BEIJING)


@pytest.fixture
def shop(db):
    """Five orders in November (Beijing time), one in October:
    laptop ¥4,000 ×1 on 11-02 (JSAPI, channel oa), laptop ¥4,000 ×2 on 11-02 23:30 (native),
    mouse ¥100 ×3 on 11-10 (no payment row, channel ""), mouse ¥100 ×1 on 11-30 23:59 refunded on 11-30,
    laptop ¥4,000 ×1 on 10-31 23:59 (outside), and one unpaid order (never counted)."""
    laptops, mice = make_category("笔记本"), make_category("鼠标")
    laptop = make_product("轻薄本", category=laptops, skus=[{"price": 4000_00, "stock": 50}]).skus.get()
    mouse = make_product("无线鼠标", category=mice, skus=[{"price": 100_00, "stock": 50}]).skus.get()
    buyer = make_customer()

    def order(sku, quantity, paid_at, *, method=None, channel=None):
        paid = make_paid_order(buyer, sku=sku, quantity=quantity, channel=channel)
        Order.objects.filter(pk=paid.pk).update(paid_at=paid_at)
        if method:
            Payment.objects.create(
                order=paid,
                method=method,
                status=PaymentStatus.PAID,
                appid="wx1",
                mchid="1900000001",
                amount=paid.total,
                out_trade_no=f"P{paid.pk}",
            )
        return paid

    order(laptop, 1, at(2), method=PayMethod.JSAPI, channel="oa")
    order(laptop, 2, at(2, 23).replace(minute=30), method=PayMethod.NATIVE)
    order(mouse, 3, at(10), channel="")
    refunded = order(mouse, 1, at(30, 23).replace(minute=59))
    Order.objects.filter(pk=refunded.pk).update(status="refunded", refunded_at=at(30, 23).replace(minute=59))
    order(laptop, 1, datetime(2026, 10, 31, 23, 59, tzinfo=BEIJING))
    from wxmall.accounts.testing import make_address
    from wxmall.checkout.actions import place_order

    place_order(buyer, items=[(laptop.pk, 1)], address_id=make_address(buyer).pk)
    return {"laptop": laptop, "mouse": mouse}


def test_summary_and_sales_by_period(shop):
    s = queries.summary(SPAN)
    assert (s["orders"], s["gmv"], s["average"], s["refunds"], s["refunded"]) == (
        3,
        12300_00,
        4100_00,
        1,
        100_00,
    )
    days = queries.sales_by_period(SPAN, "day")
    assert len(days) == 30
    assert days[1] == {"label": "2026-11-02", "orders": 2, "gmv": 12000_00}
    assert days[9] == {"label": "2026-11-10", "orders": 1, "gmv": 300_00}
    assert sum(d["orders"] for d in days) == 3
    weeks = queries.sales_by_period(SPAN, "week")
    assert weeks[0]["label"] == "2026-10-26 周" and weeks[0]["gmv"] == 0  # Nov 1 is a Sunday
    assert weeks[1] == {"label": "2026-11-02 周", "orders": 2, "gmv": 12000_00}
    months = queries.sales_by_period(Range(date(2026, 10, 1), date(2026, 11, 30)), "month")
    assert months == [
        {"label": "2026-10", "orders": 1, "gmv": 4000_00},
        {"label": "2026-11", "orders": 3, "gmv": 12300_00},
    ]


def test_category_product_method_channel_and_refunds(shop):
    assert queries.by_category(SPAN) == [
        {"label": "笔记本", "quantity": 3, "revenue": 12000_00},
        {"label": "鼠标", "quantity": 3, "revenue": 300_00},
    ]
    top = queries.top_products(SPAN)
    assert [(r["label"], r["quantity"], r["revenue"], r["orders"]) for r in top] == [
        ("轻薄本", 3, 12000_00, 2),
        ("无线鼠标", 3, 300_00, 1),
    ]
    assert queries.by_payment_method(SPAN) == [
        {"label": "扫码支付", "orders": 1, "gmv": 8000_00},
        {"label": "微信内支付", "orders": 1, "gmv": 4000_00},
        {"label": queries.NO_METHOD, "orders": 1, "gmv": 300_00},
    ]
    assert queries.by_channel(SPAN) == [
        {"label": queries.NO_CHANNEL, "orders": 2, "gmv": 8300_00},
        {"label": "oa", "orders": 1, "gmv": 4000_00},
    ]
    refunds = queries.refunds_by_period(SPAN)
    assert refunds[-1] == {"label": "2026-11-30", "orders": 1, "amount": 100_00}
    assert sum(r["orders"] for r in refunds) == 1


def test_report_page_and_xlsx_export(shop):
    client = Client()
    client.force_login(make_staff("op", OPERATOR))
    page = client.get("/console/reports/", {"since": "2026-11-01", "until": "2026-11-30"}).content.decode()
    assert "经营报表" in page and "¥12,300.00" in page and "轻薄本" in page
    response = client.get(
        "/console/reports/export/sales.xlsx", {"since": "2026-11-01", "until": "2026-11-30"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("期间", "订单数", "成交额")
    assert rows[3] == ("2026-11-02", 2, 12000) and sheet.cell(row=4, column=3).number_format == '"¥"#,##0.00'
    assert sum(Decimal(str(r[2])) for r in rows[2:]) == Decimal("12300")
    category = load_workbook(
        io.BytesIO(
            client.get(
                "/console/reports/export/category.xlsx", {"since": "2026-11-01", "until": "2026-11-30"}
            ).content
        )
    ).active
    assert list(category.iter_rows(values_only=True))[2] == ("笔记本", 3, 12000)
    assert client.get("/console/reports/export/nope.xlsx").status_code == 404


def test_bad_ranges_are_corrected_with_a_message(shop):
    client = Client()
    client.force_login(make_staff("op", OPERATOR))
    backwards = client.get(
        "/console/reports/", {"since": "2026-12-01", "until": "2026-11-01"}
    ).content.decode()
    assert "开始日期不能晚于结束日期" in backwards
    huge = client.get("/console/reports/", {"since": "1900-01-01", "until": "2026-11-01"}).content.decode()
    assert "一次最多查看两年" in huge
    odd = client.get("/console/reports/", {"since": "<script>", "period": "year"})
    assert (
        odd.status_code == 200
        and "<script>" not in odd.content.decode().split("<main>")[1].split("<script")[0]
    )


def test_a_role_without_reports_gets_the_chinese_403(db):
    client = Client()
    client.force_login(make_staff("wh", WAREHOUSE))
    for url in ("/console/reports/", "/console/reports/export/sales.xlsx"):
        response = client.get(url)
        assert response.status_code == 403 and "无权访问" in response.content.decode()
