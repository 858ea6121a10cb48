"""The issue aggregate: issues, the messages they came from, their media and event log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.domain.issue import Event, Issue
from bot.domain.model import Kind, Place, Priority, ReporterKind, Role, Status
from bot.domain.times import iso, parse_iso
from storage.db import Row, Store, one

# The issues table's columns; rows become domain ``Issue`` values here, at the edge.
_FIELDS = (
    "id", "grid_key", "building", "unit", "category", "kind", "priority", "status",
    "reporter_kind", "reporter_user_id", "reporter_name", "assignee_user_id", "assignee_role",
    "wanted_role", "department", "reject_reason", "text", "latitude", "longitude",
    "source_chat_id", "source_message_id", "source_thread_id", "media_group_id",
    "card_chat_id", "card_message_id", "card_thread_id", "created_at", "updated_at",
    "claimed_at", "resolved_at", "closed_at", "verified", "ack_due_at", "due_at",
)
_TIMES = ("created_at", "updated_at", "claimed_at", "resolved_at", "closed_at", "ack_due_at",
          "due_at")


def _when(text: str | None) -> datetime | None:
    return parse_iso(text) if text is not None else None


def issue_from_row(row: Row) -> Issue:
    return Issue(
        id=row["id"], grid_key=row["grid_key"], place=Place(row["building"], row["unit"]),
        category=row["category"], kind=Kind(row["kind"]), priority=Priority(row["priority"]),
        status=Status(row["status"]), reporter_kind=ReporterKind(row["reporter_kind"]),
        reporter_user_id=row["reporter_user_id"], reporter_name=row["reporter_name"],
        assignee_user_id=row["assignee_user_id"],
        assignee_role=Role(row["assignee_role"]) if row["assignee_role"] else None,
        wanted_role=Role(row["wanted_role"]), department=row["department"],
        reject_reason=row["reject_reason"], text=row["text"], latitude=row["latitude"],
        longitude=row["longitude"], source_chat_id=row["source_chat_id"],
        source_message_id=row["source_message_id"], source_thread_id=row["source_thread_id"],
        media_group_id=row["media_group_id"], card_chat_id=row["card_chat_id"],
        card_message_id=row["card_message_id"], card_thread_id=row["card_thread_id"],
        created_at=parse_iso(row["created_at"]), updated_at=parse_iso(row["updated_at"]),
        claimed_at=_when(row["claimed_at"]), resolved_at=_when(row["resolved_at"]),
        closed_at=_when(row["closed_at"]),
        verified=None if row["verified"] is None else bool(row["verified"]),
        ack_due_at=_when(row["ack_due_at"]), due_at=_when(row["due_at"]),
    )


def _columns(issue: Issue) -> dict[str, Any]:
    """The issue as column values (the inverse of ``issue_from_row``)."""
    values: dict[str, Any] = {}
    for name in _FIELDS:
        if name in ("building", "unit"):
            values[name] = getattr(issue.place, name)
            continue
        value = getattr(issue, name)
        if name in _TIMES:
            value = iso(value) if value is not None else None
        elif name == "verified":
            value = None if value is None else int(value)
        elif isinstance(value, StrEnum):
            value = value.value
        values[name] = value
    return values


async def save_in(conn: aiosqlite.Connection, before: Issue, after: Issue) -> None:
    """Write what a decision changed (only those columns: a card id set meanwhile by the
    sender is not overwritten with a stale value)."""
    old, new = _columns(before), _columns(after)
    changed = {k: v for k, v in new.items() if old[k] != v}
    if changed:
        await update_issue(conn, after.id, changed)


@dataclass(frozen=True)
class EventRow:
    id: int
    issue_id: int
    at: str
    type: str
    actor_user_id: int | None
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class MediaRow:
    id: int
    issue_id: int
    kind: str
    file_id: str
    file_unique_id: str
    file_size: int | None
    message_id: int | None
    status: str
    path: str | None
    error: str | None
    attempts: int
    role: str
    duration: int | None = None


def _media(r: Row) -> MediaRow:
    return MediaRow(
        r["id"], r["issue_id"], r["kind"], r["file_id"], r["file_unique_id"], r["file_size"],
        r["message_id"], r["status"], r["path"], r["error"], r["attempts"], r["role"],
        r["duration"],
    )


async def insert_new(conn: aiosqlite.Connection, issue: Issue) -> int:
    """Insert a new issue (its ``id`` is ignored: the database numbers it) and return its
    number; the caller has checked that its source is not already an issue."""
    values = _columns(issue)
    del values["id"]
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = await conn.execute(
        f"INSERT INTO issues ({columns}) VALUES ({marks})",  # noqa: S608 - names checked above
        tuple(values.values()),
    )
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


async def update_issue(conn: aiosqlite.Connection, issue_id: int, values: dict[str, Any]) -> None:
    unknown = set(values) - set(_FIELDS)
    if unknown or "id" in values:
        raise ValueError(f"bad issue fields: {sorted(unknown | ({'id'} & set(values)))}")
    assignments = ", ".join(f"{k} = ?" for k in values)
    await conn.execute(
        f"UPDATE issues SET {assignments} WHERE id = ?",  # noqa: S608 - names checked above
        (*values.values(), issue_id),
    )


async def get_in(conn: aiosqlite.Connection, issue_id: int) -> Issue | None:
    """Read inside an open transaction (the store lock is already held)."""
    row = await one(conn, "SELECT * FROM issues WHERE id = ?", (issue_id,))
    return issue_from_row(row) if row else None


async def get(store: Store, issue_id: int) -> Issue | None:
    row = await store.fetchone("SELECT * FROM issues WHERE id = ?", (issue_id,))
    return issue_from_row(row) if row else None


async def by_message_in(
    conn: aiosqlite.Connection, chat_id: int, message_id: int
) -> int | None:
    row = await one(
        conn, "SELECT issue_id FROM issue_messages WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    )
    return int(row[0]) if row else None


async def by_album_in(conn: aiosqlite.Connection, chat_id: int, media_group_id: str) -> int | None:
    row = await one(
        conn, "SELECT id FROM issues WHERE source_chat_id = ? AND media_group_id = ?",
        (chat_id, media_group_id),
    )
    return int(row[0]) if row else None


async def by_card(store: Store, chat_id: int, message_id: int) -> Issue | None:
    row = await store.fetchone(
        "SELECT * FROM issues WHERE card_chat_id = ? AND card_message_id = ?",
        (chat_id, message_id),
    )
    return issue_from_row(row) if row else None


async def link_message(
    conn: aiosqlite.Connection, chat_id: int, message_id: int, issue_id: int
) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO issue_messages (chat_id, message_id, issue_id) VALUES (?, ?, ?)",
        (chat_id, message_id, issue_id),
    )


async def add_media(
    conn: aiosqlite.Connection,
    issue_id: int,
    kind: str,
    file_id: str,
    file_unique_id: str,
    file_size: int | None,
    message_id: int | None,
    duration: int | None,
    now: str,
    *,
    role: str = "report",
    stored: dict[str, Any] | None = None,
) -> bool:
    """Record a file; with ``stored`` (path, sha256, width, height) it is already kept."""
    kept = stored or {}
    cur = await conn.execute(
        """INSERT OR IGNORE INTO media (issue_id, kind, file_id, file_unique_id, file_size,
               message_id, duration, next_attempt_at, created_at, role, status, path, sha256,
               width, height)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (issue_id, kind, file_id, file_unique_id, file_size, message_id, duration, now, now,
         role, "stored" if stored else "pending", kept.get("path"), kept.get("sha256"),
         kept.get("width"), kept.get("height")),
    )
    Store.of(conn).notify("media")  # the fetcher wakes once this commits
    return cur.rowcount > 0


async def add_event(
    conn: aiosqlite.Connection,
    issue_id: int,
    at: str,
    type_: str,
    *,
    actor_user_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO events (issue_id, at, type, actor_user_id, from_status, to_status, data,
               chat_id, message_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            issue_id, at, type_, actor_user_id, from_status, to_status,
            json.dumps(data or {}, ensure_ascii=False), chat_id, message_id,
        ),
    )


async def record_in(
    conn: aiosqlite.Connection, issue_id: int, at: str, event: Event, *,
    chat_id: int | None = None, message_id: int | None = None,
) -> None:
    """Append a decision's event to the log."""
    await add_event(
        conn, issue_id, at, event.type, actor_user_id=event.actor_user_id,
        from_status=event.from_status.value if event.from_status else None,
        to_status=event.to_status.value if event.to_status else None, data=event.data,
        chat_id=chat_id, message_id=message_id,
    )


async def has_update_in(conn: aiosqlite.Connection, issue_id: int, update_id: int) -> bool:
    """Whether this Telegram update already changed the issue (it is being replayed)."""
    return await one(
        conn, "SELECT 1 FROM events WHERE issue_id = ? AND json_extract(data, '$.update') = ?",
        (issue_id, update_id),
    ) is not None


async def events(store: Store, issue_id: int) -> list[EventRow]:
    rows = await store.fetchall("SELECT * FROM events WHERE issue_id = ? ORDER BY id", (issue_id,))
    return [
        EventRow(
            r["id"], r["issue_id"], r["at"], r["type"], r["actor_user_id"], r["from_status"],
            r["to_status"], json.loads(r["data"]),
        )
        for r in rows
    ]


async def media_of(store: Store, issue_id: int) -> list[MediaRow]:
    rows = await store.fetchall("SELECT * FROM media WHERE issue_id = ? ORDER BY id", (issue_id,))
    return [_media(r) for r in rows]


async def card_form(store: Store, issue_id: int) -> str:
    """How the card was posted: ``text``, or ``photo`` (the card is a photo's caption)."""
    row = await store.fetchone("SELECT card_form FROM issues WHERE id = ?", (issue_id,))
    return str(row[0]) if row else "text"


async def set_card_in(
    conn: aiosqlite.Connection, issue_id: int, message_id: int | None, form: str = "text"
) -> None:
    """The card's message and form: set once it is posted, forgotten when it was deleted
    (the next attempt posts a fresh one)."""
    await conn.execute(
        "UPDATE issues SET card_message_id = ?, card_form = ? WHERE id = ?",
        (message_id, form, issue_id),
    )


async def media_counts(store: Store, issue_id: int) -> dict[str, int]:
    rows = await store.fetchall(
        "SELECT kind, COUNT(*) AS n FROM media WHERE issue_id = ? AND status <> 'rejected'"
        " GROUP BY kind",
        (issue_id,),
    )
    return {r["kind"]: int(r["n"]) for r in rows}


async def with_voice(store: Store, issue_ids: list[int]) -> set[int]:
    """Which of these issues were reported with a voice message (a voice-only report has no
    text to quote, and a list says "voice report" instead)."""
    found: set[int] = set()
    # Chunks stay well under SQLite's bound-parameter limit for any list length.
    for start in range(0, len(issue_ids), 500):
        part = issue_ids[start:start + 500]
        marks = ", ".join("?" for _ in part)
        rows = await store.fetchall(
            f"""SELECT DISTINCT issue_id FROM media
                WHERE issue_id IN ({marks}) AND kind = 'voice' AND role = 'report'
            """,  # noqa: S608 - only placeholders are interpolated
            part,
        )
        found.update(int(r["issue_id"]) for r in rows)
    return found


async def pending_media(store: Store, now: str, limit: int = 20) -> list[MediaRow]:
    rows = await store.fetchall(
        """SELECT * FROM media WHERE status = 'pending' AND next_attempt_at <= ?
           ORDER BY id LIMIT ?""",
        (now, limit),
    )
    return [_media(r) for r in rows]


async def next_media_due(store: Store) -> str | None:
    row = await store.fetchone("SELECT MIN(next_attempt_at) FROM media WHERE status = 'pending'")
    return str(row[0]) if row and row[0] is not None else None


async def set_media(store: Store, media_id: int, values: dict[str, Any]) -> None:
    allowed = {"status", "path", "sha256", "width", "height", "error", "attempts",
               "next_attempt_at"}
    if set(values) - allowed:
        raise ValueError(f"bad media fields: {sorted(set(values) - allowed)}")
    assignments = ", ".join(f"{k} = ?" for k in values)
    async with store.transaction() as conn:
        await conn.execute(
            f"UPDATE media SET {assignments} WHERE id = ?",  # noqa: S608 - names checked above
            (*values.values(), media_id),
        )


async def unresolved_in_grid(store: Store, grid_key: str, limit: int = 1000) -> list[Issue]:
    rows = await store.fetchall(
        """SELECT * FROM issues WHERE grid_key = ?
             AND status NOT IN ('closed', 'rejected')
           ORDER BY created_at, id LIMIT ?""",
        (grid_key, limit),
    )
    return [issue_from_row(r) for r in rows]


async def reported_by(store: Store, user_id: int, limit: int = 50) -> list[Issue]:
    """A reporter's own issues, newest first (a resident sees only these)."""
    rows = await store.fetchall(
        "SELECT * FROM issues WHERE reporter_user_id = ? ORDER BY id DESC LIMIT ?",
        (user_id, limit),
    )
    return [issue_from_row(r) for r in rows]


async def resolved_before(store: Store, cutoff: str) -> list[Issue]:
    """Residents' resolved issues still unanswered at the cutoff (a head's own report is
    verified on its card by the reporter or a coordinator, with no deadline)."""
    rows = await store.fetchall(
        """SELECT * FROM issues WHERE status = 'resolved' AND resolved_at < ?
             AND reporter_kind = 'resident' ORDER BY id""",
        (cutoff,),
    )
    return [issue_from_row(r) for r in rows]


async def without_card(store: Store) -> list[Issue]:
    """Issues whose card was never asked for (an album cut short by a crash)."""
    rows = await store.fetchall(
        """SELECT i.* FROM issues i
           WHERE i.card_message_id IS NULL AND i.card_chat_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.issue_id = i.id AND o.kind = 'card')
           ORDER BY i.id"""
    )
    return [issue_from_row(r) for r in rows]


async def resident_bytes_since(store: Store, user_id: int, since: str) -> int:
    """Bytes of the files of a resident's reports created since ``since``."""
    row = await store.fetchone(
        """SELECT COALESCE(SUM(m.file_size), 0) FROM media m JOIN issues i ON i.id = m.issue_id
           WHERE i.reporter_user_id = ? AND i.reporter_kind = 'resident' AND i.created_at > ?""",
        (user_id, since),
    )
    return int(row[0]) if row else 0


async def media_path_used(store: Store, path: str) -> bool:
    """Whether an issue's media row names this stored file."""
    row = await store.fetchone("SELECT 1 FROM media WHERE path = ? LIMIT 1", (path,))
    return row is not None
