"""The store's one shared connection stays usable whatever a cancelled task left behind."""

from __future__ import annotations

import asyncio
import sqlite3
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


async def _keys(store: Store) -> list[str]:
    return [r["key"] for r in await store.fetchall("SELECT key FROM meta ORDER BY key")]


async def _put(store: Store, key: str, *, fail: bool = False) -> None:
    async with store.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES (?, '1')", (key,))
        store.notify("outbox")
        if fail:
            raise RuntimeError("this unit fails")


async def test_a_batch_commits_its_units_at_once_and_undoes_a_failed_one_alone(
    tmp_path: Path,
) -> None:
    """The updates of one getUpdates batch share a commit: each unit is a savepoint, so one
    that fails is undone alone; the loops hear of the work only once it is committed, and
    a write from elsewhere waits for the batch instead of joining it."""
    store = Store(tmp_path / "db.sqlite3")
    await store.open()
    woken: list[list[str]] = []
    before = await _keys(store)
    store.subscribe("outbox", lambda: woken.append([]))
    go = asyncio.Event()
    outsider = asyncio.create_task(_later(store, go))  # started outside the batch
    try:
        async with store.batch():
            await _put(store, "a")
            with pytest.raises(RuntimeError):
                await _put(store, "b", fail=True)
            # PTB writes persistence through asyncio.gather: tasks started inside the batch
            # join it (they would otherwise wait for its lock for ever); a task started
            # before it waits for its lock.
            await asyncio.gather(_put(store, "c"), _put(store, "d"))
            await store.write("INSERT INTO meta (key, value) VALUES ('e', '1')")
            go.set()
            await asyncio.sleep(0.05)
            assert not outsider.done()  # it waits for the lock the batch holds
            assert woken == []  # nothing is committed yet, so nobody is woken
            assert await _keys(store) == sorted([*before, "a", "c", "d", "e"])
        assert len(woken) == 1
        await outsider
        assert await _keys(store) == sorted([*before, "a", "c", "d", "e", "later"])
        with pytest.raises(RuntimeError):
            async with store.batch():
                await _put(store, "x")
                raise RuntimeError("the whole batch fails")
        assert "x" not in await _keys(store)
    finally:
        await store.close()


async def _later(store: Store, go: asyncio.Event) -> None:
    await go.wait()
    await _put(store, "later")


async def test_a_cache_forgets_on_a_change_and_after_any_rollback(tmp_path: Path) -> None:
    """What caches a topic's rows (the roster) forgets them the moment a transaction
    notifies the topic and again once it commits (a read on the reader connection that
    began before the commit saw the old rows), and after a rollback, so an undone change
    is never kept."""
    store = Store(tmp_path / "db.sqlite3")
    await store.open()
    forgotten: list[str] = []
    store.cache_of("roster", lambda: forgotten.append("roster"))
    try:
        async with store.transaction():
            store.notify("roster")
            assert forgotten == ["roster"]  # at once, inside the transaction
        assert forgotten == ["roster"] * 2  # and after the commit
        async with store.transaction():
            store.notify("outbox")
        assert forgotten == ["roster"] * 2  # another topic leaves it alone
        with pytest.raises(RuntimeError):
            async with store.batch():
                await _put(store, "y", fail=True)
        assert forgotten == ["roster"] * 4  # the unit's and the batch's undo
    finally:
        await store.close()


async def test_a_read_elsewhere_sees_the_last_commit_without_waiting(tmp_path: Path) -> None:
    """Reads outside a transaction go to a second connection: a card rendered or /open
    answered while a batch of updates is being handled neither waits for it nor sees
    what it has not committed."""
    store = Store(tmp_path / "db.sqlite3")
    await store.open()
    go, seen = asyncio.Event(), asyncio.Event()
    keys: list[str] = []

    async def reader() -> None:
        await go.wait()
        keys.extend(await _keys(store))
        seen.set()

    task = asyncio.create_task(reader())  # started outside the batch
    try:
        async with store.batch():
            await _put(store, "uncommitted")
            go.set()
            async with asyncio.timeout(5):
                await seen.wait()  # answered while the batch still holds the lock
        await task
        assert "uncommitted" not in keys
        assert "uncommitted" in await _keys(store)
    finally:
        await store.close()


async def test_a_batch_whose_transaction_sqlite_ended_stops_there(tmp_path: Path) -> None:
    """On a full disk SQLite may roll the whole transaction back by itself. The batch's
    later units must then fail, not run one by one outside it and commit; the updates
    are all handled again on the next try."""
    store = Store(tmp_path / "db.sqlite3")
    await store.open()
    try:
        with pytest.raises(sqlite3.OperationalError):
            async with store.batch():
                await _put(store, "before")
                await store.conn.execute("ROLLBACK")  # what SQLite did on its own
                await _put(store, "after")
        assert not {"before", "after"} & set(await _keys(store))
        async with store.transaction():  # and the store goes on
            await store.conn.execute("INSERT INTO meta (key, value) VALUES ('next', '1')")
        assert "next" in await _keys(store)
    finally:
        await store.close()
