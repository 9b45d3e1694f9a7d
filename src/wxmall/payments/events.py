"""Payment events other apps act on without payments importing them (they connect in `ready()`):

profit_sharing_wanted.connect(receiver)  # receiver(sender, order, **kw) -> bool
    asked by `start_payment` before the prepay: any True answer sets `settle_info.profit_sharing`,
    so the paid funds stay frozen for a later split (e.g. a sharer's commission).
refund_succeeded.connect(receiver)  # receiver(sender, refund, refunded_total, paid_total, **kw)
    sent inside the transaction that records a refund's SUCCESS (partial or full), once per refund,
    after the order's own move (a full refund's order is already `refunded`). What a receiver writes
    commits with the refund; a receiver that raises rolls it back (the notification is retried), so
    receivers must not fail on ordinary data.
"""

from django.dispatch import Signal

profit_sharing_wanted = Signal()
refund_succeeded = Signal()


def wants_profit_sharing(order) -> bool:
    return any(bool(answer) for _, answer in profit_sharing_wanted.send(sender=type(order), order=order))
