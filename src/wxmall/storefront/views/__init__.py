"""Storefront pages, one module per area: browse (home, lists, product), cart, checkout, orders, account.
Views only translate HTTP to the domain calls in catalog/checkout/orders and back; no business rule
(price, stock, coupon, limit) is decided here."""
