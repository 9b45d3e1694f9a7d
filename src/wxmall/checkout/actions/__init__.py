"""State changes of checkout: the cart (`cart`) and placing an order (`placement`). Each public function
is one transaction; a DomainError raised inside it rolls back everything it wrote. The address book is
`accounts.actions`; giving back what a cancelled or refunded order held is `checkout.release`.

Concurrency rules (all portable to SQLite and PostgreSQL):
- Shared counters change only through guarded UPDATEs: stock (`catalog.stock.take`), flash-sale
  `sold + n <= quota`, coupon `used_count < total_quota`. A guard that matches no row means "sold out".
- Per-customer limits (flash-sale units, coupon uses, cart lines, addresses) are counted while holding
  the customer's own `User` row lock (`accounts.actions.lock_customer`), so two parallel requests of one
  customer queue instead of both passing the check. Other customers are not blocked.
- Lock order, always: customer row → flash sale → coupon → SKUs by ascending id. Cancellation
  (`release.on_cancelled`) follows the same order after the order row, so no cycle can form.
"""

from .cart import (
    add_to_cart,
    clear_cart,
    keep_for_login,
    merge_kept_cart,
    remove_from_cart,
    set_cart_quantity,
)
from .placement import NOTE_MAX_LENGTH, place_order

__all__ = [
    "NOTE_MAX_LENGTH",
    "add_to_cart",
    "clear_cart",
    "keep_for_login",
    "merge_kept_cart",
    "place_order",
    "remove_from_cart",
    "set_cart_quantity",
]
