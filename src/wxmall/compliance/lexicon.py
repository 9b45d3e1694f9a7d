"""The built-in lexicons: curated TSV lists and systematically generated combinations (lexicons/)."""

from __future__ import annotations

import functools
import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"

# File -> rule name. The rule names are part of the scan API's output.
CURATED = {
    "absolute.tsv": "ad_absolute",
    "sharing.tsv": "induced_sharing",
    "medical.tsv": "medical_claim",
}
SEVERITIES = ("block", "warn")


@dataclass(frozen=True, slots=True)
class Term:
    term: str  # as written in the lexicon; matched after normalisation
    rule: str
    severity: str
    suggestion: str
    curated: bool = True  # hand-written (curated lists, merchant words), not generated


def _rows(path: Path):
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        yield raw.split("\t")


def _curated() -> list[Term]:
    terms = []
    for name, rule in CURATED.items():
        for cols in _rows(LEXICON_DIR / name):
            term, severity, suggestion = cols
            if severity not in SEVERITIES:
                raise ValueError(f"{name}: bad severity {severity!r} for {term!r}")
            terms.append(Term(term, rule, severity, suggestion))
    return terms


def _generated() -> list[Term]:
    spec = tomllib.loads((LEXICON_DIR / "absolute_roots.toml").read_text(encoding="utf-8"))
    terms = []
    for group in spec["group"]:
        parts = group.get("parts") or [group["prefixes"], group["stems"]]
        rule = group.get("rule", "ad_absolute")
        for combo in itertools.product(*parts):
            terms.append(Term("".join(combo), rule, group["severity"], group["suggestion"], curated=False))
    return terms


@functools.cache
def builtin_terms() -> tuple[Term, ...]:
    """Every built-in term, curated entries first so their specific suggestion wins over a generated
    duplicate. Cached: the files are package data and never change while the process runs."""
    return tuple(_curated() + _generated())


@functools.cache
def allow_phrases() -> tuple[str, ...]:
    return tuple(cols[0] for cols in _rows(LEXICON_DIR / "allow.tsv"))
