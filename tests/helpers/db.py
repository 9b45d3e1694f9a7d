""" "A refused operation writes nothing": snapshot every row of the hub's tables, run the operation, compare.

    with unchanged():
        response = client.post(...)
    refused("out_of_stock", actions.place_order, customer, ...)       # a DomainError with that code
    refused_request(api, "/api/checkout/orders", body, 409, "out_of_stock")   # a JSON API refusal

The snapshot covers every concrete field of every row of every wxmall model (stock, counters, statuses,
timestamps included), so a new table or column is covered without touching the tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

Snapshot = dict[str, list[tuple]]


def _hub_models(models: tuple) -> list:
    from django.apps import apps

    if models:
        return list(models)
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("wxmall.") and model._meta.managed and not model._meta.proxy
    ]


def snapshot(*models) -> Snapshot:
    """Every row (all concrete field values, in pk order) of `models`, default all the hub's models."""
    return {
        model._meta.label: list(
            model._base_manager.order_by("pk").values_list(*(f.attname for f in model._meta.concrete_fields))
        )
        for model in _hub_models(models)
    }


def changes(before: Snapshot, after: Snapshot) -> dict[str, dict[str, list]]:
    """Per table, the rows only in `before` ("gone") and only in `after` ("new"); empty when equal."""
    diff = {}
    for table in before.keys() | after.keys():
        old, new = before.get(table, []), after.get(table, [])
        if old != new:
            old_keys, new_keys = set(map(repr, old)), set(map(repr, new))
            diff[table] = {
                "gone": [row for row in old if repr(row) not in new_keys],
                "new": [row for row in new if repr(row) not in old_keys],
            }
    return diff


def assert_unchanged(before: Snapshot, *models) -> None:
    diff = changes(before, snapshot(*models))
    assert not diff, f"rows changed:\n{json.dumps(diff, ensure_ascii=False, default=str, indent=1)}"


@contextmanager
def unchanged(*models) -> Iterator[None]:
    """Assert the block leaves every row of `models` (default all the hub's) exactly as it was."""
    before = snapshot(*models)
    yield
    assert_unchanged(before, *models)


def refused(code: str, fn, *args, **kwargs):
    """Run `fn`, assert it raises DomainError `code` and changes no row; return the error."""
    from wxmall.core.errors import DomainError

    with unchanged(), pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert exc.value.code == code, exc.value
    return exc.value


def refused_request(client, url: str, body, status: int, code: str, method: str = "post") -> dict:
    """Send `body` as JSON (None: no body) and assert the `{"code", "message"}` refusal and that no row
    changed; return the error body."""
    with unchanged():
        if body is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["message"]
    return response.json()
