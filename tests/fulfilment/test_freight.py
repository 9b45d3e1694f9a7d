"""Freight templates priced in checkout, with hand-computed fees: by count and by weight, first +
additional units, free over an amount, a province's own rule, non-delivery regions, pickup; the editor's
refusals and its permission."""

import pytest
from django.test import Client

from helpers.db import refused
from wxmall.accounts.testing import make_address
from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions as checkout
from wxmall.checkout import queries
from wxmall.fulfilment import actions
from wxmall.fulfilment.models import FreightMethod, FreightTemplate, ProductFreight
from wxmall.fulfilment.testing import make_staff, make_template

pytestmark = pytest.mark.django_db

ELSEWHERE = ()
REMOTE = ("新疆维吾尔自治区", "西藏自治区")


@pytest.fixture
def count_default(db):
    # 1 件 ¥8, each further 2 件 (or part) ¥3; remote provinces 1 件 ¥20 + ¥10 per 1 件; free from ¥500.
    return make_template(
        "按件",
        default=True,
        free_over=50000,
        rules=[(ELSEWHERE, 1, 800, 2, 300), (REMOTE, 1, 2000, 1, 1000)],
    )


def test_count_template_first_and_additional_units(count_default, customer, cheap_sku):
    # 5 cables at ¥19.90 = ¥99.50 (< ¥500): 800 + ceil((5-1)/2)=2 × 300 = 1400 fen.
    assert queries.quote(customer, [(cheap_sku.pk, 5)], province="广东省").shipping_fee == 1400
    # 4 cables: 800 + ceil(3/2)=2 × 300 = 1400; 2 cables: 800 + 1 × 300 = 1100; 1 cable: 800.
    assert queries.quote(customer, [(cheap_sku.pk, 4)], province="广东省").shipping_fee == 1400
    assert queries.quote(customer, [(cheap_sku.pk, 2)], province="广东省").shipping_fee == 1100
    assert queries.quote(customer, [(cheap_sku.pk, 1)], province="广东省").shipping_fee == 800
    # Xinjiang's own rule: 3 cables = 2000 + 2 × 1000 = 4000.
    assert queries.quote(customer, [(cheap_sku.pk, 3)], province="新疆维吾尔自治区").shipping_fee == 4000
    # Free from ¥500 of goods: one laptop (¥1,299) ships free, wherever.
    laptop = make_sku(price=129900, stock=5, title="笔记本")
    assert queries.quote(customer, [(laptop.pk, 1)], province="西藏自治区").shipping_fee == 0


def test_weight_template_and_per_template_groups(count_default, customer, cheap_sku):
    heavy = make_template("按重", method=FreightMethod.WEIGHT, rules=[(ELSEWHERE, 1000, 1200, 500, 400)])
    monitor = make_sku(price=10000, stock=9, title="显示器")
    ProductFreight.objects.create(product=monitor.product, template=heavy, weight_grams=3200)
    # 2 monitors = 6400 g: 1200 + ceil(5400/500)=11 × 400 = 5600; plus 1 cable on the default: 800.
    quote = queries.quote(customer, [(monitor.pk, 2), (cheap_sku.pk, 1)], province="浙江省")
    assert quote.shipping_fee == 5600 + 800
    assert quote.total == 2 * 10000 + 1990 + 6400


def test_placement_charges_the_address_province(count_default, customer, cheap_sku):
    remote = make_address(
        customer, province="西藏自治区", city="拉萨市", district="城关区", detail="北京中路 1 号"
    )
    order = checkout.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=remote.pk)
    assert order.shipping_fee == 2000 and order.total == 1990 + 2000


def test_a_non_delivery_region_is_shown_and_refused(customer, cheap_sku):
    make_template("不发偏远", default=True, rules=[(ELSEWHERE, 1, 800, 1, 200)], undeliverable=list(REMOTE))
    quote = queries.quote(customer, [(cheap_sku.pk, 1)], province="新疆维吾尔自治区")
    assert (
        not quote.can_place
        and "不在配送范围" in quote.problems[0]
        and cheap_sku.product.title in quote.problems[0]
    )
    far = make_address(
        customer, province="新疆维吾尔自治区", city="乌鲁木齐市", district="天山区", detail="解放路 1 号"
    )
    refused(
        "freight_undeliverable", checkout.place_order, customer, items=[(cheap_sku.pk, 1)], address_id=far.pk
    )


def test_pickup_is_free_and_no_template_keeps_the_built_in_fee(customer, cheap_sku, settings):
    settings.CHECKOUT_SHIPPING_FEE, settings.CHECKOUT_FREE_SHIPPING_THRESHOLD = 1000, 9900
    assert queries.quote(customer, [(cheap_sku.pk, 1)], province="广东省").shipping_fee == 1000
    assert queries.quote(customer, [(cheap_sku.pk, 4)], province="广东省").shipping_fee == 1000  # ¥79.60
    assert queries.quote(customer, [(cheap_sku.pk, 5)], province="广东省").shipping_fee == 0  # ¥99.50
    assert queries.quote(customer, [(cheap_sku.pk, 4)], province="广东省", pickup=True).shipping_fee == 0
    assert queries.quote(customer, [(cheap_sku.pk, 4)]).shipping_fee == 1000


def rules(*rows):
    keys = ("provinces", "first_units", "first_fee", "additional_units", "additional_fee")
    return [dict(zip(keys, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"rules": rules((["广东省"], 1, 800, 1, 100))}, "其他地区"),
        ({"rules": rules(([], 1, 800, 1, 100), ([], 1, 900, 1, 100))}, "其他地区"),
        ({"rules": rules(([], 1, -5, 1, 100))}, "金额"),
        ({"rules": rules(([], 0, 800, 1, 100))}, "正整数"),
        ({"rules": rules(([], 1, 800, 1, 100), (["火星省"], 1, 800, 1, 100))}, "未知的省份"),
        (
            {"rules": rules(([], 1, 800, 1, 100), (["广东省"], 1, 800, 1, 100)), "undeliverable": ["广东省"]},
            "重复",
        ),
        ({"name": ""}, "名称"),
        ({"method": "volume"}, "计费方式"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(kwargs, needle):
    staff = make_staff("manage_freight")
    fields = {
        "name": "模板",
        "method": "count",
        "free_over": None,
        "undeliverable": [],
        "rules": rules(([], 1, 800, 1, 100)),
    } | kwargs
    exc = refused("freight_invalid_template", actions.save_template, staff, **fields)
    assert needle in exc.message


def test_one_default_template_and_the_editor_page(customer, cheap_sku):
    staff = make_staff("manage_freight")
    client = Client()
    client.force_login(staff)
    response = client.post(
        "/console/fulfilment/freight/new/",
        {
            "name": "全国包邮满99",
            "method": "count",
            "free_over": "99",
            "is_default": "1",
            "r0-first_units": "1",
            "r0-first_fee": "8",
            "r0-additional_units": "1",
            "r0-additional_fee": "2.5",
            "r1-provinces": ["新疆维吾尔自治区"],
            "r1-first_units": "1",
            "r1-first_fee": "20",
            "r1-additional_units": "1",
            "r1-additional_fee": "10",
            "undeliverable": ["西藏自治区"],
        },
    )
    assert response.status_code == 302, response.content.decode()
    first = FreightTemplate.objects.get()
    assert first.is_default and first.free_over == 9900 and first.undeliverable == ["西藏自治区"]
    assert sorted((r.first_fee, r.additional_fee) for r in first.rules.all()) == [(800, 250), (2000, 1000)]
    # 3 cables to Guangdong: 800 + 2 × 250 = 1300.
    assert queries.quote(customer, [(cheap_sku.pk, 3)], province="广东省").shipping_fee == 1300
    actions.save_template(
        staff,
        name="第二个",
        method="count",
        free_over=None,
        undeliverable=[],
        rules=rules(([], 1, 500, 1, 100)),
        is_default=True,
    )
    assert list(FreightTemplate.objects.filter(is_default=True).values_list("name", flat=True)) == ["第二个"]
    page = client.get("/console/fulfilment/freight/").content.decode()
    assert "全国包邮满99" in page and "¥8.00" in page
    bad = client.post(
        "/console/fulfilment/freight/new/",
        {
            "name": "坏",
            "method": "count",
            "free_over": "-1",
            "r0-first_units": "1",
            "r0-first_fee": "8",
            "r0-additional_units": "1",
            "r0-additional_fee": "1",
        },
    )
    assert bad.status_code == 400 and "包邮金额格式不正确" in bad.content.decode()
    assert FreightTemplate.objects.count() == 2


def test_a_role_without_the_permission_cannot_edit_freight(cheap_sku):
    operator = make_staff("ship_order")
    refused(
        "freight_not_permitted",
        actions.save_template,
        operator,
        name="x",
        method="count",
        free_over=None,
        undeliverable=[],
        rules=rules(([], 1, 1, 1, 1)),
    )
    refused(
        "freight_not_permitted",
        actions.set_product_freight,
        operator,
        cheap_sku.product_id,
        template_id=None,
        weight_grams=10,
    )
    client = Client()
    client.force_login(operator)
    assert client.get("/console/fulfilment/freight/").status_code == 403


def test_the_quote_api_prices_freight_for_a_saved_address(
    api, count_default, customer, other_customer, cheap_sku
):
    remote = make_address(
        customer, province="新疆维吾尔自治区", city="乌鲁木齐市", district="天山区", detail="解放路 1 号"
    )
    body = {"items": [{"sku_id": cheap_sku.pk, "quantity": 1}]}
    assert (
        api.post("/api/checkout/quote", body, content_type="application/json").json()["shipping_fee"] == 800
    )
    answer = api.post(
        "/api/checkout/quote", body | {"address_id": remote.pk}, content_type="application/json"
    )
    assert answer.json()["shipping_fee"] == 2000
    theirs = make_address(other_customer)
    refused_answer = api.post(
        "/api/checkout/quote", body | {"address_id": theirs.pk}, content_type="application/json"
    )
    assert refused_answer.status_code == 404 and refused_answer.json()["code"] == "address_not_found"
