"""The former name of `wxmall_money` (core's one fen display filter), kept for templates that still
load it; new templates load `wxmall_money`."""

from wxmall.core.templatetags.wxmall_money import register  # noqa: F401  (Django finds `register`)
