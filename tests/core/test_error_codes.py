"""The error code string is the API's contract: explicit, well-formed and unique across every domain."""

import importlib
import pkgutil

import pytest

import wxmall
from wxmall.core.errors import ErrorCode, all_error_codes


def _import_every_errors_module() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(wxmall.__path__, "wxmall.") if m.name.endswith(".errors")]
    for name in names:
        importlib.import_module(name)
    return names


def test_every_domain_errors_module_is_found():
    names = _import_every_errors_module()
    assert {
        "wxmall.core.errors",
        "wxmall.catalog.errors",
        "wxmall.checkout.errors",
        "wxmall.orders.errors",
    } <= set(names)


def test_code_strings_are_unique_across_the_api():
    _import_every_errors_module()
    seen: dict[str, str] = {}
    clashes = []
    for member in all_error_codes():
        where = f"{type(member).__name__}.{member.name}"
        if member.code in seen:
            clashes.append((member.code, seen[member.code], where))
        seen.setdefault(member.code, where)
    assert clashes == []
    assert len(seen) >= 40  # every enum was walked, not just one


def test_values_are_well_formed():
    _import_every_errors_module()
    for member in all_error_codes():
        code, status, message = member.value
        assert (member.code, member.status, member.message) == (code, status, message)
        assert code.islower() and " " not in code and 400 <= status <= 599 and message.strip()


@pytest.mark.parametrize(
    "value",
    [("Not-Snake", 400, "错"), ("ok_code", 200, "错"), ("ok_code", 404, ""), ("x" * 65, 400, "错")],
)
def test_a_malformed_member_fails_at_import(value):
    with pytest.raises(ValueError):

        class Broken(ErrorCode):
            BAD = value


def test_renamed_python_member_keeps_the_wire_code():
    from wxmall.catalog.errors import CatalogError
    from wxmall.orders.errors import OrderError

    assert OrderError.NOT_FOUND.code == "order_not_found"
    assert CatalogError.SKU_NOT_FOUND.code == "catalog_sku_not_found"
    assert OrderError.NOT_FOUND.body() == {"code": "order_not_found", "message": "订单不存在"}
