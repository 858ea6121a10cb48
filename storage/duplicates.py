"""Possible duplicates: which earlier issue a report may repeat, the merges, and who follows
an issue besides its reporter (SPEC §3)."""

from __future__ import annotations

from datetime import timedelta

import aiosqlite

from bot.domain.issue import Issue
from bot.domain.model import Status
from bot.domain.times import iso
from storage.db import Store

# How far back an unresolved issue with the same place and category is offered.
WINDOW = timedelta(days=7)
_UNRESOLVED = tuple(s.value for s in Status if s.unresolved)


async def candidate(store: Store, issue: Issue) -> int | None:
    """The newest earlier unresolved issue of the same grid, place and category created in
    the 7 days before ``issue``, not itself merged; None when there is none (or the issue has
    no place, or is finished or already merged)."""
    if issue.place.is_empty() or not issue.unresolved:
        return None
    if await original_of(store, issue.id) is not None:
        return None
    marks = ", ".join("?" for _ in _UNRESOLVED)
    row = await store.fetchone(
        f"""SELECT i.id FROM issues i
            WHERE i.grid_key = ? AND i.category = ? AND i.building IS ? AND i.unit IS ?
              AND i.id < ? AND i.created_at >= ? AND i.status IN ({marks})
              AND i.id NOT IN (SELECT issue_id FROM duplicates)
            ORDER BY i.id DESC LIMIT 1""",  # noqa: S608 - only placeholders are joined
        (issue.grid_key, issue.category, issue.place.building, issue.place.unit, issue.id,
         iso(issue.created_at - WINDOW), *_UNRESOLVED),
    )
    return int(row["id"]) if row else None


async def original_of(store: Store, issue_id: int) -> int | None:
    row = await store.fetchone(
        "SELECT original_id FROM duplicates WHERE issue_id = ?", (issue_id,))
    return int(row["original_id"]) if row else None


async def me_too(store: Store, issue_id: int) -> int:
    """How many reports were merged into this issue."""
    row = await store.fetchone(
        "SELECT COUNT(*) AS n FROM duplicates WHERE original_id = ?", (issue_id,))
    return int(row["n"]) if row else 0


async def merge_in(
    conn: aiosqlite.Connection, duplicate: Issue, original_id: int, by: int | None, now: str
) -> int | None:
    """Link ``duplicate`` to its original and make its reporter a follower; the original's
    "me too" count after it, or None when it was merged already (nothing changed)."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO duplicates (issue_id, original_id, merged_by, merged_at)"
        " VALUES (?, ?, ?, ?)", (duplicate.id, original_id, by, now))
    if cur.rowcount == 0:
        return None
    if duplicate.reporter_user_id is not None:
        await conn.execute(
            "INSERT OR IGNORE INTO followers (issue_id, user_id, kind) VALUES (?, ?, ?)",
            (original_id, duplicate.reporter_user_id, duplicate.reporter_kind.value))
    async with conn.execute(
        "SELECT COUNT(*) FROM duplicates WHERE original_id = ?", (original_id,)
    ) as counted:
        row = await counted.fetchone()
    return int(row[0]) if row else 0


async def followers_in(conn: aiosqlite.Connection, issue_id: int) -> list[tuple[int, str]]:
    """Who follows the issue (user id, kind), in the order they came."""
    async with conn.execute(
        "SELECT user_id, kind FROM followers WHERE issue_id = ? ORDER BY rowid", (issue_id,)
    ) as cur:
        return [(int(r[0]), str(r[1])) for r in await cur.fetchall()]
