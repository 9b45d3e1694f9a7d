"""优选联盟 (reference §8.4–8.5): promoters (带货达人) the shop invites, and the products it offers them with a
commission ratio (shop token).

Promoter status (B.4): add → 1 邀请中; the creator accepts → 2 / rejects → 3 (control API, the creator's
answer); ``upd`` type 1 cancels an invitation (1 → 4), type 2 ends a cooperation (2 → 5); ``delete`` → 10.
Inviting again within 24 h of the last invitation answers 10023004. A promoter is named by ``finder_id``
(``sph…``) or the newer ``promoter_id`` (the same value here).

Items: plan ``type`` 1 普通 (every cooperating creator), 2 定向 (listed creators, needs an active type-1 plan
of the product), 3 专属 (only the listed creators; excludes 1/2). ``ratio`` is an integer percent 0–90.
Status 1 推广中, 10 待生效 (begin_time ahead), 2 past end_time, 4 deleted. Orders a promoter sells
(``POST /sandbox/store/orders {"promoter": finder_id}``) carry ``source_infos.sale_channel = 100`` and
``commission_infos`` at the ratio of the plan that lets that creator sell the product (orders.py).
``operate_type`` of ``item/upd`` is unconfirmed: 1 changes ratio/time, 2 changes the creator list.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.control import ControlError, read_json
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import control_api, dict_of, id_of, int_of, list_of, shop_of, store_api
from wxsandbox.store.products import ON_SALE, next_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_promoters (
    appid        TEXT NOT NULL,
    finder_id    TEXT NOT NULL,
    nickname     TEXT NOT NULL DEFAULT '',
    status       INTEGER NOT NULL,
    invite_time  INTEGER NOT NULL,
    PRIMARY KEY (appid, finder_id)
);
CREATE TABLE IF NOT EXISTS store_league_items (
    info_id      TEXT PRIMARY KEY,
    appid        TEXT NOT NULL,
    type         INTEGER NOT NULL,           -- 1 普通 | 2 定向 | 3 专属
    product_id   TEXT NOT NULL,
    ratio        INTEGER NOT NULL,           -- percent
    finder_ids   TEXT NOT NULL DEFAULT '[]', -- JSON list (types 2, 3)
    begin_time   INTEGER NOT NULL,
    end_time     INTEGER NOT NULL,           -- 0: is_forerver
    deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS store_league_items_product ON store_league_items (appid, product_id);
"""

INVITING, ACCEPTED, REJECTED, CANCELLED, ENDED, DELETED = 1, 2, 3, 4, 5, 10
INFO_ID_START = 700000001
MAX_ITEMS, MAX_FINDERS, MAX_RATIO = 20, 30, 90


def _finder_id(data: dict[str, Any]) -> str:
    value = data.get("promoter_id") or data.get("finder_id")
    if not isinstance(value, str) or not value.startswith("sph") or not 6 <= len(value) <= 32:
        raise StoreError(10023001)
    return value


def promoter(sandbox: Any, appid: str, finder_id: str) -> Any:
    return sandbox.state.one(
        "SELECT * FROM store_promoters WHERE appid = ? AND finder_id = ?", (appid, finder_id)
    )


def _sales(sandbox: Any, appid: str, finder_id: str) -> tuple[int, int]:
    rows = sandbox.state.query(
        "SELECT doc FROM store_orders WHERE appid = ? AND status IN (20, 21, 30, 100) AND EXISTS (SELECT 1 FROM"
        " json_each(doc, '$.order_detail.source_infos') WHERE json_extract(value, '$.sale_channel') = 100"
        " AND json_extract(value, '$.account_id') = ?)",
        (appid, finder_id),
    )
    products, gmv = set(), 0
    for row in rows:
        order = json.loads(row["doc"])
        for line in order["order_detail"]["product_infos"]:
            products.add(line["product_id"])
            gmv += line["real_price"]
    return len(products), gmv


def _describe_promoter(sandbox: Any, row: Any) -> dict[str, Any]:
    number, gmv = _sales(sandbox, row["appid"], row["finder_id"])
    return {"finder_id": row["finder_id"], "promoter_id": row["finder_id"], "status": row["status"],
            "invite_time": row["invite_time"], "sale_product_number": number, "sale_gmv": gmv}  # fmt: skip


# -- promoters ----------------------------------------------------------------------------------------------------------


@store_api()
async def promoter_add(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    finder_id = _finder_id(data)
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        row = promoter(sandbox, shop.appid, finder_id)
        if row is not None:
            if row["status"] == ACCEPTED:
                raise StoreError(10023006)
            if row["status"] == INVITING or now - row["invite_time"] < 86400:
                raise StoreError(10023004)
        sandbox.state.execute(
            "INSERT INTO store_promoters (appid, finder_id, status, invite_time) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (appid, finder_id) DO UPDATE SET status = excluded.status, invite_time = excluded.invite_time",
            (shop.appid, finder_id, INVITING, now),
        )
    return {}


@store_api()
async def promoter_upd(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    finder_id = _finder_id(data)
    kind = int_of(data, "type", lo=1, hi=2)
    before, after = (INVITING, CANCELLED) if kind == 1 else (ACCEPTED, ENDED)
    moved = sandbox.state.execute(
        "UPDATE store_promoters SET status = ? WHERE appid = ? AND finder_id = ? AND status = ?",
        (after, shop.appid, finder_id, before),
    ).rowcount
    if not moved:
        raise StoreError(10023005)
    return {}


@store_api()
async def promoter_delete(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    finder_id = _finder_id(data)
    moved = sandbox.state.execute(
        "UPDATE store_promoters SET status = ? WHERE appid = ? AND finder_id = ? AND status != ?",
        (DELETED, shop.appid, finder_id, DELETED),
    ).rowcount
    if not moved:
        raise StoreError(10023005)
    return {}


@store_api()
async def promoter_get(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = promoter(sandbox, shop.appid, _finder_id(data))
    if row is None:
        raise StoreError(10023001)
    return {"promoter": _describe_promoter(sandbox, row)}


@store_api()
async def promoter_list(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    page = int_of(data, "page_index", 1, lo=1, hi=100_000)
    size = int_of(data, "page_size", 10, lo=1, hi=100)
    where, params = "appid = ?", [shop.appid]
    if data.get("status") is not None:
        where += " AND status = ?"
        params.append(int_of(data, "status", lo=0, hi=10))
    total = sandbox.state.scalar(f"SELECT COUNT(*) FROM store_promoters WHERE {where}", params)
    rows = sandbox.state.query(
        f"SELECT finder_id FROM store_promoters WHERE {where} ORDER BY invite_time, finder_id LIMIT ? OFFSET ?",
        [*params, size, (page - 1) * size],
    )
    return {"finder_ids": [r["finder_id"] for r in rows], "total_num": total}


# -- alliance items -------------------------------------------------------------------------------------------------------


def _status(sandbox: Any, row: Any) -> int:
    now = sandbox.clock.timestamp()
    if row["deleted"]:
        return 4
    if row["begin_time"] > now:
        return 10
    if row["end_time"] and row["end_time"] <= now:
        return 2
    return 1


def _active(sandbox: Any, appid: str, product_id: str, types: tuple[int, ...]) -> list[Any]:
    marks = ",".join("?" * len(types))
    rows = sandbox.state.query(
        f"SELECT * FROM store_league_items WHERE appid = ? AND product_id = ? AND type IN ({marks}) AND deleted = 0",
        (appid, product_id, *types),
    )
    return [r for r in rows if _status(sandbox, r) in (1, 10)]


def commission_ratio(sandbox: Any, appid: str, product_id: str, finder_id: str) -> int | None:
    """The percent a cooperating creator earns selling the product now, or None when no plan lets them."""
    usable = [r for r in _active(sandbox, appid, product_id, (1, 2, 3)) if _status(sandbox, r) == 1]
    targeted = [r for r in usable if r["type"] in (2, 3) and finder_id in json.loads(r["finder_ids"])]
    if targeted:
        return max(r["ratio"] for r in targeted)
    open_plan = [r for r in usable if r["type"] == 1]
    return open_plan[0]["ratio"] if open_plan else None


def _ratio(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RATIO:
        raise StoreError(10023000, f"ratio 需为 0-{MAX_RATIO} 的整数（百分比）")
    return value


def _times(data: dict[str, Any]) -> tuple[int, int]:
    forever = data.get("is_forerver", False)
    if not isinstance(forever, bool):
        raise StoreError(10023000)
    begin = int_of(data, "begin_time", 0, lo=0, hi=2**32)
    end = 0 if forever else int_of(data, "end_time", lo=1, hi=2**32)
    if end and end <= begin:
        raise StoreError(10023000)
    return begin, end


def _finders(data: dict[str, Any], key_add: str = "finder_ids") -> list[str]:
    value = data.get("promoter_ids") or data.get(key_add) or []
    if not isinstance(value, list) or len(value) > MAX_FINDERS or not all(isinstance(f, str) for f in value):
        raise StoreError(10023102)
    return value


def _add_item(
    sandbox: Any, shop: AppConfig, kind: int, item: Any, finders: list[str], times: tuple[int, int]
) -> dict:
    if not isinstance(item, dict):
        raise StoreError(10023000)
    product_id = id_of(item.get("product_id"), 10023103)
    ratio = _ratio(item.get("ratio"))
    row = sandbox.state.one(
        "SELECT status FROM store_products WHERE appid = ? AND product_id = ?", (shop.appid, product_id)
    )
    if row is None:
        raise StoreError(10023103)
    if row["status"] != ON_SALE:
        raise StoreError(10023104)
    if _active(sandbox, shop.appid, product_id, (kind,)) and kind == 1:
        raise StoreError(10023101)
    if kind == 3 and _active(sandbox, shop.appid, product_id, (1, 2)):
        raise StoreError(10023105)
    if kind in (1, 2) and _active(sandbox, shop.appid, product_id, (3,)):
        raise StoreError(10023105)
    if kind == 2 and not _active(sandbox, shop.appid, product_id, (1,)):
        raise StoreError(10023106)
    info_id = next_id(sandbox, "league_item", INFO_ID_START)
    sandbox.state.execute(
        "INSERT INTO store_league_items (info_id, appid, type, product_id, ratio, finder_ids, begin_time, end_time)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (info_id, shop.appid, kind, product_id, ratio, json.dumps(finders), *times),
    )
    return {"product_id": product_id, "info_id": info_id}


@store_api()
async def item_batchadd(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    kind = int_of(data, "type", lo=1, hi=3)
    items = list_of(data, "list")
    if not items:
        raise StoreError(10023000)
    if len(items) > MAX_ITEMS:
        raise StoreError(10023102)
    finders = _finders(data)
    if kind in (2, 3) and not finders:
        raise StoreError(10023000)
    times = _times(data)
    results = []
    for item in items:  # per-item results; the call itself succeeds even if some items fail
        with sandbox.state.transaction():
            try:
                added = _add_item(sandbox, shop, kind, item, finders, times)
            except StoreError as exc:
                product = item.get("product_id") if isinstance(item, dict) else None
                results.append({"errcode": exc.errcode, "errmsg": exc.body()["errmsg"], "product_id": str(product or ""),
                                "fail_finder_ids": []})  # fmt: skip
                continue
        results.append({"errcode": 0, "errmsg": "ok", **added, "fail_finder_ids": []})
    return {"result_info_list": results}


def _item_of(sandbox: Any, shop: AppConfig, data: dict[str, Any]) -> Any:
    kind = int_of(data, "type", lo=1, hi=3)
    if kind == 1:
        product_id = id_of(data.get("product_id"), 10023103)
        rows = _active(sandbox, shop.appid, product_id, (1,))
        row = rows[0] if rows else None
    else:
        info_id = id_of(data.get("info_id"), 10023000)
        row = sandbox.state.one(
            "SELECT * FROM store_league_items WHERE appid = ? AND info_id = ? AND type = ? AND deleted = 0",
            (shop.appid, info_id, kind),
        )
    if row is None:
        raise StoreError(10023103)
    return row


def _describe_item(sandbox: Any, row: Any) -> dict[str, Any]:
    item = {"type": row["type"], "product_id": row["product_id"], "info_id": row["info_id"], "ratio": row["ratio"],
            "status": _status(sandbox, row), "ext_info": {"is_sale_forbidden": False, "is_banned": False}}  # fmt: skip
    if row["type"] in (2, 3):
        item["exclusive_info"] = {"info_id": row["info_id"], "finder_ids": json.loads(row["finder_ids"]),
                                  "begin_time": row["begin_time"], "end_time": row["end_time"],
                                  "is_forerver": row["end_time"] == 0}  # fmt: skip
    return item


@store_api()
async def item_get(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    return {"item": _describe_item(sandbox, _item_of(sandbox, shop, data))}


@store_api()
async def item_delete(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = _item_of(sandbox, shop, data)
    sandbox.state.execute("UPDATE store_league_items SET deleted = 1 WHERE info_id = ?", (row["info_id"],))
    return {}


@store_api()
async def item_upd(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    operate = int_of(data, "operate_type", lo=1, hi=2)
    with sandbox.state.transaction():
        row = _item_of(sandbox, shop, data)
        if operate == 1:
            ratio = _ratio(data.get("ratio", row["ratio"]))
            sandbox.state.execute(
                "UPDATE store_league_items SET ratio = ? WHERE info_id = ?", (ratio, row["info_id"])
            )
        else:
            if row["type"] == 1:
                raise StoreError(10023100)
            info = dict_of(data, "exclusive_info")
            finders = [f for f in json.loads(row["finder_ids"]) if f not in _finders(info, "del_finder_ids")]
            finders += [f for f in _finders(info, "add_finder_ids") if f not in finders]
            if len(finders) > MAX_FINDERS:
                raise StoreError(10023102)
            begin, end = _times(info) if "begin_time" in info else (row["begin_time"], row["end_time"])
            sandbox.state.execute(
                "UPDATE store_league_items SET finder_ids = ?, begin_time = ?, end_time = ? WHERE info_id = ?",
                (json.dumps(finders), begin, end, row["info_id"]),
            )
    return {"info_id": row["info_id"]}


@store_api()
async def item_list(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    kind = int_of(data, "type", lo=1, hi=3)
    page = int_of(data, "page_index", 1, lo=1, hi=100_000)
    size = int_of(data, "page_size", 10, lo=1, hi=100)
    where, params = "appid = ? AND type = ? AND deleted = 0", [shop.appid, kind]
    if data.get("product_id"):
        where += " AND product_id = ?"
        params.append(id_of(data["product_id"], 10023103))
    rows = sandbox.state.query(f"SELECT * FROM store_league_items WHERE {where} ORDER BY info_id", params)
    finder = data.get("finder_id")
    if finder:
        rows = [r for r in rows if finder in json.loads(r["finder_ids"])]
    page_rows = rows[(page - 1) * size : page * size]
    return {"items": [{"product_id": r["product_id"], "info_id": r["info_id"]} for r in page_rows],
            "total_num": len(rows), "has_more": page * size < len(rows), "last_buffer": ""}  # fmt: skip


# -- control API: the creator answers ----------------------------------------------------------------------------------


@control_api
async def answer_route(request: Request, sandbox: Any) -> Any:
    data = await read_json(request)
    app = shop_of(sandbox, data.get("appid"))
    finder_id, action = request.path_params["finder_id"], request.path_params["action"]
    if action not in ("accept", "reject"):
        raise ControlError("not_found", "unknown action", 404)
    nickname = data.get("nickname", "")
    if not isinstance(nickname, str) or len(nickname) > 30:
        raise ControlError("invalid_request", "nickname 需为不超过 30 字的文本")
    moved = sandbox.state.execute(
        "UPDATE store_promoters SET status = ?, nickname = CASE WHEN ? = '' THEN nickname ELSE ? END"
        " WHERE appid = ? AND finder_id = ? AND status = ?",
        (ACCEPTED if action == "accept" else REJECTED, nickname, nickname, app.appid, finder_id, INVITING),
    ).rowcount
    if not moved:
        raise ControlError("invalid_state", "没有待回复的带货邀请", 409)
    return _describe_promoter(sandbox, promoter(sandbox, app.appid, finder_id))


_BASE = "/channels/ec/league/"
routes = [
    Route(_BASE + "promoter/add", promoter_add, methods=["GET", "POST"], name="store.league.promoter_add"),
    Route(_BASE + "promoter/upd", promoter_upd, methods=["GET", "POST"], name="store.league.promoter_upd"),
    Route(
        _BASE + "promoter/delete",
        promoter_delete,
        methods=["GET", "POST"],
        name="store.league.promoter_delete",
    ),
    Route(_BASE + "promoter/get", promoter_get, methods=["GET", "POST"], name="store.league.promoter_get"),
    Route(
        _BASE + "promoter/list/get", promoter_list, methods=["GET", "POST"], name="store.league.promoter_list"
    ),
    Route(_BASE + "item/batchadd", item_batchadd, methods=["GET", "POST"], name="store.league.item_batchadd"),
    Route(_BASE + "item/upd", item_upd, methods=["GET", "POST"], name="store.league.item_upd"),
    Route(_BASE + "item/delete", item_delete, methods=["GET", "POST"], name="store.league.item_delete"),
    Route(_BASE + "item/get", item_get, methods=["GET", "POST"], name="store.league.item_get"),
    Route(_BASE + "item/list/get", item_list, methods=["GET", "POST"], name="store.league.item_list"),
]
control_routes = [
    Route(
        "/sandbox/store/promoters/{finder_id}/{action}",
        answer_route,
        methods=["POST"],
        name="sandbox.store.promoter_answer",
    ),
]
