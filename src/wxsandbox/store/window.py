"""A Channels account's window (橱窗, reference §8.1), with the account's own 视频号助手 token (lives.py).

The window shows products of the shops the account is bound to; a window product is the pair (``appid``
of its shop, the shop's ``product_id``). Its ``status`` follows the shop's listing: 1 on sale, 2 not on
sale, 3 deleted at the source. ``product/off`` no longer changes anything (the reference: emulate as a no-op
returning 0). Errors: 10022003 unknown product (or not in the window, for ``get``), 10022008 ``appid`` is
not a shop bound to this account; a shop token answers 48001. Alliance (CPS) products from other
merchants are not modelled.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import STORE, AppConfig
from wxsandbox.store import shop
from wxsandbox.store.errors import StoreError
from wxsandbox.store.finder import finder_api
from wxsandbox.store.http import id_of, int_of
from wxsandbox.store.products import ON_SALE, PURGED, RECYCLED, stock_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_window (
    finder_id   TEXT NOT NULL,
    appid       TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    hidden      INTEGER NOT NULL DEFAULT 0,
    added_at    REAL NOT NULL,
    PRIMARY KEY (finder_id, appid, product_id)
);
"""


def _shop(sandbox: Any, finder_id: str, data: dict[str, Any]) -> str:
    appid = data.get("appid")
    app = sandbox.config.app(appid) if isinstance(appid, str) else None
    if app is None or app.kind != STORE or shop.finder(sandbox, app.appid, finder_id) is None:
        raise StoreError(10022008)
    return app.appid


def _product(sandbox: Any, appid: str, data: dict[str, Any]) -> Any:
    product_id = id_of(data.get("product_id"), 10022003)
    row = sandbox.state.one(
        "SELECT * FROM store_products WHERE appid = ? AND product_id = ?", (appid, product_id)
    )
    if row is None or row["online"] is None:
        raise StoreError(10022003)
    return row


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise StoreError(47001, name)
    return value


def describe(sandbox: Any, row: Any, hidden: bool) -> dict[str, Any]:
    spu = json.loads(row["online"])
    prices = [s["sale_price"] for s in spu["skus"]]
    stock = stock_of(sandbox, row["product_id"])
    sold = sandbox.state.scalar(
        "SELECT COALESCE(SUM(sold), 0) FROM store_skus WHERE product_id = ?", (row["product_id"],)
    )
    status = 1 if row["status"] == ON_SALE else 3 if row["status"] in (RECYCLED, PURGED) else 2
    leaf = spu["cats_v2"][-1]["cat_id"]
    path = f"pages/product/index?product_id={row['product_id']}"
    return {
        "appid": row["appid"],
        "product_id": row["product_id"],
        "out_product_id": row["out_product_id"],
        "title": spu["title"],
        "img_url": spu["head_imgs"][0],
        "third_category_id": leaf,
        "leaf_category_id": leaf,
        "status": status,
        "market_price": max(s["market_price"] for s in spu["skus"]),
        "selling_price": min(prices),
        "stock": sum(stock.values()),
        "sales": sold,
        "page_path": {"appid": row["appid"], "half_page_path": path, "full_page_path": path},
        "is_hide_for_window": hidden,
        "banned": False,
    }


@finder_api
def add(request: Request, sandbox: Any, account: AppConfig, finder_id: str, data: dict) -> dict:
    appid = _shop(sandbox, finder_id, data)
    row = _product(sandbox, appid, data)
    hidden = _flag(data, "is_hide_for_window")
    sandbox.state.execute(
        "INSERT INTO store_window (finder_id, appid, product_id, hidden, added_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (finder_id, appid, product_id) DO UPDATE SET hidden = excluded.hidden",
        (finder_id, appid, row["product_id"], int(hidden), sandbox.clock.now()),
    )
    return {}


def _entry(sandbox: Any, finder_id: str, data: dict[str, Any]) -> tuple[Any, Any]:
    appid = _shop(sandbox, finder_id, data)
    row = _product(sandbox, appid, data)
    entry = sandbox.state.one(
        "SELECT hidden FROM store_window WHERE finder_id = ? AND appid = ? AND product_id = ?",
        (finder_id, appid, row["product_id"]),
    )
    if entry is None:
        raise StoreError(10022003)
    return row, entry


@finder_api
def get(request: Request, sandbox: Any, account: AppConfig, finder_id: str, data: dict) -> dict:
    row, entry = _entry(sandbox, finder_id, data)
    return {"product": describe(sandbox, row, bool(entry["hidden"]))}


@finder_api
def off(request: Request, sandbox: Any, account: AppConfig, finder_id: str, data: dict) -> dict:
    _entry(sandbox, finder_id, data)
    return {}


@finder_api
def list_get(request: Request, sandbox: Any, account: AppConfig, finder_id: str, data: dict) -> dict:
    size = int_of(data, "page_size", 10, lo=1, hi=200)
    page = int_of(data, "page_index", 1, lo=1, hi=100_000)
    where, params = "finder_id = ?", [finder_id]
    if data.get("appid"):
        where += " AND appid = ?"
        params.append(_shop(sandbox, finder_id, data))
    total = sandbox.state.scalar(f"SELECT COUNT(*) FROM store_window WHERE {where}", params)
    rows = sandbox.state.query(
        f"SELECT appid, product_id FROM store_window WHERE {where} ORDER BY added_at, product_id LIMIT ? OFFSET ?",
        [*params, size, (page - 1) * size],
    )
    answer: dict[str, Any] = {"products": [dict(r) for r in rows], "last_buffer": ""}
    if _flag(data, "need_total_num"):
        answer["total_num"] = total
    return answer


_BASE = "/channels/ec/window/product/"
routes = [
    Route(_BASE + "add", add, methods=["GET", "POST"], name="channels.window.add"),
    Route(_BASE + "get", get, methods=["GET", "POST"], name="channels.window.get"),
    Route(_BASE + "list/get", list_get, methods=["GET", "POST"], name="channels.window.list"),
    Route(_BASE + "off", off, methods=["GET", "POST"], name="channels.window.off"),
]
