"""Reports kept from a group bound to no grid until a coordinator binds it (SPEC §8:
nothing is lost). A row is one Telegram message, keyed by chat and message id as an issue's
source is, so a redelivered message is kept once; once filed it names its issue, so it is
filed once. What a report is made of is the caller's: it is stored as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.db import Store


@dataclass(frozen=True)
class PendingRow:
    chat_id: int
    message_id: int
    media_group_id: str | None
    report: dict[str, Any]


async def keep_in(
    conn: aiosqlite.Connection, chat_id: int, message_id: int, media_group_id: str | None,
    report: dict[str, Any], now: str,
) -> bool:
    """Keep one report; False when this message was kept before (a redelivery)."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO pending_reports
               (chat_id, message_id, media_group_id, report, received_at)
           VALUES (?, ?, ?, ?, ?)""",
        (chat_id, message_id, media_group_id, json.dumps(report, ensure_ascii=False), now),
    )
    return cur.rowcount > 0


async def waiting_count_in(conn: aiosqlite.Connection, chat_id: int) -> int:
    """How many reports of the chat wait for a binding."""
    async with conn.execute(
        "SELECT COUNT(*) FROM pending_reports WHERE chat_id = ? AND issue_id IS NULL",
        (chat_id,),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def album_waiting_in(
    conn: aiosqlite.Connection, chat_id: int, media_group_id: str
) -> bool:
    """Whether a photo of this album was kept (the rest of the album belongs with it)."""
    async with conn.execute(
        """SELECT 1 FROM pending_reports
           WHERE chat_id = ? AND media_group_id = ? AND issue_id IS NULL LIMIT 1""",
        (chat_id, media_group_id),
    ) as cur:
        return await cur.fetchone() is not None


async def waiting(store: Store, chat_id: int) -> list[PendingRow]:
    """The chat's waiting reports in the order they were sent."""
    rows = await store.fetchall(
        """SELECT chat_id, message_id, media_group_id, report FROM pending_reports
           WHERE chat_id = ? AND issue_id IS NULL ORDER BY message_id""",
        (chat_id,),
    )
    return [PendingRow(r["chat_id"], r["message_id"], r["media_group_id"],
                       json.loads(r["report"])) for r in rows]


async def chats_waiting(store: Store) -> list[int]:
    rows = await store.fetchall(
        "SELECT DISTINCT chat_id FROM pending_reports WHERE issue_id IS NULL ORDER BY chat_id"
    )
    return [int(r["chat_id"]) for r in rows]


async def filed_in(
    conn: aiosqlite.Connection, chat_id: int, message_id: int, issue_id: int
) -> None:
    await conn.execute(
        "UPDATE pending_reports SET issue_id = ? WHERE chat_id = ? AND message_id = ?",
        (issue_id, chat_id, message_id),
    )
