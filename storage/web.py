"""The desk's sign-ins (issue #12): one-time links from /desk, Mini App initData already
used, and the secret that signs session cookies. Tokens are stored as their SHA-256 only."""

from __future__ import annotations

import secrets

from storage.db import Store


async def secret(store: Store) -> str:
    """The cookie-signing secret, made once per database (so sessions survive restarts and
    a new database signs everyone out)."""
    async with store.transaction() as conn:
        async with conn.execute("SELECT secret FROM web_secret WHERE id = 1") as cur:
            row = await cur.fetchone()
        if row is not None:
            return str(row[0])
        value = secrets.token_hex(32)
        await conn.execute("INSERT INTO web_secret (id, secret) VALUES (1, ?)", (value,))
        return value


async def add_login(
    store: Store, token_hash: str, user_id: int, created_at: str, expires_at: str
) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            """INSERT INTO web_logins (token_hash, user_id, created_at, expires_at)
               VALUES (?, ?, ?, ?)""",
            (token_hash, user_id, created_at, expires_at),
        )
        # Links long past their time are of no use to anyone: keep the table small.
        await conn.execute("DELETE FROM web_logins WHERE expires_at < ?", (created_at,))


async def use_login(store: Store, token_hash: str, now: str) -> int | None:
    """The user a link signs in, once: marks it used; None when unknown, used or expired."""
    async with store.transaction() as conn:
        async with conn.execute(
            "SELECT user_id, expires_at, used_at FROM web_logins WHERE token_hash = ?",
            (token_hash,),
        ) as cur:
            row = await cur.fetchone()
        if row is None or row["used_at"] is not None or row["expires_at"] <= now:
            return None
        await conn.execute(
            "UPDATE web_logins SET used_at = ? WHERE token_hash = ?", (now, token_hash)
        )
        return int(row["user_id"])


async def use_initdata(store: Store, data_hash: str, user_id: int, now: str, forget_before: str,
                       ) -> bool:
    """Record a Mini App sign-in's hash; False when it was used before (a replay). Hashes
    older than ``forget_before`` can go: their initData is past its age anyway."""
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM web_initdata_used WHERE used_at < ?", (forget_before,))
        async with conn.execute(
            "INSERT OR IGNORE INTO web_initdata_used (hash, user_id, used_at) VALUES (?, ?, ?)",
            (data_hash, user_id, now),
        ) as cur:
            return cur.rowcount == 1
