"""One long-lived aiosqlite connection owned by the store, with versioned migrations.

All writes go through :meth:`Store.transaction`, which serialises them on one lock: a single
SQLite connection shared by many tasks must never interleave two transactions.

Another process may hold the write lock for a while: a backup tool copying the file inside
a transaction, ``sqlite3`` opened by an operator. SQLite's busy timeout waits five seconds;
beyond that :meth:`Store.transaction` keeps trying to begin for up to ``LOCK_PATIENCE``
seconds, with one WARNING line, rather than fail every write of that moment (an update
handled then was retried three times and then recorded as failed; the outbox loop stopped).

Many small units of work can share one commit (:meth:`Store.batch`, the updates of one
getUpdates batch): each ``transaction()`` inside it becomes a savepoint, so one that fails is
undone alone, and the batch commits once. A commit is an fsync and a round trip through
aiosqlite's thread; one per update cost most of intake's time.

A repository that leaves work for a background loop (a message to send, a file to fetch)
says so with :meth:`Store.notify` inside the transaction; the loop's wake-up runs after the
commit, so no caller has to remember to wake it, and it never wakes to a row not yet visible.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal

import aiosqlite

log = logging.getLogger(__name__)

Row = sqlite3.Row
# What a committed transaction can leave for a background loop (outbox rows, media to
# fetch), or change under a cache (the roster: grids and heads; PTB's persisted state).
Topic = Literal["outbox", "media", "roster", "ptb_state"]
BUSY_TIMEOUT_MS = 5000  # SQLite's own wait for a lock, per statement
# How long a write waits in all for another connection's lock before it fails (seconds).
LOCK_PATIENCE = 120.0


@dataclass
class _Batch:
    """An open :meth:`Store.batch`. Work joins it from the task that opened it and from
    tasks that task started meanwhile (they inherit the context variable below: PTB writes
    persistence through ``asyncio.gather``); ``units`` keeps their savepoints from
    interleaving on the one connection."""

    store: Store
    units: asyncio.Lock = field(default_factory=asyncio.Lock)
    open: bool = True


# The batch open in the running task's context, if any; a task that outlives the batch
# finds it closed and takes the store's lock like anyone else.
_BATCH: ContextVar[_Batch | None] = ContextVar("fiveheads_store_batch", default=None)
_SAVEPOINTS = itertools.count(1)


def migrations() -> list[tuple[int, str]]:
    """The numbered ``NNNN_name.sql`` files shipped in ``storage/migrations``, in order."""
    found: list[tuple[int, str]] = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """Owns the database connection: open, migrate, transact, back up, close."""

    # Repositories get the connection, not the store: this finds the store that owns it.
    _owners: ClassVar[weakref.WeakKeyDictionary[aiosqlite.Connection, Store]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        # A second connection for reads outside a transaction: in WAL mode it sees the last
        # commit and never waits for a writer, so rendering a card or answering /open does
        # not queue behind a batch of updates (None for ":memory:", which it cannot share).
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._subscribers: dict[Topic, list[Callable[[], None]]] = {}
        # Called at once when a topic is notified, and after every rollback: caches of what
        # the database holds, which must never outlive a change or keep one undone.
        self._forgetters: dict[Topic, list[Callable[[], None]]] = {}
        # Topics notified in the open transaction; None outside one.
        self._notified: set[Topic] | None = None
        # Whether a write is waiting for another connection's lock (logged once).
        self._waiting = False

    @classmethod
    def of(cls, conn: aiosqlite.Connection) -> Store:
        """The store whose transaction ``conn`` is in (what repositories notify through)."""
        return cls._owners[conn]

    def subscribe(self, topic: Topic, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every commit that notified ``topic``; it must be quick and
        must not raise (it runs in the committing task, e.g. setting an asyncio.Event)."""
        self._subscribers.setdefault(topic, []).append(callback)

    def notify(self, topic: Topic) -> None:
        """Inside a transaction: once it commits, ``topic``'s subscribers are called; a
        rollback calls nobody. Outside a transaction there is nothing to wait for: a bug.
        Caches of the topic (:meth:`cache_of`) forget what they hold at once."""
        if self._notified is None:
            raise RuntimeError(f"notify({topic!r}) outside a transaction")
        self._notified.add(topic)
        self._forget(topic)

    def cache_of(self, topic: Topic, forget: Callable[[], None]) -> None:
        """``forget`` empties a cache of ``topic``'s rows: called when a transaction notifies
        the topic (so later reads, even in the same transaction, see the change) and after
        any rollback (so nothing read from an undone change stays)."""
        self._forgetters.setdefault(topic, []).append(forget)

    def _forget(self, topic: Topic | None = None) -> None:
        """Empty the caches of ``topic``, or of every topic (after a rollback)."""
        for key, callbacks in self._forgetters.items():
            if topic is None or key == topic:
                for callback in callbacks:
                    callback()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("store is not open")
        return self._conn

    async def open(self) -> None:
        """Open and migrate; opening an open store does nothing (persistence may be first)."""
        if self._conn is not None:
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a transaction takes the
        # write lock up front and never fails half-way with SQLITE_BUSY on upgrade.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        # WAL + FULL: a committed report survives a power cut (SPEC §8).
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._conn = conn
        self._owners[conn] = self
        await self._migrate()
        if self.path != ":memory:":
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            reader.row_factory = sqlite3.Row
            await reader.execute("PRAGMA query_only=ON")
            await reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._reader = reader

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._conn is not None:
            self._owners.pop(self._conn, None)
            await self._conn.close()
            self._conn = None

    async def _migrate(self) -> None:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, sql in migrations():
            if version <= current:
                continue
            log.info("applying migration %04d", version)
            async with self._lock:
                await self._begin()
                try:
                    # executescript would COMMIT first; run statements one by one instead.
                    for statement in _split_sql(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(f"PRAGMA user_version = {int(version)}")
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
                await self.conn.execute("COMMIT")

    def _batch(self) -> _Batch | None:
        """This store's batch, open in the running task's context (its lock is held)."""
        batch = _BATCH.get()
        return batch if batch is not None and batch.open and batch.store is self else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; commits on success, rolls back on any exception. After a
        commit, the subscribers of what it notified are called (see :meth:`notify`).

        Inside a :meth:`batch` it is a savepoint of the batch instead: undone
        alone on an exception, committed with the batch."""
        batch = self._batch()
        if batch is not None:
            await batch.units.acquire()
            if batch.open:  # not closed while this unit waited its turn
                try:
                    self._require_batch_transaction()
                    async with self._savepoint() as conn:
                        yield conn
                finally:
                    batch.units.release()
                return
            batch.units.release()
        async with self._lock:
            await self._begin()
            self._notified = set()
            try:
                yield self.conn
                await self.conn.execute("COMMIT")
            except BaseException:
                # Also when COMMIT itself fails (disk full): never leave the shared
                # connection inside a transaction.
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                self._forget()
                raise
            finally:
                notified, self._notified = self._notified, None
        self._announce(notified)

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """One transaction for many units of work: every :meth:`transaction` inside it is a
        savepoint, and it all commits (or, on an exception escaping the batch, rolls back)
        at once. The lock is held throughout, so a batch should be short; other tasks'
        writes wait for it."""
        if self._batch() is not None:
            yield
            return
        async with self._lock:
            await self._begin()
            self._notified = set()
            batch = _Batch(self)
            token = _BATCH.set(batch)
            try:
                yield
                # A task started inside the batch may still be in a unit: let it finish,
                # and let no other begin once the batch is closed.
                async with batch.units:
                    batch.open = False
                    await self.conn.execute("COMMIT")
            except BaseException:
                batch.open = False
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                self._forget()
                raise
            finally:
                _BATCH.reset(token)
                notified, self._notified = self._notified, None
        self._announce(notified)

    def _require_batch_transaction(self) -> None:
        """SQLite may end a transaction by itself (a full disk): the rest of the batch must
        then fail, not run (and commit) statement by statement outside it."""
        if not self.conn.in_transaction:
            raise sqlite3.OperationalError("the store batch's transaction was rolled back")

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[aiosqlite.Connection]:
        name = f"unit_{next(_SAVEPOINTS)}"
        conn = self.conn
        await conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            # A failed statement may have ended the whole transaction (SQLite does so on
            # a full disk); then there is no savepoint left to go back to, and the batch's
            # own COMMIT fails, which hands every update of the batch to the next try.
            if conn.in_transaction:
                await conn.execute(f"ROLLBACK TO {name}")
                await conn.execute(f"RELEASE {name}")
            self._forget()
            raise
        await conn.execute(f"RELEASE {name}")

    def _announce(self, notified: set[Topic] | None) -> None:
        """After a commit: caches of what changed forget again (a read on the reader that
        began before the commit saw the old rows), then the loops wake."""
        for topic in notified or ():
            self._forget(topic)
            for callback in self._subscribers.get(topic, ()):
                callback()

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting out another connection's write lock for up to
        LOCK_PATIENCE seconds (nothing has happened yet, so trying again is safe)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "within a transaction" in str(exc):
                    # We hold the lock, so this transaction has no owner: a task cancelled
                    # while its BEGIN waited in aiosqlite's queue (the statement still ran
                    # after the task was gone). Undo it, or every later write would fail.
                    log.warning("rolling back a transaction a cancelled task left open")
                    await self.conn.execute("ROLLBACK")
                    continue
                waited = loop.time() - started
                if not _is_locked(exc) or waited >= LOCK_PATIENCE:
                    raise
                if not self._waiting:
                    log.warning("the database is locked by another connection (a backup?);"
                                " writes wait for it: %s", exc)
                    self._waiting = True
                continue
            if self._waiting:
                log.warning("the database can be written again after %.1f s",
                            loop.time() - started)
                self._waiting = False
            return

    async def write(self, sql: str, params: Iterable[Any] = ()) -> None:
        """One statement as a transaction of its own. Inside a batch it needs no savepoint:
        SQLite undoes a failed statement by itself, and that saves two round trips."""
        batch = self._batch()
        if batch is not None:
            async with batch.units:
                if batch.open:
                    self._require_batch_transaction()
                    await self.conn.execute(sql, tuple(params))
                    return
        async with self.transaction() as conn:
            await conn.execute(sql, tuple(params))

    async def write_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """One statement for many rows (``executemany``), as :meth:`write`."""
        batch = self._batch()
        if batch is not None:
            async with batch.units:
                if batch.open:
                    self._require_batch_transaction()
                    await self.conn.executemany(sql, [tuple(r) for r in rows])
                    return
        async with self.transaction() as conn:
            await conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One round trip to aiosqlite's thread (a cursor costs three). Inside a batch, on
        its connection (the lock is held, and its own writes must show); elsewhere on the
        reader, which sees what is committed without waiting for the lock."""
        if self._batch() is not None:
            return list(await self.conn.execute_fetchall(sql, tuple(params)))
        if self._reader is not None:
            return list(await self._reader.execute_fetchall(sql, tuple(params)))
        async with self._lock:
            return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def backup(self, target: str | Path) -> None:
        """A consistent copy of the live database (SQLite online backup)."""
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self.conn.backup(dest)
            finally:
                await dest.close()


async def one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Row | None:
    """The first row of a query inside a transaction: one round trip to aiosqlite's thread,
    where a cursor (execute, fetchone, close) costs three."""
    rows = await conn.execute_fetchall(sql, tuple(params))
    return next(iter(rows), None)


async def every(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[Row]:
    """All rows of a query inside a transaction, in one round trip."""
    return list(await conn.execute_fetchall(sql, tuple(params)))


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY: another connection holds the lock (its message, as aiosqlite passes on
    the sqlite3 error without its code on older Pythons)."""
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("--") and not buf.strip():
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
