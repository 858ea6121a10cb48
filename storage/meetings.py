"""The meetings of the 9th, 19th and 29th: which agendas went out, and what an agenda reads.

Exactly once: a posted agenda is one ``meetings`` row per (grid, local date), whose primary
key refuses a second one. The row and the agenda's outbox rows are written in one
transaction (:func:`record_in` takes the caller's connection), so a crash can neither post
without recording nor record without posting.

Carried-over counts are derived, not stored: an unresolved item was on every posted agenda
of its grid whose scheduled time is at or after the item's creation (the unresolved list
is "everything open and created by the meeting time"). Counting those ``meetings`` rows
needs no extra table and stays right when an agenda was skipped (the bot was down and only
the latest missed meeting was posted): a meeting that never went out did not list it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from bot.domain.figures import KindCount
from bot.domain.issue import Issue
from bot.domain.model import Kind
from storage.db import Store
from storage.issues import issue_from_row

# Statuses that end an issue: it leaves the unresolved list and enters "closed since".
_DONE = ("closed", "rejected")


@dataclass(frozen=True)
class PostedMeeting:
    grid_key: str
    meeting_date: str
    scheduled_at: str
    posted_at: str
    late: bool
    messages: int
    unresolved: int


async def is_posted(store: Store, grid_key: str, meeting_date: str) -> bool:
    row = await store.fetchone(
        "SELECT 1 FROM meetings WHERE grid_key = ? AND meeting_date = ?", (grid_key, meeting_date)
    )
    return row is not None


async def record_in(
    conn: aiosqlite.Connection,
    grid_key: str,
    meeting_date: str,
    *,
    scheduled_at: str,
    posted_at: str,
    late: bool,
    messages: int,
    unresolved: int,
) -> bool:
    """Record a posting inside the caller's transaction; False when it was already posted
    (the caller then rolls back or skips its outbox rows)."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO meetings
               (grid_key, meeting_date, scheduled_at, posted_at, late, messages, unresolved)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (grid_key, meeting_date, scheduled_at, posted_at, int(late), messages, unresolved),
    )
    return cur.rowcount > 0


async def posted_on(store: Store, meeting_date: str) -> list[PostedMeeting]:
    """Every grid's posting for one meeting date (the coordinators' summary)."""
    rows = await store.fetchall(
        "SELECT * FROM meetings WHERE meeting_date = ? ORDER BY grid_key", (meeting_date,)
    )
    return [
        PostedMeeting(r["grid_key"], r["meeting_date"], r["scheduled_at"], r["posted_at"],
                      bool(r["late"]), r["messages"], r["unresolved"])
        for r in rows
    ]


async def bound_at(store: Store, grid_key: str) -> str | None:
    """When the grid's group was bound: a meeting before that was never the group's."""
    row = await store.fetchone("SELECT bound_at FROM grids WHERE key = ?", (grid_key,))
    return str(row[0]) if row and row[0] is not None else None


async def outbox_has(store: Store, dedup_key: str) -> bool:
    """Whether a message with this dedup key was ever queued (the summary goes once)."""
    row = await store.fetchone("SELECT 1 FROM outbox WHERE dedup_key = ?", (dedup_key,))
    return row is not None


async def closed_between(store: Store, grid_key: str, start: str, end: str) -> list[Issue]:
    """Items closed or rejected in (start, end], for review at the meeting."""
    rows = await store.fetchall(
        """SELECT * FROM issues
            WHERE grid_key = ? AND status IN (?, ?) AND closed_at > ? AND closed_at <= ?
            ORDER BY closed_at, id""",
        (grid_key, *_DONE, start, end),
    )
    return [issue_from_row(r) for r in rows]


async def created_between(store: Store, grid_key: str, start: str, end: str) -> list[Issue]:
    """Items reported in (start, end], whatever their state now."""
    rows = await store.fetchall(
        """SELECT * FROM issues
            WHERE grid_key = ? AND created_at > ? AND created_at <= ?
            ORDER BY created_at, id""",
        (grid_key, start, end),
    )
    return [issue_from_row(r) for r in rows]


async def unresolved_by(store: Store, grid_key: str, end: str) -> list[Issue]:
    """Items not closed or rejected that exist by ``end``, oldest first."""
    rows = await store.fetchall(
        """SELECT * FROM issues
            WHERE grid_key = ? AND status NOT IN (?, ?) AND created_at <= ?
            ORDER BY created_at, id""",
        (grid_key, *_DONE, end),
    )
    return [issue_from_row(r) for r in rows]


async def last_decisions(store: Store, grid_key: str) -> dict[int, str]:
    """The latest meeting decision of each item of the grid that has one."""
    rows = await store.fetchall(
        """SELECT e.issue_id, e.data FROM events e JOIN issues i ON i.id = e.issue_id
           WHERE e.type = 'decision' AND i.grid_key = ? ORDER BY e.id""",
        (grid_key,),
    )
    found: dict[int, str] = {}
    for r in rows:
        text = json.loads(r["data"]).get("text")
        if isinstance(text, str):
            found[int(r["issue_id"])] = text  # a later decision replaces an earlier one
    return found


async def times_listed(
    store: Store, grid_key: str, before_date: str
) -> list[tuple[str, str]]:
    """(scheduled_at, meeting_date) of the grid's agendas posted before ``before_date``.

    The caller counts, per item, those scheduled at or after its creation: a handful of
    rows per grid and year, read once per agenda instead of one query per item.
    """
    rows = await store.fetchall(
        """SELECT scheduled_at, meeting_date FROM meetings
           WHERE grid_key = ? AND meeting_date < ? ORDER BY scheduled_at""",
        (grid_key, before_date),
    )
    return [(str(r[0]), str(r[1])) for r in rows]


async def first_photos(store: Store, issue_ids: list[int]) -> dict[int, str]:
    """The first stored report photo of each item (path under media_dir), for the sheet."""
    if not issue_ids:
        return {}
    found: dict[int, str] = {}
    # Chunks stay well under SQLite's bound-parameter limit for any list length.
    for start in range(0, len(issue_ids), 500):
        part = issue_ids[start:start + 500]
        marks = ", ".join("?" for _ in part)
        rows = await store.fetchall(
            f"""SELECT issue_id, path FROM media
                WHERE issue_id IN ({marks}) AND kind = 'photo' AND status = 'stored'
                  AND role = 'report' AND path IS NOT NULL
                ORDER BY id""",  # noqa: S608 - only placeholders are interpolated
            part,
        )
        for r in rows:
            found.setdefault(int(r["issue_id"]), str(r["path"]))
    return found


async def figures_by_kind(
    store: Store, grid_key: str, start: str, end: str
) -> tuple[KindCount, ...]:
    """Per kind (every kind, zeros included), items created and items closed (or rejected)
    in (start, end]."""
    rows = await store.fetchall(
        """SELECT kind,
                  SUM(CASE WHEN created_at > ? AND created_at <= ? THEN 1 ELSE 0 END),
                  SUM(CASE WHEN status IN (?, ?) AND closed_at > ? AND closed_at <= ?
                           THEN 1 ELSE 0 END)
           FROM issues WHERE grid_key = ?
             AND ((created_at > ? AND created_at <= ?) OR (closed_at > ? AND closed_at <= ?))
           GROUP BY kind""",
        (start, end, *_DONE, start, end, grid_key, start, end, start, end),
    )
    counted = {str(r[0]): (int(r[1] or 0), int(r[2] or 0)) for r in rows}
    return tuple(KindCount(k, *counted.get(k.value, (0, 0))) for k in Kind)


async def reachable(store: Store, user_id: int) -> tuple[bool, str | None]:
    """Whether a person started the bot (a bot cannot write first), and their language."""
    row = await store.fetchone(
        "SELECT started_bot, language FROM persons WHERE user_id = ?", (user_id,)
    )
    if row is None:
        return False, None
    return bool(row["started_bot"]), row["language"]


async def decision_from_in(
    conn: aiosqlite.Connection, chat_id: int | None, message_id: int
) -> bool:
    """Whether this command message already recorded a decision (a redelivered update)."""
    async with conn.execute(
        "SELECT 1 FROM events WHERE type = 'decision' AND chat_id IS ? AND message_id = ?",
        (chat_id, message_id),
    ) as cur:
        return await cur.fetchone() is not None
