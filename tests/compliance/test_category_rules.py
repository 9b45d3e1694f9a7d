"""Category rules by shop type and qualifications: refused on product save (console form) with a Chinese
reason; the Store sync refuses the same (tests/store/test_compliance_gate.py)."""

import pytest

from wxmall.catalog.testing import make_category
from wxmall.compliance import category_rules
from wxmall.compliance.category_rules import ENTERPRISE, PERSONAL

from .test_catalog_hook import _form


@pytest.mark.parametrize(
    ("names", "shop", "held", "reason"),
    [
        (["笔记本电脑"], PERSONAL, [], ""),
        (["休闲零食", "食品"], PERSONAL, ["食品经营许可证"], "个人店不能经营“食品”类目"),
        (["护肤套装"], PERSONAL, [], "个人店不能经营“化妆品”类目"),
        (["零食"], ENTERPRISE, [], "需要资质：食品经营许可证"),
        (["零食"], ENTERPRISE, ["食品经营许可证"], ""),
        (["手机充电器"], PERSONAL, [], "需要资质：3C 认证证书"),
        (["手机充电器"], PERSONAL, ["3C 认证证书"], ""),
    ],
)
def test_rules(names, shop, held, reason):
    got = category_rules.problem(names, shop, held)
    assert (reason in got) if reason else got == ""


def test_an_ancestor_category_counts(db):
    food = make_category("食品")
    snacks = make_category("坚果炒货", parent=food)
    assert category_rules.category_names(snacks) == ["坚果炒货", "食品"]


def test_product_save_in_a_restricted_category_is_refused(sku, settings):
    settings.STORE_SHOP_TYPE = "personal"
    form = _form(sku, category=make_category("美妆<i>x</i>").pk)
    assert not form.is_valid()
    assert "个人店不能经营“化妆品”类目" in form.errors["category"][0]
    settings.STORE_SHOP_TYPE = "enterprise"
    settings.COMPLIANCE_QUALIFICATIONS = ["化妆品备案凭证"]
    assert _form(sku, category=make_category("美妆").pk).is_valid()


def test_without_a_setting_or_bound_shop_the_stricter_rules_apply(db, settings):
    settings.STORE_SHOP_TYPE = ""
    assert category_rules.shop_type() == PERSONAL
