"""The meeting calendar: short months, collisions, custom days, the zone and holiday moves.

Holiday dates are chinesecalendar 1.11.0's data for 2026 (see test_deadlines.py): National
Day off 1–7 October, Sat 10 October a make-up workday; Spring Festival off 15–23 February.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.meetings import last_meeting, meeting_dates, meetings_from, next_meeting

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = (9, 19, 29)
EIGHT = time(8, 0)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_default_days_in_an_ordinary_month() -> None:
    assert meeting_dates(2026, 3, DEFAULT) == [date(2026, 3, 9), date(2026, 3, 19),
                                               date(2026, 3, 29)]


def test_february_in_a_common_year_meets_on_the_28th() -> None:
    assert meeting_dates(2026, 2, DEFAULT) == [date(2026, 2, 9), date(2026, 2, 19),
                                               date(2026, 2, 28)]


def test_february_in_a_leap_year_meets_on_the_29th() -> None:
    assert meeting_dates(2028, 2, DEFAULT) == [date(2028, 2, 9), date(2028, 2, 19),
                                               date(2028, 2, 29)]


def test_day_31_in_30_day_months_is_the_30th() -> None:
    for month in (4, 6, 9, 11):
        assert meeting_dates(2026, month, [31]) == [date(2026, month, 30)]
    assert meeting_dates(2026, 12, [31]) == [date(2026, 12, 31)]


@pytest.mark.parametrize(("year", "last"), [(2026, 28), (2028, 29)])
def test_colliding_days_make_one_meeting(year: int, last: int) -> None:
    assert meeting_dates(year, 2, [29, 30, 31]) == [date(year, 2, last)]
    assert meeting_dates(year, 4, [30, 31]) == [date(year, 4, 30)]


def test_custom_days_are_sorted() -> None:
    assert meeting_dates(2026, 5, [15, 1]) == [date(2026, 5, 1), date(2026, 5, 15)]


def test_bad_day_lists_are_refused() -> None:
    with pytest.raises(ValueError, match="no meeting days"):
        meeting_dates(2026, 5, [])
    with pytest.raises(ValueError, match="32"):
        next_meeting(utc(2026, 5, 1), [32], EIGHT, SHANGHAI)


def test_skip_holidays_moves_to_the_next_working_day() -> None:
    # 1 October 2026 is National Day; the first working day after the holiday is Thu 8 Oct.
    assert meeting_dates(2026, 10, [1], skip_holidays=True) == [date(2026, 10, 8)]
    assert meeting_dates(2026, 10, [1]) == [date(2026, 10, 1)]
    # The 9th (Fri) stays; Sat 10 Oct is a make-up workday, so a meeting there stays too.
    assert meeting_dates(2026, 10, [9, 10], skip_holidays=True) == [date(2026, 10, 9),
                                                                     date(2026, 10, 10)]


def test_skip_holidays_merges_collisions_after_moving() -> None:
    # 19 Feb (holiday) and 24 Feb (first working day after it) make one meeting.
    assert meeting_dates(2026, 2, [19, 24], skip_holidays=True) == [date(2026, 2, 24)]
    # Sun 29 Mar 2026 moves to Mon 30 Mar, where the 30th already meets.
    assert meeting_dates(2026, 3, [29, 30], skip_holidays=True) == [date(2026, 3, 30)]


def test_skip_holidays_can_cross_into_the_next_month() -> None:
    # Sat 31 Jan 2026 is an ordinary weekend day: the meeting moves to Mon 2 Feb.
    assert meeting_dates(2026, 1, [31], skip_holidays=True) == [date(2026, 2, 2)]
    # …and is found from February's side too, merging with February's own 2nd.
    after = utc(2026, 1, 31, 12)
    assert next_meeting(after, [2, 31], EIGHT, SHANGHAI, skip_holidays=True) == utc(2026, 2, 2)
    # February's 31st is its 28th, a make-up Saturday: a working day, so it stays.
    assert meetings_from(after, 2, [2, 31], EIGHT, SHANGHAI, skip_holidays=True) == [
        utc(2026, 2, 2), utc(2026, 2, 28)
    ]


def test_eight_in_shanghai_is_midnight_utc() -> None:
    moment = next_meeting(utc(2026, 3, 1), DEFAULT, EIGHT, SHANGHAI)
    assert moment == utc(2026, 3, 9, 0, 0)
    assert moment.tzinfo is UTC
    assert moment.astimezone(SHANGHAI).hour == 8


def test_local_date_decides_the_month() -> None:
    # 20:00 UTC on 28 Feb is already 04:00 on 1 March in Shanghai: next is 9 March.
    assert next_meeting(utc(2026, 2, 28, 20), DEFAULT, EIGHT, SHANGHAI) == utc(2026, 3, 9)
    # 23:00 UTC on 8 March is 07:00 on the 9th in Shanghai: the meeting is an hour away.
    assert next_meeting(utc(2026, 3, 8, 23), DEFAULT, EIGHT, SHANGHAI) == utc(2026, 3, 9)


def test_next_and_last_around_the_meeting_instant() -> None:
    meeting = utc(2026, 3, 9)  # 08:00 Shanghai
    just_before = meeting - timedelta(microseconds=1)
    assert next_meeting(just_before, DEFAULT, EIGHT, SHANGHAI) == meeting
    assert next_meeting(meeting, DEFAULT, EIGHT, SHANGHAI) == utc(2026, 3, 19)
    assert last_meeting(meeting, DEFAULT, EIGHT, SHANGHAI) == meeting
    assert last_meeting(just_before, DEFAULT, EIGHT, SHANGHAI) == utc(2026, 2, 28)


def test_next_meeting_crosses_the_year() -> None:
    assert next_meeting(utc(2026, 12, 29, 1), DEFAULT, EIGHT, SHANGHAI) == utc(2027, 1, 9)
    assert last_meeting(utc(2027, 1, 5), DEFAULT, EIGHT, SHANGHAI) == utc(2026, 12, 29)


def test_last_meeting_sees_a_meeting_moved_into_this_month() -> None:
    # Day 31 in January 2026 moved to Mon 2 Feb; on 3 Feb that is the last meeting.
    assert last_meeting(utc(2026, 2, 3), [31], EIGHT, SHANGHAI, skip_holidays=True) == utc(
        2026, 2, 2
    )


def test_meetings_from_counts_a_meeting_at_the_start() -> None:
    start = utc(2026, 2, 9)
    assert meetings_from(start, 4, DEFAULT, EIGHT, SHANGHAI) == [
        utc(2026, 2, 9), utc(2026, 2, 19), utc(2026, 2, 28), utc(2026, 3, 9)
    ]
    assert meetings_from(start, 0, DEFAULT, EIGHT, SHANGHAI) == []


def test_meetings_from_with_a_custom_list_and_time() -> None:
    start = utc(2028, 2, 1)
    assert meetings_from(start, 3, [1, 15], time(19, 30), SHANGHAI) == [
        utc(2028, 2, 1, 11, 30), utc(2028, 2, 15, 11, 30), utc(2028, 3, 1, 11, 30)
    ]


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)
day_lists = st.lists(st.integers(1, 31), min_size=1, max_size=5)
zones = st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York")])


@given(instants, day_lists, zones, st.booleans())
def test_next_meeting_is_later_and_is_a_meeting(
    after: datetime, days: list[int], tz: ZoneInfo, skip: bool
) -> None:
    meeting = next_meeting(after, days, EIGHT, tz, skip_holidays=skip)
    assert meeting > after
    local = meeting.astimezone(tz)
    assert local.time() == EIGHT
    month_of = [
        meeting_dates(y, m, days, skip_holidays=skip)
        for y, m in ((local.year, local.month), _previous(local.year, local.month))
    ]
    assert any(local.date() in dates for dates in month_of)
    assert last_meeting(meeting, days, EIGHT, tz, skip_holidays=skip) == meeting
    # Nothing in between: the meeting before the found one is at or before ``after``.
    before = last_meeting(meeting - timedelta(microseconds=1), days, EIGHT, tz,
                          skip_holidays=skip)
    assert before is not None and before <= after


def _previous(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)
