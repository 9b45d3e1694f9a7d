"""Short videos (短视频) with a product card, posted by the shop's bound Channels accounts (reference §8.2).

Like live sessions (lives.py) they are made in the Channels app, without an open API, so the control API
plays the creator and the viewers; orders from a video carry ``source_infos.content_type = 2`` and its id
as ``content_id`` (orders.py). ``views`` counts every play, ``uv`` each viewer once (plus anonymous crowds).

  GET|POST /sandbox/channels/videos               ?appid=&finder_id= / {title, product_id, finder_id?}
  GET      /sandbox/channels/videos/{video_id}    (the id contains a slash, like a live's export_id)
  POST     /sandbox/channels/videos/{video_id}/view   {user} | {count}
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.control import ControlError, read_json
from wxsandbox.responses import json_response
from wxsandbox.store.http import control_api, shop_of
from wxsandbox.store.lives import (
    count_of,
    finder_of,
    listed_product,
    new_export_id,
    nickname_of,
    sales,
    title_of,
    user_of,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_videos (
    video_id    TEXT PRIMARY KEY,            -- export/…: source_infos.content_id of its orders
    appid       TEXT NOT NULL,
    finder_id   TEXT NOT NULL,
    title       TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    views       INTEGER NOT NULL DEFAULT 0,
    uv          INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS store_video_viewers (
    video_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (video_id, user_id)
);
"""


def video_sales(sandbox: Any, appid: str, video_id: str) -> tuple[int, int, int]:
    return sales(
        sandbox,
        "appid = ? AND EXISTS (SELECT 1 FROM json_each(doc, '$.order_detail.source_infos')"
        " WHERE json_extract(value, '$.content_id') = ? AND json_extract(value, '$.content_type') = 2)",
        (appid, video_id),
    )


def video_row(sandbox: Any, video_id: str, appid: str | None = None) -> Any:
    row = sandbox.state.one("SELECT * FROM store_videos WHERE video_id = ?", (video_id,))
    if row is not None and (appid is None or row["appid"] == appid):
        return row
    return None


def describe_video(sandbox: Any, row: Any) -> dict[str, Any]:
    try:
        product = listed_product(sandbox, row["appid"], row["product_id"])
    except ControlError:
        product = {"title": "", "price": 0, "sku_id": ""}
    orders, gmv, buyers = video_sales(sandbox, row["appid"], row["video_id"])
    return {
        "video_id": row["video_id"],
        "appid": row["appid"],
        "finder_id": row["finder_id"],
        "finder_nickname": nickname_of(sandbox, row["appid"], row["finder_id"]),
        "title": row["title"],
        "product_id": row["product_id"],
        "product_title": product["title"],
        "price": product["price"],
        "sku_id": product["sku_id"],
        "views": row["views"],
        "uv": row["uv"],
        "order_count": orders,
        "gmv": gmv,
        "buyer_count": buyers,
        "created_at": row["created_at"],
    }


# -- control API ----------------------------------------------------------------------------------------------------


@control_api
async def videos_route(request: Request, sandbox: Any) -> Any:
    if request.method == "GET":
        q = request.query_params
        app = shop_of(sandbox, q.get("appid"))
        where, params = "appid = ?", [app.appid]
        if q.get("finder_id"):
            where += " AND finder_id = ?"
            params.append(q["finder_id"])
        rows = sandbox.state.query(
            f"SELECT * FROM store_videos WHERE {where} ORDER BY created_at, video_id LIMIT 1000", params
        )
        return {"videos": [describe_video(sandbox, r) for r in rows]}
    data = await read_json(request)
    app = shop_of(sandbox, data.get("appid"))
    title = title_of(data)
    finder = finder_of(sandbox, app, data.get("finder_id"))
    product = listed_product(sandbox, app.appid, data.get("product_id"))
    video_id = new_export_id()
    sandbox.state.execute(
        "INSERT INTO store_videos (video_id, appid, finder_id, title, product_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (video_id, app.appid, finder["finder_id"], title, product["product_id"], sandbox.clock.timestamp()),
    )
    return json_response(describe_video(sandbox, video_row(sandbox, video_id)), 201)


def _video_of(sandbox: Any, request: Request) -> Any:
    row = video_row(sandbox, request.path_params["video_id"])
    if row is None:
        raise ControlError("not_found", "没有这条短视频", 404)
    return row


@control_api
async def video_route(request: Request, sandbox: Any) -> Any:
    return describe_video(sandbox, _video_of(sandbox, request))


@control_api
async def view_route(request: Request, sandbox: Any) -> Any:
    data = await read_json(request)
    row = _video_of(sandbox, request)
    with sandbox.state.transaction():
        if "count" in data:
            views = uv = count_of(data)
        else:
            user = user_of(sandbox, data)
            views = 1
            uv = sandbox.state.execute(
                "INSERT OR IGNORE INTO store_video_viewers (video_id, user_id) VALUES (?, ?)",
                (row["video_id"], user["id"]),
            ).rowcount
        sandbox.state.execute(
            "UPDATE store_videos SET views = views + ?, uv = uv + ? WHERE video_id = ?",
            (views, uv, row["video_id"]),
        )
    return describe_video(sandbox, video_row(sandbox, row["video_id"]))


_VIDEO = "/sandbox/channels/videos/{video_id:path}"
control_routes = [
    Route("/sandbox/channels/videos", videos_route, methods=["GET", "POST"], name="sandbox.channels.videos"),
    Route(f"{_VIDEO}/view", view_route, methods=["POST"], name="sandbox.channels.video_view"),
    Route(_VIDEO, video_route, methods=["GET"], name="sandbox.channels.video"),
]
routes: list[Route] = []
