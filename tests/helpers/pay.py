"""WeChat Pay steps shared by payment tests: a customer paying through wxsandbox, and the outbox relayed
(as the worker would) until something has happened."""

from __future__ import annotations

import time


def paid(sandbox, order, customer, user_id: str = "lihua"):
    """Pay `order` by Native QR: the hub asks wxsandbox for a code, the sandbox user pays it and WeChat's
    notification reaches the hub's notify URL (settings must point there). Returns the payment."""
    from wxmall.orders.state import OrderStatus
    from wxmall.payments import actions

    payment = actions.start_payment(order.order_no, customer, "native")
    done = sandbox.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": user_id})
    delivery = sandbox.wait_delivery(done["deliveries"][0])
    assert delivery["status"] == "delivered", delivery
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return payment


def settle(predicate, timeout: float = 10.0) -> None:
    """Relay the outbox (as the worker would) until `predicate()` holds."""
    from wxmall.core.relay import relay

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the outbox did not settle"
        relay()
        time.sleep(0.05)
