"""Entry point other apps call before they publish copy."""

from __future__ import annotations

from wxmall.compliance.scanner import Verdict, builtin_scanner

CONTEXTS = ("product_title", "product_description", "coupon", "live_script", "oa_reply", "store_sync", "api")


def check_copy(text: str, *, context: str) -> Verdict:
    """Scan `text` for advertising-law, induced-sharing and efficacy violations. `context` names the
    caller (one of CONTEXTS) so later rules can differ per surface; an unknown context is a bug."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown compliance context {context!r}")
    return builtin_scanner().scan(text)
