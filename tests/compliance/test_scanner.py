from pathlib import Path

import pytest

from wxmall.compliance.actions import check_copy
from wxmall.compliance.lexicon import builtin_terms
from wxmall.compliance.scanner import Scanner, builtin_scanner

pytestmark = pytest.mark.django_db  # check_copy reads the merchant words

DATA = Path(__file__).parent / "data" / "labelled.tsv"


def _labelled():
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, sentence = line.split("\t", 1)
            rows.append((label == "1", sentence))
    return rows


def test_lexicon_has_at_least_5000_distinct_terms():
    assert builtin_scanner().term_count >= 5000
    assert len({t.term for t in builtin_terms()}) >= 5000


def test_precision_and_recall_on_the_labelled_set(capsys):
    rows = _labelled()
    assert len(rows) >= 200
    tp = fp = fn = 0
    misses, false_alarms = [], []
    for violating, sentence in rows:
        flagged = bool(check_copy(sentence, context="api").hits)
        if violating and flagged:
            tp += 1
        elif violating:
            fn += 1
            misses.append(sentence)
        elif flagged:
            fp += 1
            false_alarms.append(sentence)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print(f"\nlabelled set: n={len(rows)} precision={precision:.3f} recall={recall:.3f}")
        print("missed:", misses, "\nfalse alarms:", false_alarms)
    assert precision >= 0.95, false_alarms
    assert recall >= 0.90, misses


@pytest.mark.parametrize(
    "text, span_text, term",
    [
        ("现在 全 网 最 低 价！", "全 网 最 低 价", "全网最低价"),
        ("全網最低價", "全網最低價", "全网最低价"),
        ("ＮＯ．１，就是它", "ＮＯ．１", "no1"),
        ("最\u200b便\u200d宜", "最\u200b便\u200d宜", "最便宜"),
        ("最🔥便宜", "最🔥便宜", "最便宜"),
        ("买它 qwzdj", "qwzdj", "全网最低价"),
        ("分享到朋友圈，即可领取", "分享到朋友圈，即可领取", "分享到朋友圈即可领取"),
    ],
)
def test_evasions_are_caught_with_their_original_span(text, span_text, term):
    hits = check_copy(text, context="api").hits
    assert hits, text
    hit = hits[0]
    assert text[hit.start : hit.end] == hit.text == span_text
    assert hit.term == term
    assert hit.suggestion


@pytest.mark.parametrize(
    "text", ["第一代笔记本", "最大支持 64GB 内存", "最高睿频 5.0GHz", "最新款", "第一次下单", "型号 no123"]
)
def test_spec_and_allow_contexts_pass(text):
    assert check_copy(text, context="api").status == "pass"


def test_severity_block_and_warn():
    assert check_copy("销量第一", context="api").status == "block"
    assert check_copy("护眼屏幕", context="api").status == "warn"
    assert check_copy("16GB 内存", context="api").status == "pass"


def test_unknown_context_is_refused():
    with pytest.raises(ValueError):
        check_copy("x", context="nope")


def test_merchant_terms_win_over_builtins_and_scan_alone():
    from wxmall.compliance.lexicon import Term

    sc = Scanner([Term("爆款神机", "merchant", "block", "请改写")], pinyin=False)
    v = sc.scan("这台爆 款 神机")
    assert [h.rule for h in v.hits] == ["merchant"]
    assert sc.scan("普通文案").status == "pass"


@pytest.mark.django_db
def test_merchant_words_from_the_database_apply_at_once():
    from wxmall.compliance.models import MerchantTerm

    assert check_copy("这台 爆款神机", context="api").status == "pass"
    MerchantTerm.objects.create(term="爆款神机", severity="block", suggestion="请改写为具体卖点")
    MerchantTerm.objects.create(term="停用词", severity="block", active=False)
    hits = check_copy("这台 爆 款 神机，停用词", context="api").hits
    assert [(h.rule, h.text, h.suggestion) for h in hits] == [("merchant", "爆 款 神机", "请改写为具体卖点")]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("QWZDJ，买它", ["QWZDJ"]),
        ("qwzdj", ["qwzdj"]),
        ("型号qwzdj", ["qwzdj"]),  # Han characters border an ASCII word
        ("qwzdj1 与 1qwzdj", []),  # a digit continues the word: not initials
        ("qwzdjx xqwzdj", []),
        ("a qwzdj b qwzd", ["qwzdj", "qwzd"]),
    ],
)
def test_pinyin_initials_match_whole_ascii_words_only(text, found):
    hits = [h.text for h in builtin_scanner().scan(text).hits if h.via == "pinyin"]
    assert hits == found


def test_the_bmp_fast_path_normalises_like_the_full_table():
    """All-BMP text takes a 16-bit table; a character outside the BMP forces the full one. Both agree,
    including on the BMP characters whose normal form lies outside the BMP."""
    import numpy as np

    from wxmall.compliance.normalize import _table, normalize

    wide = "".join(chr(c) for c in range(0x10000) if _table()[c] > 0xFFFF)
    assert wide  # the case the fast path must hand over
    for text in ("全網 最低價！ＮＯ．１ qwzdj\u200b最便宜", wide + "全網最低價", "\uffff全网"):
        fast, full = normalize(text), normalize(text + "\U00020000")
        assert full.text == fast.text + "\U00020000"
        assert np.array_equal(full.positions[:-1], fast.positions)
