import pytest
from django.test import Client


@pytest.fixture
def login():
    """login(user) -> a test client logged in as `user`."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def owner(db):
    from wxmall.customers.testing import OWNER, make_staff

    return make_staff("owner", OWNER)


@pytest.fixture
def operator(db):
    from wxmall.customers.testing import OPERATOR, make_staff

    return make_staff("operator", OPERATOR)


@pytest.fixture
def service(db):
    from wxmall.customers.testing import SERVICE, make_staff

    return make_staff("service", SERVICE)


@pytest.fixture
def warehouse(db):
    from wxmall.customers.testing import WAREHOUSE, make_staff

    return make_staff("warehouse", WAREHOUSE)
