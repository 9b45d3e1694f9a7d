"""Follower tags of an Official Account: ``/cgi-bin/tags/create|get|update|delete``,
``/cgi-bin/tags/members/batchtagging|batchuntagging``, ``/cgi-bin/tags/getidlist`` and ``/cgi-bin/user/tag/get``.

Not in the shared reference; shapes and errcodes follow WeChat's user-tag documentation (用户标签管理) and
are marked here where unconfirmed:

* ``create {"tag": {"name"}}`` → ``{"tag": {"id", "name"}}``; a name is 1–30 characters (45158 beyond),
  unique per account (45157), at most 100 tags per account (45056).
* ``get`` → ``{"tags": [{"id", "name", "count"}]}``, including the system tag 2 "星标组".
* ``update {"tag": {"id", "name"}}``, ``delete {"tag": {"id"}}``: ids 0, 1, 2 are the system's (45058);
  an unknown id is 45159 ``invalid tag id``.
* ``batchtagging|batchuntagging {"openid_list", "tagid"}``: at most 50 openids (40032), each one of this
  account (40003 otherwise); a fan has at most 20 tags (45059). Tagging twice is a no-op.
* ``getidlist {"openid"}`` → ``{"tagid_list": [...]}``; ``user/tag/get {"tagid", "next_openid"}`` →
  ``{"count", "data": {"openid": [...]}, "next_openid"}`` (10,000 per page).

Ids of new tags start at 100 (unconfirmed: real ids are small increasing integers).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, ok, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_tags (
    appid   TEXT NOT NULL,
    id      INTEGER NOT NULL,
    name    TEXT NOT NULL,
    PRIMARY KEY (appid, id),
    UNIQUE (appid, name)
);
CREATE TABLE IF NOT EXISTS mp_tag_members (
    appid   TEXT NOT NULL,
    tag_id  INTEGER NOT NULL,
    openid  TEXT NOT NULL,
    PRIMARY KEY (appid, tag_id, openid)
);
"""
SYSTEM_TAGS = {2: "星标组"}
RESERVED_IDS = frozenset({0, 1, 2})
FIRST_ID = 100
MAX_NAME, MAX_TAGS, MAX_BATCH, MAX_TAGS_PER_FAN, PAGE_SIZE = 30, 100, 50, 20, 10_000


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WxError(47001)
    if len(value) > MAX_NAME:
        raise WxError(45158)
    return value


def _tag(data: dict) -> dict:
    tag = data.get("tag")
    if not isinstance(tag, dict):
        raise WxError(47001)
    return tag


def _existing(sandbox: Any, appid: str, tag_id: Any) -> int:
    if not isinstance(tag_id, int) or isinstance(tag_id, bool):
        raise WxError(47001)
    if tag_id in SYSTEM_TAGS:
        return tag_id
    if sandbox.state.one("SELECT 1 FROM mp_tags WHERE appid = ? AND id = ?", (appid, tag_id)) is None:
        raise WxError(45159)
    return tag_id


@wx_endpoint
async def create(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    name = _name(_tag(await json_body(request)).get("name"))
    with sandbox.state.transaction():
        rows = sandbox.state.query("SELECT id, name FROM mp_tags WHERE appid = ?", (who.appid,))
        if any(r["name"] == name for r in rows) or name in SYSTEM_TAGS.values():
            raise WxError(45157)
        if len(rows) >= MAX_TAGS:
            raise WxError(45056)
        tag_id = max([r["id"] for r in rows], default=FIRST_ID - 1) + 1
        sandbox.state.execute(
            "INSERT INTO mp_tags (appid, id, name) VALUES (?, ?, ?)", (who.appid, tag_id, name)
        )
    return {"tag": {"id": tag_id, "name": name}}


def _count(sandbox: Any, appid: str, tag_id: int) -> int:
    row = sandbox.state.one(
        "SELECT COUNT(*) AS n FROM mp_tag_members WHERE appid = ? AND tag_id = ?", (appid, tag_id)
    )
    return int(row["n"])


@wx_endpoint
async def get(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    rows = sandbox.state.query("SELECT id, name FROM mp_tags WHERE appid = ? ORDER BY id", (who.appid,))
    tags = [{"id": i, "name": n} for i, n in SYSTEM_TAGS.items()] + [
        {"id": r["id"], "name": r["name"]} for r in rows
    ]
    return {"tags": [t | {"count": _count(sandbox, who.appid, t["id"])} for t in tags]}


@wx_endpoint
async def update(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    tag = _tag(await json_body(request))
    tag_id = _existing(sandbox, who.appid, tag.get("id"))
    if tag_id in RESERVED_IDS:
        raise WxError(45058)
    name = _name(tag.get("name"))
    with sandbox.state.transaction():
        clash = sandbox.state.one("SELECT id FROM mp_tags WHERE appid = ? AND name = ?", (who.appid, name))
        if clash is not None and clash["id"] != tag_id:
            raise WxError(45157)
        sandbox.state.execute(
            "UPDATE mp_tags SET name = ? WHERE appid = ? AND id = ?", (name, who.appid, tag_id)
        )
    return ok()


@wx_endpoint
async def delete(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    tag_id = _existing(sandbox, who.appid, _tag(await json_body(request)).get("id"))
    if tag_id in RESERVED_IDS:
        raise WxError(45058)
    with sandbox.state.transaction():
        sandbox.state.execute(
            "DELETE FROM mp_tag_members WHERE appid = ? AND tag_id = ?", (who.appid, tag_id)
        )
        sandbox.state.execute("DELETE FROM mp_tags WHERE appid = ? AND id = ?", (who.appid, tag_id))
    return ok()


async def _members(request: Request, sandbox: Any) -> tuple[str, int, list[str]]:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    openids = data.get("openid_list")
    if not isinstance(openids, list) or not openids or not all(isinstance(o, str) for o in openids):
        raise WxError(47001)
    if len(openids) > MAX_BATCH:
        raise WxError(40032)
    tag_id = _existing(sandbox, who.appid, data.get("tagid"))
    for openid in openids:
        if sandbox.users.by_openid(who.appid, openid) is None:
            raise WxError(40003)
    return who.appid, tag_id, list(dict.fromkeys(openids))


@wx_endpoint
async def batch_tagging(request: Request, sandbox: Any) -> Any:
    appid, tag_id, openids = await _members(request, sandbox)
    with sandbox.state.transaction():
        for openid in openids:
            have = sandbox.state.query(
                "SELECT tag_id FROM mp_tag_members WHERE appid = ? AND openid = ?", (appid, openid)
            )
            if tag_id not in {r["tag_id"] for r in have} and len(have) >= MAX_TAGS_PER_FAN:
                raise WxError(45059)
        sandbox.state.executemany(
            "INSERT OR IGNORE INTO mp_tag_members (appid, tag_id, openid) VALUES (?, ?, ?)",
            [(appid, tag_id, o) for o in openids],
        )
    return ok()


@wx_endpoint
async def batch_untagging(request: Request, sandbox: Any) -> Any:
    appid, tag_id, openids = await _members(request, sandbox)
    sandbox.state.executemany(
        "DELETE FROM mp_tag_members WHERE appid = ? AND tag_id = ? AND openid = ?",
        [(appid, tag_id, o) for o in openids],
    )
    return ok()


@wx_endpoint
async def id_list(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    openid = (await json_body(request)).get("openid")
    if not isinstance(openid, str) or sandbox.users.by_openid(who.appid, openid) is None:
        raise WxError(40003)
    rows = sandbox.state.query(
        "SELECT tag_id FROM mp_tag_members WHERE appid = ? AND openid = ? ORDER BY tag_id",
        (who.appid, openid),
    )
    return {"tagid_list": [r["tag_id"] for r in rows]}


@wx_endpoint
async def tag_users(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    tag_id = _existing(sandbox, who.appid, data.get("tagid"))
    after = data.get("next_openid") or ""
    rows = sandbox.state.query(
        "SELECT openid FROM mp_tag_members WHERE appid = ? AND tag_id = ? AND openid > ? ORDER BY openid LIMIT ?",
        (who.appid, tag_id, after, PAGE_SIZE),
    )
    page = [r["openid"] for r in rows]
    return {"count": len(page), "data": {"openid": page}, "next_openid": page[-1] if page else ""}


routes = [
    Route("/cgi-bin/tags/create", create, methods=["POST"], name="mp.tags.create"),
    Route("/cgi-bin/tags/get", get, methods=["GET"], name="mp.tags.get"),
    Route("/cgi-bin/tags/update", update, methods=["POST"], name="mp.tags.update"),
    Route("/cgi-bin/tags/delete", delete, methods=["POST"], name="mp.tags.delete"),
    Route("/cgi-bin/tags/members/batchtagging", batch_tagging, methods=["POST"], name="mp.tags.batchtagging"),
    Route(
        "/cgi-bin/tags/members/batchuntagging",
        batch_untagging,
        methods=["POST"],
        name="mp.tags.batchuntagging",
    ),
    Route("/cgi-bin/tags/getidlist", id_list, methods=["POST"], name="mp.tags.getidlist"),
    Route("/cgi-bin/user/tag/get", tag_users, methods=["POST"], name="mp.user.tag.get"),
]
