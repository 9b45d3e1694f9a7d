"""Production refuses to start with a WeChat Store configured but no push credentials."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from fresh_process import REAL, manage  # noqa: E402

STORE = {
    "WECHAT_STORE_APPID": "wx0123456789abcdef",
    "WECHAT_STORE_SECRET": "0123456789abcdef0123456789abcdef",
}


def test_production_with_a_store_needs_its_push_token_and_key(tmp_path):
    result = manage(tmp_path, "check", **(REAL | STORE))
    assert result.returncode != 0 and "WECHAT_STORE_PUSH_TOKEN" in result.stderr
    bad_key = manage(
        tmp_path,
        "check",
        **(
            REAL
            | STORE
            | {"WECHAT_STORE_PUSH_TOKEN": "wxmallToken", "WECHAT_STORE_PUSH_AES_KEY": "short-secret"}
        ),
    )
    assert bad_key.returncode != 0 and "WECHAT_STORE_PUSH_AES_KEY" in bad_key.stderr
    assert "short-secret" not in bad_key.stderr
    good = manage(
        tmp_path,
        "check",
        **(REAL | STORE | {"WECHAT_STORE_PUSH_TOKEN": "wxmallToken", "WECHAT_STORE_PUSH_AES_KEY": "a" * 43}),
    )
    assert good.returncode == 0, good.stderr


def test_a_bad_shop_type_is_an_error_naming_it(tmp_path):
    result = manage(tmp_path, "check", WXMALL_DEMO="1", STORE_SHOP_TYPE="company")
    assert result.returncode != 0 and "STORE_SHOP_TYPE" in result.stderr


def test_personal_payment_caps_are_validated_at_start(tmp_path):
    zero = manage(tmp_path, "check", WXMALL_DEMO="1", STORE_PERSONAL_DAILY_LIMIT_FEN="0")
    assert zero.returncode != 0 and "STORE_PERSONAL_DAILY_LIMIT_FEN" in zero.stderr
    inverted = manage(
        tmp_path,
        "check",
        WXMALL_DEMO="1",
        STORE_PERSONAL_PAYMENT_LIMIT_FEN="300000",
        STORE_PERSONAL_DAILY_LIMIT_FEN="200000",
    )
    assert inverted.returncode != 0 and "STORE_PERSONAL_PAYMENT_LIMIT_FEN" in inverted.stderr
