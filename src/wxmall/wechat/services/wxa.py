"""Mini Program links (reference wechat-pay-oa-login.md §4.6), as `client("mp").wxa`: a URL Link
(`https://wxaurl.cn/…`, opens the Mini Program from SMS, e-mail or any browser) and a URL Scheme
(`weixin://dl/business/?t=…`). Both expire after at most 30 days (permanent links were discontinued) and
share a daily quota of 500,000 (errcode 44993 once spent). `query_url_link` reads a URL Link's state back
(wechat-kf-security-shipping.md §6.4), and `code_unlimited` draws a Mini Program code (小程序码, §6.2): an
image on success, WeChat's JSON error otherwise (`WeChatClient.post_binary`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wxmall.wechat.errors import TransportError
from wxmall.wechat.services.base import BinaryAnswer, Service

MAX_DAYS = 30
ENV_VERSIONS = ("release", "trial", "develop")
# WeChat's scene rule: 1-32 of these characters (anything else, e.g. Chinese, must be encoded first)
SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")
PAGE = re.compile(r"[0-9A-Za-z_\-./]{1,256}")
URL_LINK = re.compile(r"https://[0-9A-Za-z.\-]{1,64}(?::[0-9]{1,5})?/[0-9A-Za-z_\-]{1,64}")
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

    def query_url_link(self, url_link: str) -> UrlLinkInfo:
        if not URL_LINK.fullmatch(url_link):
            raise ValueError("url_link: a URL Link as generate_urllink returned it")
        data = self._client.post(
            "/wxa/query_urllink", api="wxa.query_urllink", json={"url_link": url_link, "query_type": 0}
        )
        return UrlLinkInfo.from_answer(data, api="wxa.query_urllink", appid=self._client.appid)

    def code_unlimited(
        self,
        scene: str,
        page: str = "",
        *,
        check_path: bool = True,
        env_version: str = "release",
        width: int = 430,
        hyaline: bool = False,
    ) -> BinaryAnswer:
        """A Mini Program code opening `page` with `scene` (JPEG; a transparent PNG when `hyaline`)."""
        if not SCENE.fullmatch(scene) or "scancode_time" in scene:
            raise ValueError("scene: 1-32 of WeChat's allowed characters, without scancode_time")
        if page and (page.startswith("/") or not PAGE.fullmatch(page)):
            raise ValueError("page: a released page without a leading slash or a query")
        if env_version not in ENV_VERSIONS or not 280 <= width <= 1280:
            raise ValueError("env_version: release | trial | develop; width: 280-1280")
        body: dict[str, Any] = {
            "scene": scene,
            "check_path": check_path,
            "env_version": env_version,
            "width": width,
            "is_hyaline": hyaline,
        }
        if page:
            body["page"] = page
        return self._client.post_binary("/wxa/getwxacodeunlimit", api="wxa.getwxacodeunlimit", json=body)


@dataclass(frozen=True)
class UrlLinkInfo:
    appid: str
    path: str
    query: str
    env_version: str
    create_time: int
    expire_time: int  # 0: never (legacy permanent links)
    remain_visit_quota: int  # the account's opens left today (shared by all its links and schemes)

    @classmethod
    def from_answer(cls, data: dict[str, Any], *, api: str, appid: str) -> UrlLinkInfo:
        info, quota = data.get("url_link_info"), data.get("quota_info")
        try:
            return cls(
                appid=str(info["appid"]),
                path=str(info["path"]),
                query=str(info.get("query", "")),
                env_version=str(info.get("env_version", "release")),
                create_time=int(info["create_time"]),
                expire_time=int(info.get("expire_time", 0)),
                remain_visit_quota=int(quota["remain_visit_quota"]),
            )
        except (TypeError, KeyError, ValueError) as exc:
            raise TransportError("微信返回的 URL Link 信息格式不对", api=api, appid=appid) from exc
