"""The inbox: raw updates committed before Telegram is told they were received."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Store


async def store_updates(store: Store, updates: list[dict[str, Any]], now: str) -> int:
    """Commit a batch durably; a redelivered update id is ignored (nothing doubles)."""
    async with store.transaction() as conn:
        before = conn.total_changes
        await conn.executemany(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            [(int(u["update_id"]), json.dumps(u, ensure_ascii=False), now) for u in updates],
        )
        return conn.total_changes - before


async def pending(store: Store, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
    rows = await store.fetchall(
        "SELECT update_id, payload FROM inbox WHERE processed_at IS NULL"
        " ORDER BY update_id LIMIT ?",
        (limit,),
    )
    return [(int(r["update_id"]), json.loads(r["payload"])) for r in rows]


async def mark_processed(store: Store, update_id: int, now: str, error: str | None) -> None:
    await store.write(
        "UPDATE inbox SET processed_at = ?, error = ? WHERE update_id = ?",
        (now, error, update_id),
    )


async def mark_processed_many(
    store: Store, outcomes: list[tuple[int, str | None]], now: str
) -> None:
    """Mark handled updates (update id, error or None) in one statement."""
    await store.write_many(
        "UPDATE inbox SET processed_at = ?, error = ? WHERE update_id = ?",
        [(now, error, update_id) for update_id, error in outcomes],
    )


async def next_offset(store: Store) -> int | None:
    """Everything up to the newest stored update is safe to confirm."""
    row = await store.fetchone("SELECT MAX(update_id) FROM inbox")
    return int(row[0]) + 1 if row and row[0] is not None else None


async def count_pending(store: Store) -> int:
    row = await store.fetchone("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL")
    return int(row[0]) if row else 0
