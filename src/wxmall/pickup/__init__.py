"""Store pickup (门店自提): the merchant's pickup stores, an order's choice to be collected at one, and the
pickup code (核销码) that staff verify at the counter, exactly once."""
