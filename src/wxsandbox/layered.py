"""Layered behaviour knobs for a surface: dataclass defaults ← its config table ← run-time overrides.

The mp surfaces have their own richer loader (``mp/settings.py``); smaller surfaces (invoice, fapiao) use
this one. Overrides are persisted in the state DB (``POST /sandbox/<surface>/settings``), so a test can
switch a fault or a check on without restarting the sandbox; the merged value is cached on the Sandbox.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from typing import Any, TypeVar

T = TypeVar("T")


def merge(settings: T, raw: dict[str, Any], where: str) -> T:
    """``settings`` with ``raw`` applied; ValueError names the first bad key (types follow the defaults)."""
    known = {f.name for f in fields(settings)}  # type: ignore[arg-type]
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown settings {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        current = getattr(settings, name)
        if isinstance(current, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{where}: {name} must be true or false")
        elif isinstance(current, int | float):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{where}: {name} must be a non-negative number")
            value = type(current)(value)
        elif not isinstance(value, str):
            raise ValueError(f"{where}: {name} must be a string")
        values[name] = value
    return replace(settings, **values)  # type: ignore[type-var]


class Layered:
    """``Layered(SettingsClass, "invoice")``: ``load(sandbox)``, ``override(sandbox, raw)``, ``reset``."""

    def __init__(self, cls: type, section: str) -> None:
        self.cls, self.section = cls, section
        self.meta_key = self.cache_key = f"{section}.settings"

    def _compute(self, sandbox: Any):
        settings = merge(self.cls(), dict(sandbox.config.section(self.section)), f"[{self.section}]")
        stored = sandbox.state.get_meta(self.meta_key)
        return merge(settings, json.loads(stored), "overrides") if stored else settings

    def load(self, sandbox: Any):
        cached = sandbox.extras.get(self.cache_key)
        if cached is None:
            cached = sandbox.extras[self.cache_key] = self._compute(sandbox)
        return cached

    def override(self, sandbox: Any, raw: Any):
        if not isinstance(raw, dict):
            raise ValueError("settings must be a JSON object")
        combined = {**json.loads(sandbox.state.get_meta(self.meta_key) or "{}"), **raw}
        merge(
            merge(self.cls(), dict(sandbox.config.section(self.section)), f"[{self.section}]"),
            combined,
            "overrides",
        )
        sandbox.state.set_meta(self.meta_key, json.dumps(combined, ensure_ascii=False))
        sandbox.extras.pop(self.cache_key, None)
        return self.load(sandbox)

    def reset(self, sandbox: Any) -> None:
        sandbox.state.set_meta(self.meta_key, "{}")
        sandbox.extras.pop(self.cache_key, None)

    @staticmethod
    def as_dict(settings: Any) -> dict[str, Any]:
        return asdict(settings)


def clear_tables(sandbox: Any, prefix: str) -> None:
    """Delete every row of the surface's tables (``<prefix>_…``): its part of ``POST /sandbox/reset``."""
    rows = sandbox.state.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'", (prefix + "\\_%",)
    )
    with sandbox.state.transaction():
        for row in rows:
            sandbox.state.execute(f'DELETE FROM "{row["name"]}"')
