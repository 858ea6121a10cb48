"""The outbox: every message the bot sends is stored first and retried until it lands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.db import Row, Store


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    chat_id: int
    method: str
    payload: dict[str, Any]
    issue_id: int | None
    attempts: int
    rev: int


def _row(r: Row) -> OutboxRow:
    return OutboxRow(
        r["id"], r["kind"], r["chat_id"], r["method"], json.loads(r["payload"]),
        r["issue_id"], r["attempts"], r["rev"],
    )


async def enqueue_call(
    conn: aiosqlite.Connection,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    now: str,
    *,
    dedup_key: str | None = None,
    issue_id: int | None = None,
) -> None:
    """Store one Bot API call; a repeated dedup key (a reprocessed update) stores nothing."""
    await conn.execute(
        """INSERT OR IGNORE INTO outbox
               (kind, chat_id, method, payload, issue_id, dedup_key, next_attempt_at, created_at)
           VALUES ('call', ?, ?, ?, ?, ?, ?, ?)""",
        (chat_id, method, json.dumps(payload, ensure_ascii=False), issue_id, dedup_key, now, now),
    )


async def enqueue_card(conn: aiosqlite.Connection, issue_id: int, chat_id: int, now: str) -> None:
    """Ask for the card to show the issue's current state; pending requests coalesce."""
    await conn.execute(
        """INSERT INTO outbox (kind, chat_id, issue_id, next_attempt_at, created_at)
           VALUES ('card', ?, ?, ?, ?)
           ON CONFLICT (issue_id) WHERE kind = 'card' AND status = 'pending'
           DO UPDATE SET rev = rev + 1""",
        (chat_id, issue_id, now, now),
    )


async def ready(store: Store, now: str, busy_chats: set[int], limit: int = 50) -> list[OutboxRow]:
    """The oldest pending row of each chat that is due: a chat's messages keep their order."""
    rows = await store.fetchall(
        """SELECT o.* FROM outbox o
           WHERE o.status = 'pending'
             AND o.id = (SELECT MIN(p.id) FROM outbox p
                         WHERE p.chat_id = o.chat_id AND p.status = 'pending')
             AND o.next_attempt_at <= ?
           ORDER BY o.id LIMIT ?""",
        (now, limit + len(busy_chats)),
    )
    return [r for r in map(_row, rows) if r.chat_id not in busy_chats][:limit]


async def next_due(store: Store) -> str | None:
    row = await store.fetchone(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
    )
    return str(row[0]) if row and row[0] is not None else None


async def mark_sent(store: Store, row: OutboxRow, now: str, message_id: int | None) -> bool:
    """False when a card was asked for again while it was being sent: send it once more."""
    async with store.transaction() as conn:
        cur = await conn.execute(
            """UPDATE outbox SET status = 'sent', sent_at = ?, result_message_id = ?,
                   attempts = attempts + 1
               WHERE id = ? AND rev = ?""",
            (now, message_id, row.id, row.rev),
        )
        if cur.rowcount == 0:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (row.id,)
            )
            return False
        return True


async def retry_later(store: Store, row: OutboxRow, when: str, error: str) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            """UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
               WHERE id = ?""",
            (when, error[:500], row.id),
        )


async def mark_failed(store: Store, row: OutboxRow, now: str, error: str) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            """UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,
                   sent_at = ? WHERE id = ?""",
            (error[:500], now, row.id),
        )


async def count_pending(store: Store) -> int:
    row = await store.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
    return int(row[0]) if row else 0


async def issue_of_sent(store: Store, chat_id: int, message_id: int) -> int | None:
    """The issue a message the bot sent was about (relays, notices), for replies to it."""
    row = await store.fetchone(
        "SELECT issue_id FROM outbox WHERE chat_id = ? AND result_message_id = ?"
        " AND issue_id IS NOT NULL",
        (chat_id, message_id),
    )
    return int(row[0]) if row else None


async def card_requested_in(conn: aiosqlite.Connection, issue_id: int) -> bool:
    """Whether the issue's card was ever asked for (inside an open transaction)."""
    async with conn.execute(
        "SELECT 1 FROM outbox WHERE issue_id = ? AND kind = 'card' LIMIT 1", (issue_id,)
    ) as cur:
        return await cur.fetchone() is not None
