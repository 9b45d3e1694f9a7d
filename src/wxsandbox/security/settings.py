"""Behaviour knobs of the content-security surface (reference wechat-kf-security-shipping.md §3).

Defaults ← the ``[security]`` table of the sandbox config ← run-time overrides from
``POST /sandbox/security/settings`` (persisted in the state DB). Verdicts are deterministic: a text is
judged by the configured keywords it contains, so a test can trigger each label and suggestion.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

_META_KEY = "security.settings"
WECHAT_SUGGEST = ("pass", "review", "risky")
TMS_SUGGESTION = ("Pass", "Review", "Block")
VISIT_ERRCODES = frozenset({43104, 61010})  # the candidates for "no visit within 2 h" (open question 15)

# Sandbox-only credentials (the hub's demo and tests use them); a real deployment has its own.
DEFAULT_TMS_SECRET_ID = "AKIDwxsandboxTMS00000000000000000000"
DEFAULT_TMS_SECRET_KEY = "wxsandboxTmsSecretKey0000000000000"


@dataclass(frozen=True)
class SecuritySettings:
    # msg_sec_check v2: keyword -> [suggest, label]; the strongest hit decides the result
    keywords: dict[str, list] = field(
        default_factory=lambda: {
            "赌博": ["risky", 20006],
            "代开发票": ["risky", 20006],
            "加微信领红包": ["review", 10001],
        }
    )
    msg_sec_max_chars: int = 2500
    msg_sec_per_minute: int = 4000
    # v2 needs an openid that used the Mini Program (jscode2session login) within this many seconds of
    # sandbox time; 0 turns the rule off. The errcode WeChat gives otherwise is unconfirmed (reference §3.1
    # says "43104-style", open question 15 names 61010): the checklist's 43104 by default.
    msg_sec_visit_seconds: int = 7200
    msg_sec_visit_errcode: int = 43104
    # TMS TextModeration: keyword -> [Suggestion, Label]
    tms_keywords: dict[str, list] = field(
        default_factory=lambda: {
            "赌博": ["Block", "Illegal"],
            "代开发票": ["Block", "Illegal"],
            "加微信领红包": ["Review", "Ad"],
        }
    )
    tms_secret_id: str = DEFAULT_TMS_SECRET_ID
    tms_secret_key: str = DEFAULT_TMS_SECRET_KEY
    tms_max_chars: int = 10_000
    tms_skew_seconds: int = 300
    tms_biz_types: list[str] = field(default_factory=lambda: ["default"])


_FIELDS = {f.name for f in fields(SecuritySettings)}


def _merge(current: SecuritySettings, raw: dict[str, Any], where: str) -> SecuritySettings:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown settings {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        kind = type(getattr(current, name))
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"{where}: {name} must be a non-negative integer")
        if kind is not int and not isinstance(value, kind):
            raise ValueError(f"{where}: {name} must be a {kind.__name__}")
        values[name] = value
    merged = replace(current, **values)
    if merged.msg_sec_visit_errcode not in VISIT_ERRCODES:
        raise ValueError(f"{where}: msg_sec_visit_errcode must be one of {sorted(VISIT_ERRCODES)}")
    for word, rule in merged.keywords.items():
        if not (isinstance(rule, list) and len(rule) == 2 and rule[0] in WECHAT_SUGGEST and _label(rule[1])):
            raise ValueError(f"{where}: keywords.{word} must be [pass|review|risky, label number]")
    for word, rule in merged.tms_keywords.items():
        if not (isinstance(rule, list) and len(rule) == 2 and rule[0] in TMS_SUGGESTION):
            raise ValueError(f"{where}: tms_keywords.{word} must be [Pass|Review|Block, Label]")
    return merged


def _label(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def load(sandbox: Any) -> SecuritySettings:
    merged = _merge(SecuritySettings(), dict(sandbox.config.section("security")), "[security]")
    stored = sandbox.state.get_meta(_META_KEY)
    return _merge(merged, json.loads(stored), "overrides") if stored else merged


def override(sandbox: Any, raw: dict[str, Any]) -> SecuritySettings:
    stored = json.loads(sandbox.state.get_meta(_META_KEY) or "{}")
    combined = {**stored, **raw}
    _merge(
        _merge(SecuritySettings(), dict(sandbox.config.section("security")), "[security]"),
        combined,
        "overrides",
    )
    sandbox.state.set_meta(_META_KEY, json.dumps(combined, ensure_ascii=False))
    return load(sandbox)


def reset(sandbox: Any) -> None:
    sandbox.state.set_meta(_META_KEY, "{}")


def as_dict(settings: SecuritySettings) -> dict[str, Any]:
    data = asdict(settings)
    data["tms_secret_key"] = "***"  # the control API never echoes the secret
    return data
