"""The outbox: every message the bot sends is stored first and retried until it lands.

Rows carry a class, so urgent work overtakes a backlog: within a chat the sender takes
urgent cards and pings first, then other cards, pings and answers, then relays and notices;
first in, first out within a class. A row climbs one class for every ``AGING`` it waits,
so no steady stream of urgent rows holds a relay back for ever.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from storage.db import Row, Store, one

URGENT = 0  # cards and pings of urgent issues
NORMAL = 1  # other cards and pings, answers to a person's command
LOW = 2  # relays between residents and heads, notices to reporters
AGING = timedelta(minutes=2)


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
    klass: int = NORMAL,
    merge_key: str | None = None,
) -> None:
    """Store one Bot API call; a repeated dedup key (a reprocessed update) stores nothing.

    A row with a ``merge_key`` takes later text under the same key (``append_text_in``)
    until the sender takes it; earlier rows under the key take no more, so a copied photo
    is never overtaken by text written after it. The sender wakes once this commits.
    """
    if merge_key is not None:
        await conn.execute("UPDATE outbox SET merge_key = NULL WHERE merge_key = ?", (merge_key,))
    await conn.execute(
        """INSERT OR IGNORE INTO outbox (kind, chat_id, method, payload, issue_id, dedup_key,
               klass, merge_key, next_attempt_at, created_at)
           VALUES ('call', ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (chat_id, method, json.dumps(payload, ensure_ascii=False), issue_id, dedup_key, klass,
         merge_key, now, now),
    )
    Store.of(conn).notify("outbox")


async def append_text_in(
    conn: aiosqlite.Connection, merge_key: str, line: str, fits: Callable[[str], bool]
) -> bool:
    """Add a line to the text of the row still open under ``merge_key``; False when there is
    none, it is not a text, or the longer text would not fit (the caller adds a new row)."""
    row = await one(
        conn, "SELECT id, method, payload FROM outbox WHERE merge_key = ? ORDER BY id DESC LIMIT 1",
        (merge_key,),
    )
    if row is None or row["method"] != "sendMessage":
        return False
    payload = json.loads(row["payload"])
    text = f"{payload['text']}\n{line}"
    if not fits(text):
        return False
    payload["text"] = text
    await conn.execute(
        "UPDATE outbox SET payload = ? WHERE id = ?",
        (json.dumps(payload, ensure_ascii=False), row["id"]),
    )
    return True


async def enqueue_card(conn: aiosqlite.Connection, issue_id: int, chat_id: int, now: str) -> None:
    """Ask for the card to show the issue's current state; pending requests coalesce, and
    take the urgent class if the issue became urgent meanwhile. The sender wakes once this
    commits."""
    # The class is read in the same statement (as issue_class_in does): one round trip.
    await conn.execute(
        """INSERT INTO outbox (kind, chat_id, issue_id, klass, next_attempt_at, created_at)
           VALUES ('card', ?, ?,
                   COALESCE((SELECT CASE priority WHEN 'urgent' THEN ? ELSE ? END
                             FROM issues WHERE id = ?), ?), ?, ?)
           ON CONFLICT (issue_id) WHERE kind = 'card' AND status = 'pending'
           DO UPDATE SET rev = rev + 1, klass = MIN(klass, excluded.klass)""",
        (chat_id, issue_id, URGENT, NORMAL, issue_id, NORMAL, now, now),
    )
    Store.of(conn).notify("outbox")


async def issue_class_in(conn: aiosqlite.Connection, issue_id: int) -> int:
    """The class of an issue's card and pings: urgent for an urgent issue."""
    row = await one(conn, "SELECT priority FROM issues WHERE id = ?", (issue_id,))
    return URGENT if row is not None and row["priority"] == "urgent" else NORMAL


def _waited(now: str, steps: int) -> str:
    """The creation time before which a row has waited ``steps`` aging periods."""
    return (datetime.fromisoformat(now) - steps * AGING).isoformat(timespec="microseconds")


async def ready(store: Store, now: str, busy_chats: set[int], limit: int = 50) -> list[OutboxRow]:
    """The next row of each chat that is due, and the sender takes them.

    A chat's next row is its lowest class after aging, oldest first: only the oldest
    pending row of each (chat, class) can be it. Across chats, within a class, the chat
    with the longest queue goes first: a group drains at most 20 messages a minute, so the
    one with the most to send must start first or it alone keeps the rest waiting (a
    burst of 30 cards to one group once went out last, behind a thousand to other groups).
    A chat that is due nothing, or that Telegram told to wait (RetryAfter), sends nothing
    now. Taking a row closes it to more text, so nothing is added to a message already
    on its way.
    """
    async with store.transaction() as conn:
        async with conn.execute(
            """WITH heads AS (
                    SELECT o.*,
                           MAX(0, o.klass - (o.created_at <= :aged1)
                                          - (o.created_at <= :aged2)) AS lane
                    FROM outbox o
                    WHERE o.id IN (SELECT MIN(id) FROM outbox WHERE status = 'pending'
                                   GROUP BY chat_id, klass)
                ), firsts AS (
                    SELECT *, ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY lane, id) AS nth
                    FROM heads
                ), backlog AS (
                    SELECT chat_id, COUNT(*) AS waiting FROM outbox
                    WHERE status = 'pending' GROUP BY chat_id
                )
                SELECT f.* FROM firsts f JOIN backlog b ON b.chat_id = f.chat_id
                WHERE f.nth = 1 AND f.next_attempt_at <= :now
                  AND NOT EXISTS (
                      SELECT 1 FROM outbox w
                      WHERE w.chat_id = f.chat_id AND w.status = 'pending'
                        AND w.last_error = 'RetryAfter' AND w.next_attempt_at > :now)
                ORDER BY f.lane, b.waiting DESC, f.id LIMIT :limit""",
            # Two steps take a relay or notice (LOW) up to the urgent class.
            {"now": now, "aged1": _waited(now, 1), "aged2": _waited(now, 2),
             "limit": limit + len(busy_chats)},
        ) as cur:
            rows = [r for r in map(_row, await cur.fetchall()) if r.chat_id not in busy_chats]
        taken = rows[:limit]
        await conn.executemany(
            "UPDATE outbox SET merge_key = NULL WHERE id = ? AND merge_key IS NOT NULL",
            [(r.id,) for r in taken],
        )
    return taken


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
    return await one(
        conn, "SELECT 1 FROM outbox WHERE issue_id = ? AND kind = 'card' LIMIT 1", (issue_id,)
    ) is not None
