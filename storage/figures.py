"""What the community figures and the exports read: a period counted in SQL (a ``Tally``
that ``bot.domain.figures`` applies its rules to) and the rows of an export.

The counting is done by SQLite: a year of a district is a hundred thousand issues, and
reading each into Python took seconds. Every query is bounded by the period through an
index that holds the columns it reads (migrations 0015 and 0016), so a year's figures read
that year's index entries, not the million stored issues nor their events. A median needs
every value in order: those come back as one ``group_concat`` string per group (spans in
microseconds), sorted in Python, never as a row per issue.

Spans are counted in microseconds from the stored text (UTC, ``iso``: seconds to
``unixepoch``, then the six digits of the fraction), so they are exactly what Python
computes from the same moments.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.figures import Middle, RoleTally, ScopeTally, Tally
from bot.domain.model import Kind, Priority, Role
from bot.domain.times import iso
from storage.db import Store


def _us(start: str, end: str) -> str:
    """SQL for the microseconds from column ``start`` to column ``end`` (names, not data)."""
    return (f"((unixepoch({end}) - unixepoch({start})) * 1000000"
            f" + CAST(substr({end}, 21, 6) AS INTEGER)"
            f" - CAST(substr({start}, 21, 6) AS INTEGER))")


# The closed issues of [start, end). `+status` keeps SQLite off issues_resolved (status, ...),
# which would read every closed issue ever, for issues_closed_figures's range.
_CLOSED = "FROM issues WHERE closed_at >= ? AND closed_at < ? AND +status = 'closed'"


async def tally(
    store: Store, start: str, end: str, now: str,
    months: Sequence[tuple[int, int, datetime, datetime]],
) -> Tally:
    """[start, end) counted: per grid, the totals' medians, per role, and the closed of
    each month (``months`` as ``bot.domain.figures.month_bounds`` cuts them)."""
    grids: dict[str, _Grid] = {}

    def grid(key: str) -> _Grid:
        return grids.setdefault(key, _Grid())

    for key, kind, n in await store.fetchall(
        """SELECT grid_key, kind, COUNT(*) FROM issues
           WHERE created_at >= ? AND created_at < ? GROUP BY grid_key, kind""",
        (start, end),
    ):
        grid(key).reported[Kind(kind)] = int(n)
    for key, n in await store.fetchall(
        """SELECT grid_key, COUNT(*) FROM issues
           WHERE status NOT IN ('closed', 'rejected') AND due_at < ? GROUP BY grid_key""",
        (now,),
    ):
        grid(key).overdue = int(n)
    for key, households, people in await store.fetchall(
        """SELECT grid_key, SUM(households), SUM(people) FROM visits
           WHERE at >= ? AND at < ? GROUP BY grid_key""",
        (start, end),
    ):
        grid(key).households, grid(key).people = int(households), int(people)
    # One pass for the closed counts and the spans to close: grouping rows is most of what a
    # query of a year costs, and a kind's issues share their category's priority.
    total: dict[Priority, list[int]] = {}
    by_priority: dict[str, dict[Priority, list[int]]] = {}
    for key, kind, priority, n, verified, text in await store.fetchall(
        "SELECT grid_key, kind, priority, COUNT(*), SUM(CASE WHEN verified THEN 1 ELSE 0 END),"
        f" group_concat({_us('created_at', 'closed_at')}) {_CLOSED}"
        " GROUP BY grid_key, kind, priority",  # noqa: S608 - no data in it
        (start, end),
    ):
        found = grid(key)
        found.closed[Kind(kind)] = found.closed.get(Kind(kind), 0) + int(n)
        found.verified += int(verified)
        found.unverified += int(n) - int(verified)
        values = _spans(text)
        total.setdefault(Priority(priority), []).extend(values)
        by_priority.setdefault(key, {}).setdefault(Priority(priority), []).extend(values)
    for key, spans in by_priority.items():
        grid(key).to_close = {priority: _middle(values) for priority, values in spans.items()}
    return Tally(
        grids={key: found.frozen() for key, found in grids.items()},
        total_to_close={priority: _middle(values) for priority, values in total.items()},
        roles=await _roles(store, start, end),
        months=await _months(store, months),
    )


@dataclass
class _Grid:
    """One grid's counts as the queries come back."""

    reported: dict[Kind, int] = field(default_factory=dict)
    closed: dict[Kind, int] = field(default_factory=dict)
    verified: int = 0
    unverified: int = 0
    overdue: int = 0
    households: int = 0
    people: int = 0
    to_close: dict[Priority, Middle] = field(default_factory=dict)

    def frozen(self) -> ScopeTally:
        return ScopeTally(self.reported, self.closed, self.verified, self.unverified,
                          self.overdue, self.households, self.people, self.to_close)


def _spans(text: str | None) -> list[int]:
    """The spans of a ``group_concat``: one string per group rather than a Python row per
    span, which cost more than the counting itself (a year is ~300,000 spans)."""
    return [int(us) for us in text.split(",")] if text else []


def _middle(values: list[int]) -> Middle:
    middle = Middle.of(values)
    assert middle is not None
    return middle


async def _roles(store: Store, start: str, end: str) -> dict[Role, RoleTally]:
    """The issues reported in [start, end) per assignee role, with each one's spans to its
    first claim or resolution, to resolution and to a verified close. The event log's part
    is kept on the issue (migration 0016), and each role is one range of
    issues_role_figures: no events are read, and no sorting groups the rows."""
    counted: dict[Role, RoleTally] = {}
    for role in Role:
        [(n, reopened, first, resolved, verified)] = await store.fetchall(
            f"""SELECT COUNT(*), SUM(reopened),
                       group_concat({_us('created_at', 'first_response_at')}),
                       group_concat({_us('created_at', 'resolved_at')}),
                       group_concat(CASE WHEN status = 'closed' AND verified
                                         THEN {_us('created_at', 'closed_at')} END)
                FROM issues
                WHERE assignee_role = ? AND created_at >= ? AND created_at < ?""",  # noqa: S608
            (role.value, start, end),
        )
        if n:
            counted[role] = RoleTally(
                items=int(n), reopened=int(reopened),
                to_first_response=Middle.of(_spans(first)),
                to_resolved=Middle.of(_spans(resolved)), to_verified=Middle.of(_spans(verified)),
            )
    return counted


async def _months(
    store: Store, months: Sequence[tuple[int, int, datetime, datetime]],
) -> dict[tuple[int, int], dict[Kind, int]]:
    """Closed per kind in each month: a range of issues_closed_figures per month, the kinds
    counted side by side (a GROUP BY would sort the year's rows to group them)."""
    kinds = ", ".join("COUNT(*) FILTER (WHERE kind = ?)" for _ in Kind)
    one = (f"SELECT ?, {kinds} FROM issues"  # noqa: S608 - only placeholders
           " WHERE closed_at >= ? AND closed_at < ? AND +status = 'closed'")
    params: list[object] = []
    for index, (_, _, first, after) in enumerate(months):
        params += [index, *(kind.value for kind in Kind), iso(first), iso(after)]
    counted: dict[tuple[int, int], dict[Kind, int]] = {}
    for index, *counts in await store.fetchall(" UNION ALL ".join(one for _ in months), params):
        year, month, _, _ = months[int(index)]
        counted[(year, month)] = {kind: int(n) for kind, n in zip(Kind, counts, strict=True) if n}
    return counted


@dataclass(frozen=True)
class ExportIssue:
    """One row of the issues sheet: no reporter's identity, ever (names stay out)."""

    id: int
    grid_key: str
    building: str
    unit: str
    category: str
    kind: str
    priority: str
    status: str
    assignee: str | None  # the assignee's name as the roster knows it
    department: str | None
    text: str
    reject_reason: str | None
    latitude: float | None
    longitude: float | None
    created_at: str
    updated_at: str
    closed_at: str | None
    decisions: tuple[tuple[str, str], ...]  # (at, text) of each /decide, in order


async def export_issues(
    store: Store, start: str, end: str, grid_key: str | None = None,
) -> list[ExportIssue]:
    """Issues reported in [start, end) or closed in it, by number; of one grid only when
    ``grid_key`` is given (read through issues_grid_created and issues_grid_closed)."""
    where = "i.grid_key = ? AND " if grid_key is not None else ""
    rows = await store.fetchall(
        f"""SELECT i.*,
                  CASE WHEN i.assignee_user_id IS NULL THEN NULL ELSE COALESCE(
                      (SELECT r.name FROM roles r WHERE r.user_id = i.assignee_user_id
                          AND r.grid_key = i.grid_key ORDER BY r.id LIMIT 1),
                      (SELECT NULLIF(p.name, '') FROM persons p
                        WHERE p.user_id = i.assignee_user_id),
                      CAST(i.assignee_user_id AS TEXT)) END AS assignee_name
           FROM issues i
           WHERE {where}((i.created_at >= ? AND i.created_at < ?)
              OR (i.closed_at >= ? AND i.closed_at < ?))
           ORDER BY i.id""",  # noqa: S608 - only a placeholder is interpolated
        (*([grid_key] if grid_key is not None else []), start, end, start, end),
    )
    decided = await _decisions(store, [int(r["id"]) for r in rows])
    return [
        ExportIssue(
            id=r["id"], grid_key=r["grid_key"], building=r["building"], unit=r["unit"],
            category=r["category"], kind=r["kind"], priority=r["priority"], status=r["status"],
            assignee=r["assignee_name"], department=r["department"] or None, text=r["text"],
            reject_reason=r["reject_reason"] or None, latitude=r["latitude"],
            longitude=r["longitude"], created_at=r["created_at"], updated_at=r["updated_at"],
            closed_at=r["closed_at"], decisions=tuple(decided.get(int(r["id"]), ())),
        )
        for r in rows
    ]


async def _decisions(store: Store, issue_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    # Chunks stay well under SQLite's bound-parameter limit for any list length.
    for first in range(0, len(issue_ids), 500):
        part = list(issue_ids[first:first + 500])
        marks = ", ".join("?" for _ in part)
        rows = await store.fetchall(
            f"""SELECT issue_id, at, data FROM events
                WHERE type = 'decision' AND issue_id IN ({marks})
                ORDER BY issue_id, id""",  # noqa: S608 - only placeholders are interpolated
            part,
        )
        for r in rows:
            text = json.loads(r["data"]).get("text")
            if isinstance(text, str):
                found.setdefault(int(r["issue_id"]), []).append((str(r["at"]), text))
    return found
