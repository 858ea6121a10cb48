"""Grids and their group-chat bindings. Every write notifies "roster": the roster service
keeps grids in memory (each report asks which grid its chat is)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.db import Row, Store


@dataclass(frozen=True)
class GridRow:
    key: str
    name: str
    chat_id: int | None
    active: bool


def _grid(row: Row) -> GridRow:
    return GridRow(row["key"], row["name"], row["chat_id"], bool(row["active"]))


async def upsert_from_config(
    conn: aiosqlite.Connection, key: str, name: str, chat_id: int | None, now: str
) -> None:
    """Config is applied at start; a chat bound later by /bind is kept if config names none."""
    Store.of(conn).notify("roster")
    if chat_id is not None:
        await conn.execute(
            "UPDATE grids SET chat_id = NULL WHERE chat_id = ? AND key <> ?", (chat_id, key)
        )
    await conn.execute(
        """INSERT INTO grids (key, name, chat_id, active, bound_at, source)
           VALUES (?, ?, ?, 1, CASE WHEN ? IS NULL THEN NULL ELSE ? END, 'config')
           ON CONFLICT (key) DO UPDATE SET name = excluded.name,
               chat_id = COALESCE(excluded.chat_id, grids.chat_id),
               active = CASE WHEN excluded.chat_id IS NULL THEN grids.active ELSE 1 END""",
        (key, name, chat_id, chat_id, now),
    )


async def bind(conn: aiosqlite.Connection, key: str, name: str, chat_id: int, now: str) -> None:
    """Bind a chat to a grid, creating the grid if it is new; a chat serves one grid."""
    Store.of(conn).notify("roster")
    await conn.execute("UPDATE grids SET chat_id = NULL WHERE chat_id = ?", (chat_id,))
    await conn.execute(
        """INSERT INTO grids (key, name, chat_id, active, bound_at, source)
           VALUES (?, ?, ?, 1, ?, 'command')
           ON CONFLICT (key) DO UPDATE SET chat_id = excluded.chat_id, active = 1,
               bound_at = excluded.bound_at""",
        (key, name, chat_id, now),
    )


async def by_chat(store: Store, chat_id: int) -> GridRow | None:
    row = await store.fetchone("SELECT * FROM grids WHERE chat_id = ?", (chat_id,))
    return _grid(row) if row else None


async def by_key(store: Store, key: str) -> GridRow | None:
    row = await store.fetchone("SELECT * FROM grids WHERE key = ?", (key,))
    return _grid(row) if row else None


async def all_grids(store: Store) -> list[GridRow]:
    return [_grid(r) for r in await store.fetchall("SELECT * FROM grids ORDER BY key")]


async def migrate_chat(conn: aiosqlite.Connection, old_chat_id: int, new_chat_id: int) -> None:
    """A group upgraded to a supergroup keeps its grid, its cards and its pending messages
    (SPEC §8): every place that names the old chat id is moved to the new one."""
    Store.of(conn).notify("roster")
    await conn.execute("UPDATE grids SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
    await conn.execute(
        "UPDATE issues SET card_chat_id = ? WHERE card_chat_id = ?", (new_chat_id, old_chat_id)
    )
    await conn.execute(
        "UPDATE issues SET source_chat_id = ? WHERE source_chat_id = ?",
        (new_chat_id, old_chat_id),
    )
    await conn.execute(
        "UPDATE OR IGNORE issue_messages SET chat_id = ? WHERE chat_id = ?",
        (new_chat_id, old_chat_id),
    )
    await conn.execute(
        """UPDATE outbox SET chat_id = ?,
               payload = CASE WHEN json_extract(payload, '$.chat_id') = ?
                              THEN json_set(payload, '$.chat_id', ?) ELSE payload END
           WHERE chat_id = ? AND status = 'pending'""",
        (new_chat_id, old_chat_id, new_chat_id, old_chat_id),
    )


async def deactivate_chat(conn: aiosqlite.Connection, chat_id: int) -> str | None:
    Store.of(conn).notify("roster")
    async with conn.execute(
        "UPDATE grids SET active = 0 WHERE chat_id = ? AND active = 1 RETURNING key", (chat_id,)
    ) as cur:
        row = await cur.fetchone()
    return str(row[0]) if row else None


async def known_places(store: Store, grid_key: str) -> list[tuple[str, str]]:
    """Buildings and units the grid knows (from its heads and its posters), for the place
    buttons of a resident who came without a QR code."""
    rows = await store.fetchall(
        """SELECT building, unit FROM roles WHERE grid_key = ? AND building <> ''
           UNION SELECT building, unit FROM qr_codes
               WHERE grid_key = ? AND building <> '' AND revoked_at IS NULL""",
        (grid_key, grid_key),
    )
    return sorted({(r["building"], r["unit"]) for r in rows},
                  key=lambda p: (int(p[0]) if p[0].isdigit() else 0, p[0],
                                 int(p[1]) if p[1].isdigit() else 0, p[1]))
