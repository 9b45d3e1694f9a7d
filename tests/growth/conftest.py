import pytest


@pytest.fixture
def deal(sku):
    from wxmall.growth.actions.groups import create_deal

    return create_deal(sku=sku, title="笔记本三人团", group_price=99900, size=3, hours=24)


@pytest.fixture
def shoppers(db):
    """Three more customers, each with an address."""
    from wxmall.accounts.testing import make_address, make_customer

    people = [make_customer(f"buyer{i}") for i in range(3)]
    return [(user, make_address(user, is_default=True)) for user in people]
