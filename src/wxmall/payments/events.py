"""Payment events other apps act on without payments importing them (they connect in `ready()`):

profit_sharing_wanted.connect(receiver)  # receiver(sender, order, **kw) -> bool
    asked by `start_payment` before the prepay: any True answer sets `settle_info.profit_sharing`,
    so the paid funds stay frozen for a later split (e.g. a sharer's commission).
refund_succeeded.connect(receiver)  # receiver(sender, refund, refunded_total, paid_total, **kw)
    sent inside the transaction that records a refund's SUCCESS (partial or full), once per refund.
"""

from django.dispatch import Signal

profit_sharing_wanted = Signal()
refund_succeeded = Signal()


def wants_profit_sharing(order) -> bool:
    return any(bool(answer) for _, answer in profit_sharing_wanted.send(sender=type(order), order=order))
