"""Entry point other apps call before they publish copy."""

from __future__ import annotations

from wxmall.compliance.lexicon import Term
from wxmall.compliance.scanner import Scanner, Verdict, builtin_scanner

CONTEXTS = (
    "product_title",
    "product_description",
    "coupon",
    "live_script",
    "oa_reply",
    "store_sync",
    "api",
    "growth_campaign",
)


def _merchant_scanner() -> Scanner | None:
    """The merchant's own words, read per call (a few dozen rows; a small automaton builds in
    microseconds) so an edit in admin applies at once in every process."""
    from wxmall.compliance.models import MerchantTerm

    rows = MerchantTerm.objects.filter(active=True).values_list("term", "severity", "suggestion")[:2000]
    terms = [Term(t, "merchant", sev, sug or "商家自定义禁用词，请改写") for t, sev, sug in rows]
    return Scanner(terms, pinyin=False) if terms else None


def check_copy(text: str, *, context: str) -> Verdict:
    """Scan `text` for advertising-law, induced-sharing, efficacy and merchant-defined violations.
    `context` names the caller (one of CONTEXTS) so later rules can differ per surface."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown compliance context {context!r}")
    verdict = builtin_scanner().scan(text)
    merchant = _merchant_scanner()
    if merchant is None:
        return verdict
    hits = sorted(verdict.hits + merchant.scan(text).hits, key=lambda h: (h.start, -h.end))
    return Verdict(tuple(hits))
