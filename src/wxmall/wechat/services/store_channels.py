"""Channels selling through the shop token (reference wechat-store-channels.md §8), mixed into
`StoreService`: live figures (compass live list), sharers (分享员, §8.3) and alliance items (优选联盟,
§8.5). WeChat has no open API for a live room's shelf, featured product or coupon pop-ups (§8.2): the
hub keeps those as its plan and staff apply them in 视频号助手, so nothing here pretends otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from wxmall.wechat.errors import TransportError, WeChatError

from .store_compass import _count

SHARER_NOT_FOUND = 10070004  # search_sharer: not a sharer of this shop (never bound, or unbound)
LIVE_STATUS = {0: "scheduled", 1: "live", 2: "ended"}


@dataclass(frozen=True)
class LiveFigures:
    export_id: str
    finder_id: str
    title: str
    status: str  # scheduled | live | ended
    start_time: int
    end_time: int
    viewer_uv: int
    viewer_pv: int
    pay_order_cnt: int
    pay_gmv: int


@dataclass(frozen=True)
class SharerInfo:
    openid: str
    unionid: str
    nickname: str
    bind_time: int
    sharer_type: int


def _list(body: dict[str, Any], key: str, *, api: str) -> list[dict[str, Any]]:
    items = body.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TransportError(f"微信应答的 {key} 不是数组", api=api)
    return items


def _sharer(item: dict[str, Any], api: str) -> SharerInfo:
    openid = item.get("openid")
    if not isinstance(openid, str) or not openid:
        raise TransportError("微信应答的 openid 缺失", api=api)
    return SharerInfo(
        openid=openid[:128],
        unionid=str(item.get("unionid") or "")[:128],
        nickname=str(item.get("nickname") or "")[:64],
        bind_time=_count(item, "bind_time", api=api),
        sharer_type=_count(item, "sharer_type", api=api),
    )


class ChannelsMixin:
    _client: Any

    def compass_live_list(self, day: dt.date) -> list[LiveFigures]:
        api = "store.compass_live_list"
        body = self._client.post(
            "/channels/ec/compass/shop/live/list/get", api=api, json={"ds": day.strftime("%Y%m%d")}
        )
        lives = []
        for item in _list(body, "live_list", api=api):
            data = item.get("data") if isinstance(item.get("data"), dict) else {}
            export_id = item.get("export_id")
            if not isinstance(export_id, str) or not export_id:
                raise TransportError("微信应答的 export_id 缺失", api=api)
            lives.append(
                LiveFigures(
                    export_id=export_id[:128],
                    finder_id=str(item.get("finder_id") or "")[:64],
                    title=str(item.get("description") or "")[:80],
                    status=LIVE_STATUS.get(_count(item, "status", api=api), "ended"),
                    start_time=_count(item, "start_time", api=api),
                    end_time=_count(item, "end_time", api=api),
                    viewer_uv=_count(data, "viewer_uv", api=api),
                    viewer_pv=_count(data, "viewer_pv", api=api),
                    pay_order_cnt=_count(data, "pay_order_cnt", api=api),
                    pay_gmv=_count(data, "pay_gmv", api=api),
                )
            )
        return lives

    # -- sharers (§8.3) --------------------------------------------------------------------------------
    def sharer_invite(self, username: str = "") -> str:
        """An invitation QR code (URL; valid 15 days): personal for `username`, else multi-person."""
        api = "store.sharer_bind"
        body = self._client.post(
            "/channels/ec/sharer/bind", api=api, json={"username": username} if username else {}
        )
        return str(body.get("qrcode_img") or "")

    def sharer_list(self, sharer_type: int = 0, *, page: int = 1, page_size: int = 100) -> list[SharerInfo]:
        api = "store.sharer_list"
        body = self._client.post(
            "/channels/ec/sharer/get_sharer_list",
            api=api,
            json={"page": page, "page_size": page_size, "sharer_type": sharer_type},
        )
        return [_sharer(i, api) for i in _list(body, "sharer_info_list", api=api)]

    def sharer_search(self, openid: str) -> SharerInfo | None:
        """One sharer of this shop, or None when WeChat does not know them as one (10070004)."""
        api = "store.sharer_search"
        try:
            body = self._client.post("/channels/ec/sharer/search_sharer", api=api, json={"openid": openid})
        except WeChatError as exc:
            if exc.errcode == SHARER_NOT_FOUND:
                return None
            raise
        return _sharer(body, api)

    def sharer_unbind(self, openids: list[str]) -> list[str]:
        """The openids WeChat unbound."""
        api = "store.sharer_unbind"
        body = self._client.post("/channels/ec/sharer/unbind", api=api, json={"openid_list": openids})
        done = body.get("success_openid") or []
        return [str(o) for o in done] if isinstance(done, list) else []

    # -- alliance promoters and items (§8.4–8.5) ------------------------------------------------------
    def league_promoter_add(self, finder_id: str) -> None:
        """Invite a creator (达人) to cooperate; they accept or reject in WeChat."""
        self._client.post(
            "/channels/ec/league/promoter/add", api="store.league_promoter_add", json={"finder_id": finder_id}
        )

    def league_promoter_status(self, finder_id: str) -> int:
        """§8.4 status: 1 邀请中, 2 已接受, 3 已拒绝, 4 已取消邀请, 5 已取消合作, 10 已删除."""
        api = "store.league_promoter_get"
        body = self._client.post("/channels/ec/league/promoter/get", api=api, json={"finder_id": finder_id})
        promoter = body.get("promoter")
        if not isinstance(promoter, dict):
            raise TransportError("微信应答缺少 promoter", api=api)
        return _count(promoter, "status", api=api)

    # -- alliance items (§8.5) -------------------------------------------------------------------------
    def league_item_add(
        self, product_id: str, ratio: int, *, begin_time: int, end_time: int
    ) -> dict[str, Any]:
        """Publish one product in a 普通推广 (type 1) plan; the per-item result (errcode 0 = listed)."""
        api = "store.league_item_add"
        body = self._client.post(
            "/channels/ec/league/item/batchadd",
            api=api,
            json={
                "type": 1,
                "list": [{"product_id": product_id, "ratio": ratio}],
                "begin_time": begin_time,
                "end_time": end_time,
                "is_forerver": True,
            },
        )
        results = _list(body, "result_info_list", api=api)
        return results[0] if results else {}
