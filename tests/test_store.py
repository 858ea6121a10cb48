"""The store's one shared connection stays usable whatever a cancelled task left behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.db import Store


async def test_a_transaction_left_open_by_a_cancelled_task_does_not_block_writes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A task cancelled while its BEGIN waited in aiosqlite's queue leaves the statement to
    run without it: the connection is then inside a transaction nobody owns. Seen under
    load (`fiveheads bench`): every later write failed with "cannot start a transaction
    within a transaction". The next transaction rolls the orphan back and goes on."""
    store = Store(tmp_path / "db.sqlite3")
    await store.open()
    try:
        await store.conn.execute("BEGIN IMMEDIATE")  # what the cancelled task left
        await store.conn.execute("INSERT INTO meta (key, value) VALUES ('orphan', '1')")
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('next', '1')")
        rows = await store.fetchall("SELECT key FROM meta WHERE key IN ('orphan', 'next')")
        assert [r["key"] for r in rows] == ["next"]  # the orphan's half-done work is undone
        assert "cancelled task left open" in caplog.text
        # And for real: a write cancelled at every point of its way still leaves it usable.
        for _ in range(20):
            task = asyncio.create_task(_write(store))
            await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('after', '1')")
        assert await store.fetchone("SELECT 1 FROM meta WHERE key = 'after'") is not None
    finally:
        await store.close()


async def _write(store: Store) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES ('k', '1')"
            " ON CONFLICT (key) DO UPDATE SET value = value + 1"
        )
