"""The figures a community reports upward, as plain values (SPEC §1: "64 public events
handled, 41 disputes resolved, 1,566 households visited, 3,602 people served..."): storage
counts a period in SQL (``storage/figures.py``, a ``Tally``), this module applies the
rules, views show the result. ``tally`` counts the same from each issue's and visit's facts
in Python: the definition the SQL is tested against.

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
from collections.abc import Iterable, Mapping, Sequence
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


def us_hours(us: int) -> float:
    """Microseconds as hours, rounded as ``hours`` rounds the same span (``total_seconds``
    divides the microseconds by 10**6, then by 3600)."""
    return us / 1_000_000 / 3600


def median_or_none(values: Sequence[float], min_items: int) -> float | None:
    """The median in hours to one decimal, or None when fewer than ``min_items`` values."""
    if not values or len(values) < min_items:
        return None
    return round(statistics.median(values), 1)


# ----------------------------------------------------------------------------- the tally


@dataclass(frozen=True)
class Middle:
    """What a median needs of a group of spans, as SQL finds it without handing over every
    value: how many there are and the lower and upper middle one in microseconds (the same
    one when the count is odd)."""

    count: int
    low_us: int
    high_us: int

    @classmethod
    def of(cls, spans_us: Iterable[int]) -> Middle | None:
        ordered = sorted(spans_us)
        if not ordered:
            return None
        n = len(ordered)
        return cls(n, ordered[(n - 1) // 2], ordered[n // 2])

    def median(self, min_items: int) -> float | None:
        """In hours to one decimal as ``median_or_none`` gives it (``statistics.median``
        averages the two middle values), or None below ``min_items``."""
        if self.count < min_items:
            return None
        return round((us_hours(self.low_us) + us_hours(self.high_us)) / 2, 1)


@dataclass(frozen=True)
class ScopeTally:
    """The counts of one grid in a period, before the rules of ``ScopeFigures`` apply;
    ``to_close`` holds the spans from report to close of the closed ones, per priority."""

    reported: Mapping[Kind, int]
    closed: Mapping[Kind, int]
    verified: int
    unverified: int
    overdue: int
    households: int
    people: int
    to_close: Mapping[Priority, Middle]


@dataclass(frozen=True)
class RoleTally:
    """One role's issues reported in the period: how many, how many were ever reopened,
    and the spans from report to first response, to resolution and to a verified close."""

    items: int
    reopened: int
    to_first_response: Middle | None
    to_resolved: Middle | None
    to_verified: Middle | None


@dataclass(frozen=True)
class Tally:
    """A period counted: what storage's SQL gives (``storage/figures.py``) and what
    ``tally`` counts in Python from the facts; ``figures_of`` applies the rules to it.
    Totals are the sums of the grids, except the medians (``total_to_close``)."""

    grids: Mapping[str, ScopeTally]
    total_to_close: Mapping[Priority, Middle]
    roles: Mapping[Role, RoleTally]
    months: Mapping[tuple[int, int], Mapping[Kind, int]]  # closed, by local (year, month)


def month_bounds(period: Period, tz: tzinfo) -> list[tuple[int, int, datetime, datetime]]:
    """(year, month, first, after) of every month the period touches, the moments cut to
    the period: a closed item counts in the month whose bounds hold it."""
    first, after = period.bounds(tz)
    found = []
    for year, month in period.months():
        begins = datetime.combine(date(year, month, 1), time(0), tzinfo=tz)
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        ends = datetime.combine(following, time(0), tzinfo=tz)
        found.append((year, month, max(begins, first), min(ends, after)))
    return found


def _empty_scope() -> ScopeTally:
    return ScopeTally({k: 0 for k in Kind}, {k: 0 for k in Kind}, 0, 0, 0, 0, 0, {})


def _span_us(start: datetime, end: datetime) -> int:
    return (end - start) // timedelta(microseconds=1)


def _scope_tally(
    issues: Sequence[IssueFacts], visits: Sequence[VisitFacts], period: Period, tz: tzinfo,
    now: datetime,
) -> ScopeTally:
    reported = {kind: 0 for kind in Kind}
    closed = {kind: 0 for kind in Kind}
    to_close: dict[Priority, list[int]] = {p: [] for p in Priority}
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
            to_close[issue.priority].append(_span_us(issue.created_at, issue.closed_at))
        if issue.overdue(now):
            overdue += 1
    counted = [v for v in visits if period.holds(v.at, tz)]
    return ScopeTally(
        reported=reported, closed=closed, verified=verified, unverified=unverified,
        overdue=overdue, households=sum(v.households for v in counted),
        people=sum(v.people for v in counted), to_close=_middles(to_close),
    )


def _middles(spans: Mapping[Priority, list[int]]) -> dict[Priority, Middle]:
    found = {p: Middle.of(values) for p, values in spans.items()}
    return {p: middle for p, middle in found.items() if middle is not None}


def _role_tally(issues: Sequence[IssueFacts]) -> RoleTally:
    """``issues``: those reported in the period that one role holds."""
    return RoleTally(
        items=len(issues),
        reopened=sum(i.reopened for i in issues),
        to_first_response=Middle.of(_span_us(i.created_at, i.first_response_at)
                                    for i in issues if i.first_response_at is not None),
        to_resolved=Middle.of(_span_us(i.created_at, i.resolved_at)
                              for i in issues if i.resolved_at is not None),
        to_verified=Middle.of(_span_us(i.created_at, i.closed_at) for i in issues
                              if i.closed and i.verified and i.closed_at is not None),
    )


def tally(
    period: Period, tz: tzinfo, now: datetime, issues: Iterable[IssueFacts],
    visits: Iterable[VisitFacts],
) -> Tally:
    """The period counted in Python, one fact at a time: the definition that the SQL of
    ``storage/figures.py`` is held to by the tests (it counts the same without reading
    every issue into Python). ``issues`` may hold more than the period's."""
    all_issues, all_visits = list(issues), list(visits)
    issues_of: dict[str, list[IssueFacts]] = {}
    visits_of: dict[str, list[VisitFacts]] = {}
    for issue in all_issues:
        issues_of.setdefault(issue.grid_key, []).append(issue)
    for visit in all_visits:
        visits_of.setdefault(visit.grid_key, []).append(visit)
    grids = {
        key: _scope_tally(issues_of.get(key, []), visits_of.get(key, []), period, tz, now)
        for key in [*issues_of, *(k for k in visits_of if k not in issues_of)]
    }
    to_close: dict[Priority, list[int]] = {p: [] for p in Priority}
    months = {month: {kind: 0 for kind in Kind} for month in period.months()}
    for issue in all_issues:
        if issue.closed and period.holds(issue.closed_at, tz):
            assert issue.closed_at is not None
            to_close[issue.priority].append(_span_us(issue.created_at, issue.closed_at))
            local = issue.closed_at.astimezone(tz)
            months[(local.year, local.month)][issue.kind] += 1
    reported = [i for i in all_issues if period.holds(i.created_at, tz)]
    roles = {role: _role_tally([i for i in reported if i.assignee_role is role])
             for role in Role}
    return Tally(grids=grids, total_to_close=_middles(to_close), roles=roles, months=months)


# ----------------------------------------------------------------------------- the rules


def _scope(scope: ScopeTally, to_close: Mapping[Priority, Middle], min_items: int
           ) -> ScopeFigures:
    return ScopeFigures(
        kinds=tuple(KindCount(kind, scope.reported.get(kind, 0), scope.closed.get(kind, 0))
                    for kind in Kind),
        verified=scope.verified, unverified=scope.unverified, overdue=scope.overdue,
        households_visited=scope.households, people_served=scope.people,
        median_hours_to_close=tuple(
            (p, to_close[p].median(min_items) if p in to_close else None) for p in Priority
        ),
    )


def _sum(scopes: Iterable[ScopeTally]) -> ScopeTally:
    total = _empty_scope()
    reported, closed = dict(total.reported), dict(total.closed)
    verified = unverified = overdue = households = people = 0
    for scope in scopes:
        for kind in Kind:
            reported[kind] += scope.reported.get(kind, 0)
            closed[kind] += scope.closed.get(kind, 0)
        verified += scope.verified
        unverified += scope.unverified
        overdue += scope.overdue
        households += scope.households
        people += scope.people
    return ScopeTally(reported, closed, verified, unverified, overdue, households, people, {})


def _median(middle: Middle | None, min_items: int) -> float | None:
    return None if middle is None else middle.median(min_items)


def _role(role: Role, counted: RoleTally | None, min_items: int) -> RoleFigures:
    if counted is None:
        counted = RoleTally(0, 0, None, None, None)
    enough = counted.items >= min_items
    return RoleFigures(
        role=role,
        items=counted.items,
        median_hours_to_first_response=(_median(counted.to_first_response, min_items)
                                        if enough else None),
        median_hours_to_resolved=_median(counted.to_resolved, min_items) if enough else None,
        median_hours_to_verified=_median(counted.to_verified, min_items) if enough else None,
        reopen_rate=(round(counted.reopened / counted.items, 3)
                     if enough and counted.items else None),
    )


def figures_of(
    period: Period, grid_keys: Iterable[str], counted: Tally, *, min_items: int,
) -> Figures:
    """The figures of a counted period. Grids are listed in ``grid_keys`` order, then any
    other grid the tally names (by key)."""
    keys = list(dict.fromkeys(grid_keys))
    keys += sorted(k for k in counted.grids if k not in set(keys))
    empty = _empty_scope()
    grids = tuple((key, _scope(counted.grids.get(key, empty),
                               counted.grids.get(key, empty).to_close, min_items))
                  for key in keys)
    months = {month: counted.months.get(month, {}) for month in period.months()}
    return Figures(
        period=period, min_items=min_items,
        total=_scope(_sum(counted.grids.values()), counted.total_to_close, min_items),
        grids=grids,
        roles=tuple(_role(role, counted.roles.get(role), min_items) for role in Role),
        months=tuple(
            MonthCount(year, month, tuple((kind, by_kind.get(kind, 0)) for kind in Kind))
            for (year, month), by_kind in months.items()
        ),
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
    """The figures of ``period`` from the facts (``tally``, then ``figures_of``): the rules
    stated once in plain Python. The bot counts in SQL (``storage.figures.tally``) and the
    tests hold that count to this one, on the same facts."""
    return figures_of(period, grid_keys, tally(period, tz, now, issues, visits),
                      min_items=min_items)


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
