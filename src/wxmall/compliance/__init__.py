"""Compliance: the advertising-law copy scanner and its lexicons.

Call `wxmall.compliance.actions.check_copy(text, context=...)` from any code path that publishes copy
(product titles and descriptions, coupons, OA replies, Store sync). It returns a `Verdict` whose hits
carry the original span, rule, severity ("block" refuses the save or push; "warn" goes to review) and a
suggested compliant wording. The scanner normalises evasions once (spaces and punctuation inside a word,
full-width forms, traditional characters, zero-width characters, pinyin initials of long terms) and
matches all ≥ 5,000 terms in one Aho-Corasick pass."""
