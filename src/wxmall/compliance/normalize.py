"""Text normalisation for the scanner, done once per text with a map back to the original.

Each character is either substituted by exactly one character (case, full-width forms, traditional ->
simplified) or dropped (whitespace, punctuation, symbols, emoji, zero-width and bidi controls that are
slipped inside a word to dodge a filter). Never an expansion, so every normalised position maps back to
one original character. The work is one lookup table applied with numpy over the UTF-32 code points
(a 16-bit table when the text is all BMP, which is cache-resident): a Python loop or `str.translate`
with a dict is several times slower than the matcher itself."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import numpy as np

_DROP = 0  # table value for "drop this character" (NUL itself is a control character and is dropped)
_KEEP = {"%"}  # "100%" is a claim; keep the sign
# Sentence ends are kept as one boundary mark instead of dropped, so a term never spans two sentences
# ("销量第一！一体机…" is not the term 第一一体机). Evasions use spaces, dots and symbols, not these.
_BOUNDARY = "。"
_BOUNDARIES = "。！？；!?;\n\r\u2028\u2029"
_NON_BMP_DROP = ((0x1F000, 0x1FAFF), (0xE0000, 0xE007F))  # emoji and pictographs, tag characters


@functools.cache
def _table() -> np.ndarray:
    """Code point -> normalised code point, or _DROP. Built once per process (~0.2 s)."""
    from zhconv import zhconv

    lut = np.arange(0x110000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if ch not in _KEEP and (cat[0] in "ZPS" or cat in ("Cc", "Cf", "Cs")):
            lut[cp] = _DROP
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1:
            low = folded.lower()
            lut[cp] = ord(low if len(low) == 1 else folded)
    for lo, hi in _NON_BMP_DROP:
        lut[lo : hi + 1] = _DROP
    zhconv.loaddict()
    for trad, simp in zhconv.zhcdicts["zh2Hans"].items():
        if len(trad) == 1 and len(simp) == 1:
            lut[ord(trad)] = lut[ord(simp)]
    lut[ord("％")] = ord("%")
    for ch in _BOUNDARIES:
        lut[ord(ch)] = ord(_BOUNDARY)
    lut.setflags(write=False)
    return lut


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str
    positions: np.ndarray  # positions[i] = original index of normalised character i
    codepoints: np.ndarray | None = None  # the original text's code points (the scanner reuses them)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return int(self.positions[start]), int(self.positions[end - 1]) + 1

    def gap_before(self, i: int) -> bool:
        """Something was dropped right before normalised index i (a word boundary between ASCII runs)."""
        return i > 0 and self.positions[i] != self.positions[i - 1] + 1


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def fold(text: str) -> str:
    """Normalise a lexicon term the same way as scanned text."""
    return normalize(text).text


_WIDE = 0xFFFF  # in the 16-bit table: "maps outside the BMP, use the full table" (a noncharacter)


@functools.cache
def _table16() -> np.ndarray:
    """The BMP part of `_table` as 16-bit values (128 KB: the lookup stays in cache, unlike the 4 MB
    full table). The few BMP characters whose normal form lies outside the BMP are _WIDE."""
    full = _table()[:0x10000]
    lut = np.where(full > 0xFFFF, _WIDE, full).astype(np.uint16)
    lut.setflags(write=False)
    return lut


def normalize(text: str) -> Normalized:
    cps = _codepoints(text)
    if cps.size and cps.max() <= 0xFFFF:  # the usual case: every character in the BMP
        mapped16 = _table16()[cps]
        if not (mapped16 == _WIDE).any():
            keep = mapped16 != _DROP
            return Normalized(mapped16[keep].tobytes().decode("utf-16-le"), np.flatnonzero(keep), cps)
    mapped = _table()[cps]
    keep = mapped != _DROP
    positions = np.flatnonzero(keep)
    return Normalized(mapped[keep].tobytes().decode("utf-32-le"), positions, cps)
