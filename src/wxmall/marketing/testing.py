"""Factories for tests that need tracked links."""

from __future__ import annotations

from .actions import create_link
from .models import Link


def make_link(target_url: str = "https://shop.example/p/1", **fields) -> Link:
    return create_link(target_url=target_url, **({"campaign": "双十二", "channel": "oa_menu"} | fields))
