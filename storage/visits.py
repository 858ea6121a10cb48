"""Home visits (走访): what /visit logs and /visits, /stats and /export read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from storage.db import Row, Store


@dataclass(frozen=True)
class VisitRow:
    id: int
    grid_key: str
    building: str
    unit: str
    households: int
    people: int
    note: str
    user_id: int
    at: str
    # The visitor's name as the roster (or, failing that, Telegram) knows it.
    name: str


async def insert_in(
    conn: aiosqlite.Connection, *, grid_key: str, building: str, unit: str, households: int,
    people: int, note: str, user_id: int, at: str, chat_id: int | None, message_id: int | None,
) -> bool:
    """Log a visit; False when this command message already logged one (a replay)."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO visits
               (grid_key, building, unit, households, people, note, user_id, at, chat_id,
                message_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (grid_key, building, unit, households, people, note, user_id, at, chat_id, message_id),
    )
    return cur.rowcount > 0


# The visitor's name: their roster entry in that grid, else what Telegram last said, else
# the id. A correlated subquery per row is one index lookup (roles_user, the primary key).
_NAME = """COALESCE(
    (SELECT r.name FROM roles r WHERE r.user_id = v.user_id AND r.grid_key = v.grid_key
      ORDER BY r.id LIMIT 1),
    (SELECT NULLIF(p.name, '') FROM persons p WHERE p.user_id = v.user_id),
    CAST(v.user_id AS TEXT))"""


def _row(r: Row) -> VisitRow:
    return VisitRow(r["id"], r["grid_key"], r["building"], r["unit"], r["households"],
                    r["people"], r["note"], r["user_id"], r["at"], r["name"])


def _grid_filter(grid_keys: Sequence[str] | None) -> tuple[str, list[str]]:
    if grid_keys is None:
        return "", []
    marks = ", ".join("?" for _ in grid_keys) or "NULL"
    return f" AND v.grid_key IN ({marks})", list(grid_keys)


async def between(
    store: Store, start: str, end: str, grid_keys: Sequence[str] | None = None,
    *, limit: int | None = None,
) -> list[VisitRow]:
    """Visits logged in [start, end) (UTC text), newest first; of ``grid_keys`` only when
    given (a head's own grids: a handful of keys), at most ``limit`` of them."""
    where, keys = _grid_filter(grid_keys)
    rows = await store.fetchall(
        f"""SELECT v.*, {_NAME} AS name FROM visits v
            WHERE v.at >= ? AND v.at < ?{where}
            ORDER BY v.at DESC, v.id DESC LIMIT ?""",  # noqa: S608 - placeholders only
        (start, end, *keys, -1 if limit is None else limit),
    )
    return [_row(r) for r in rows]


async def totals(
    store: Store, start: str, end: str, grid_keys: Sequence[str] | None = None
) -> tuple[int, int, int]:
    """(visits, households, people) logged in [start, end)."""
    where, keys = _grid_filter(grid_keys)
    row = await store.fetchone(
        f"""SELECT COUNT(*), COALESCE(SUM(households), 0), COALESCE(SUM(people), 0)
            FROM visits v WHERE v.at >= ? AND v.at < ?{where}""",  # noqa: S608 - placeholders
        (start, end, *keys),
    )
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])
