"""Fault injection: seeded, replayable failures for endpoints and outbound callbacks.

Each rule gets its own ``random.Random`` seeded with ``f"{seed}:{rule.id}"``: whether a rule fires depends
only on the seed and on how many times that rule has matched, not on unrelated traffic, so a failing test
replays identically. Rules come from the config and from the control API (``/sandbox/faults``).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from wxsandbox.config import FaultRule


@dataclass
class _Armed:
    rule: FaultRule
    rng: random.Random
    matched: int = 0
    fired: int = 0


class FaultInjector:
    def __init__(self, rules: tuple[FaultRule, ...] = (), seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._armed: list[_Armed] = []
        self._next_id = 1
        for rule in rules:
            self.add(rule)

    @property
    def active(self) -> bool:
        """Cheap check used by the middleware's fast path."""
        return bool(self._armed)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            if not rule.id:
                rule = replace(rule, id=f"f{self._next_id}")
            self._next_id += 1
            if any(a.rule.id == rule.id for a in self._armed):
                raise ValueError(f"duplicate fault rule id {rule.id}")
            self._armed.append(_Armed(rule, random.Random(f"{self._seed}:{rule.id}")))
            return rule

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._armed)
            self._armed = [a for a in self._armed if a.rule.id != rule_id]
            return len(self._armed) != before

    def clear(self, seed: int | None = None) -> None:
        """Drop every rule (and optionally reseed)."""
        with self._lock:
            self._armed = []
            if seed is not None:
                self._seed = seed

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(a.rule) | {"matched": a.matched, "fired": a.fired} for a in self._armed]

    def check(self, *names: str) -> FaultRule | None:
        """First rule whose target matches any of ``names`` and whose dice roll fires, else None.

        Request names are the route name and the path; callback names are ``callback:<kind>``.
        """
        if not self._armed:
            return None
        with self._lock:
            for armed in self._armed:
                rule = armed.rule
                if not any(fnmatch.fnmatchcase(name, rule.target) for name in names if name):
                    continue
                if rule.times is not None and armed.fired >= rule.times:
                    continue
                armed.matched += 1
                if rule.probability >= 1.0 or armed.rng.random() < rule.probability:
                    armed.fired += 1
                    return rule
            return None


def rule_from_json(data: dict[str, Any]) -> FaultRule:
    """Build a FaultRule from control-API JSON; raises ValueError with a readable message."""
    if not isinstance(data, dict) or not isinstance(data.get("target"), str) or not data["target"]:
        raise ValueError("target is required")
    allowed = set(FaultRule.__dataclass_fields__)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    try:
        rule = FaultRule(**data)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc
    if not 0.0 <= float(rule.probability) <= 1.0:
        raise ValueError("probability must be within [0, 1]")
    return rule
