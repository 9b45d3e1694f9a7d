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
import numpy as np

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


# Per-term checks after a match, as bit flags computed once per pattern (most terms need none).
_F_ASCII_EDGE, _F_SPEC_HEAD, _F_PERCENT = 1, 2, 4


_IS_LETTER = np.array([chr(c).isascii() and chr(c).isalpha() for c in range(128)], dtype=np.bool_)


def _flags(key: str) -> int:
    flag = _F_ASCII_EDGE if _is_ascii_alnum(key[0]) or _is_ascii_alnum(key[-1]) else 0
    if key.startswith(_SPEC_HEADS):
        flag |= _F_SPEC_HEAD
    if key.endswith("%"):
        flag |= _F_PERCENT
    return flag


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
        self._flags = [_flags(p) if payload[p] is not None else 0 for p in self._patterns]
        # The contiguous NFA: faster than the default here and smaller; a full DFA is faster still but
        # costs ~90 MB and > 1 s to build per process for the built-in lexicon.
        # Matched over the UTF-8 bytes: ahocorasick-rs's str interface spends more time turning byte
        # offsets into character offsets than matching; `_term_hits` does that only for real hits.
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            [p.encode("utf-8") for p in self._patterns],
            matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
            implementation=ahocorasick_rs.Implementation.ContiguousNFA,
        )
        self._pinyin: dict[str, Term] = {}
        if pinyin:
            for key, t in payload.items():
                if t is not None and t.curated and t.severity == BLOCK and len(key) >= _PINYIN_MIN:
                    initials = _initials(key)
                    if initials:
                        self._pinyin.setdefault(initials, t)
        sizes = [len(k) for k in self._pinyin] or [0]
        self._pinyin_sizes = (min(sizes), max(sizes))

    def scan(self, text: str) -> Verdict:
        if not text:
            return Verdict()
        norm = normalize(text)
        data = norm.text.encode("utf-8")
        matches = self._automaton.find_matches_as_indexes(data)
        hits = self._term_hits(text, norm, data, matches) if matches else []
        if self._pinyin:
            hits.extend(self._pinyin_hits(text, norm.codepoints))
        hits.sort(key=lambda h: (h.start, -h.end))
        return Verdict(tuple(hits))

    def _term_hits(self, text: str, norm, data: bytes, matches: list[tuple[int, int, int]]) -> list[Hit]:
        """Matches of lexicon terms (allow phrases only shadow them): UTF-8 byte offsets turned into
        normalised then original character spans in vectorised steps; the per-term checks run only where
        a term's flags call for them."""
        payload, flags = self._payload, self._flags
        found = [m for m in matches if payload[m[0]] is not None]
        if not found:
            return []
        starts = np.fromiter((m[1] for m in found), dtype=np.intp, count=len(found))
        ends = np.fromiter((m[2] for m in found), dtype=np.intp, count=len(found))
        if len(data) != len(norm.text):  # not pure ASCII: byte offsets -> character offsets
            # Matches of whole UTF-8 patterns start and end on character boundaries, so each offset
            # is exactly the position of a character's first byte (or the end).
            char_starts = np.flatnonzero((np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80)
            starts, ends = np.searchsorted(char_starts, starts), np.searchsorted(char_starts, ends)
        o_starts = norm.positions[starts].tolist()
        o_ends = (norm.positions[ends - 1] + 1).tolist()
        s, hits = norm.text, []
        spans = zip(found, starts.tolist(), ends.tolist(), o_starts, o_ends, strict=True)
        for (idx, _, _), start, end, o_start, o_end in spans:
            flag = flags[idx]
            if flag:
                if flag & _F_ASCII_EDGE and self._glued(norm, self._patterns[idx], start, end):
                    continue  # "no1" inside "modelno123"
                if flag & _F_SPEC_HEAD and _SPEC_TAIL.match(s, start + 2):
                    continue  # "最大支持64GB": a specification
                if flag & _F_PERCENT and end < len(s) and s[end].isascii() and s[end].isalpha():
                    continue  # "100% sRGB", "100% DCI-P3": a colour-gamut specification
            term = payload[idx]
            hits.append(
                Hit(o_start, o_end, text[o_start:o_end], term.term, term.rule, term.severity, term.suggestion)
            )
        return hits

    @staticmethod
    def _glued(norm, key: str, start: int, end: int) -> bool:
        """An ASCII-bordered term touching ASCII letters/digits with nothing dropped between them."""
        s = norm.text
        left = _is_ascii_alnum(key[0]) and start > 0 and _is_ascii_alnum(s[start - 1])
        right = _is_ascii_alnum(key[-1]) and end < len(s) and _is_ascii_alnum(s[end])
        return (left and not norm.gap_before(start)) or (right and not norm.gap_before(end))

    def _pinyin_hits(self, text: str, codepoints: np.ndarray) -> list[Hit]:
        """Whole ASCII words of the original text (runs of [A-Za-z0-9], found with numpy rather than a
        regex walking every character) that are a blocking term's pinyin initials."""
        ascii_at = np.flatnonzero(codepoints < 128)  # a compare, not a table lookup per character
        where = ascii_at[_IS_LETTER[codepoints[ascii_at]]]
        if where.size < _PINYIN_MIN:
            return []
        breaks = np.flatnonzero(np.diff(where) != 1) + 1
        starts = where[np.concatenate(([0], breaks))]
        ends = where[np.concatenate((breaks - 1, [where.size - 1]))] + 1
        size = ends - starts
        long = (size >= self._pinyin_sizes[0]) & (size <= self._pinyin_sizes[1])
        # A letter run is a whole word unless a digit continues it ("qwzdj1" is the word, not initials).
        before = codepoints[np.maximum(starts - 1, 0)]
        after = codepoints[np.minimum(ends, codepoints.size - 1)]
        long &= (starts == 0) | (before < 48) | (before > 57)
        long &= (ends == codepoints.size) | (after < 48) | (after > 57)
        out = []
        for start, end in zip(starts[long].tolist(), ends[long].tolist(), strict=True):
            original = text[start:end]
            term = self._pinyin.get(original.lower())
            if term is not None:
                out.append(
                    Hit(
                        start,
                        end,
                        original,
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
