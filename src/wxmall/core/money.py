"""Money is an integer number of fen (分) everywhere. Floats never touch an amount."""

from __future__ import annotations

import re

_YUAN = re.compile(r"([0-9]{1,9})(?:\.([0-9]{1,2}))?")


def yuan(fen: int) -> str:
    """Format fen as a yuan string for display: 129900 -> '1299.00'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def format_yuan(fen: int) -> str:
    """Fen for people to read: 424900 -> '¥4,249.00'; a negative amount keeps its sign in front."""
    fen = int(fen)
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}¥{whole:,}.{cents:02d}"


def parse_yuan(text: str) -> int | None:
    """'4249' / '4,249.5' / '¥4249.00' / '￥4249' -> fen; None for anything else (more than two
    decimals, signs, exponents, absurd sizes). For staff forms: amounts are typed in yuan, kept in fen."""
    cleaned = text.strip().removeprefix("¥").removeprefix("￥").strip().replace(",", "").replace("，", "")
    match = _YUAN.fullmatch(cleaned)
    if match is None:
        return None
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


def percent_of(fen: int, percent: int) -> int:
    """`percent`% of an amount, rounded half up to the fen, in integers only."""
    return (int(fen) * int(percent) + 50) // 100


# The largest amount a person may type anywhere (¥10,000,000.00): far above any real price or order,
# and below PositiveIntegerField's 2**31 - 1 fen on every database.
MAX_FEN = 1_000_000_000
