"""The ad-law copy scanner: one Aho-Corasick automaton (ahocorasick-rs) over normalised text.

`Scanner(terms)` compiles lexicon terms plus allow-list phrases into one leftmost-longest automaton, so
an allow phrase ("第一代", "最新款") that covers a term wins over it in the same pass. Spec contexts
("最大支持 64GB", "最高睿频 5.0GHz") are recognised after a superlative hit by what follows it. Pinyin
initials of long terms ("qwzdj" for 全网最低价) are matched on whole ASCII words. Every hit reports the
span in the ORIGINAL text, its rule, severity and a suggested compliant wording."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick_rs

from wxmall.compliance.lexicon import Term, allow_phrases, builtin_terms
from wxmall.compliance.normalize import fold, normalize

BLOCK, WARN = "block", "warn"
_ALLOW = None  # payload of allow-list phrases

# Superlatives that also start hardware specs; a number after them (optionally after a spec verb or
# attribute) makes the phrase a specification, not a claim.
_SPEC_HEADS = ("最大", "最高", "最低", "最小", "最长", "最快", "最多", "最少", "最轻", "最薄", "最强")
_SPEC_TAIL = re.compile(
    r"(?:支持|可达|可扩展至|可扩展|扩展至|扩展|达到|达|为|至|可|睿频|加速频率|频率|主频|功率|输出|"
    r"分辨率|刷新率|容量|转速|速率|传输|读取|写入|读速|写速|速度|续航|亮度|带宽|功耗|电流|电压|"
    r"重量|厚度|延迟|响应时间|支持到|仅|只有|约)*\d"
)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_PINYIN_MIN = 4  # shorter initials ("zh", "dy") are ordinary abbreviations


@dataclass(frozen=True, slots=True)
class Hit:
    start: int  # span in the original text, end exclusive
    end: int
    text: str  # the original characters, evasions included
    term: str
    rule: str
    severity: str
    suggestion: str
    via: str = "text"  # "text" or "pinyin"


@dataclass(frozen=True, slots=True)
class Verdict:
    hits: tuple[Hit, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        return any(h.severity == BLOCK for h in self.hits)

    @property
    def warned(self) -> bool:
        return any(h.severity == WARN for h in self.hits)

    @property
    def status(self) -> str:
        return BLOCK if self.blocked else WARN if self.warned else "pass"


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _initials(term: str) -> str | None:
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(term, style=Style.FIRST_LETTER, errors="ignore")
    if len(letters) != len(term):  # a non-Han character inside: no pinyin form
        return None
    initials = "".join(letters).lower()
    return initials if len(initials) >= _PINYIN_MIN and initials.isalpha() else None


class Scanner:
    """Immutable after construction; build it once per lexicon version (see `default_scanner`)."""

    def __init__(self, terms: Iterable[Term], allow: Iterable[str] = (), *, pinyin: bool = True) -> None:
        payload: dict[str, Term | None] = {}
        for t in terms:
            key = fold(t.term)
            if key and key not in payload:  # first wins: curated before generated, merchant first
                payload[key] = t
        self.term_count = len(payload)
        for phrase in allow:
            key = fold(phrase)
            if key and key not in payload:
                payload[key] = _ALLOW
        self._patterns = list(payload)
        self._payload = [payload[p] for p in self._patterns]
        self._automaton = ahocorasick_rs.AhoCorasick(
            self._patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        )
        self._pinyin: dict[str, Term] = {}
        if pinyin:
            for key, t in payload.items():
                if t is not None and t.curated and t.severity == BLOCK and len(key) >= _PINYIN_MIN:
                    initials = _initials(key)
                    if initials:
                        self._pinyin.setdefault(initials, t)

    def scan(self, text: str) -> Verdict:
        if not text:
            return Verdict()
        norm = normalize(text)
        s = norm.text
        hits: list[Hit] = []
        for idx, start, end in self._automaton.find_matches_as_indexes(s):
            term = self._payload[idx]
            if term is None:
                continue
            key = self._patterns[idx]
            if self._glued(norm, key, start, end):
                continue  # "no1" inside "modelno123"
            if key.startswith(_SPEC_HEADS) and _SPEC_TAIL.match(s, start + 2):
                continue  # "最大支持64GB": a specification
            if key.endswith("%") and end < len(s) and s[end].isascii() and s[end].isalpha():
                continue  # "100% sRGB", "100% DCI-P3": a colour-gamut specification
            o_start, o_end = norm.original_span(start, end)
            hits.append(
                Hit(o_start, o_end, text[o_start:o_end], term.term, term.rule, term.severity, term.suggestion)
            )
        if self._pinyin:
            hits.extend(self._pinyin_hits(text))
        hits.sort(key=lambda h: (h.start, -h.end))
        return Verdict(tuple(hits))

    @staticmethod
    def _glued(norm, key: str, start: int, end: int) -> bool:
        """An ASCII-bordered term touching ASCII letters/digits with nothing dropped between them."""
        s = norm.text
        left = _is_ascii_alnum(key[0]) and start > 0 and _is_ascii_alnum(s[start - 1])
        right = _is_ascii_alnum(key[-1]) and end < len(s) and _is_ascii_alnum(s[end])
        return (left and not norm.gap_before(start)) or (right and not norm.gap_before(end))

    def _pinyin_hits(self, text: str) -> list[Hit]:
        out = []
        for m in _ASCII_WORD.finditer(text):  # not text.lower(): lowering can change the length
            term = self._pinyin.get(m.group().lower())
            if term is not None:
                out.append(
                    Hit(
                        m.start(),
                        m.end(),
                        text[m.start() : m.end()],
                        term.term,
                        term.rule,
                        term.severity,
                        f"疑似拼音缩写规避：{term.suggestion}",
                        via="pinyin",
                    )
                )
        return out


@functools.cache
def builtin_scanner() -> Scanner:
    """The built-in lexicon compiled once per process (immutable; a pure memo of package data)."""
    return Scanner(builtin_terms(), allow_phrases())
