"""Follower tags of an Official Account (用户标签管理): /cgi-bin/tags/*, /cgi-bin/user/tag/get."""

from __future__ import annotations

from typing import Any

from wxmall.wechat.services.base import Service

MAX_BATCH = 50  # openids per batchtagging call


class TagsService(Service):
    def create(self, name: str) -> int:
        return int(
            self._client.post("/cgi-bin/tags/create", api="tags.create", json={"tag": {"name": name}})["tag"][
                "id"
            ]
        )

    def list(self) -> list[dict[str, Any]]:
        """Every tag: `[{"id", "name", "count"}]` (system tags included)."""
        return self._client.get("/cgi-bin/tags/get", api="tags.get").get("tags", [])

    def update(self, tag_id: int, name: str) -> None:
        self._client.post(
            "/cgi-bin/tags/update", api="tags.update", json={"tag": {"id": tag_id, "name": name}}
        )

    def delete(self, tag_id: int) -> None:
        self._client.post("/cgi-bin/tags/delete", api="tags.delete", json={"tag": {"id": tag_id}})

    def tag(self, tag_id: int, openids: list[str]) -> None:
        """Tag up to 50 followers (batchtagging; tagging twice is harmless)."""
        self._client.post(
            "/cgi-bin/tags/members/batchtagging",
            api="tags.batchtagging",
            json={"openid_list": openids[:MAX_BATCH], "tagid": tag_id},
        )

    def untag(self, tag_id: int, openids: list[str]) -> None:
        self._client.post(
            "/cgi-bin/tags/members/batchuntagging",
            api="tags.batchuntagging",
            json={"openid_list": openids[:MAX_BATCH], "tagid": tag_id},
        )

    def ids_of(self, openid: str) -> list[int]:
        return self._client.post(
            "/cgi-bin/tags/getidlist", api="tags.getidlist", json={"openid": openid}
        ).get("tagid_list", [])

    def members(self, tag_id: int) -> list[str]:
        """Every openid carrying the tag (pages of 10,000 through next_openid)."""
        openids, after = [], ""
        while True:
            page = self._client.post(
                "/cgi-bin/user/tag/get", api="tags.members", json={"tagid": tag_id, "next_openid": after}
            )
            batch = (page.get("data") or {}).get("openid") or []
            openids.extend(batch)
            after = page.get("next_openid") or ""
            if not batch or not after:
                return openids
