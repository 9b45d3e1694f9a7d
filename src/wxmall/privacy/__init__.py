"""Personal-information requests (PIPL): a customer's data exported as a ZIP of JSON, or their personal
fields wiped (orders kept for tax, their personal columns anonymised), both from the console by staff
with the permission, each one audited and recorded as a `DataRequest`. It depends on accounts, orders
and audit; nothing depends on it."""
