"""Article statistics of an Official Account (图文分析, 数据统计): ``POST /datacube/getarticlesummary`` and
``POST /datacube/getarticletotal``, and a control endpoint that publishes an article with its read figures.

Not in the shared reference. Shapes follow WeChat's 图文分析数据接口 documentation as read through WxJava
(``WxMpDataCubeService``), PowerWeChat and other SDKs; what we could not confirm is an ``[mp]`` setting:

* Body ``{"begin_date": "YYYY-MM-DD", "end_date": "YYYY-MM-DD"}`` (44002 empty, 47001 not a JSON object).
  A missing or malformed date answers 61500 ``date format error``; ``begin_date`` after ``end_date``, a span
  wider than ``datacube_max_days[api]`` (1 day for both in WeChat's table) or an ``end_date`` of today or
  later (the newest data is yesterday's; ``datacube_allow_today``) answer 61501 ``date range error``
  (errmsg wording unconfirmed).
* Success has no errcode: ``{"list": [...]}``.
* ``getarticlesummary``: one row per article and day in the range, that day's figures: ``ref_date``,
  ``msgid`` (``<msg_data_id>_<index>``: the send and the article's place in it), ``title``,
  ``int_page_read_user|count`` (图文页 readers / reads), ``ori_page_read_user|count`` (阅读原文),
  ``share_user|count``, ``add_to_fav_user|count``, and ``user_source`` (always 0, as WeChat sends it).
* ``getarticletotal``: the articles *sent* on a day of the range (``ref_date`` = the send day), each with
  ``details``: one entry per ``stat_date`` from the send day through the sixth day after (and not past
  yesterday), figures accumulated up to that day, plus ``target_user`` (followers it was sent to). The
  accumulated user counts are sums of daily users here (WeChat dedupes them; unconfirmed how exactly).

Control (no token): ``POST /sandbox/mp/datacube/articles {"appid"?, "msgid"?, "title", "sent_on"?,
"target_user"?, "days": {"YYYY-MM-DD": {"int_page_read_user": n, ...}}}`` publishes an article (or updates
one by ``msgid``) and sets its figures per day (a day given again is replaced); an unnamed figure is 0.
``GET /sandbox/mp/datacube/articles?appid=`` lists them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.control import ControlError, read_json
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, control_endpoint, json_body, wx_endpoint
from wxsandbox.mp.oa_control import official_account

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_articles (
    appid        TEXT NOT NULL,
    msgid        TEXT NOT NULL,
    title        TEXT NOT NULL,
    sent_on      TEXT NOT NULL,          -- YYYY-MM-DD (Beijing)
    target_user  INTEGER NOT NULL,
    PRIMARY KEY (appid, msgid)
);
CREATE TABLE IF NOT EXISTS mp_article_days (
    appid                TEXT NOT NULL,
    msgid                TEXT NOT NULL,
    ref_date             TEXT NOT NULL,
    int_page_read_user   INTEGER NOT NULL,
    int_page_read_count  INTEGER NOT NULL,
    ori_page_read_user   INTEGER NOT NULL,
    ori_page_read_count  INTEGER NOT NULL,
    share_user           INTEGER NOT NULL,
    share_count          INTEGER NOT NULL,
    add_to_fav_user      INTEGER NOT NULL,
    add_to_fav_count     INTEGER NOT NULL,
    PRIMARY KEY (appid, msgid, ref_date)
);
"""
FIGURES = (
    "int_page_read_user",
    "int_page_read_count",
    "ori_page_read_user",
    "ori_page_read_count",
    "share_user",
    "share_count",
    "add_to_fav_user",
    "add_to_fav_count",
)
TOTAL_DAYS = 7  # getarticletotal's details: the send day and the six after it
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MSGID = re.compile(r"[0-9]{1,20}_[0-9]{1,2}")
MAX_TITLE = 64


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _range(sandbox: Any, data: dict, api: str) -> tuple[str, str]:
    begin, end = _day(data.get("begin_date")), _day(data.get("end_date"))
    if begin is None or end is None:
        raise WxError(61500)
    settings = mp_settings.load(sandbox)
    today = sandbox.clock.datetime().date()
    span = (end - begin).days + 1
    if span < 1 or span > settings.datacube_max_days.get(api, 1):
        raise WxError(61501)
    if end >= today and not settings.datacube_allow_today:
        raise WxError(61501)
    return begin.isoformat(), end.isoformat()


def _figures(row: Any) -> dict[str, int]:
    return {name: int(row[name]) for name in FIGURES}


@wx_endpoint
async def article_summary(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    begin, end = _range(sandbox, await json_body(request), "getarticlesummary")
    rows = sandbox.state.query(
        "SELECT d.*, a.title FROM mp_article_days d JOIN mp_articles a USING (appid, msgid)"
        " WHERE d.appid = ? AND d.ref_date BETWEEN ? AND ? ORDER BY d.ref_date, d.msgid",
        (who.appid, begin, end),
    )
    return {
        "list": [
            {
                "ref_date": r["ref_date"],
                "user_source": 0,
                "msgid": r["msgid"],
                "title": r["title"],
                **_figures(r),
            }
            for r in rows
        ]
    }


@wx_endpoint
async def article_total(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    begin, end = _range(sandbox, await json_body(request), "getarticletotal")
    yesterday = sandbox.clock.datetime().date() - timedelta(days=1)
    found = []
    for article in sandbox.state.query(
        "SELECT * FROM mp_articles WHERE appid = ? AND sent_on BETWEEN ? AND ? ORDER BY sent_on, msgid",
        (who.appid, begin, end),
    ):
        sent = date.fromisoformat(article["sent_on"])
        days = {
            r["ref_date"]: _figures(r)
            for r in sandbox.state.query(
                "SELECT * FROM mp_article_days WHERE appid = ? AND msgid = ?", (who.appid, article["msgid"])
            )
        }
        running = dict.fromkeys(FIGURES, 0)
        details = []
        for n in range(TOTAL_DAYS):
            stat = sent + timedelta(days=n)
            if stat > yesterday and not mp_settings.load(sandbox).datacube_allow_today:
                break
            for name, value in days.get(stat.isoformat(), {}).items():
                running[name] += value
            details.append({"stat_date": stat.isoformat(), "target_user": article["target_user"], **running})
        found.append(
            {
                "ref_date": article["sent_on"],
                "user_source": 0,
                "msgid": article["msgid"],
                "title": article["title"],
                "details": details,
            }
        )
    return {"list": found}


# -- control: the merchant's articles and what readers did with them ------------------------------------------
def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**9:
        raise ControlError("invalid_request", f"{what} must be a non-negative integer")
    return value


@control_endpoint
async def publish(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    app = official_account(sandbox, data.get("appid"))
    title = data.get("title")
    msgid = data.get("msgid")
    if msgid is not None and (not isinstance(msgid, str) or not _MSGID.fullmatch(msgid)):
        raise ControlError("invalid_request", "msgid looks like <msg_data_id>_<index>, e.g. 2247483650_1")
    existing = (
        sandbox.state.one("SELECT * FROM mp_articles WHERE appid = ? AND msgid = ?", (app.appid, msgid))
        if msgid
        else None
    )
    if existing is None and (not isinstance(title, str) or not 0 < len(title.strip()) <= MAX_TITLE):
        raise ControlError("invalid_request", f"title is 1 to {MAX_TITLE} characters")
    sent = _day(data["sent_on"]) if "sent_on" in data else sandbox.clock.datetime().date()
    if sent is None:
        raise ControlError("invalid_request", "sent_on is YYYY-MM-DD")
    target = _count(data.get("target_user", 0), "target_user")
    days = data.get("days", {})
    if not isinstance(days, dict):
        raise ControlError("invalid_request", "days maps YYYY-MM-DD to figures")
    rows = []
    for key, figures in days.items():
        day = _day(key)
        if day is None or not isinstance(figures, dict) or set(figures) - set(FIGURES):
            raise ControlError("invalid_request", f"days.{key}: a YYYY-MM-DD day with figures {FIGURES}")
        if day < (date.fromisoformat(existing["sent_on"]) if existing else sent):
            raise ControlError("invalid_request", f"days.{key} is before the article was sent")
        rows.append((key, [_count(figures.get(name, 0), name) for name in FIGURES]))
    with sandbox.state.transaction():
        if existing is None:
            if msgid is None:
                serial = sandbox.state.one(
                    "SELECT count(*) AS n FROM mp_articles WHERE appid = ?", (app.appid,)
                )
                msgid = (
                    f"{2247483648 + int(serial['n'])}_1"  # msg_data_id-like numbers, first article of a send
                )
            sandbox.state.execute(
                "INSERT INTO mp_articles (appid, msgid, title, sent_on, target_user) VALUES (?, ?, ?, ?, ?)",
                (app.appid, msgid, title.strip(), sent.isoformat(), target),
            )
        elif isinstance(title, str) and title.strip():
            sandbox.state.execute(
                "UPDATE mp_articles SET title = ? WHERE appid = ? AND msgid = ?",
                (title.strip()[:MAX_TITLE], app.appid, msgid),
            )
        for key, values in rows:
            sandbox.state.execute(
                f"INSERT OR REPLACE INTO mp_article_days (appid, msgid, ref_date, {', '.join(FIGURES)})"  # noqa: S608
                f" VALUES (?, ?, ?, {', '.join('?' * len(FIGURES))})",
                (app.appid, msgid, key, *values),
            )
    return {"appid": app.appid, "msgid": msgid}


@control_endpoint
async def listed(request: Request, sandbox: Any) -> list:
    app = official_account(sandbox, request.query_params.get("appid"))
    articles = sandbox.state.query(
        "SELECT msgid, title, sent_on, target_user FROM mp_articles WHERE appid = ? ORDER BY sent_on, msgid",
        (app.appid,),
    )
    return [dict(a) for a in articles]


routes = [
    Route("/datacube/getarticlesummary", article_summary, methods=["POST"], name="mp.datacube.summary"),
    Route("/datacube/getarticletotal", article_total, methods=["POST"], name="mp.datacube.total"),
]
control_routes = [
    Route("/sandbox/mp/datacube/articles", publish, methods=["POST"], name="sandbox.mp.datacube.publish"),
    Route("/sandbox/mp/datacube/articles", listed, methods=["GET"], name="sandbox.mp.datacube.list"),
]
