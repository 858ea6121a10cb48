"""What the community figures and the exports read: the facts of a period's issues and
visits (``bot.domain.figures`` counts them) and the rows of an export.

Every query is bounded by the period through an index (``issues_created``,
``issues_closed``, ``issues_overdue``, ``visits_at``), so a year's figures read that year's
rows, not the million stored issues.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.figures import IssueFacts, VisitFacts
from bot.domain.model import Kind, Priority, Role, Status
from bot.domain.times import parse_iso
from storage.db import Store


async def issue_facts(store: Store, start: str, end: str, now: str) -> list[IssueFacts]:
    """Issues reported in [start, end), closed in it, or unresolved and past due at ``now``,
    each with its first claim or resolution and whether it was ever reopened."""
    rows = await store.fetchall(
        """SELECT i.grid_key, i.kind, i.priority, i.status, i.verified, i.assignee_role,
                  i.created_at, i.closed_at, i.resolved_at, i.due_at,
                  (SELECT MIN(e.at) FROM events e
                    WHERE e.issue_id = i.id AND e.type IN ('claim', 'resolve')) AS first_at,
                  EXISTS (SELECT 1 FROM events e
                           WHERE e.issue_id = i.id AND e.type = 'reopen') AS reopened
           FROM issues i
           WHERE (i.created_at >= ? AND i.created_at < ?)
              OR (i.closed_at >= ? AND i.closed_at < ?)
              OR (i.status NOT IN ('closed', 'rejected') AND i.due_at < ?)""",
        (start, end, start, end, now),
    )
    return [
        IssueFacts(
            grid_key=r["grid_key"], kind=Kind(r["kind"]), priority=Priority(r["priority"]),
            status=Status(r["status"]),
            verified=None if r["verified"] is None else bool(r["verified"]),
            assignee_role=Role(r["assignee_role"]) if r["assignee_role"] else None,
            created_at=parse_iso(r["created_at"]),
            closed_at=parse_iso(r["closed_at"]) if r["closed_at"] else None,
            resolved_at=parse_iso(r["resolved_at"]) if r["resolved_at"] else None,
            due_at=parse_iso(r["due_at"]) if r["due_at"] else None,
            first_response_at=parse_iso(r["first_at"]) if r["first_at"] else None,
            reopened=bool(r["reopened"]),
        )
        for r in rows
    ]


async def visit_facts(store: Store, start: str, end: str) -> list[VisitFacts]:
    rows = await store.fetchall(
        "SELECT grid_key, households, people, at FROM visits WHERE at >= ? AND at < ?",
        (start, end),
    )
    return [VisitFacts(r[0], int(r[1]), int(r[2]), parse_iso(r[3])) for r in rows]


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


async def export_issues(store: Store, start: str, end: str) -> list[ExportIssue]:
    """Issues reported in [start, end) or closed in it, by number."""
    rows = await store.fetchall(
        """SELECT i.*,
                  CASE WHEN i.assignee_user_id IS NULL THEN NULL ELSE COALESCE(
                      (SELECT r.name FROM roles r WHERE r.user_id = i.assignee_user_id
                          AND r.grid_key = i.grid_key ORDER BY r.id LIMIT 1),
                      (SELECT NULLIF(p.name, '') FROM persons p
                        WHERE p.user_id = i.assignee_user_id),
                      CAST(i.assignee_user_id AS TEXT)) END AS assignee_name
           FROM issues i
           WHERE (i.created_at >= ? AND i.created_at < ?)
              OR (i.closed_at >= ? AND i.closed_at < ?)
           ORDER BY i.id""",
        (start, end, start, end),
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
