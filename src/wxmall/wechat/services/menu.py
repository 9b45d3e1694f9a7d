"""Custom menu of an Official Account (reference §4.1)."""

from __future__ import annotations

from typing import Any

from wxmall.wechat.services.base import Service


class MenuService(Service):
    def create(self, menu: dict[str, Any]) -> None:
        """`POST /cgi-bin/menu/create` with `{"button": [...]}` (1–3 buttons, ≤ 5 sub-buttons each)."""
        self._client.post("/cgi-bin/menu/create", api="menu.create", json=menu)

    def get(self) -> dict[str, Any]:
        return self._client.get("/cgi-bin/menu/get", api="menu.get")

    def delete(self) -> None:
        self._client.get("/cgi-bin/menu/delete", api="menu.delete")
