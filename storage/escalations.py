"""Escalation steps of unclaimed items: each (issue, step) happens once."""

from __future__ import annotations

import aiosqlite

from bot.domain.issue import Issue
from storage.db import Store
from storage.issues import issue_from_row


async def unclaimed_due(store: Store, now: str, limit: int = 200) -> list[Issue]:
    """Open, assigned or referred items whose acknowledge window has passed (nobody, or no
    department, claimed them), oldest deadline first."""
    rows = await store.fetchall(
        """SELECT * FROM issues WHERE ack_due_at IS NOT NULL AND ack_due_at <= ?
             AND status IN ('open', 'assigned', 'referred') ORDER BY ack_due_at LIMIT ?""",
        (now, limit),
    )
    return [issue_from_row(r) for r in rows]


async def next_step_in(conn: aiosqlite.Connection, issue_id: int) -> int:
    async with conn.execute(
        "SELECT COALESCE(MAX(step), 0) + 1 FROM escalations WHERE issue_id = ?", (issue_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 1


async def record_in(
    conn: aiosqlite.Connection, issue_id: int, step: int, at: str, from_user: int | None,
    to_user: int | None,
) -> bool:
    """False if this step was already taken (a second run of the same check)."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO escalations (issue_id, step, at, from_user, to_user)
           VALUES (?, ?, ?, ?, ?)""",
        (issue_id, step, at, from_user, to_user),
    )
    return cur.rowcount > 0
