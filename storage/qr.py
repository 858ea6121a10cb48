"""Opaque QR deep-link codes: which grid and place each one stands for, and whether it was
revoked. Posters carry only the code, so the address cannot be read or forged from it."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.db import Store


@dataclass(frozen=True)
class QrRow:
    code: str
    grid_key: str
    building: str
    unit: str
    revoked_at: str | None


async def active_code(
    conn: aiosqlite.Connection, grid_key: str, building: str, unit: str
) -> str | None:
    """The code still in force for this place (inside the caller's transaction)."""
    async with conn.execute(
        """SELECT code FROM qr_codes
           WHERE grid_key = ? AND building = ? AND unit = ? AND revoked_at IS NULL
           ORDER BY created_at LIMIT 1""",
        (grid_key, building, unit),
    ) as cur:
        row = await cur.fetchone()
    return str(row[0]) if row else None


async def insert(
    conn: aiosqlite.Connection, code: str, grid_key: str, building: str, unit: str,
    now: str, created_by: int | None,
) -> None:
    await conn.execute(
        """INSERT INTO qr_codes (code, grid_key, building, unit, created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (code, grid_key, building, unit, now, created_by),
    )


async def revoke(
    conn: aiosqlite.Connection, grid_key: str, building: str, unit: str, now: str
) -> int:
    """Revoke every code in force for this place; returns how many there were."""
    cur = await conn.execute(
        """UPDATE qr_codes SET revoked_at = ?
           WHERE grid_key = ? AND building = ? AND unit = ? AND revoked_at IS NULL""",
        (now, grid_key, building, unit),
    )
    return cur.rowcount


async def by_code(store: Store, code: str) -> QrRow | None:
    row = await store.fetchone(
        "SELECT code, grid_key, building, unit, revoked_at FROM qr_codes WHERE code = ?",
        (code,),
    )
    if row is None:
        return None
    return QrRow(row["code"], row["grid_key"], row["building"], row["unit"], row["revoked_at"])
