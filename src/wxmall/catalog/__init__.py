"""The catalogue: categories, products (SPU) and SKUs of a computer store, and their stock.

Other apps use it through:
- `queries`: what customers see (`listed_products`, `search_products`, `product_detail`, `facets`,
  `category_tree`, `sku_detail`, `purchasable_sku`, `stock_status`, `spec_axes`);
- `stock`: the only way stock changes (`take`, `put_back`, `adjust`), each one guarded UPDATE;
- `actions`: `refresh_product` / `refresh_min_price` after SKUs change, `set_listed`;
- `testing`: `make_category`, `make_product`, `make_sku` for other apps' tests.
`manage.py load_demo` fills a demo store and then calls `load()` in every other app's `demo` module.
"""
