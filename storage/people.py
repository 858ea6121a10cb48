"""Persons the bot has met and their role assignments."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.db import Row, Store, one


@dataclass(frozen=True)
class RoleRow:
    user_id: int
    role: str
    grid_key: str
    building: str
    unit: str
    name: str


def _role(row: Row) -> RoleRow:
    return RoleRow(
        row["user_id"], row["role"], row["grid_key"], row["building"], row["unit"], row["name"]
    )


async def touch_person(
    conn: aiosqlite.Connection,
    user_id: int,
    name: str,
    username: str | None,
    language: str | None,
    now: str,
    *,
    started_bot: bool = False,
) -> None:
    await conn.execute(
        """INSERT INTO persons (user_id, name, username, language, started_bot, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,
               username = excluded.username, language = excluded.language,
               started_bot = MAX(persons.started_bot, excluded.started_bot),
               updated_at = excluded.updated_at""",
        (user_id, name, username, language, int(started_bot), now),
    )


async def replace_config_roles(
    conn: aiosqlite.Connection, grid_key: str, roles: list[RoleRow]
) -> None:
    """The roster in the config file is authoritative for its own entries at every start."""
    Store.of(conn).notify("roster")
    await conn.execute("DELETE FROM roles WHERE grid_key = ? AND source = 'config'", (grid_key,))
    await conn.executemany(
        """INSERT OR IGNORE INTO roles (user_id, role, grid_key, building, unit, name, source)
           VALUES (?, ?, ?, ?, ?, ?, 'config')""",
        [(r.user_id, r.role, r.grid_key, r.building, r.unit, r.name) for r in roles],
    )


async def by_username(store: Store, username: str) -> int | None:
    """The user id of someone the bot has met under this @username (any case)."""
    row = await store.fetchone(
        "SELECT user_id FROM persons WHERE username = ? COLLATE NOCASE ORDER BY updated_at DESC",
        (username,),
    )
    return int(row["user_id"]) if row else None


async def started_bot(store: Store, user_id: int) -> bool:
    """Whether a private message can reach this person (a bot cannot write first)."""
    row = await store.fetchone("SELECT started_bot FROM persons WHERE user_id = ?", (user_id,))
    return bool(row and row["started_bot"])


async def roles_in_grid(store: Store, grid_key: str) -> list[RoleRow]:
    rows = await store.fetchall(
        "SELECT * FROM roles WHERE grid_key = ? ORDER BY role, building, unit, user_id",
        (grid_key,),
    )
    return [_role(r) for r in rows]


async def roles_of_user(store: Store, user_id: int) -> list[RoleRow]:
    rows = await store.fetchall("SELECT * FROM roles WHERE user_id = ?", (user_id,))
    return [_role(r) for r in rows]


async def person_in(conn: aiosqlite.Connection, user_id: int) -> Row | None:
    """A person's row, read inside an open transaction."""
    row: Row | None = await one(conn, "SELECT * FROM persons WHERE user_id = ?", (user_id,))
    return row


async def holds_role_in(
    conn: aiosqlite.Connection, grid_key: str, user_id: int, role: str
) -> bool:
    return await one(
        conn, "SELECT 1 FROM roles WHERE grid_key = ? AND user_id = ? AND role = ?",
        (grid_key, user_id, role),
    ) is not None
