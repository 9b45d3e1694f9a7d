"""Store events other apps act on without the store importing them (they connect in `ready()`):

aftersale_refunded.connect(receiver)  # receiver(sender, order, ref, refunded_total, paid_total, **kw)
    sent inside the transaction that records a Store after-sale reaching a refunded status (WeChat paid
    the buyer back, part of the order or all of it), once per after-sale. `refunded_total` is what the
    Store refunded on the order so far (every refunded after-sale), `paid_total` what the buyer paid, both
    fen; `ref` is the after-sale id. A whole refund also moves the order to `refunded` afterwards.
sharer_changed.connect(receiver)  # receiver(sender, openid, **kw)
    a `channels_ec_sharer_change` push named this sharer (bound or unbound). The push may be late,
    repeated or out of order: receivers re-read the sharer from the Store rather than trust its fields.
"""

from django.dispatch import Signal

aftersale_refunded = Signal()
sharer_changed = Signal()
