"""The meeting calendar: the 9th, 19th and 29th of every month, or whatever config says (SPEC §5).

Two rules keep every month's meetings well defined. A day the month lacks means its last
day (the 29th is 28 February in a common year, the 31st is the 30th in April), because the
heads still meet that month. Days that land on one date make one meeting, so [29, 30, 31]
meets once in February. With ``skip_holidays`` a meeting on a non-working day (the official
calendar, see :mod:`bot.domain.deadlines`) moves to the next working day; it may cross into
the next month and still counts as this month's meeting, and moved meetings that meet on
one date merge too.

Meeting moments are local wall-clock times (08:00 in the community's zone) returned aware
in UTC, so the scheduler and the database compare them without guessing a zone. Pure: no
I/O and no clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.domain.deadlines import next_workday

__all__ = ["last_meeting", "meeting_dates", "meetings_from", "next_meeting"]

LOOKBACK_MONTHS = 24
"""How far :func:`last_meeting` looks back; any valid day list meets every month."""


def meeting_dates(
    year: int, month: int, days: Sequence[int], *, skip_holidays: bool = False
) -> list[date]:
    """The month's meeting dates, sorted and without repeats."""
    _check_days(days)
    last = calendar.monthrange(year, month)[1]
    dates = {date(year, month, min(day, last)) for day in days}
    if skip_holidays:
        dates = {next_workday(day) for day in dates}
    return sorted(dates)


def next_meeting(
    after: datetime, days: Sequence[int], at: time, tz: tzinfo, *, skip_holidays: bool = False
) -> datetime:
    """The first meeting moment strictly after ``after``."""
    _check_days(days)
    year, month = _local_month(after, tz)
    # The month before counts too: a meeting moved off a holiday can land in this month.
    # Every month has a meeting, and the next month's are all later than ``after``.
    return min(
        moment
        for offset in (-1, 0, 1)
        for moment in _moments(*_add_months(year, month, offset), days, at, tz, skip_holidays)
        if moment > after
    )


def last_meeting(
    at_or_before: datetime,
    days: Sequence[int],
    at: time,
    tz: tzinfo,
    *,
    skip_holidays: bool = False,
) -> datetime | None:
    """The latest meeting moment at or before ``at_or_before`` (None: none in 24 months).

    A meeting exactly at the instant counts: at the meeting hour it is the one being held.
    """
    _check_days(days)
    year, month = _local_month(at_or_before, tz)
    return max(
        (
            moment
            for offset in range(-LOOKBACK_MONTHS, 1)
            for moment in _moments(*_add_months(year, month, offset), days, at, tz, skip_holidays)
            if moment <= at_or_before
        ),
        default=None,
    )


def meetings_from(
    start: datetime,
    count: int,
    days: Sequence[int],
    at: time,
    tz: tzinfo,
    *,
    skip_holidays: bool = False,
) -> list[datetime]:
    """The first ``count`` meeting moments at or after ``start``, in order."""
    # One microsecond is datetime's resolution, so "after this" means "at or after start".
    cursor = start - timedelta(microseconds=1)
    result = []
    for _ in range(count):
        cursor = next_meeting(cursor, days, at, tz, skip_holidays=skip_holidays)
        result.append(cursor)
    return result


def _check_days(days: Sequence[int]) -> None:
    """Refuse a day list config validation would refuse: an empty one never meets."""
    if not days:
        raise ValueError("no meeting days")
    for day in days:
        if not 1 <= day <= 31:
            raise ValueError(f"meeting day {day} is not a day of the month (1 to 31)")


def _local_month(instant: datetime, tz: tzinfo) -> tuple[int, int]:
    """The (year, month) of ``instant`` on the community's wall calendar."""
    local = instant.astimezone(tz)
    return local.year, local.month


def _add_months(year: int, month: int, offset: int) -> tuple[int, int]:
    """(year, month) moved by ``offset`` months, across year ends."""
    index = year * 12 + (month - 1) + offset
    return index // 12, index % 12 + 1


def _moments(
    year: int, month: int, days: Sequence[int], at: time, tz: tzinfo, skip_holidays: bool
) -> list[datetime]:
    """The month's meetings as aware UTC instants, in order."""
    return [
        datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        for day in meeting_dates(year, month, days, skip_holidays=skip_holidays)
    ]
