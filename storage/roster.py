"""The roster as commands change it: the log of changes and the seats a command set.

A seat is (grid, role, building, unit); '' fills the place parts a role has not. The
effective roster stays in ``roles`` (``source`` 'config' or 'command'), which every reader
already uses; this module keeps who changed a seat and when, and which seats the config
file must leave alone at start (``bot.domain.roster`` says for how long).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from storage.db import Store


@dataclass(frozen=True)
class Seat:
    grid_key: str
    role: str
    building: str
    unit: str


@dataclass(frozen=True)
class Override:
    """A seat a command set: its holder by command (None: left vacant) and the file's entry
    for the seat when the command was given."""

    seat: Seat
    user_id: int | None
    config_entry: str


@dataclass(frozen=True)
class Change:
    seat: Seat
    user_id: int | None
    name: str
    previous: tuple[int, ...]
    by_user_id: int | None
    source: str
    at: str


async def holders_in(conn: aiosqlite.Connection, seat: Seat) -> list[int]:
    async with conn.execute(
        """SELECT user_id FROM roles WHERE grid_key = ? AND role = ? AND building = ?
             AND unit = ? ORDER BY user_id""",
        (seat.grid_key, seat.role, seat.building, seat.unit),
    ) as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def fill_in(
    conn: aiosqlite.Connection, seat: Seat, user_id: int | None, name: str, *,
    by_user_id: int | None, config_entry: str, at: str,
) -> tuple[int, ...]:
    """Put ``user_id`` in the seat (None: leave it vacant) by command, log the change and
    mark the seat; the holders it had before are returned."""
    Store.of(conn).notify("roster")
    previous = tuple(await holders_in(conn, seat))
    await conn.execute(
        "DELETE FROM roles WHERE grid_key = ? AND role = ? AND building = ? AND unit = ?",
        (seat.grid_key, seat.role, seat.building, seat.unit),
    )
    if user_id is not None:
        await conn.execute(
            """INSERT INTO roles (user_id, role, grid_key, building, unit, name, source)
               VALUES (?, ?, ?, ?, ?, ?, 'command')""",
            (user_id, seat.role, seat.grid_key, seat.building, seat.unit, name),
        )
    change_id = await _log(conn, seat, user_id, name, previous, by_user_id, "command", at)
    await conn.execute(
        """INSERT INTO roster_overrides (grid_key, role, building, unit, user_id,
               config_entry, change_id) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (grid_key, role, building, unit) DO UPDATE SET
               user_id = excluded.user_id, config_entry = excluded.config_entry,
               change_id = excluded.change_id""",
        (seat.grid_key, seat.role, seat.building, seat.unit, user_id, config_entry, change_id),
    )
    return previous


async def release_in(
    conn: aiosqlite.Connection, seat: Seat, user_id: int | None, name: str, at: str
) -> None:
    """The file's entry for a seat changed since a command set it: the file takes the seat
    back (``user_id`` is its holder now, None for none), logged as the config's change."""
    Store.of(conn).notify("roster")
    previous = tuple(await holders_in(conn, seat))
    await conn.execute(
        """DELETE FROM roles WHERE grid_key = ? AND role = ? AND building = ? AND unit = ?
             AND source = 'command'""",
        (seat.grid_key, seat.role, seat.building, seat.unit),
    )
    await conn.execute(
        """DELETE FROM roster_overrides WHERE grid_key = ? AND role = ? AND building = ?
             AND unit = ?""",
        (seat.grid_key, seat.role, seat.building, seat.unit),
    )
    await _log(conn, seat, user_id, name, previous, None, "config", at)


async def _log(
    conn: aiosqlite.Connection, seat: Seat, user_id: int | None, name: str,
    previous: tuple[int, ...], by_user_id: int | None, source: str, at: str,
) -> int:
    cur = await conn.execute(
        """INSERT INTO roster_changes (grid_key, role, building, unit, user_id, name, previous,
               by_user_id, source, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (seat.grid_key, seat.role, seat.building, seat.unit, user_id, name,
         json.dumps(list(previous)), by_user_id, source, at),
    )
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def _seat(row: aiosqlite.Row) -> Seat:
    return Seat(row["grid_key"], row["role"], row["building"], row["unit"])


async def overrides_in(conn: aiosqlite.Connection, grid_key: str) -> list[Override]:
    async with conn.execute(
        "SELECT * FROM roster_overrides WHERE grid_key = ?", (grid_key,)
    ) as cur:
        rows = await cur.fetchall()
    return [Override(_seat(r), r["user_id"], r["config_entry"]) for r in rows]


async def overrides(store: Store, grid_key: str) -> list[Override]:
    rows = await store.fetchall(
        "SELECT * FROM roster_overrides WHERE grid_key = ?", (grid_key,)
    )
    return [Override(_seat(r), r["user_id"], r["config_entry"]) for r in rows]


async def changes(store: Store, grid_key: str, limit: int = 50) -> list[Change]:
    """The latest changes of a grid's roster, newest first."""
    rows = await store.fetchall(
        "SELECT * FROM roster_changes WHERE grid_key = ? ORDER BY id DESC LIMIT ?",
        (grid_key, limit),
    )
    return [
        Change(_seat(r), r["user_id"], r["name"], tuple(json.loads(r["previous"])),
               r["by_user_id"], r["source"], r["at"])
        for r in rows
    ]
