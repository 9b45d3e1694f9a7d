"""Keyword and welcome rules: validation (used by admin and console forms) and matching.

Regex rules use the `regex` module with a per-match timeout, so a pattern with catastrophic
backtracking costs at most REGEX_TIMEOUT_SECONDS per message instead of the 5 s WeChat waits; patterns
are also bounded in length and compiled on save. Rules are read per message (a few dozen rows, one
indexed query) so an edit applies at once in every process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape

import regex

from . import render
from .models import InboundMessage, ReplyRule

logger = logging.getLogger(__name__)

MAX_PATTERN_LENGTH = 200
MAX_TEXT_LENGTH = 600  # WeChat's text reply limit is 2048 bytes; 600 Chinese characters stays under it
REGEX_TIMEOUT_SECONDS = 0.05
MAX_RULES = 500


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


def _matches(match: str, pattern: str, text: str, pk: int) -> bool:
    folded = text.strip().casefold()
    if match == ReplyRule.Match.EXACT:
        return folded == pattern.strip().casefold()
    if match == ReplyRule.Match.CONTAINS:
        return pattern.strip().casefold() in folded
    try:
        return _compiled(pattern).search(text, timeout=REGEX_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        logger.warning("OA reply rule %s timed out", pk)
        return False
    except regex.error:
        return False  # stored before validation existed: never break the answer over it


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


def match_text(appid: str, text: str) -> Matched | None:
    # Only (id, match, pattern) per rule on the hot path; the one rule that matches is loaded in full.
    candidates = (
        ReplyRule.objects.filter(is_active=True, trigger=ReplyRule.Trigger.KEYWORD)
        .exclude(pattern="")
        .order_by("priority", "id")
        .values_list("pk", "match", "pattern")[:MAX_RULES]
    )
    for pk, match, pattern in candidates:
        if _matches(match, pattern, text, pk):
            rule = ReplyRule.objects.filter(pk=pk).first()
            return Matched(rule) if rule else None
    return None


def event_rule(inbound: InboundMessage) -> Matched | None:
    if inbound.event == "subscribe":
        rule = (
            ReplyRule.objects.filter(is_active=True, trigger=ReplyRule.Trigger.SUBSCRIBE)
            .order_by("priority", "id")
            .first()
        )
        return Matched(rule) if rule else None
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
