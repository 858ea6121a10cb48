"""Working days and resolution targets over China's 2026 holidays, weekends and unknown years.

The 2026 dates below were read from chinesecalendar 1.11.0's own data
(``chinese_calendar.is_workday`` / ``get_holiday_detail`` for every day of February,
September and October 2026), which follows the State Council notice for 2026:
Spring Festival off Sun 15 – Mon 23 February, make-up workdays Sat 14 and Sat 28 February;
Mid-autumn off Fri 25 – Sun 27 September; National Day off Thu 1 – Wed 7 October, make-up
workdays Sun 20 September and Sat 10 October.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.deadlines import (
    ACK_WINDOWS,
    calendar_knows,
    is_overdue,
    is_workday,
    next_workday,
    resolution_due,
)
from bot.domain.model import Priority

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A Shanghai wall-clock moment."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),   # Friday before the Spring Festival
        (date(2026, 2, 14), True),   # Saturday make-up workday
        (date(2026, 2, 15), False),  # Sunday, first day off
        (date(2026, 2, 16), False),  # Monday inside the holiday
        (date(2026, 2, 23), False),  # Monday, last day off
        (date(2026, 2, 24), True),   # back to work
        (date(2026, 2, 28), True),   # Saturday make-up workday
        (date(2026, 3, 1), False),   # an ordinary Sunday
        (date(2026, 9, 20), True),   # Sunday make-up workday for National Day
        (date(2026, 9, 25), False),  # Friday, Mid-autumn Festival
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # Wednesday, last day off
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday make-up workday
        (date(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_official_calendar_2026(day: date, working: bool) -> None:
    assert calendar_knows(day)
    assert is_workday(day) is working


def test_unknown_year_falls_back_to_monday_to_friday() -> None:
    # 1.11.0 stops at 2026; 1 October 2030 is a Tuesday, a holiday in any real calendar.
    assert not calendar_knows(date(2030, 10, 1))
    assert is_workday(date(2030, 10, 1))
    assert not is_workday(date(2030, 10, 5))  # Saturday
    assert not calendar_knows(date(1999, 1, 1))


def test_next_workday() -> None:
    assert next_workday(date(2026, 2, 24)) == date(2026, 2, 24)
    assert next_workday(date(2026, 2, 15)) == date(2026, 2, 24)
    assert next_workday(date(2026, 10, 1)) == date(2026, 10, 8)


def test_ack_windows_follow_the_spec() -> None:
    assert ACK_WINDOWS == {
        Priority.URGENT: timedelta(minutes=30),
        Priority.PRIORITY: timedelta(hours=4),
        Priority.NORMAL: timedelta(hours=24),
        Priority.PLANNED: timedelta(hours=72),
    }


def test_urgent_and_priority_count_calendar_days_through_holidays() -> None:
    created = local(2026, 2, 14, 15, 30)
    assert resolution_due(created, Priority.URGENT, SHANGHAI) == local(2026, 2, 15, 15, 30)
    assert resolution_due(created, Priority.PRIORITY, SHANGHAI) == local(2026, 2, 17, 15, 30)


def test_result_is_utc_and_shanghai_has_no_dst() -> None:
    # 08:00 in Shanghai is 00:00 UTC all year round, summer and winter alike.
    for month in (1, 7):
        due = resolution_due(local(2026, month, 5, 8, 0), Priority.URGENT, SHANGHAI)
        assert due.tzinfo is UTC
        assert due == datetime(2026, month, 6, 0, 0, tzinfo=UTC)


def test_created_time_is_read_in_the_local_zone() -> None:
    # 20:00 UTC on Friday 13 Feb is 04:00 on the make-up Saturday in Shanghai: a working day.
    created = datetime(2026, 2, 13, 20, 0, tzinfo=UTC)
    # Working days after Sat 14 Feb: 24, 25, 26, 27 February, then the Saturday 28th.
    assert resolution_due(created, Priority.NORMAL, SHANGHAI) == local(2026, 2, 28, 4, 0)


def test_normal_across_spring_festival() -> None:
    # Thu 12 Feb 10:00: Fri 13, Sat 14 (make-up), then the holiday, then Tue 24, Wed 25, Thu 26.
    created = local(2026, 2, 12, 10, 0)
    assert resolution_due(created, Priority.NORMAL, SHANGHAI) == local(2026, 2, 26, 10, 0)


def test_normal_created_inside_the_holiday_starts_at_the_next_working_day() -> None:
    # Created on a holiday: the clock starts at 00:00 on Tue 24 Feb; five whole working days
    # are 24–28 February (28th a make-up Saturday), due 00:00 on the next working day after.
    created = local(2026, 2, 18, 16, 45)
    assert resolution_due(created, Priority.NORMAL, SHANGHAI) == local(2026, 3, 2, 0, 0)


def test_normal_over_an_ordinary_weekend() -> None:
    friday = local(2026, 3, 6, 9, 0)
    assert resolution_due(friday, Priority.NORMAL, SHANGHAI) == local(2026, 3, 13, 9, 0)
    saturday = local(2026, 3, 7, 9, 0)
    assert resolution_due(saturday, Priority.NORMAL, SHANGHAI) == local(2026, 3, 16, 0, 0)


def test_normal_across_national_day() -> None:
    # Tue 29 Sep 14:00: Wed 30, then 1–7 Oct off, Thu 8, Fri 9, Sat 10 (make-up), Mon 12.
    created = local(2026, 9, 29, 14, 0)
    assert resolution_due(created, Priority.NORMAL, SHANGHAI) == local(2026, 10, 12, 14, 0)


def test_normal_counts_the_sunday_make_up_day() -> None:
    # Fri 18 Sep: Sun 20 (make-up), Mon 21 … Thu 24; Fri 25 is Mid-autumn.
    created = local(2026, 9, 18, 11, 0)
    assert resolution_due(created, Priority.NORMAL, SHANGHAI) == local(2026, 9, 24, 11, 0)


def test_planned_across_national_day() -> None:
    # From Mon 21 Sep: 22, 23, 24, 28, 29, 30 Sep (6), 8, 9, 10 (make-up), 12, 13, 14, 15, 16
    # (14), 19, 20, 21, 22, 23 (19), 26 October (20).
    created = local(2026, 9, 21, 8, 0)
    assert resolution_due(created, Priority.PLANNED, SHANGHAI) == local(2026, 10, 26, 8, 0)


def test_unknown_year_targets_use_weekdays() -> None:
    # Tue 1 Oct 2030 is counted as an ordinary Tuesday: the package has no 2030 data.
    created = local(2030, 10, 1, 9, 0)
    assert resolution_due(created, Priority.NORMAL, SHANGHAI) == local(2030, 10, 8, 9, 0)


def test_the_last_known_year_runs_into_the_fallback() -> None:
    # Thu 31 Dec 2026 (known) + 5: 2027 is unknown, so Fri 1 Jan counts as a working day.
    created = local(2026, 12, 31, 9, 0)
    assert resolution_due(created, Priority.NORMAL, SHANGHAI) == local(2027, 1, 7, 9, 0)


def test_is_overdue_is_strictly_after() -> None:
    due = datetime(2026, 3, 1, tzinfo=UTC)
    assert not is_overdue(due, due)
    assert is_overdue(due, due + timedelta(seconds=1))
    assert not is_overdue(due, due - timedelta(days=1))


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from([SHANGHAI, UTC, ZoneInfo("Europe/Berlin")])


@given(moments, zones)
def test_due_is_after_created_and_monotonic_in_priority(created: datetime, tz: ZoneInfo) -> None:
    dues = [resolution_due(created, p, tz) for p in Priority]
    assert all(due > created for due in dues)
    assert all(due.tzinfo is UTC for due in dues)
    assert dues == sorted(dues)  # Priority lists the most urgent first
