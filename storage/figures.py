"""What the community figures and the exports read: a period counted in SQL (a ``Tally``
that ``bot.domain.figures`` applies its rules to) and the rows of an export.

The counting is done by SQLite: a year of a district is a hundred thousand issues, and
reading each into Python took seconds. Every query is bounded by the period through an
index that holds the columns it reads (migration 0015), so a year's figures read that
year's index entries, not the million stored issues. A median needs every value in order:
those come back as one integer per issue (a span in microseconds), never as rows of facts.

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
    for key, kind, n, verified in await store.fetchall(
        f"SELECT grid_key, kind, COUNT(*), SUM(CASE WHEN verified THEN 1 ELSE 0 END) {_CLOSED}"
        " GROUP BY grid_key, kind",  # noqa: S608 - no data in it
        (start, end),
    ):
        found = grid(key)
        found.closed[Kind(kind)] = int(n)
        found.verified += int(verified)
        found.unverified += int(n) - int(verified)
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
    spans: dict[str, dict[Priority, list[int]]] = {}
    for key, priority, us in await store.fetchall(
        f"SELECT grid_key, priority, {_us('created_at', 'closed_at')} {_CLOSED}",  # noqa: S608
        (start, end),
    ):
        spans.setdefault(key, {}).setdefault(Priority(priority), []).append(us)
    total: dict[Priority, list[int]] = {}
    for key, by_priority in spans.items():
        for priority, values in by_priority.items():
            total.setdefault(priority, []).extend(values)
            grid(key).to_close[priority] = _middle(values)
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


def _middle(values: list[int]) -> Middle:
    middle = Middle.of(values)
    assert middle is not None
    return middle


async def _roles(store: Store, start: str, end: str) -> dict[Role, RoleTally]:
    """The issues reported in [start, end) per assignee role, with each one's spans to its
    first claim or resolution (from its events), to resolution and to a verified close.
    MATERIALIZED: flattened, SQLite would look the events up once per use of ``first_at``."""
    rows = await store.fetchall(
        f"""WITH held AS MATERIALIZED (
                SELECT i.assignee_role, i.created_at, i.resolved_at,
                       CASE WHEN i.status = 'closed' AND i.verified
                            THEN i.closed_at END AS verified_at,
                       (SELECT MIN(e.at) FROM events e WHERE e.issue_id = i.id
                          AND e.type IN ('claim', 'resolve')) AS first_at,
                       EXISTS (SELECT 1 FROM events e
                                WHERE e.issue_id = i.id AND e.type = 'reopen') AS reopened
                FROM issues i
                WHERE i.created_at >= ? AND i.created_at < ? AND i.assignee_role IS NOT NULL)
            SELECT assignee_role, {_us('created_at', 'first_at')},
                   {_us('created_at', 'resolved_at')}, {_us('created_at', 'verified_at')},
                   reopened
            FROM held""",  # noqa: S608 - no data in it
        (start, end),
    )
    held: dict[str, list[tuple[int | None, int | None, int | None, int]]] = {}
    for role, first, resolved, verified, reopened in rows:
        held.setdefault(role, []).append((first, resolved, verified, reopened))
    return {
        Role(role): RoleTally(
            items=len(spans), reopened=sum(s[3] for s in spans),
            to_first_response=Middle.of(s[0] for s in spans if s[0] is not None),
            to_resolved=Middle.of(s[1] for s in spans if s[1] is not None),
            to_verified=Middle.of(s[2] for s in spans if s[2] is not None),
        )
        for role, spans in held.items()
    }


async def _months(
    store: Store, months: Sequence[tuple[int, int, datetime, datetime]],
) -> dict[tuple[int, int], dict[Kind, int]]:
    """Closed per kind in each month: a range of issues_closed_figures per month."""
    bounds = json.dumps([[iso(first), iso(after)] for _, _, first, after in months])
    counted: dict[tuple[int, int], dict[Kind, int]] = {
        (year, month): {} for year, month, _, _ in months}
    for index, kind, n in await store.fetchall(
        """SELECT CAST(m.key AS INTEGER), i.kind, COUNT(*)
           FROM json_each(?) m JOIN issues i
             ON i.closed_at >= m.value ->> 0 AND i.closed_at < m.value ->> 1
            AND +i.status = 'closed'
           GROUP BY m.key, i.kind""",
        (bounds,),
    ):
        year, month, _, _ = months[int(index)]
        counted[(year, month)][Kind(kind)] = int(n)
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
