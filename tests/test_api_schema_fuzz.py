"""Schema-driven fuzzing of the JSON API: schemathesis reads /api/openapi.json from the hub served on a
live server and sends generated (valid and invalid) requests with a logged-in session and its CSRF
token. No answer may be a 5xx, use a status the schema does not document for that operation, or break
its documented response schema."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from wxmall.accounts.testing import make_address, make_customer
from wxmall.catalog.testing import make_sku
from wxmall.checkout.testing import make_coupon, make_flash_sale
from wxmall.wechat.testing import use_sandbox

# Minutes on a loaded 2-core machine: its own bound (the subprocess timeout) instead of the suite default.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(660), pytest.mark.django_db(transaction=True)]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


def _st() -> str:
    beside = Path(sys.executable).with_name("st")
    return str(beside) if beside.exists() else shutil.which("st") or "st"


@override_settings(CSRF_USE_SESSIONS=True)
def test_schemathesis_finds_no_server_error_or_undocumented_answer(
    live_server, tmp_path, settings, wxsandbox
):
    # Operations that ask WeChat (the Mini Program login) ask wxsandbox, which refuses generated codes.
    use_sandbox(settings, wxsandbox)
    customer = make_customer("fuzz")
    sku = make_sku(price=129900, stock=1000, title="轻薄笔记本 Air 14")
    make_sku(price=1990, stock=1000, title="USB-C 数据线")
    make_address(customer, is_default=True)
    make_coupon(code="FUZZ10")
    make_flash_sale(sku)
    client = Client()
    client.force_login(customer)
    token = client.get("/api/checkout/session").json()["csrf_token"]
    # schemathesis sends the session cookie through the schema's own security scheme, so it also tries
    # requests without it (they must be 401). The CSRF secret lives in that session for this run, so the
    # X-CSRFToken header alone completes the (still enforced) CSRF check.
    config = tmp_path / "schemathesis.toml"
    # A request line too long for the web server is refused by it (414) before the hub sees it.
    config.write_text(
        f'[auth.openapi.SessionAuth]\napi_key = "{client.cookies["sessionid"].value}"\n\n'
        "[checks.negative_data_rejection]\n"
        "expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 414, 415, 422, 428, 429]\n"
    )

    command = [
        _st(),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/api/openapi.json",
        "--url",
        live_server.url,
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        os.environ.get("WXMALL_FUZZ_EXAMPLES", "25"),
        "--seed",
        os.environ.get("WXMALL_FUZZ_SEED", "7"),
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--no-color",
        "-H",
        f"X-CSRFToken: {token}",
        "-H",
        f"Referer: {live_server.url}/",
        # e.g. WXMALL_FUZZ_EXTRA="--include-path /api/catalog/products --mode negative" to dig into one
        *os.environ.get("WXMALL_FUZZ_EXTRA", "").split(),
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
    )
    output = result.stdout + result.stderr
    # Failure reports can hold megabyte-long generated URLs: show each line's start, failures first.
    report = "\n".join(line[:300] for line in output[output.find("FAILURES") :].splitlines()[:400])
    assert result.returncode == 0, report
    assert "passed" in output  # operations were actually exercised, not all skipped
    print(output[-3000:])  # the phase summary, for -s
