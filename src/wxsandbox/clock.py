"""The sandbox clock: real time plus a persisted offset that tests and the phone UI can advance.

Every surface uses ``sandbox.clock.now()`` (never ``time.time()``) for token expiry, order expiry, bill
days and callback schedules, so advancing the clock expires things exactly as time would. Timestamps that
belong to the transport — the ``timestamp`` of a Pay v3 ``Authorization`` header and the
``Wechatpay-Timestamp`` of signed answers and notifications — use ``wall_timestamp()`` instead: a real client
signs with its real clock and checks ours against it, so advancing sandbox time must not make every
request (or every answer) stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from wxsandbox.state import State

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
_OFFSET_KEY = "clock.offset"


class Clock:
    def __init__(self, state: State) -> None:
        self._state = state
        self._offset = float(state.get_meta(_OFFSET_KEY) or 0.0)
        self._listeners: list[Callable[[float], None]] = []

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        """Sandbox time in Unix seconds (float)."""
        return time.time() + self._offset

    def timestamp(self) -> int:
        """Sandbox time in whole Unix seconds (what WeChat puts in signatures and ``create_time``)."""
        return int(self.now())

    @staticmethod
    def wall_timestamp() -> int:
        """Real Unix seconds, for signature timestamps (see the module docstring)."""
        return int(time.time())

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), CHINA_TZ)

    def rfc3339(self, ts: float | None = None) -> str:
        """``2015-05-20T13:29:35+08:00``, WeChat Pay's time format (Beijing time)."""
        moment = datetime.fromtimestamp(self.now() if ts is None else ts, CHINA_TZ)
        return moment.replace(microsecond=0).isoformat()

    def advance(self, seconds: float) -> float:
        """Move sandbox time forward (never backward); returns the new now(). Listeners are told."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += seconds
        self._state.set_meta(_OFFSET_KEY, repr(self._offset))
        now = self.now()
        for listener in list(self._listeners):
            listener(now)
        return now

    def on_advance(self, listener: Callable[[float], None]) -> None:
        """Register ``listener(now)`` called after every advance (e.g. to wake the callback dispatcher)."""
        self._listeners.append(listener)


def parse_rfc3339(value: str) -> float:
    """Parse ``2018-06-08T10:34:56+08:00`` (offset required) to Unix seconds; raises ValueError."""
    if not isinstance(value, str) or "T" not in value:
        raise ValueError("not an RFC 3339 time")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("RFC 3339 time needs an offset")
    return moment.astimezone(UTC).timestamp()
