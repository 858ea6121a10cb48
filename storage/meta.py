"""Small facts about the deployment, such as the last moment the bot was known alive."""

from __future__ import annotations

from storage.db import Store


async def get(store: Store, key: str) -> str | None:
    row = await store.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
    return str(row[0]) if row else None


async def put(store: Store, key: str, value: str) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            """INSERT INTO meta (key, value) VALUES (?, ?)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
            (key, value),
        )
