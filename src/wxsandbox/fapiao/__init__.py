"""A fake invoicing platform (开票平台): the merchant's tax-invoicing service, not part of WeChat.

It issues 数电-style invoices (a 20-digit 发票号码, no 发票代码 / 校验码; invoice reference §2.5), renders each
as a real PDF (``pdf.py``) and reverses them with red-letter invoices (红冲). Its wire protocol is our own,
shaped like the commercial platforms' REST APIs (they differ from one another; the hub talks to it through
an adapter):

  POST /fapiao/v1/invoices                       issue a blue invoice; idempotent on ``request_no``
  GET  /fapiao/v1/invoices/{request_no}          query (how a client recovers from a timeout)
  POST /fapiao/v1/invoices/{request_no}/red      red-letter reversal {"red_request_no", "reason"}
  GET  /fapiao/v1/invoices/{request_no}/pdf      the PDF (blue or red, by its own request_no)

Every request is signed: ``X-Fapiao-App``, ``X-Fapiao-Timestamp`` (Unix seconds, ±300 s), ``X-Fapiao-Nonce``
(single use within the window) and ``X-Fapiao-Signature`` = hex HMAC-SHA256 with the app secret over
``METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY``. Errors are ``{"code", "message"}`` with a 4xx/5xx status.

Faults: the generic fault rules by route name (``fapiao.issue``, ``fapiao.query``, ``fapiao.red``,
``fapiao.pdf``) fail or time out a request before it is processed; ``[fapiao] answer_delay_seconds``
delays the answer *after* an invoice was issued (the dangerous timeout: the client must query, not
re-issue); ``reject_titles`` refuses buyers by name (the tax system's 抬头 check).

Control: ``GET /sandbox/fapiao/credentials`` (app key and secret), ``GET /sandbox/fapiao/invoices``,
``GET|POST|DELETE /sandbox/fapiao/settings``.
"""

from __future__ import annotations

from typing import Any

from wxsandbox.fapiao import api
from wxsandbox.fapiao import settings as fp_settings
from wxsandbox.layered import clear_tables

routes = api.routes
control_routes = api.control_routes
SCHEMA = api.SCHEMA
EXAMPLE_TOML = fp_settings.EXAMPLE_TOML


def setup(sandbox: Any) -> None:
    fp_settings.load(sandbox)
    api.credentials(sandbox)  # generate and persist the app secret at start


def reset(sandbox: Any) -> None:
    """Forget every issued invoice and the run-time settings."""
    clear_tables(sandbox, "fp")
    fp_settings.LAYER.reset(sandbox)
