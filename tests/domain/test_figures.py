"""The community figures on their own: periods, what counts where, the minimum-N rule and
the JSON shape of SPEC §7."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.figures import (
    IssueFacts,
    Period,
    VisitFacts,
    as_json,
    chart_bars,
    compute,
    make_period,
    period_args,
    read_date,
)
from bot.domain.model import Kind, Priority, Role, Status
from bot.errors import UserError

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 10)
NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))


def at(text: str) -> datetime:
    """A local Shanghai time written "2026-03-01 08:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def issue(**changes: object) -> IssueFacts:
    base = IssueFacts(
        grid_key="g1", kind=Kind.PUBLIC_EVENT, priority=Priority.NORMAL, status=Status.OPEN,
        verified=None, assignee_role=Role.UNIT, created_at=at("2026-03-01 08:00"),
        closed_at=None, resolved_at=None, due_at=None, first_response_at=None, reopened=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def closed(created: str, hours: float, **changes: object) -> IssueFacts:
    start = at(created)
    values: dict[str, object] = {
        "status": Status.CLOSED, "closed_at": start + timedelta(hours=hours),
        "resolved_at": start + timedelta(hours=hours / 2), **changes,
    }
    return issue(created_at=start, **values)


# ----------------------------------------------------------------------------- periods


def test_the_default_period_is_this_calendar_year() -> None:
    assert period_args([], TODAY, "stats.usage") == YEAR


def test_one_date_runs_to_the_end_of_its_year_and_two_dates_are_both_ends() -> None:
    assert period_args(["2025-03-01"], TODAY, "u") == Period(date(2025, 3, 1), date(2025, 12, 31))
    assert period_args(["2026-01-01", "2026-01-01"], TODAY, "u") == Period(
        date(2026, 1, 1), date(2026, 1, 1))
    # Full-width digits from a Chinese keyboard read as what they look like.
    assert period_args(["２０２６－０２－０１"], TODAY, "u").start == date(2026, 2, 1)
    assert make_period(None, date(2025, 6, 30), TODAY) == Period(date(2025, 1, 1),
                                                                 date(2025, 6, 30))


@pytest.mark.parametrize("words, key", [
    (["2026-02-30"], "period.bad_date"),
    (["2026-1-1"], "period.bad_date"),
    (["yesterday"], "period.bad_date"),
    (["1999-12-31"], "period.bad_date"),
    (["9999-12-31"], "period.bad_date"),
    (["2026-12-01", "2026-01-01"], "period.reversed"),
    (["2026-01-01", "2026-02-01", "2026-03-01"], "stats.usage"),
])
def test_bad_periods_are_refused_with_their_reason(words: list[str], key: str) -> None:
    with pytest.raises(UserError) as refused:
        period_args(words, TODAY, "stats.usage")
    assert refused.value.key == key


def test_read_date() -> None:
    assert read_date("2026-02-28") == date(2026, 2, 28)
    assert read_date("2026-02-29") is None
    assert read_date("") is None


def test_a_period_holds_local_days_and_lists_its_months() -> None:
    first, after = YEAR.bounds(TZ)
    assert first == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert after == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert not YEAR.holds(datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC), TZ)
    assert YEAR.holds(datetime(2025, 12, 31, 16, 0, tzinfo=UTC), TZ)
    assert not YEAR.holds(None, TZ)
    assert Period(date(2025, 11, 5), date(2026, 2, 1)).months() == [
        (2025, 11), (2025, 12), (2026, 1), (2026, 2)]


# ----------------------------------------------------------------------------- counting


def test_reported_closed_verified_and_overdue() -> None:
    facts = [
        issue(kind=Kind.DISPUTE),                                          # reported
        closed("2026-02-01 10:00", 10, verified=True),                     # both
        closed("2025-12-20 10:00", 30 * 24, verified=False),               # closed only
        closed("2026-04-01 10:00", 5, status=Status.REJECTED),             # not "closed"
        issue(created_at=at("2025-06-01 00:00"), due_at=at("2025-07-01 00:00")),  # overdue
        issue(due_at=at("2027-01-01 00:00")),                              # not yet due
        issue(status=Status.CLOSED, closed_at=at("2026-05-01 00:00"), verified=None,
              due_at=at("2026-04-01 00:00")),                              # done: not overdue
    ]
    figures = compute(YEAR, TZ, NOW, ["g1"], facts, [], min_items=1)
    total = figures.total
    assert total.reported(Kind.DISPUTE) == 1
    assert total.reported(Kind.PUBLIC_EVENT) == 4  # 2026 reports, the rejected one too
    assert total.closed(Kind.PUBLIC_EVENT) == 3
    assert (total.verified, total.unverified) == (1, 2)
    assert total.overdue == 1
    assert dict(figures.grids)["g1"] == total


def test_the_local_day_decides_the_period() -> None:
    just_before = issue(created_at=at("2025-12-31 23:59"))
    just_after = issue(created_at=at("2026-01-01 00:00"))
    figures = compute(YEAR, TZ, NOW, [], [just_before, just_after], [], min_items=1)
    assert figures.total.reported(Kind.PUBLIC_EVENT) == 1


def test_median_hours_to_close_by_priority_and_the_minimum() -> None:
    facts = [closed("2026-03-01 08:00", h, priority=Priority.URGENT) for h in (1, 2, 3, 10)]
    facts += [closed("2026-03-01 08:00", h, priority=Priority.PLANNED) for h in (100, 200)]
    figures = compute(YEAR, TZ, NOW, [], facts, [], min_items=3)
    assert figures.total.median(Priority.URGENT) == 2.5  # an even count: the middle two
    assert figures.total.median(Priority.PLANNED) is None  # two values, fewer than three
    assert figures.total.median(Priority.NORMAL) is None


def test_visits_are_summed_in_the_period_per_grid() -> None:
    visits = [
        VisitFacts("g1", 5, 12, at("2026-02-01 09:00")),
        VisitFacts("g2", 3, 4, at("2026-02-01 09:00")),
        VisitFacts("g2", 100, 100, at("2025-12-31 23:00")),
    ]
    figures = compute(YEAR, TZ, NOW, ["g1"], [], visits, min_items=1)
    assert (figures.total.households_visited, figures.total.people_served) == (8, 16)
    grids = dict(figures.grids)
    assert list(grids) == ["g1", "g2"]
    assert (grids["g2"].households_visited, grids["g2"].people_served) == (3, 4)


def test_roles_are_figures_of_roles_with_the_minimum_n_rule() -> None:
    unit = [
        issue(first_response_at=at("2026-03-01 09:00"), resolved_at=at("2026-03-01 12:00"),
              reopened=True),
        issue(first_response_at=at("2026-03-01 10:00"), resolved_at=at("2026-03-02 08:00")),
        closed("2026-03-01 08:00", 48, verified=True, first_response_at=at("2026-03-01 11:00")),
    ]
    police = [issue(assignee_role=Role.POLICE, first_response_at=at("2026-03-01 09:00"))] * 2
    outside = issue(created_at=at("2025-03-01 08:00"), reopened=True)  # reported last year
    figures = compute(YEAR, TZ, NOW, [], [*unit, *police, outside], [], min_items=3)
    roles = {r.role: r for r in figures.roles}
    assert list(roles) == list(Role)  # every role, in the fixed order: no ranking
    assert roles[Role.UNIT].items == 3
    assert roles[Role.UNIT].median_hours_to_first_response == 2.0
    assert roles[Role.UNIT].median_hours_to_resolved == 24.0  # 4, 24 and 24 hours
    assert roles[Role.UNIT].median_hours_to_verified is None  # one verified close
    assert roles[Role.UNIT].reopen_rate == 0.333
    assert roles[Role.POLICE].items == 2
    assert roles[Role.POLICE].median_hours_to_first_response is None  # fewer than three
    assert roles[Role.POLICE].reopen_rate is None
    assert roles[Role.COMMUNITY].items == 0 and roles[Role.COMMUNITY].reopen_rate is None


def test_closed_per_month_for_the_chart() -> None:
    facts = [closed("2026-01-31 23:00", 2, kind=Kind.WISH),  # closed on 1 February
             closed("2026-03-01 08:00", 1, kind=Kind.DISPUTE)]
    figures = compute(Period(date(2026, 1, 1), date(2026, 3, 31)), TZ, NOW, [], facts, [],
                      min_items=1)
    months = {m.label: dict(m.closed) for m in figures.months}
    assert list(months) == ["2026-01", "2026-02", "2026-03"]
    assert months["2026-01"][Kind.WISH] == 0
    assert months["2026-02"][Kind.WISH] == 1
    assert months["2026-03"][Kind.DISPUTE] == 1


def test_the_json_shape_is_spec_section_7() -> None:
    figures = compute(YEAR, TZ, NOW, ["songhe-1"], [], [], min_items=5)
    data = as_json(figures)
    kinds = {"public_event": 0, "dispute": 0, "request": 0, "wish": 0}
    scope = {
        "reported": kinds, "closed": kinds, "verified": 0, "unverified": 0, "overdue": 0,
        "households_visited": 0, "people_served": 0,
        "median_hours_to_close": {"urgent": None, "priority": None, "normal": None,
                                  "planned": None},
    }
    role = {"items": 0, "median_hours_to_first_response": None,
            "median_hours_to_resolved": None, "median_hours_to_verified": None,
            "reopen_rate": None}
    assert data == {
        "from": "2026-01-01", "to": "2026-12-31", "total": scope,
        "grids": {"songhe-1": scope},
        "roles": {r: role for r in ("community", "police", "grid", "building", "unit")},
    }
    assert list(data) == ["from", "to", "total", "grids", "roles"]
    assert list(data["total"]) == list(scope)


def test_a_long_period_is_charted_by_year() -> None:
    facts = [closed("2024-05-01 08:00", 1, kind=Kind.WISH),
             closed("2026-05-01 08:00", 1, kind=Kind.WISH),
             closed("2026-07-01 08:00", 1, kind=Kind.DISPUTE)]
    long = compute(Period(date(2024, 1, 1), date(2026, 12, 31)), TZ, NOW, [], facts, [],
                   min_items=1)
    assert len(long.months) == 36 and chart_bars(long.months) == long.months
    longer = compute(Period(date(2023, 12, 1), date(2026, 12, 31)), TZ, NOW, [], facts, [],
                     min_items=1)
    bars = chart_bars(longer.months)
    assert [b.label for b in bars] == ["2023", "2024", "2025", "2026"]
    assert dict(bars[3].closed) == {Kind.PUBLIC_EVENT: 0, Kind.DISPUTE: 1, Kind.REQUEST: 0,
                                    Kind.WISH: 1}
