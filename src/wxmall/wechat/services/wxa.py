"""Mini Program links (reference wechat-pay-oa-login.md §4.6), as `client("mp").wxa`: a URL Link
(`https://wxaurl.cn/…`, opens the Mini Program from SMS, e-mail or any browser) and a URL Scheme
(`weixin://dl/business/?t=…`). Both expire after at most 30 days (permanent links were discontinued) and
share a daily quota of 500,000 (errcode 44993 once spent)."""

from __future__ import annotations

import re

from wxmall.wechat.services.base import Service

MAX_DAYS = 30
_QUERY = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]{0,1024}")


def _target(path: str, query: str) -> dict[str, str]:
    if path.startswith("/") or "?" in path or len(path) > 256:
        raise ValueError("path: a released page without a leading slash or a query")
    if not _QUERY.fullmatch(query):
        raise ValueError("query: at most 1024 of WeChat's allowed characters")
    return {"path": path, "query": query}


def _expiry(days: int) -> dict[str, int]:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"expire_interval: 1–{MAX_DAYS} days")
    return {"expire_type": 1, "expire_interval": days}


class WxaService(Service):
    def url_link(self, path: str, query: str = "", *, days: int = MAX_DAYS) -> str:
        body = _target(path, query) | _expiry(days)
        return self._client.post("/wxa/generate_urllink", api="wxa.generate_urllink", json=body)["url_link"]

    def scheme(self, path: str, query: str = "", *, days: int = MAX_DAYS) -> str:
        body = {"jump_wxa": _target(path, query)} | _expiry(days)
        return self._client.post("/wxa/generatescheme", api="wxa.generatescheme", json=body)["openlink"]
