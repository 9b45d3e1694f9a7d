"""The ordinary order path's round trips, pinned statement by statement: a change that adds one shows
up here (and in bench/flash_sale.py's ordinary orders/s). BEGIN/COMMIT are left out: SQLite's are
visible to the query log, PostgreSQL's are not."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wxmall.checkout import actions

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(ctx) -> list[tuple[str, str]]:
    found = []
    for query in ctx.captured_queries:
        sql = query["sql"].lstrip()
        kind = sql.split(None, 1)[0].upper()
        if kind in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"):
            continue
        marker = {"SELECT": " FROM ", "INSERT": "INSERT INTO ", "UPDATE": "UPDATE ", "DELETE": " FROM "}[kind]
        table = sql.split(marker, 1)[1].split()[0].strip('"')
        found.append((kind, table))
    return found


def _expected() -> list[tuple[str, str]]:
    return [
        # The address, with the customer's row locked in the same statement on PostgreSQL (FOR UPDATE
        # OF accounts_user: a double click's twin queues here); SQLite's BEGIN IMMEDIATE serialises.
        ("SELECT", "accounts_address"),
        ("SELECT", "catalog_sku"),  # with its product and its freight setting (select_related)
        ("SELECT", "fulfilment_freightrule"),  # the freight templates in play, with their rules
        ("INSERT", "orders_order"),
        ("SELECT", "marketing_customertouch"),  # the customer's last tracked link: the order's attribution
        ("INSERT", "orders_orderline"),
        ("INSERT", "orders_orderevent"),
        ("UPDATE", "catalog_sku"),  # the guarded stock UPDATE
        ("UPDATE", "store_storesku"),  # the WeChat Store's pending stock delta
    ]


def test_an_ordinary_order_costs_exactly_these_statements(customer, address, sku):
    actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, idempotency_key="warm-up")
    with CaptureQueriesContext(connection) as ctx:
        order = actions.place_order(
            customer, items=[(sku.pk, 2)], address_id=address.pk, idempotency_key="k-1"
        )
    assert order.total == 2 * 129900
    assert _statements(ctx) == _expected()
    if connection.features.has_select_for_update:  # the customer's lock rides on the address read
        first = next(q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))
        assert first.rstrip().endswith('FOR UPDATE OF "accounts_user"')


def test_the_order_api_adds_only_the_signed_in_customer(api, customer, address, sku):
    from django.conf import settings

    body = {
        "items": [{"sku_id": sku.pk, "quantity": 1}],
        "address_id": address.pk,
        "idempotency_key": "api-1",
    }
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/checkout/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    session = [] if settings.SESSION_ENGINE.endswith(".cache") else [("SELECT", "django_session")]
    assert _statements(ctx) == session + [("SELECT", "accounts_user")] + _expected()
