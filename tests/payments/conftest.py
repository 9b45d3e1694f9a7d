"""The hub as wxsandbox's merchant: WECHAT_PAY points at an in-process sandbox; notifications reach the hub
through Django's live server when a test needs WeChat to call back."""

import pytest


@pytest.fixture
def pay_hub(wxsandbox, settings):
    """Settings for the merchant of a fresh sandbox (public-key mode); returns the sandbox handle."""
    from wxmall.payments.testing import pay_settings

    oa = wxsandbox.app_of_kind("official_account")
    mp = wxsandbox.app_of_kind("mini_program")
    settings.WECHAT_PAY = pay_settings(wxsandbox.merchant, oa.appid, mp.appid)
    settings.WECHAT_PAY_API_BASE = wxsandbox.base_url
    return wxsandbox


@pytest.fixture
def order(customer, address, sku):
    from wxmall.checkout.actions import place_order

    return place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
