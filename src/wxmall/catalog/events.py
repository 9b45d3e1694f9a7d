"""Stock events: `stock_changed` is sent after every stock change `catalog.stock` makes, inside the
caller's transaction, so a receiver's writes (e.g. the Store's outbox row that pushes the new stock)
commit or roll back with the change.

    stock_changed.connect(receiver)   # receiver(sender, sku_id: int, delta: int, origin: str, **kwargs)

`origin` names who changed it ("" for the hub's own checkout and staff; "wechat_store" for stock taken
by a Store order, which the Store has already counted)."""

from django.dispatch import Signal

stock_changed = Signal()

# Sent (inside the transaction) after staff change products with bulk UPDATEs that bypass post_save:
# listing/delisting, bulk price edits, imports. receiver(sender, product_ids: list[int], **kwargs)
products_changed = Signal()
