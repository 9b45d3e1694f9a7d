"""WeChat Pay API v3 surface (reference §1): signed requests and responses, JSAPI/App/H5/Native prepay,
query, close, refunds, profit sharing (profitsharing.py), merchant transfers (transfers.py), bills,
platform certificates, notifications with WeChat's retry schedule, and the ``/sandbox/pay/*`` control
routes (confirm/cancel a payment, answer a transfer, as a simulated user)."""

from wxsandbox.pay import (
    bills,
    certificates,
    control,
    funds,
    notify,
    profitsharing,
    refunds,
    transactions,
    transfers,
)
from wxsandbox.pay.store import SCHEMA as _STORE_SCHEMA

SCHEMA = _STORE_SCHEMA + funds.SCHEMA + profitsharing.SCHEMA + transfers.SCHEMA

routes = [
    *transactions.routes,
    *refunds.routes,
    *bills.routes,
    *certificates.routes,
    *profitsharing.routes,
    *transfers.routes,
]
control_routes = [*control.control_routes, *transfers.control_routes]


def setup(sandbox) -> None:
    notify.register(sandbox)


__all__ = ["SCHEMA", "control_routes", "routes", "setup"]
