"""The order state machine as data: which moves exist, and who may make each one.

    pending_payment ──► paid ──► shipped ──► delivered ──► completed
          │               │         │            │
          ▼               └─────────┴────────────┴──► refund_requested ──► refunded
      cancelled                                          │
                                                         └──► back to where it came from (rejected)

Decisions:
- A refund request remembers the status it came from (`Order.refund_from_status`); rejecting it moves the
  order back there and nowhere else, so a rejected request on an unshipped order cannot skip shipping.
- Stock is released on cancel, and on a refund of an order that had not shipped (`refund_from_status`
  == paid). Goods already shipped come back through after-sales handling, not automatically.
- Cancelling also gives back the flash-sale units and the coupon use. A refund does not: the promotion
  was consumed by a paid order.
- `completed` and `cancelled` and `refunded` are final.
- paid ──► completed is store pickup's move (门店自提: staff verify the pickup code at the counter).
  The pickup app's hooks allow it only for a pickup order whose code was just verified, and refuse
  shipping a pickup order; a delivery order still goes through shipped and delivered.
"""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "待支付"
    PAID = "paid", "待发货"
    SHIPPED = "shipped", "已发货"
    DELIVERED = "delivered", "已签收"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"
    REFUND_REQUESTED = "refund_requested", "退款中"
    REFUNDED = "refunded", "已退款"


class ActorKind(models.TextChoices):
    CUSTOMER = "customer", "顾客"
    STAFF = "staff", "商家"
    SYSTEM = "system", "系统"
    WECHAT = "wechat", "微信"


S = OrderStatus
A = ActorKind

# (from, to) -> who may make the move. The only place that defines the state machine.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    # Staff: 线下收款, only through payments.actions.mark_paid_offline (permission, no WeChat payment in flight).
    (S.PENDING_PAYMENT, S.PAID): frozenset({A.WECHAT, A.SYSTEM, A.STAFF}),
    (S.PENDING_PAYMENT, S.CANCELLED): frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    (S.PAID, S.SHIPPED): frozenset({A.STAFF, A.SYSTEM}),
    (S.SHIPPED, S.DELIVERED): frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    (S.DELIVERED, S.COMPLETED): frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    (S.PAID, S.COMPLETED): frozenset({A.STAFF}),  # store pickup, verified (see `pickup.order_hooks`)
    (S.PAID, S.REFUND_REQUESTED): frozenset({A.CUSTOMER, A.STAFF}),
    (S.SHIPPED, S.REFUND_REQUESTED): frozenset({A.CUSTOMER, A.STAFF}),
    (S.DELIVERED, S.REFUND_REQUESTED): frozenset({A.CUSTOMER, A.STAFF}),
    (S.REFUND_REQUESTED, S.REFUNDED): frozenset({A.STAFF, A.WECHAT, A.SYSTEM}),
    # Rejections: only back to `refund_from_status` (checked in `is_allowed`).
    (S.REFUND_REQUESTED, S.PAID): frozenset({A.STAFF}),
    (S.REFUND_REQUESTED, S.SHIPPED): frozenset({A.STAFF}),
    (S.REFUND_REQUESTED, S.DELIVERED): frozenset({A.STAFF}),
}

FINAL = frozenset({S.COMPLETED, S.CANCELLED, S.REFUNDED})
# Orders that have been paid for and not given back: what GMV counts.
PAID_STATUSES = frozenset({S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED, S.REFUND_REQUESTED})

# The timestamp column each destination status sets.
TIMESTAMP_FIELD = {
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
    S.REFUND_REQUESTED: "refund_requested_at",
    S.REFUNDED: "refunded_at",
}


def exists(from_status: str, to_status: str, refund_from_status: str = "") -> bool:
    """Whether the move is in the state machine at all (for anyone)."""
    if (from_status, to_status) not in TRANSITIONS:
        return False
    if from_status == S.REFUND_REQUESTED and to_status != S.REFUNDED:
        return to_status == refund_from_status
    return True


def actor_may(from_status: str, to_status: str, actor_kind: str) -> bool:
    return actor_kind in TRANSITIONS.get((from_status, to_status), frozenset())


def next_statuses(from_status: str, actor_kind: str, refund_from_status: str = "") -> list[str]:
    """Moves open to this kind of actor from here, e.g. to decide which buttons a page shows."""
    return [
        to
        for (frm, to), kinds in TRANSITIONS.items()
        if frm == from_status and actor_kind in kinds and exists(frm, to, refund_from_status)
    ]
