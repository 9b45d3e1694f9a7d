"""Keyword and welcome rules: validation (used by admin and console forms) and matching.

Regex rules use the `regex` module with a per-match timeout, so a pattern with catastrophic
backtracking costs at most REGEX_TIMEOUT_SECONDS per message instead of the 5 s WeChat waits; patterns
are also bounded in length and compiled on save.

Rules are held in each process (`_rule_set`, a memo of the table at one version, patterns folded and
compiled once) instead of two queries per message. The version is a random stamp in the shared cache,
replaced by `bump_version` on every save or delete of a rule (signals.py), at once and again when the
transaction commits, so an edit applies to the next message in every process. An edit that bypasses the
signals (a queryset `update`, raw SQL) or a lost cache entry is picked up within RULES_MAX_AGE_SECONDS.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import regex
from django.core.cache import cache
from django.db import transaction

from . import render
from .models import InboundMessage, ReplyRule

logger = logging.getLogger(__name__)

MAX_PATTERN_LENGTH = 200
MAX_TEXT_LENGTH = 600  # WeChat's text reply limit is 2048 bytes; 600 Chinese characters stays under it
REGEX_TIMEOUT_SECONDS = 0.05
MAX_RULES = 500
VERSION_KEY = "officialaccount:rules:version"
RULES_MAX_AGE_SECONDS = 30


class InvalidPattern(ValueError):
    pass


def _compiled(pattern: str) -> regex.Pattern:
    return regex.compile(pattern, regex.IGNORECASE | regex.V0)  # regex keeps its own compiled cache


def validate_pattern(match: str, pattern: str) -> str:
    """The pattern as stored (stripped), or InvalidPattern with a Chinese reason."""
    pattern = pattern.strip()
    if not pattern:
        raise InvalidPattern("关键词不能为空")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidPattern(f"关键词最多 {MAX_PATTERN_LENGTH} 个字符")
    if match == ReplyRule.Match.REGEX:
        try:
            _compiled(pattern).search("", timeout=REGEX_TIMEOUT_SECONDS)
        except (regex.error, TimeoutError) as exc:
            raise InvalidPattern("正则表达式不合法") from exc
    return pattern


@dataclass(frozen=True)
class _Keyword:
    pk: int
    match: str
    folded: str  # the pattern stripped and case-folded (exact, contains)
    compiled: regex.Pattern | None  # regex rules; None when the stored pattern does not compile


def _keyword(rule: ReplyRule) -> _Keyword:
    compiled = None
    if rule.match == ReplyRule.Match.REGEX:
        # A pattern stored before validation existed may not compile: it never matches, never breaks.
        with contextlib.suppress(regex.error):
            compiled = _compiled(rule.pattern)
    return _Keyword(rule.pk, rule.match, rule.pattern.strip().casefold(), compiled)


def _matches(keyword: _Keyword, text: str, folded: str) -> bool:
    if keyword.match == ReplyRule.Match.EXACT:
        return folded == keyword.folded
    if keyword.match == ReplyRule.Match.CONTAINS:
        return keyword.folded in folded
    if keyword.compiled is None:
        return False
    try:
        return keyword.compiled.search(text, timeout=REGEX_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        logger.warning("OA reply rule %s timed out", keyword.pk)
        return False


@dataclass(frozen=True)
class Matched:
    rule: ReplyRule

    def render(self, inbound: InboundMessage) -> str:
        rule = self.rule
        if rule.reply_type == ReplyRule.ReplyType.NEWS:
            article = {
                "Title": rule.title,
                "Description": rule.description,
                "PicUrl": rule.pic_url,
                "Url": rule.url,
            }
            return render.news(inbound, [article])
        if rule.reply_type == ReplyRule.ReplyType.LINK:
            # WeChat renders <a href> in a text message as a tappable link.
            anchor = f'<a href="{escape(rule.url)}">{escape(rule.title or rule.url)}</a>'
            return render.text(inbound, f"{rule.text}\n{anchor}".strip())
        return render.text(inbound, rule.text)


@dataclass(frozen=True)
class _RuleSet:
    keywords: tuple[tuple[_Keyword, ReplyRule], ...]  # by priority, then id
    welcome: ReplyRule | None


def bump_version() -> None:
    """A rule changed: every process reloads its rules for its next message. Bumped at once (the editing
    transaction sees its own change) and again at commit, so a process that reloaded in between, before
    the change was visible to it, reloads once more."""
    _set_version()
    transaction.on_commit(_set_version, robust=True)


def _set_version() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # the cache is down: saving the rule must not fail; others see it within the period
        logger.warning("OA reply rules: version not moved (cache unavailable)", exc_info=True)


def _version() -> str:
    try:
        stamp = cache.get(VERSION_KEY)
        if stamp is None:  # never set, or the cache lost it: a new stamp makes every process reload
            cache.add(VERSION_KEY, uuid.uuid4().hex, None)
            stamp = cache.get(VERSION_KEY) or ""
        return stamp
    except Exception:  # the cache is down: read the table for this message, as if nothing were held
        logger.warning("OA reply rules: version unknown (cache unavailable)", exc_info=True)
        return uuid.uuid4().hex


@lru_cache(maxsize=2)
def _rule_set(stamp: str, period: int) -> _RuleSet:
    """The active rules at `stamp` (and this RULES_MAX_AGE_SECONDS period): a pure memo of the table."""
    active = ReplyRule.objects.filter(is_active=True).order_by("priority", "id")
    keywords = tuple(
        (_keyword(rule), rule)
        for rule in active.filter(trigger=ReplyRule.Trigger.KEYWORD).exclude(pattern="")[:MAX_RULES]
    )
    return _RuleSet(keywords, active.filter(trigger=ReplyRule.Trigger.SUBSCRIBE).first())


def _rules() -> _RuleSet:
    return _rule_set(_version(), int(time.time() // RULES_MAX_AGE_SECONDS))


def match_text(appid: str, text: str) -> Matched | None:
    folded = text.strip().casefold()
    for keyword, rule in _rules().keywords:
        if _matches(keyword, text, folded):
            return Matched(rule)
    return None


def event_rule(inbound: InboundMessage) -> Matched | None:
    if inbound.event == "subscribe":
        welcome = _rules().welcome
        return Matched(welcome) if welcome else None
    return None


def clean_rule(cleaned: dict, add_error) -> None:
    """Form-level checks of a rule (admin and console): `add_error(field, message)` for each problem."""
    trigger, match = cleaned.get("trigger"), cleaned.get("match")
    if trigger == ReplyRule.Trigger.KEYWORD:
        try:
            cleaned["pattern"] = validate_pattern(match or "", cleaned.get("pattern") or "")
        except InvalidPattern as exc:
            add_error("pattern", str(exc))
    reply_type = cleaned.get("reply_type")
    text = (cleaned.get("text") or "").strip()
    if len(text) > MAX_TEXT_LENGTH:
        add_error("text", f"回复文本最多 {MAX_TEXT_LENGTH} 个字")
    if reply_type == ReplyRule.ReplyType.TEXT and not text:
        add_error("text", "文本回复需要填写回复文本")
    if reply_type in (ReplyRule.ReplyType.NEWS, ReplyRule.ReplyType.LINK) and not cleaned.get("url"):
        add_error("url", "图文和链接回复需要填写链接")
    if reply_type == ReplyRule.ReplyType.NEWS and not (cleaned.get("title") or "").strip():
        add_error("title", "图文回复需要填写标题")
