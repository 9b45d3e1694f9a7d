"""State changes of the store app, one transaction each: `binding` (the shop and its Channels accounts),
`products` (catalogue sync and audits), `orders` (Store orders into local orders, delivery,
after-sales)."""
