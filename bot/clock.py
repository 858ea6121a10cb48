"""Time is injected, so schedules, windows and auto-close run on a clock tests control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.domain.times import iso as iso
from bot.domain.times import parse_iso as parse_iso


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """Real time shifted by an offset the test moves forward; it never stands still, so
    retry waits and quiet periods keep working while the test jumps days ahead."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


def as_timedelta(value: float | timedelta) -> timedelta:
    """PTB is moving durations (retry_after, voice duration) from numbers to timedelta; the
    bot opts in, and this accepts both."""
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))
