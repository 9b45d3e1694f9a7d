"""Production refuses to start with an invoicing platform but no credentials; bad rate tables are named."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from fresh_process import REAL, manage  # noqa: E402


def test_production_with_a_platform_needs_its_key_and_secret(tmp_path):
    platform = {
        "INVOICE_PLATFORM_URL": "https://fapiao.example.com",
        "INVOICE_PLATFORM_APP_KEY": "merchant-1",
    }
    result = manage(tmp_path, "check", **(REAL | platform))
    assert result.returncode != 0 and "INVOICE_PLATFORM_APP_SECRET" in result.stderr
    good = manage(
        tmp_path, "check", **(REAL | platform | {"INVOICE_PLATFORM_APP_SECRET": "s3cret-value-123"})
    )
    assert good.returncode == 0, good.stderr


def test_a_bad_tax_rate_table_is_an_error_naming_it(tmp_path):
    result = manage(tmp_path, "check", WXMALL_DEMO="1", INVOICE_TAX_RATES="books:nine")
    assert result.returncode != 0 and "INVOICE_TAX_RATES" in result.stderr
