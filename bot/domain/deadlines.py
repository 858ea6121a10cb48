"""Working days, acknowledge windows and resolution targets (SPEC §4).

Heads are judged against China's official working-day calendar, not plain weekdays: the
week-long Spring Festival and National Day holidays would otherwise count as working days,
and the make-up workdays (调休) on a Saturday or Sunday would not. The calendar comes from
``chinesecalendar``, which publishes each year's State Council notice; for a year it does
not know yet (the notice comes out in the autumn before) Monday to Friday stands in, so a
target is a little early around holidays rather than impossible to compute.

Pure: no I/O and no clock. Every instant is passed in, aware, and returned aware in UTC.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type hints

from bot.domain.model import Priority

__all__ = [
    "ACK_WINDOWS",
    "RESOLUTION_CALENDAR_DAYS",
    "RESOLUTION_WORKING_DAYS",
    "calendar_knows",
    "is_overdue",
    "is_workday",
    "next_workday",
    "resolution_due",
]

ACK_WINDOWS: dict[Priority, timedelta] = {
    Priority.URGENT: timedelta(minutes=30),
    Priority.PRIORITY: timedelta(hours=4),
    Priority.NORMAL: timedelta(hours=24),
    Priority.PLANNED: timedelta(hours=72),
}
"""How long an item may stay unclaimed before the next head up is pinged."""

RESOLUTION_CALENDAR_DAYS: dict[Priority, int] = {Priority.URGENT: 1, Priority.PRIORITY: 3}
"""Targets that run through weekends and holidays: a burst pipe does not wait for Monday."""

RESOLUTION_WORKING_DAYS: dict[Priority, int] = {Priority.NORMAL: 5, Priority.PLANNED: 20}
"""Targets in working days, so a holiday week does not make routine work overdue."""


def calendar_knows(day: date) -> bool:
    """Whether the official calendar covers ``day``'s year (otherwise weekdays stand in)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def is_workday(day: date) -> bool:
    """China's official working day, make-up workdays included; Mon–Fri for unknown years.
    Remembered: every report's deadline asks about the same few days."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def next_workday(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def resolution_due(created: datetime, priority: Priority, tz: tzinfo) -> datetime:
    """When an item created at ``created`` becomes overdue, as an aware UTC datetime.

    Calendar-day targets keep the local clock time: urgent at 15:00 is due 15:00 the next
    day. Working-day targets give exactly N whole working days, counted in local time:

    - created on a working day, the target is the same local clock time on the Nth working
      day after the created day (Monday 15:00 + 5 → next Monday 15:00);
    - created on a non-working day, the clock starts at 00:00 of the next working day, and
      the target is 00:00 on the Nth working day after that (Saturday + 5 → 00:00 the
      Monday after next, i.e. the whole of Monday to Friday).
    """
    local = created.astimezone(tz)
    if priority in RESOLUTION_CALENDAR_DAYS:
        day = local.date() + timedelta(days=RESOLUTION_CALENDAR_DAYS[priority])
        clock = local.time()
    else:
        start = next_workday(local.date())
        clock = local.time() if start == local.date() else time(0)
        day = start
        for _ in range(RESOLUTION_WORKING_DAYS[priority]):
            day = next_workday(day + timedelta(days=1))
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def is_overdue(due: datetime, now: datetime) -> bool:
    """Past the target: the moment itself still counts as on time."""
    return now > due
