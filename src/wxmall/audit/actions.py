"""`record` is the only writer of `AuditEntry`. It joins the caller's transaction, so an action that
rolls back leaves no entry, and one that commits always leaves one.

Entries are read by every owner-level member of staff for years: they say what happened, never the
personal data itself. Keys that name personal data are refused outright (a programming error, caught by
the caller's tests); mainland mobile numbers that slip into free text are masked."""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.http import HttpRequest

from wxmall.core.http import client_ip
from wxmall.core.masking import mask_phone

from .models import AuditEntry

ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# Substrings of detail keys that would carry raw personal data.
PERSONAL_KEYS = ("phone", "mobile", "address", "id_card", "idcard", "recipient", "password", "secret")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MAX_DETAIL_CHARS = 4000
SYSTEM_ACTOR = "系统"

Target = models.Model | tuple[str, Any, str] | None


def _clean(text: str, limit: int) -> str:
    return _MOBILE.sub(lambda m: mask_phone(m.group()), str(text))[:limit]


def _clean_detail(value: Any, path: str = "") -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            key = str(key)
            if any(word in key.lower() for word in PERSONAL_KEYS):
                raise ValueError(f"audit detail must not carry personal data: {path}{key}")
            out[key] = _clean_detail(item, f"{path}{key}.")
        return out
    if isinstance(value, (list, tuple)):
        return [_clean_detail(item, path) for item in value]
    if isinstance(value, str):
        return _clean(value, 500)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _clean(str(value), 500)


def _target_parts(target: Target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)
    kind, pk, label = target
    return str(kind), str(pk), str(label)


def record(
    actor,
    action: str,
    target: Target,
    summary: str,
    detail: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry. `actor` is a user or None (a job, the system); `action` a dotted code such as
    "customer.reveal"; `target` a model instance, a (type, id, label) triple or None; `summary` one
    Chinese sentence for people; `detail` small JSON without personal data; `request` gives the IP."""
    if not ACTION_RE.match(action) or len(action) > 64:
        raise ValueError(f"bad audit action code: {action!r}")
    cleaned = _clean_detail(detail or {})
    if len(str(cleaned)) > MAX_DETAIL_CHARS:
        raise ValueError("audit detail too large")
    if actor is not None and not getattr(actor, "pk", None):
        actor = None  # AnonymousUser
    kind, pk, label = _target_parts(target)
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username()[:150] if actor is not None else SYSTEM_ACTOR,
        action=action,
        target_type=kind[:64],
        target_id=pk[:64],
        target_label=_clean(label, 200),
        summary=_clean(summary, 500),
        detail=cleaned,
        ip=client_ip(request) if request is not None else None,
    )
