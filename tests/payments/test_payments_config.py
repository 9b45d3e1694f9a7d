"""The merchant from settings: both trust anchors, clear start errors for missing or malformed keys."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from wxmall.payments import config
from wxmall.payments.testing import pay_settings


@pytest.fixture
def merchant(wxsandbox_base_config):
    return wxsandbox_base_config.merchants[0]


def test_public_key_and_certificate_keys_are_all_valid(merchant):
    raw = pay_settings(merchant, "wxappid") | {"platform_certs": [merchant.platform_cert_pem]}
    built = config.build(raw)
    assert built.key_for(merchant.platform_public_key_id) is not None
    assert built.key_for(merchant.platform_cert_serial.lower()) is not None  # serials compare as hex
    assert built.key_for("0123ABCD") is None and built.key_for("") is None


def test_keys_from_files(merchant, tmp_path):
    key = tmp_path / "apiclient_key.pem"
    key.write_text(merchant.merchant_private_key_pem)
    pub = tmp_path / "pub_key.pem"
    pub.write_text(merchant.platform_public_key_pem)
    raw = pay_settings(merchant, "wxappid") | {"merchant_private_key": "", "public_key": ""}
    raw |= {"merchant_private_key_file": str(key), "public_key_file": str(pub)}
    assert config.build(raw).merchant_private_key_pem == merchant.merchant_private_key_pem


@pytest.mark.parametrize(
    "change, message",
    [
        ({"mchid": ""}, "WECHAT_PAY_MCHID"),
        ({"apiv3_key": "short"}, "32-byte"),
        ({"merchant_private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"}, "PEM"),
        ({"merchant_private_key": "", "merchant_private_key_file": "/nonexistent/key.pem"}, "cannot read"),
        ({"public_key_id": ""}, "both"),
        ({"public_key_id": "", "public_key": ""}, "WECHAT_PAY_PUBLIC_KEY_ID"),
        ({"public_key": "garbage"}, "PEM public key"),
        ({"platform_certs": ["not a cert"]}, "certificate"),
    ],
)
def test_missing_or_malformed_keys_are_a_clear_error(merchant, settings, change, message):
    settings.DEMO = False
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        config.build(pay_settings(merchant, "wxappid") | change)
    assert merchant.apiv3_key not in str(error.value)


def test_demo_takes_the_seeded_merchant_from_the_sandbox_state(settings, tmp_path):
    """In DEMO with nothing set, the hub and a wxsandbox started on the same state file agree."""
    from wxsandbox.config import default_config, materialize
    from wxsandbox.state import State

    settings.DEMO = True
    state_file = tmp_path / "sandbox.db"
    built = config.build({"sandbox_state": str(state_file)})
    sandbox_view = materialize(default_config(), State(str(state_file))).merchants[0]
    assert built.mchid == sandbox_view.mchid and built.apiv3_key == sandbox_view.apiv3_key
    assert built.key_for(sandbox_view.platform_public_key_id) is not None
    settings.DEMO = False
    with pytest.raises(ImproperlyConfigured):
        config.build({"sandbox_state": str(state_file)})
