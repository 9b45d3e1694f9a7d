"""The catalogue: categories, products (SPU) and SKUs of a computer store, and their stock.

Other apps use it through:
- `queries`: what customers see (`listed_products`, `search_products`, `product_detail`, `facets`,
  `category_tree`, `sku_detail`, `purchasable_sku`, `stock_status`, `spec_axes`);
- `stock`: the only way stock changes (`take`, `put_back`, `adjust`), each one guarded UPDATE;
- `actions`: `refresh_product` / `refresh_min_price` after SKUs change, `set_listed`, `save_product`,
  `bulk_price`, `bulk_stock` (listing and price changes are audited);
- `events`: `stock_changed` after every stock change, `products_changed` after bulk edits;
- `testing`: `make_category`, `make_product`, `make_sku`, `make_staff` for other apps' tests.
The console's product editor is `views` (pages), `forms`, `editor` (spec matrix and input checks),
`uploads` (pictures), `richtext` (description HTML) and `transfer` (CSV/XLSX import and export).
`manage.py load_demo` fills a demo store and then calls `load()` in every other app's `demo` module.
"""
