"""Money is an integer number of fen (分) everywhere. Floats never touch an amount."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Format fen as a yuan string for display: 129900 -> '1299.00'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def percent_of(fen: int, percent: int) -> int:
    """`percent`% of an amount, rounded half up to the fen, in integers only."""
    return (int(fen) * int(percent) + 50) // 100
