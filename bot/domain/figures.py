"""The figures a community reports upward, as plain values (SPEC §1: "64 public events
handled, 41 disputes resolved, 1,566 households visited, 3,602 people served..."): storage
hands over the facts of each issue and visit, this module counts, views show the result.

Pure: no clock, no database. What each number means, so that every tool agrees:

- **period**: local calendar dates ``start``..``end``, both included, in the community's
  time zone (the default is this calendar year);
- **reported** (per kind): issues created in the period, whatever became of them;
- **closed** (per kind): issues whose status is ``closed`` with ``closed_at`` in the period
  (a rejected duplicate is not a handled event; an issue reopened since is not closed);
- **verified / unverified**: of those closed, how many the reporter confirmed, and how many
  were closed without that word (no answer in time, or closed by a coordinator);
- **median hours to close** (per priority): from report to close, over the closed ones;
- **overdue**: unresolved issues past their resolution target *now* (not in the period);
- **households visited / people served**: the sums of the visits logged in the period;
- **roles** (the assignee's role, never a person): of the issues reported in the period that
  the role holds, how many, the median hours from report to the first claim (or to the
  resolution when nobody claimed first), to the standing resolution and to a verified
  close, and the share reopened at least once.

Nobody is ranked and nobody is named. A median drawn from fewer than ``min_items`` values,
and a role's reopen rate over fewer than ``min_items`` items, is ``None``: in a small grid a
role is one person, and a figure of two items would judge them.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from bot.domain.model import Kind, Priority, Role, Status, normalize_forms
from bot.errors import UserError

# Dates far outside these years are typos; they would also overflow datetime arithmetic.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# What a refusal may quote of a word that is no date.
_ECHO = 16


@dataclass(frozen=True)
class KindCount:
    """For one kind of issue in a period: how many were reported and how many closed."""

    kind: Kind
    created: int
    closed: int


# ----------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """Local calendar dates, both included."""

    start: date
    end: date

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The aware moments [start, end) that the period covers in ``tz``."""
        first = datetime.combine(self.start, time(0), tzinfo=tz)
        after = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=tz)
        return first, after

    def holds(self, moment: datetime | None, tz: tzinfo) -> bool:
        if moment is None:
            return False
        first, after = _bounds(self, tz)
        return first <= moment < after

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        found: list[tuple[int, int]] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found


@lru_cache(maxsize=64)
def _bounds(period: Period, tz: tzinfo) -> tuple[datetime, datetime]:
    return period.bounds(tz)


def year_of(today: date) -> Period:
    """The default period: this calendar year."""
    return Period(date(today.year, 1, 1), date(today.year, 12, 31))


def read_date(word: str) -> date | None:
    """``YYYY-MM-DD`` (full-width digits too) as a date in the years that make sense."""
    text = normalize_forms(word).strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def make_period(start: date | None, end: date | None, today: date) -> Period:
    """A period from optional ends: a missing start is 1 January of the end's year (or of
    this year), a missing end is 31 December of the start's year (or of this year).
    ``UserError("period.reversed")`` when the start comes after the end."""
    if start is None:
        start = date((end or today).year, 1, 1)
    if end is None:
        end = date(start.year, 12, 31)
    if start > end:
        raise UserError("period.reversed", start=start.isoformat(), end=end.isoformat())
    return Period(start, end)


def period_args(args: Sequence[str], today: date, usage: str) -> Period:
    """``[FROM] [TO]`` of /stats, /visits and /export; ``usage`` answers a wrong count."""
    if len(args) > 2:
        raise UserError(usage)
    days: list[date] = []
    for word in args:
        day = read_date(word)
        if day is None:
            raise UserError("period.bad_date", word=normalize_forms(word)[:_ECHO])
        days.append(day)
    return make_period(days[0] if days else None, days[1] if len(days) > 1 else None, today)


# ----------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class IssueFacts:
    """What the figures need of one issue (storage reads it, with its event log's part)."""

    grid_key: str
    kind: Kind
    priority: Priority
    status: Status
    verified: bool | None
    assignee_role: Role | None
    created_at: datetime
    closed_at: datetime | None
    resolved_at: datetime | None
    due_at: datetime | None
    first_response_at: datetime | None  # the first claim, or resolution, in the event log
    reopened: bool  # reopened at least once

    @property
    def closed(self) -> bool:
        return self.status is Status.CLOSED and self.closed_at is not None

    def overdue(self, now: datetime) -> bool:
        return self.status.unresolved and self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class VisitFacts:
    grid_key: str
    households: int
    people: int
    at: datetime


# ----------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class ScopeFigures:
    """The figures of one grid, or of all of them."""

    kinds: tuple[KindCount, ...]
    verified: int
    unverified: int
    overdue: int
    households_visited: int
    people_served: int
    median_hours_to_close: tuple[tuple[Priority, float | None], ...]

    def reported(self, kind: Kind) -> int:
        return next(k.created for k in self.kinds if k.kind is kind)

    def closed(self, kind: Kind) -> int:
        return next(k.closed for k in self.kinds if k.kind is kind)

    def median(self, priority: Priority) -> float | None:
        return dict(self.median_hours_to_close)[priority]


@dataclass(frozen=True)
class RoleFigures:
    """One head role's figures (the role, never the person holding it)."""

    role: Role
    items: int
    median_hours_to_first_response: float | None
    median_hours_to_resolved: float | None
    median_hours_to_verified: float | None
    reopen_rate: float | None


@dataclass(frozen=True)
class MonthCount:
    """Closed items per kind in one local calendar month (the chart's bars)."""

    year: int
    month: int
    closed: tuple[tuple[Kind, int], ...]

    @property
    def label(self) -> str:
        """"2026-03"; a whole year (``month`` 0) is "2026"."""
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)


# A chart of more months than this shows years instead: a bar a month stops being legible.
CHART_MONTHS = 36


def chart_bars(months: Sequence[MonthCount]) -> tuple[MonthCount, ...]:
    """The months as they are, or summed per year when there are too many of them."""
    if len(months) <= CHART_MONTHS:
        return tuple(months)
    years: dict[int, dict[Kind, int]] = {}
    for month in months:
        into = years.setdefault(month.year, {kind: 0 for kind in Kind})
        for kind, count in month.closed:
            into[kind] += count
    return tuple(MonthCount(year, 0, tuple(counts.items())) for year, counts in years.items())


@dataclass(frozen=True)
class Figures:
    period: Period
    min_items: int
    total: ScopeFigures
    grids: tuple[tuple[str, ScopeFigures], ...]  # by grid key, in the order asked for
    roles: tuple[RoleFigures, ...]  # every role, in the roles' own order
    months: tuple[MonthCount, ...]


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def median_or_none(values: Sequence[float], min_items: int) -> float | None:
    """The median in hours to one decimal, or None when fewer than ``min_items`` values."""
    if not values or len(values) < min_items:
        return None
    return round(statistics.median(values), 1)


def _scope(
    issues: Sequence[IssueFacts], visits: Sequence[VisitFacts], period: Period, tz: tzinfo,
    now: datetime, min_items: int,
) -> ScopeFigures:
    reported = {kind: 0 for kind in Kind}
    closed = {kind: 0 for kind in Kind}
    to_close: dict[Priority, list[float]] = {p: [] for p in Priority}
    verified = unverified = overdue = 0
    for issue in issues:
        if period.holds(issue.created_at, tz):
            reported[issue.kind] += 1
        if issue.closed and period.holds(issue.closed_at, tz):
            assert issue.closed_at is not None
            closed[issue.kind] += 1
            if issue.verified:
                verified += 1
            else:
                unverified += 1
            to_close[issue.priority].append(hours(issue.created_at, issue.closed_at))
        if issue.overdue(now):
            overdue += 1
    counted = [v for v in visits if period.holds(v.at, tz)]
    return ScopeFigures(
        kinds=tuple(KindCount(kind, reported[kind], closed[kind]) for kind in Kind),
        verified=verified, unverified=unverified, overdue=overdue,
        households_visited=sum(v.households for v in counted),
        people_served=sum(v.people for v in counted),
        median_hours_to_close=tuple(
            (p, median_or_none(to_close[p], min_items)) for p in Priority
        ),
    )


def _role(role: Role, issues: Sequence[IssueFacts], min_items: int) -> RoleFigures:
    """``issues``: those reported in the period that ``role`` holds."""
    first = [hours(i.created_at, i.first_response_at) for i in issues
             if i.first_response_at is not None]
    resolved = [hours(i.created_at, i.resolved_at) for i in issues if i.resolved_at is not None]
    verified = [hours(i.created_at, i.closed_at) for i in issues
                if i.closed and i.verified and i.closed_at is not None]
    enough = len(issues) >= min_items
    return RoleFigures(
        role=role,
        items=len(issues),
        median_hours_to_first_response=median_or_none(first, min_items) if enough else None,
        median_hours_to_resolved=median_or_none(resolved, min_items) if enough else None,
        median_hours_to_verified=median_or_none(verified, min_items) if enough else None,
        reopen_rate=(round(sum(i.reopened for i in issues) / len(issues), 3)
                     if enough and issues else None),
    )


def _months(issues: Sequence[IssueFacts], period: Period, tz: tzinfo) -> tuple[MonthCount, ...]:
    counts = {month: {kind: 0 for kind in Kind} for month in period.months()}
    for issue in issues:
        if issue.closed and period.holds(issue.closed_at, tz):
            assert issue.closed_at is not None
            local = issue.closed_at.astimezone(tz)
            counts[(local.year, local.month)][issue.kind] += 1
    return tuple(
        MonthCount(year, month, tuple(by_kind.items()))
        for (year, month), by_kind in counts.items()
    )


def compute(
    period: Period,
    tz: tzinfo,
    now: datetime,
    grid_keys: Iterable[str],
    issues: Iterable[IssueFacts],
    visits: Iterable[VisitFacts],
    *,
    min_items: int,
) -> Figures:
    """The figures of ``period``. ``issues`` may hold more than the period's (storage reads
    those reported or closed in it and those overdue now); every rule is applied here.
    Grids are listed in ``grid_keys`` order, then any other grid the facts name."""
    all_issues, all_visits = list(issues), list(visits)
    issues_of: dict[str, list[IssueFacts]] = {key: [] for key in grid_keys}
    visits_of: dict[str, list[VisitFacts]] = {key: [] for key in issues_of}
    for issue in all_issues:
        issues_of.setdefault(issue.grid_key, []).append(issue)
    for visit in all_visits:
        visits_of.setdefault(visit.grid_key, []).append(visit)
        issues_of.setdefault(visit.grid_key, [])
    grids = tuple(
        (key, _scope(found, visits_of.get(key, []), period, tz, now, min_items))
        for key, found in issues_of.items()
    )
    reported = [i for i in all_issues if period.holds(i.created_at, tz)]
    roles = tuple(
        _role(role, [i for i in reported if i.assignee_role is role], min_items) for role in Role
    )
    return Figures(
        period=period, min_items=min_items,
        total=_scope(all_issues, all_visits, period, tz, now, min_items),
        grids=grids, roles=roles, months=_months(all_issues, period, tz),
    )


def scope_json(scope: ScopeFigures) -> dict[str, Any]:
    return {
        "reported": {k.kind.value: k.created for k in scope.kinds},
        "closed": {k.kind.value: k.closed for k in scope.kinds},
        "verified": scope.verified,
        "unverified": scope.unverified,
        "overdue": scope.overdue,
        "households_visited": scope.households_visited,
        "people_served": scope.people_served,
        "median_hours_to_close": {p.value: m for p, m in scope.median_hours_to_close},
    }


def as_json(figures: Figures) -> dict[str, Any]:
    """The one object ``fiveheads stats --json`` prints (SPEC §7); other tools read it."""
    return {
        "from": figures.period.start.isoformat(),
        "to": figures.period.end.isoformat(),
        "total": scope_json(figures.total),
        "grids": {key: scope_json(scope) for key, scope in figures.grids},
        "roles": {
            r.role.value: {
                "items": r.items,
                "median_hours_to_first_response": r.median_hours_to_first_response,
                "median_hours_to_resolved": r.median_hours_to_resolved,
                "median_hours_to_verified": r.median_hours_to_verified,
                "reopen_rate": r.reopen_rate,
            }
            for r in figures.roles
        },
    }
