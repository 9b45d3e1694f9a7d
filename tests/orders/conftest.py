"""Fixtures for order tests: a customer with an address, SKUs, and an API client logged in as them."""

import pytest
from django.test import Client

from wxmall.checkout.testing import make_address, make_customer, make_sku


@pytest.fixture
def customer(db):
    return make_customer("alice")


@pytest.fixture
def other_customer(db):
    return make_customer("mallory")


@pytest.fixture
def address(customer):
    return make_address(customer, is_default=True)


@pytest.fixture
def sku(db):
    return make_sku(price=129900, stock=10, title="轻薄笔记本 Air 14")


@pytest.fixture
def cheap_sku(db):
    return make_sku(price=1990, stock=50, title="USB-C 数据线")


@pytest.fixture
def api(customer):
    client = Client()
    client.force_login(customer)
    return client
