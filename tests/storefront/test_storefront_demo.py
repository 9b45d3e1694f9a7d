"""Every storefront page renders against the full demo shop (`manage.py load_demo`), and the pages
that list things cost a fixed number of queries however much they list."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wxmall.catalog.models import SKU, Category, Product
from wxmall.checkout import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_every_page_renders_with_the_demo_shop(client, demo, django_user_model):
    assert client.get("/").status_code == 200
    assert client.get("/category/").status_code == 200
    for slug in Category.objects.filter(is_active=True).values_list("slug", flat=True):
        assert client.get(f"/category/{slug}/").status_code == 200, slug
    for q in ("联想", "笔记本", "32GB", "RTX", "无此商品"):
        assert client.get("/search/", {"q": q}).status_code == 200
    for product_id in Product.objects.filter(is_listed=True).values_list("pk", flat=True):
        response = client.get(f"/product/{product_id}/")
        assert response.status_code == 200, product_id
        assert re.search(r'<script id="sku-data" type="application/json">\[\{', response.content.decode())


def test_cart_and_checkout_cost_a_fixed_number_of_queries(client, demo, customer):
    client.force_login(customer)
    skus = list(SKU.objects.filter(is_active=True, stock__gte=5, product__is_listed=True)[:8])
    actions.add_to_cart(customer, skus[0].pk, 1)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    count("/cart/")  # warm the per-process caches (the recommendations' rollout): not the cart's cost
    cart, checkout = count("/cart/"), count("/checkout/")
    for sku in skus[1:]:
        actions.add_to_cart(customer, sku.pk, 1)
    assert count("/cart/") == cart
    assert count("/checkout/") == checkout
