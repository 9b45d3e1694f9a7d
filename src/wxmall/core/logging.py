"""A logging filter that masks personal data in every record before any handler writes it: mainland
mobile numbers and ID card numbers, wherever they appear in the formatted message (a third-party
library's debug line or our own). Attached to the root handlers in settings.LOGGING."""

from __future__ import annotations

import logging
import re

from wxmall.core.masking import mask_phone

# An 18-character resident ID (17 digits + digit/X), then an 11-digit mobile (optionally +86), not inside
# a longer digit run (order numbers, timestamps).
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9})(?!\d)")


def mask_text(text: str) -> str:
    text = _ID_CARD.sub(lambda m: m.group()[:4] + "*" * 10 + m.group()[-4:], text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(1)), text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: leave it to logging's own error path
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
