"""The address form's region data and its server-side check: the three names must belong together."""

import json

import pytest

from helpers.db import assert_unchanged, snapshot
from wxmall.checkout import actions
from wxmall.core import regions

pytestmark = pytest.mark.django_db


def test_regions_json_is_the_cascading_tree(client):
    response = client.get("/regions.json")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    tree = json.loads(response.content)
    assert len(tree) == 31 and "南山区" in tree["广东省"]["深圳市"] and "朝阳区" in tree["北京市"]["北京市"]
    assert regions.belong_together("重庆市", "重庆市", "巫山县")  # the statistics' 县 folded into the city


def test_a_mismatched_region_triple_is_refused_and_nothing_written(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    page = customer_client.get("/checkout/").content.decode()
    assert 'data-region-picker="/regions.json"' in page
    before = snapshot()
    response = customer_client.post(
        "/checkout/",
        {
            "address": "new",
            "recipient": "李四",
            "phone": "13900001111",
            "province": "广东省",
            "city": "杭州市",
            "district": "西湖区",
            "detail": "文三路 1 号",
            "idempotency_key": "k-region",
        },
    )
    assert response.status_code == 400 and "省、市、区县不匹配" in response.content.decode()
    assert_unchanged(before)
