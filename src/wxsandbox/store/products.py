"""Products (SPU/SKU) of the shop (reference §4): draft vs online copy, audit, listing, stock.

Every product has a draft (``edit_product``) and, once an audit has passed, an online copy (``product``).
``add``/``update`` write the draft; ``listing`` (or ``listing: 1`` on add/update) submits it for audit. The
audit's outcome, reason and delay are knobs (``[store] audit_outcome = pass | reject | manual``,
``audit_reason``, ``audit_delay_seconds``); ``manual`` audits wait for ``POST
/sandbox/store/products/{id}/audit``. When it passes the draft becomes the online copy and, if listing was
asked, the product is on sale (status 5). Pushes per §4.7 / B.1: ``product_spu_update`` (1 新增 / 0 更新 /
2 删除), ``product_spu_audit`` (3 通过 / 2 不通过 / 4 撤销), ``product_spu_listing`` (5 上架, 11 自主下架,
13/14/15/20 platform delisting via the control API).

Stock lives per SKU outside the copies, so ``stock/update`` and orders act on it at once (§4.1). A SKU's
``stock_num`` sets its stock when the SKU is created; later ``update`` calls leave existing SKUs' stock
alone (the sandbox's reading of an unconfirmed point: change stock through ``stock/update``).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.control import ControlError, read_json
from wxsandbox.responses import json_response
from wxsandbox.store import categories, push, timers
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import control_api, dict_of, id_of, int_of, list_of, shop_of, store_api
from wxsandbox.store.shop import IMAGE_URL_PREFIX

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_products (
    product_id     TEXT PRIMARY KEY,
    appid          TEXT NOT NULL,
    out_product_id TEXT NOT NULL DEFAULT '',
    status         INTEGER NOT NULL DEFAULT 0,    -- §4.4 online status
    edit_status    INTEGER NOT NULL DEFAULT 1,    -- §4.4 draft status
    draft          TEXT NOT NULL,                 -- the SPU as last written (JSON)
    online         TEXT,                          -- the SPU as last approved (JSON), NULL before
    listing        INTEGER NOT NULL DEFAULT 0,    -- list the product when the pending audit passes
    ever_listed    INTEGER NOT NULL DEFAULT 0,
    reject_reason  TEXT NOT NULL DEFAULT '',
    submit_time    INTEGER NOT NULL DEFAULT 0,
    audit_time     INTEGER NOT NULL DEFAULT 0,
    create_time    INTEGER NOT NULL,
    edit_time      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS store_products_shop ON store_products (appid, status, product_id);
CREATE INDEX IF NOT EXISTS store_products_paging ON store_products (appid, product_id);
CREATE TABLE IF NOT EXISTS store_skus (
    sku_id      TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL,
    stock       INTEGER NOT NULL CHECK (stock >= 0),
    sold        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS store_skus_product ON store_skus (product_id);
"""

PRODUCT_ID_START = 10000139000000
SKU_ID_START = 2424540000
NO_BRAND = "2100000000"
ON_SALE, DELISTED, RECYCLED, PURGED = 5, 11, 6, 9
PLATFORM_DELIST = (13, 14, 15, 20)
DRAFT, AUDITING, REJECTED, APPROVED = 1, 2, 3, 4
MAX_PRICE = 10_000_000
MAX_STOCK = 10_000_000


def next_id(sandbox: Any, name: str, start: int) -> str:
    """A sequential id (the caller holds a transaction)."""
    key = f"store.next_id:{name}"
    value = int(sandbox.state.get_meta(key) or start)
    sandbox.state.set_meta(key, str(value + 1))
    return str(value)


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


# -- validation (§4.3, §4.6) ----------------------------------------------------------------------------------


def _effective_chars(title: str) -> int:
    return sum(1 for ch in title if ch.isalnum())


def _image(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise StoreError(47001, field)
    if not value.startswith(IMAGE_URL_PREFIX) or len(value) > 1024:
        raise StoreError(10020035, field)
    return value


def _title(data: dict[str, Any]) -> str:
    title = data.get("title")
    if title is None or title == "":
        raise StoreError(10020020)
    if not isinstance(title, str):
        raise StoreError(47001, "title")
    if len(title) > 60:
        raise StoreError(10020021)
    if _effective_chars(title) < 5:
        raise StoreError(10020042)
    if all(ch.isascii() for ch in title):
        raise StoreError(10020045)
    return title


def _sku_attrs(raw: Any, leaf: categories.Category) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        raise StoreError(47001, "sku_attrs")
    attrs = []
    for item in raw:
        if not isinstance(item, dict):
            raise StoreError(47001, "sku_attrs")
        key, value = item.get("attr_key"), item.get("attr_value")
        if not isinstance(key, str) or not isinstance(value, str):
            raise StoreError(47001, "sku_attrs")
        if len(key) > 40:
            raise StoreError(10020032)
        if len(value) > 40:
            raise StoreError(10020033)
        if key not in leaf.sale_attrs:
            raise StoreError(10020012, key)
        attrs.append({"attr_key": key, "attr_value": value})
    return attrs


def _sku(raw: Any, leaf: categories.Category, known: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise StoreError(47001, "skus")
    sku_id = id_of(raw.get("sku_id"), 10020051, required=False)
    if sku_id is not None and sku_id not in known:
        raise StoreError(10020051, "sku_id")
    sale_price = int_of(raw, "sale_price", 0, lo=0, hi=2**62)
    if sale_price == 0:
        raise StoreError(10020039)
    if sale_price > MAX_PRICE:
        raise StoreError(10020028)
    market_price = int_of(raw, "market_price", 0, lo=0, hi=2**62)
    if market_price > MAX_PRICE:
        raise StoreError(10020028)
    if market_price and sale_price > market_price:
        raise StoreError(10020040)
    stock = raw.get("stock_num", 0)
    if isinstance(stock, bool) or not isinstance(stock, int):
        raise StoreError(47001, "stock_num")
    if not 0 <= stock <= MAX_STOCK:
        raise StoreError(10020051, "stock_num")
    text = {}
    for name, limit, errcode in (
        ("out_sku_id", 128, 10020037),
        ("sku_code", 20, 10020029),
        ("bar_code", 64, 40097),
    ):
        value = raw.get(name, "")
        if not isinstance(value, str):
            raise StoreError(47001, name)
        if len(value) > limit:
            raise StoreError(errcode)
        text[name] = value
    thumb = _image(raw["thumb_img"], "thumb_img") if raw.get("thumb_img") else ""
    deliver = raw.get("sku_deliver_info") or {"stock_type": 0}
    if not isinstance(deliver, dict):
        raise StoreError(47001, "sku_deliver_info")
    return {
        "sku_id": sku_id,
        **text,
        "thumb_img": thumb,
        "sale_price": sale_price,
        "market_price": market_price,
        "stock_num": stock,
        "sku_attrs": _sku_attrs(raw.get("sku_attrs") or [], leaf),
        "sku_deliver_info": deliver,
    }


def validate_spu(sandbox: Any, data: dict[str, Any], known_skus: set[str]) -> dict[str, Any]:
    """The normalised SPU of an add/update body; raises the §4.6 error of the first violation."""
    title = _title(data)
    leaf = categories.leaf_path(sandbox, data.get("cats_v2") or data.get("cats"))
    imgs = list_of(data, "head_imgs")
    if not imgs:
        raise StoreError(10020022)
    if len(imgs) > 9:
        raise StoreError(10020023)
    minimum = 4 if leaf.cat_id in ("6201",) else 3  # food needs 4 (§4.3)
    if len(imgs) < minimum:
        raise StoreError(10020022, f"至少 {minimum} 张")
    head_imgs = [_image(u, "head_imgs") for u in imgs]
    if len(set(head_imgs)) != len(head_imgs):
        raise StoreError(10020051, "head_imgs 重复")
    desc = dict_of(data, "desc_info")
    desc_imgs = [_image(u, "desc_info.imgs") for u in list_of(desc, "imgs")]
    if len(desc_imgs) > 50:
        raise StoreError(10020025)
    desc_text = desc.get("desc", "")
    if not isinstance(desc_text, str):
        raise StoreError(47001, "desc_info.desc")
    if len(desc_text) > 2000:
        raise StoreError(10020026)
    attrs = []
    for item in list_of(data, "attrs"):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("attr_key", "attr_value")
        ):
            raise StoreError(47001, "attrs")
        if len(item["attr_key"]) > 40:
            raise StoreError(10020032)
        if len(item["attr_value"]) > 200:
            raise StoreError(10020033)
        attrs.append({"attr_key": item["attr_key"], "attr_value": item["attr_value"]})
    given = {a["attr_key"] for a in attrs if a["attr_value"].strip()}
    missing = [name for name, required in leaf.product_attrs if required and name not in given]
    if missing:
        raise StoreError(10020051, "attrs 缺少 " + "、".join(missing))
    raw_skus = list_of(data, "skus")
    if not 1 <= len(raw_skus) <= 500:
        raise StoreError(10020013)
    skus = [_sku(raw, leaf, known_skus) for raw in raw_skus]
    ids = [s["sku_id"] for s in skus if s["sku_id"]]
    if len(set(ids)) != len(ids):
        raise StoreError(10020051, "sku_id 重复")
    values: dict[str, set[str]] = {}
    for sku in skus:
        for attr in sku["sku_attrs"]:
            values.setdefault(attr["attr_key"], set()).add(attr["attr_value"])
    if any(len(v) > 100 for v in values.values()):
        raise StoreError(10020031)
    deliver_method = int_of(data, "deliver_method", 0, lo=0, hi=3)
    if deliver_method == 2:
        raise StoreError(10020051, "deliver_method")
    out_product_id = data.get("out_product_id", "")
    if not isinstance(out_product_id, str):
        raise StoreError(47001, "out_product_id")
    if len(out_product_id) > 128:
        raise StoreError(10020036)
    spu: dict[str, Any] = {
        "out_product_id": out_product_id,
        "title": title,
        "sub_title": data.get("sub_title") if isinstance(data.get("sub_title"), str) else "",
        "short_title": data.get("short_title") if isinstance(data.get("short_title"), str) else "",
        "head_imgs": head_imgs,
        "desc_info": {"imgs": desc_imgs, "desc": desc_text},
        "cats_v2": [{"cat_id": c.cat_id} for c in reversed(categories.chain(leaf))],
        "attrs": attrs,
        "spu_code": data.get("spu_code") if isinstance(data.get("spu_code"), str) else "",
        "brand_id": id_of(data.get("brand_id") or NO_BRAND, 10020051),
        "deliver_method": deliver_method,
        "express_info": dict_of(data, "express_info"),
        "aftersale_desc": data.get("aftersale_desc") if isinstance(data.get("aftersale_desc"), str) else "",
        "limited_info": dict_of(data, "limited_info"),
        "extra_service": dict_of(data, "extra_service"),
        "after_sale_info": dict_of(data, "after_sale_info"),
        "skus": skus,
    }
    for name in ("sub_title", "short_title", "spu_code", "aftersale_desc"):
        if len(spu[name]) > 2000:
            raise StoreError(40097, name)
    return spu


def _listing_flag(data: dict[str, Any]) -> bool:
    value = data.get("listing", 0)
    if value in (0, 1, True, False):
        return bool(value)
    raise StoreError(47001, "listing")


# -- state ------------------------------------------------------------------------------------------------------


def row_of(sandbox: Any, shop: AppConfig, product_id: Any) -> Any:
    pid = id_of(product_id, 10020000)
    row = sandbox.state.one(
        "SELECT * FROM store_products WHERE product_id = ? AND appid = ?", (pid, shop.appid)
    )
    if row is None:
        raise StoreError(10020052)
    return row


def stock_of(sandbox: Any, product_id: str) -> dict[str, int]:
    return {
        r["sku_id"]: r["stock"]
        for r in sandbox.state.query(
            "SELECT sku_id, stock FROM store_skus WHERE product_id = ?", (product_id,)
        )
    }


def _assign_sku_ids(sandbox: Any, product_id: str, spu: dict[str, Any]) -> None:
    """New SKUs get ids and their stock row now (draft SKUs are real from the start)."""
    for sku in spu["skus"]:
        if sku["sku_id"] is None:
            sku["sku_id"] = next_id(sandbox, "sku", SKU_ID_START)
            sandbox.state.execute(
                "INSERT INTO store_skus (sku_id, product_id, stock) VALUES (?, ?, ?)",
                (sku["sku_id"], product_id, sku["stock_num"]),
            )


def describe(sandbox: Any, row: Any, copy: str) -> dict[str, Any]:
    """A product copy as ``product/get`` shows it, with live stock."""
    spu = json.loads(row[copy])
    stock = stock_of(sandbox, row["product_id"])
    skus = [sku | {"stock_num": stock.get(sku["sku_id"], 0), "status": 0} for sku in spu["skus"]]
    shown = {
        "product_id": row["product_id"],
        **spu,
        "cats": spu["cats_v2"],
        "skus": skus,
        "status": row["status"],
        "edit_status": row["edit_status"],
        "min_price": min(s["sale_price"] for s in skus),
        "product_type": 1,
        "create_time": row["create_time"],
        "edit_time": row["edit_time"],
        "total_sold_num": sandbox.state.scalar(
            "SELECT COALESCE(SUM(sold), 0) FROM store_skus WHERE product_id = ?", (row["product_id"],)
        ),
    }
    if copy == "draft":  # where a poller finds the audit result (field names unconfirmed)
        shown["audit_info"] = {
            "submit_time": row["submit_time"],
            "audit_time": row["audit_time"],
            "reject_reason": row["reject_reason"],
        }
    return shown


def _update_event(sandbox: Any, shop: AppConfig, product_id: str, status: int) -> None:
    push.emit(
        sandbox, shop, "product_spu_update", product_id,
        {"ProductSpuUpdate": {"product_id": product_id, "status": status, "product_type": 1}},
    )  # fmt: skip


def _listing_event(sandbox: Any, shop: AppConfig, product_id: str, status: int, reason: str = "") -> None:
    push.emit(
        sandbox, shop, "product_spu_listing", product_id,
        {"ProductSpuListing": {"product_id": product_id, "status": status, "reason": reason, "product_type": 1}},
    )  # fmt: skip


def _audit_event(sandbox: Any, shop: AppConfig, product_id: str, status: int, reason: str = "") -> None:
    audit_info = ""
    if status == 2:
        audit_info = json.dumps(
            {
                "busi_audit_info": {
                    "item_list": [
                        {
                            "multi_failed_reasons": [{"audit_reason": reason}],
                            "busi_show_field_api": "product.head_imgs",
                        }
                    ]
                }
            },
            ensure_ascii=False,
        )
    body = {
        "product_id": product_id,
        "status": status,
        "reason": reason,
        "audit_info": audit_info,
        "product_type": 1,
    }
    push.emit(sandbox, shop, "product_spu_audit", product_id, {"ProductSpuAudit": body})


def submit(sandbox: Any, shop: AppConfig, product_id: str) -> None:
    """Put the draft under audit (the caller holds a transaction) and schedule the outcome."""
    now = sandbox.clock.timestamp()
    sandbox.state.execute(
        "UPDATE store_products SET edit_status = ?, listing = 1, submit_time = ?, reject_reason = ''"
        " WHERE product_id = ?",
        (AUDITING, now, product_id),
    )
    settings = store_settings.load(sandbox)
    if settings.audit_outcome != "manual":
        timers.schedule(sandbox, "audit", product_id, settings.audit_delay_seconds)


def decide(sandbox: Any, product_id: str, outcome: str, reason: str) -> None:
    """Finish a pending audit: pass (the draft goes online, listed if asked) or reject."""
    row = sandbox.state.one("SELECT * FROM store_products WHERE product_id = ?", (product_id,))
    if row is None or row["edit_status"] != AUDITING:
        return  # cancelled or already decided
    shop = sandbox.config.app(row["appid"])
    now = sandbox.clock.timestamp()
    if outcome == "reject":
        sandbox.state.execute(
            "UPDATE store_products SET edit_status = ?, reject_reason = ?, audit_time = ?, listing = 0"
            " WHERE product_id = ?",
            (REJECTED, reason, now, product_id),
        )
        if shop is not None:
            _audit_event(sandbox, shop, product_id, 2, reason)
        return
    draft = json.loads(row["draft"])
    keep = {s["sku_id"] for s in draft["skus"]}
    for sku_id in set(stock_of(sandbox, product_id)) - keep:
        sandbox.state.execute("DELETE FROM store_skus WHERE sku_id = ?", (sku_id,))
    listed = bool(row["listing"]) and row["status"] not in (RECYCLED, PURGED)
    status = ON_SALE if listed else row["status"]
    sandbox.state.execute(
        "UPDATE store_products SET online = draft, edit_status = ?, status = ?, audit_time = ?, listing = 0,"
        " reject_reason = '', ever_listed = MAX(ever_listed, ?) WHERE product_id = ?",
        (APPROVED, status, now, int(listed), product_id),
    )
    if shop is not None:
        _audit_event(sandbox, shop, product_id, 3)
        if listed and row["status"] != ON_SALE:
            _listing_event(sandbox, shop, product_id, ON_SALE)


def run_audit(sandbox: Any, product_id: str) -> None:
    """Timer handler: the configured outcome."""
    settings = store_settings.load(sandbox)
    if settings.audit_outcome != "manual":
        decide(sandbox, product_id, settings.audit_outcome, settings.audit_reason)


def _editable(row: Any) -> None:
    if row["status"] in (RECYCLED, PURGED):
        raise StoreError(10020008)


# -- endpoints ----------------------------------------------------------------------------------------------------


@store_api()
async def add(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    spu = validate_spu(sandbox, data, set())
    listing = _listing_flag(data)
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        product_id = next_id(sandbox, "product", PRODUCT_ID_START)
        _assign_sku_ids(sandbox, product_id, spu)
        sandbox.state.execute(
            "INSERT INTO store_products (product_id, appid, out_product_id, draft, create_time, edit_time)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (product_id, shop.appid, spu["out_product_id"], json.dumps(spu, ensure_ascii=False), now, now),
        )
        _update_event(sandbox, shop, product_id, 1)
        if listing:
            submit(sandbox, shop, product_id)
    return {"data": {"product_id": product_id, "create_time": _date(now)}}


@store_api()
async def update(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    product_id = row["product_id"]
    _editable(row)
    if row["edit_status"] == AUDITING:
        raise StoreError(10020217)
    spu = validate_spu(sandbox, data, set(stock_of(sandbox, product_id)))
    if spu["out_product_id"] != row["out_product_id"]:
        if "out_product_id" in data:
            raise StoreError(10020051, "out_product_id 创建后不可修改")
        spu["out_product_id"] = row["out_product_id"]
    listing = _listing_flag(data)
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        current = sandbox.state.one(
            "SELECT edit_status FROM store_products WHERE product_id = ?", (product_id,)
        )
        if current["edit_status"] == AUDITING:  # submitted meanwhile
            raise StoreError(10020217)
        _assign_sku_ids(sandbox, product_id, spu)
        sandbox.state.execute(
            "UPDATE store_products SET draft = ?, edit_status = ?, edit_time = ? WHERE product_id = ?",
            (json.dumps(spu, ensure_ascii=False), DRAFT, now, product_id),
        )
        _update_event(sandbox, shop, product_id, 0)
        if listing:
            submit(sandbox, shop, product_id)
    return {"data": {"product_id": product_id, "update_time": _date(now)}}


@store_api()
async def get(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    data_type = int_of(data, "data_type", 1, lo=1, hi=3)
    result: dict[str, Any] = {}
    if data_type in (1, 3) and row["online"] is not None:
        result["product"] = describe(sandbox, row, "online")
    if data_type in (2, 3):
        result["edit_product"] = describe(sandbox, row, "draft")
    result["sale_limit_info"] = {"is_limited": False, "title": "", "sub_title": ""}
    return result


def _page_key(last_id: str, total: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([last_id, total]).encode()).decode()


def _page_after(key: Any) -> tuple[str, int | None]:
    """(last product_id, the total counted on the first page) of an opaque next_key."""
    if not key:
        return "", None
    if not isinstance(key, str) or len(key) > 200:
        raise StoreError(40097, "next_key")
    try:
        last, total = json.loads(base64.urlsafe_b64decode(key.encode()))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise StoreError(40097, "next_key") from exc
    if not isinstance(last, str) or not last.isdigit() or not isinstance(total, int):
        raise StoreError(40097, "next_key")
    return last, total


@store_api()
async def list_get(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    settings = store_settings.load(sandbox)
    page_size = int_of(data, "page_size", 10, lo=1, hi=settings.product_page_size_max)
    where, params = "appid = ?", [shop.appid]
    if data.get("status") is not None:
        where += " AND status = ?"
        params.append(int_of(data, "status", lo=0, hi=100))
    else:  # §4.4: all except never-listed drafts and the recycle bin ("+": page by the id index)
        where += " AND +status NOT IN (0, 6, 9)"
    after, total = _page_after(data.get("next_key"))
    if total is None:  # counted once per listing: later pages carry it in next_key (100,000 products)
        total = sandbox.state.scalar(f"SELECT COUNT(*) FROM store_products WHERE {where}", params)
    # ids are sequential and of one length, so text order is numeric order and the index pages them
    rows = sandbox.state.query(
        f"SELECT product_id FROM store_products WHERE {where} AND product_id > ? ORDER BY product_id LIMIT ?",
        [*params, after, page_size],
    )
    ids = [r["product_id"] for r in rows]
    return {"product_ids": ids, "next_key": _page_key(ids[-1], total) if ids else "", "total_num": total}


@store_api()
async def listing(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    _editable(row)
    if not json.loads(row["draft"])["skus"]:
        raise StoreError(10020038)
    with sandbox.state.transaction():
        current = sandbox.state.one(
            "SELECT edit_status FROM store_products WHERE product_id = ?", (row["product_id"],)
        )
        if current["edit_status"] != AUDITING:  # again while pending: nothing new (§4.1)
            submit(sandbox, shop, row["product_id"])
    return {}


@store_api()
async def delisting(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    with sandbox.state.transaction():
        _change(
            sandbox,
            10020001,
            "UPDATE store_products SET status = ? WHERE product_id = ? AND status = ?",
            (DELISTED, row["product_id"], ON_SALE),
        )
        _listing_event(sandbox, shop, row["product_id"], DELISTED)
    return {}


@store_api()
async def delete(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    with sandbox.state.transaction():
        _change(
            sandbox,
            10020008,
            "UPDATE store_products SET status = ?, listing = 0, edit_status = CASE edit_status WHEN 2 THEN 1"
            " ELSE edit_status END WHERE product_id = ? AND status NOT IN (6, 9)",
            (RECYCLED, row["product_id"]),
        )
        timers.cancel(sandbox, "audit", row["product_id"])
        _update_event(sandbox, shop, row["product_id"], 2)
    return {}


@store_api()
async def audit_cancel(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    with sandbox.state.transaction():
        _change(
            sandbox,
            10020001,
            "UPDATE store_products SET edit_status = ?, listing = 0 WHERE product_id = ? AND edit_status = ?",
            (DRAFT, row["product_id"], AUDITING),
        )
        timers.cancel(sandbox, "audit", row["product_id"])
        _audit_event(sandbox, shop, row["product_id"], 4)
    return {}


def _change(sandbox: Any, errcode: int, sql: str, params: tuple) -> None:
    """A guarded UPDATE that must change its row; otherwise the product was not in the state it needs."""
    if not sandbox.state.execute(sql, params).rowcount:
        raise StoreError(errcode)


def _sku_of(sandbox: Any, row: Any, sku_id: Any) -> str:
    sid = id_of(sku_id, 10020051)
    owner = sandbox.state.scalar("SELECT product_id FROM store_skus WHERE sku_id = ?", (sid,))
    if owner != row["product_id"]:
        raise StoreError(10020051, "sku_id")
    return sid


@store_api()
async def stock_update(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    if row["status"] in (RECYCLED, PURGED):
        raise StoreError(10020052)
    if not row["ever_listed"]:
        raise StoreError(10020289)
    if row["edit_status"] == AUDITING:
        raise StoreError(10020217)
    sku_id = _sku_of(sandbox, row, data.get("sku_id"))
    diff_type = int_of(data, "diff_type", lo=0, hi=10)
    num = int_of(data, "num", lo=0, hi=MAX_STOCK)
    if diff_type not in (1, 2, 3):
        raise StoreError(10020051, "diff_type")
    if diff_type in (1, 2) and num == 0:
        raise StoreError(10020218)
    with sandbox.state.transaction():
        if diff_type == 1:
            changed = sandbox.state.execute(
                "UPDATE store_skus SET stock = stock + ? WHERE sku_id = ? AND stock + ? <= ?",
                (num, sku_id, num, MAX_STOCK),
            ).rowcount
            if not changed:
                raise StoreError(10020051, "num")
        elif diff_type == 2:
            changed = sandbox.state.execute(
                "UPDATE store_skus SET stock = stock - ? WHERE sku_id = ? AND stock >= ?", (num, sku_id, num)
            ).rowcount
            if not changed:
                raise StoreError(10020219)
        else:
            sandbox.state.execute("UPDATE store_skus SET stock = ? WHERE sku_id = ?", (num, sku_id))
    return {}


def _stock_info(stock: int) -> dict[str, Any]:
    return {
        "normal_stock_num": stock,
        "limited_discount_stock_num": 0,
        "warehouse_stocks": [],
        "total_stock_num": stock,
        "finder_stock_num": 0,
    }


@store_api()
async def stock_get(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = row_of(sandbox, shop, data.get("product_id"))
    sku_id = _sku_of(sandbox, row, data.get("sku_id"))
    return {"data": _stock_info(stock_of(sandbox, row["product_id"])[sku_id])}


@store_api()
async def stock_batchget(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    ids = list_of(data, "product_ids")
    if not 1 <= len(ids) <= store_settings.load(sandbox).stock_batchget_max:
        raise StoreError(40097, "product_ids")
    wanted = [id_of(v, 10020000) for v in ids]
    marks = ",".join("?" * len(wanted))
    owned = {
        r["product_id"]
        for r in sandbox.state.query(
            f"SELECT product_id FROM store_products WHERE appid = ? AND product_id IN ({marks})",
            [shop.appid, *wanted],
        )
    }
    stocks: dict[str, list[dict[str, Any]]] = {pid: [] for pid in wanted if pid in owned}
    for r in sandbox.state.query(
        f"SELECT product_id, sku_id, stock FROM store_skus WHERE product_id IN ({marks}) ORDER BY sku_id",
        wanted,
    ):
        if r["product_id"] in stocks:
            stocks[r["product_id"]].append({"sku_id": r["sku_id"], **_stock_info(r["stock"])})
    return {
        "data": {"spu_stock_list": [{"product_id": pid, "sku_stock": skus} for pid, skus in stocks.items()]}
    }


# -- control API --------------------------------------------------------------------------------------------------


def _control_product(sandbox: Any, request: Request) -> Any:
    row = sandbox.state.one(
        "SELECT * FROM store_products WHERE product_id = ?", (request.path_params["product_id"],)
    )
    if row is None:
        raise ControlError("not_found", "没有这个商品", 404)
    return row


@control_api
async def audit_route(request: Request, sandbox: Any) -> Any:
    """Decide a pending audit now: ``{"outcome": "pass" | "reject", "reason"?}``."""
    row = _control_product(sandbox, request)
    data = await read_json(request)
    outcome = data.get("outcome")
    if outcome not in ("pass", "reject"):
        raise ControlError("invalid_request", "outcome 只能是 pass 或 reject")
    reason = data.get("reason") or store_settings.load(sandbox).audit_reason
    if not isinstance(reason, str) or len(reason) > 200:
        raise ControlError("invalid_request", "reason 需为不超过 200 字的文本")
    with sandbox.state.transaction():
        if row["edit_status"] != AUDITING:
            raise ControlError("not_pending", "该商品没有待审核的提交", 409)
        timers.cancel(sandbox, "audit", row["product_id"])
        decide(sandbox, row["product_id"], outcome, reason)
    return _summary(sandbox, row["product_id"])


@control_api
async def platform_delist_route(request: Request, sandbox: Any) -> Any:
    """The platform takes a listed product off sale: ``{"status": 13 | 14 | 15 | 20, "reason"?}``."""
    row = _control_product(sandbox, request)
    data = await read_json(request)
    status = data.get("status", 13)
    if status not in PLATFORM_DELIST:
        raise ControlError("invalid_request", f"status 只能是 {PLATFORM_DELIST}")
    reason = data.get("reason", "违规下架")
    if not isinstance(reason, str) or len(reason) > 200:
        raise ControlError("invalid_request", "reason 需为不超过 200 字的文本")
    shop = sandbox.config.app(row["appid"])
    with sandbox.state.transaction():
        changed = sandbox.state.execute(
            "UPDATE store_products SET status = ? WHERE product_id = ? AND status = ?",
            (status, row["product_id"], ON_SALE),
        ).rowcount
        if not changed:
            raise ControlError("not_on_sale", "商品不在售", 409)
        _listing_event(sandbox, shop, row["product_id"], status, reason)
    return _summary(sandbox, row["product_id"])


def _summary(sandbox: Any, product_id: str) -> dict[str, Any]:
    row = sandbox.state.one("SELECT * FROM store_products WHERE product_id = ?", (product_id,))
    draft = json.loads(row["draft"])
    stock = stock_of(sandbox, product_id)
    return {
        "product_id": product_id,
        "appid": row["appid"],
        "out_product_id": row["out_product_id"],
        "title": draft["title"],
        "status": row["status"],
        "edit_status": row["edit_status"],
        "reject_reason": row["reject_reason"],
        "online": row["online"] is not None,
        "skus": [
            {"sku_id": s["sku_id"], "out_sku_id": s["out_sku_id"], "stock": stock.get(s["sku_id"], 0)}
            for s in draft["skus"]
        ],
    }


@control_api
async def products_route(request: Request, sandbox: Any) -> Any:
    """``GET /sandbox/store/products?appid=&status=``: every product with status and stock."""
    shop = shop_of(sandbox, request.query_params.get("appid"))
    sql, params = "SELECT product_id FROM store_products WHERE appid = ?", [shop.appid]
    status = request.query_params.get("status")
    if status:
        if not status.isdigit():
            raise ControlError("invalid_request", "status must be an integer")
        sql += " AND status = ?"
        params.append(int(status))
    rows = sandbox.state.query(sql + " ORDER BY product_id LIMIT 10000", params)
    return {"products": [_summary(sandbox, r["product_id"]) for r in rows]}


@control_api
async def product_route(request: Request, sandbox: Any) -> Any:
    return _summary(sandbox, _control_product(sandbox, request)["product_id"])


@control_api
async def stock_route(request: Request, sandbox: Any) -> Any:
    """Set stock from WeChat's side (drift for reconciliation tests): ``{"items": [{"sku_id", "stock"}]}``."""
    data = await read_json(request)
    items = data.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 100_000:
        raise ControlError("invalid_request", "items: 1-100000 entries of {sku_id, stock}")
    rows = []
    for item in items:
        sku_id, stock = (item.get("sku_id"), item.get("stock")) if isinstance(item, dict) else (None, None)
        if not isinstance(sku_id, str) or isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
            raise ControlError("invalid_request", "each item needs sku_id (string) and stock (integer ≥ 0)")
        rows.append((stock, sku_id))
    with sandbox.state.transaction():
        known = sum(
            sandbox.state.execute("UPDATE store_skus SET stock = ? WHERE sku_id = ?", row).rowcount
            for row in rows
        )
    return {"updated": known}


def _seed_spu(item: Any, leaf: categories.Category, index: int) -> dict[str, Any]:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("skus"), list)
        or not 1 <= len(item["skus"]) <= 500
    ):
        raise ControlError("invalid_request", f"products[{index}]: needs skus (1-500)")
    skus = []
    for sku in item["skus"]:
        price, stock = (
            (sku.get("sale_price", 100), sku.get("stock", 0)) if isinstance(sku, dict) else (None, None)
        )
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in (price, stock)) or not price:
            raise ControlError(
                "invalid_request", f"products[{index}]: sale_price > 0 and stock ≥ 0 (integers)"
            )
        skus.append(
            {"sku_id": None, "out_sku_id": str(sku.get("out_sku_id", ""))[:128], "sku_code": "", "bar_code": "",
             "thumb_img": "", "sale_price": price, "market_price": 0, "stock_num": stock,
             "sku_attrs": [], "sku_deliver_info": {"stock_type": 0}}
        )  # fmt: skip
    title = item.get("title") or f"沙箱预置商品 {index + 1} 号"
    return {
        "out_product_id": str(item.get("out_product_id", ""))[:128],
        "title": str(title)[:60],
        "sub_title": "",
        "short_title": "",
        "head_imgs": [f"{IMAGE_URL_PREFIX}seed/{n}" for n in range(3)],
        "desc_info": {"imgs": [], "desc": ""},
        "cats_v2": [{"cat_id": c.cat_id} for c in reversed(categories.chain(leaf))],
        "attrs": [{"attr_key": "品牌", "attr_value": "沙箱"}],
        "spu_code": "",
        "brand_id": NO_BRAND,
        "deliver_method": 0,
        "express_info": {},
        "aftersale_desc": "",
        "limited_info": {},
        "extra_service": {},
        "after_sale_info": {},
        "skus": skus,
    }


@control_api
async def bulk_route(request: Request, sandbox: Any) -> Any:
    """Products that were already on sale in the Store (benchmarks, demos): listed at once, no audit, no
    pushes. ``{"appid"?, "products": [{"out_product_id", "title"?, "skus": [{"out_sku_id", "sale_price",
    "stock"}]}]}`` (≤ 10,000 products) → the ids WeChat assigned."""
    data = await read_json(request)
    shop = shop_of(sandbox, data.get("appid"))
    items = data.get("products")
    if not isinstance(items, list) or not 1 <= len(items) <= 10_000:
        raise ControlError("invalid_request", "products: 1-10000 entries")
    leaf = categories.BY_ID["6091"]
    spus = [_seed_spu(item, leaf, i) for i, item in enumerate(items)]
    now = sandbox.clock.timestamp()
    created = []
    with sandbox.state.transaction():
        product_rows, sku_rows = [], []
        product_counter = int(sandbox.state.get_meta("store.next_id:product") or PRODUCT_ID_START)
        sku_counter = int(sandbox.state.get_meta("store.next_id:sku") or SKU_ID_START)
        for spu in spus:
            product_id = str(product_counter)
            product_counter += 1
            for sku in spu["skus"]:
                sku["sku_id"] = str(sku_counter)
                sku_counter += 1
                sku_rows.append((sku["sku_id"], product_id, sku["stock_num"]))
            text = json.dumps(spu, ensure_ascii=False)
            product_rows.append(
                (product_id, shop.appid, spu["out_product_id"], text, text, now, now, now, now)
            )
            created.append(
                {"product_id": product_id, "out_product_id": spu["out_product_id"],
                 "skus": [{"sku_id": s["sku_id"], "out_sku_id": s["out_sku_id"]} for s in spu["skus"]]}
            )  # fmt: skip
        sandbox.state.executemany(
            "INSERT INTO store_products (product_id, appid, out_product_id, status, edit_status, draft, online,"
            " ever_listed, submit_time, audit_time, create_time, edit_time) VALUES (?, ?, ?, 5, 4, ?, ?, 1, ?, ?, ?, ?)",
            product_rows,
        )
        sandbox.state.executemany(
            "INSERT INTO store_skus (sku_id, product_id, stock) VALUES (?, ?, ?)", sku_rows
        )
        sandbox.state.set_meta("store.next_id:product", str(product_counter))
        sandbox.state.set_meta("store.next_id:sku", str(sku_counter))
    return json_response({"products": created}, 201)


routes = [
    Route("/channels/ec/product/add", add, methods=["GET", "POST"], name="store.product.add"),
    Route("/channels/ec/product/update", update, methods=["GET", "POST"], name="store.product.update"),
    Route("/channels/ec/product/get", get, methods=["GET", "POST"], name="store.product.get"),
    Route("/channels/ec/product/list/get", list_get, methods=["GET", "POST"], name="store.product.list"),
    Route("/channels/ec/product/listing", listing, methods=["GET", "POST"], name="store.product.listing"),
    Route(
        "/channels/ec/product/delisting", delisting, methods=["GET", "POST"], name="store.product.delisting"
    ),
    Route("/channels/ec/product/delete", delete, methods=["GET", "POST"], name="store.product.delete"),
    Route(
        "/channels/ec/product/audit/cancel",
        audit_cancel,
        methods=["GET", "POST"],
        name="store.product.audit_cancel",
    ),
    Route(
        "/channels/ec/product/stock/update", stock_update, methods=["GET", "POST"], name="store.stock.update"
    ),
    Route("/channels/ec/product/stock/get", stock_get, methods=["GET", "POST"], name="store.stock.get"),
    Route(
        "/channels/ec/product/stock/batchget",
        stock_batchget,
        methods=["GET", "POST"],
        name="store.stock.batchget",
    ),
]
control_routes = [
    Route("/sandbox/store/products", products_route, methods=["GET"], name="sandbox.store.products"),
    Route(
        "/sandbox/store/products/{product_id}", product_route, methods=["GET"], name="sandbox.store.product"
    ),
    Route(
        "/sandbox/store/products/{product_id}/audit",
        audit_route,
        methods=["POST"],
        name="sandbox.store.audit",
    ),
    Route(
        "/sandbox/store/products/{product_id}/platform-delist",
        platform_delist_route,
        methods=["POST"],
        name="sandbox.store.platform_delist",
    ),
    Route("/sandbox/store/stock", stock_route, methods=["POST"], name="sandbox.store.stock"),
    Route("/sandbox/store/products/bulk", bulk_route, methods=["POST"], name="sandbox.store.products_bulk"),
]
