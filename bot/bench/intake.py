"""Benchmark 1, intake: text reports from many grids through the real Application and the
emulator (no flood limits), beside a bare python-telegram-bot bot answering each update with
one sendMessage through the same emulator; then the storage path alone (no sends) beside a
bare aiosqlite insert-and-commit of the same rows."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import Runner, build_application
from bot.bench.common import (
    TOKEN,
    Check,
    Figure,
    Section,
    Sizes,
    group_id,
    head_id,
    percentile,
    write_config,
)
from bot.clock import SystemClock, iso
from bot.config import load_config
from bot.emulator import BotApiEmulator, JSONDict, Params
from bot.emulator.rendering import incoming_entities
from bot.services.issues import IntakeResult, Report
from storage import inbox
from storage.db import Store

TEMPLATES = (
    "#随手拍 {b}号楼{u}单元楼道堆满杂物",
    "#随手拍 {b}号楼门口电动车乱停，堵住消防通道",
    "#随手拍 {b}号楼旁边垃圾好几天没人清扫",
    "#随手拍 {b}号楼前面的路灯不亮了",
    "#随手拍 {b}号楼{u}单元电梯坏了，物业没人管",
)
REPORTER_SEAT = 4  # the building head of each grid reports
WAIT = 300.0  # seconds: a run that takes longer is stuck


class TimedEmulator(BotApiEmulator):
    """The emulator, noting when each user message was first handed out by getUpdates."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.served: dict[tuple[int, int], float] = {}

    async def _get_updates(self, params: Params) -> list[JSONDict]:
        batch = await super()._get_updates(params)
        now = time.perf_counter()
        for update in batch:
            message = update.get("message")
            if isinstance(message, dict):
                self.served.setdefault((message["chat"]["id"], message["message_id"]), now)
        return batch


def report_text(n: int) -> str:
    return TEMPLATES[n % len(TEMPLATES)].format(b=n % 17 + 1, u=n % 4 + 1)


def populate(emu: BotApiEmulator, grids: int) -> None:
    for g in range(grids):
        emu.add_group(group_id(g), f"第{g + 1}网格工作群")
        emu.add_user(head_id(g, REPORTER_SEAT), f"楼长{g + 1}")


def send_reports(emu: BotApiEmulator, n: int, grids: int) -> None:
    for i in range(n):
        g = i % grids
        emu.send_text(group_id(g), head_id(g, REPORTER_SEAT), f"{report_text(i)} ({i})")


async def _wait_for(done: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"intake benchmark: {what} did not finish in {WAIT:.0f} s")
        await asyncio.sleep(0.005)


@dataclass(frozen=True)
class Run:
    rate: float  # per second, first served to last done
    latencies: list[float]  # seconds, served to done, per update


def _run_of(served: dict[tuple[int, int], float], done: dict[tuple[int, int], float]) -> Run:
    keys = [k for k in done if k in served]
    start = min(served[k] for k in keys)
    end = max(done[k] for k in keys)
    return Run(len(keys) / max(end - start, 1e-9), [done[k] - served[k] for k in keys])


async def fiveheads_run(sizes: Sizes, workdir: Path) -> tuple[Run, int, int]:
    """(the run, issues stored, distinct source messages among them)."""
    n, grids = sizes.intake_reports, sizes.intake_grids
    async with TimedEmulator(token=TOKEN) as emu:
        populate(emu, grids)
        config = load_config(
            write_config(workdir, emu.api_base_url, emu.file_base_url, grids), environ={}
        )
        runner = Runner(build_application(config, clock=SystemClock()))
        committed: dict[tuple[int, int], float] = {}
        reported: list[tuple[int, int]] = []
        original = runner.services.issues.report

        async def timed(r: Report, *, defer_card: bool = False) -> IntakeResult:
            result = await original(r, defer_card=defer_card)
            reported.append((r.chat_id, r.message_id))
            return result

        def stamp() -> None:
            now = time.perf_counter()
            for key in reported:
                committed.setdefault(key, now)
            reported.clear()

        # An issue is committed with the store batch it was reported in; each report leaves
        # a card in the outbox, whose subscribers are called right after that commit.
        setattr(runner.services.issues, "report", timed)  # noqa: B010 - an instance's method
        runner.services.store.subscribe("outbox", stamp)
        await runner.start()
        try:
            send_reports(emu, n, grids)
            await _wait_for(lambda: len(committed) >= n, "fiveheads intake")
        finally:
            await runner.stop()
        run = _run_of(emu.served, committed)
    with sqlite3.connect(config.database) as conn:
        stored, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT source_chat_id || ':' || source_message_id)"
            " FROM issues"
        ).fetchone()
    return run, int(stored), int(distinct)


async def bare_run(sizes: Sizes) -> Run:
    """A bare PTB bot (its own Updater, no persistence) answering each message once."""
    n, grids = sizes.intake_reports, sizes.intake_grids
    async with TimedEmulator(token=TOKEN) as emu:
        populate(emu, grids)
        answered: dict[tuple[int, int], float] = {}

        def hook(method: str, params: dict[str, Any]) -> None:
            if method == "sendMessage":
                key = (int(params["chat_id"]), int(params["text"]))
                answered.setdefault(key, time.perf_counter())

        emu.hooks.append(hook)
        app = (ApplicationBuilder().token(TOKEN).base_url(emu.api_base_url)
               .base_file_url(emu.file_base_url).build())

        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            assert message is not None
            await context.bot.send_message(message.chat_id, str(message.message_id))

        app.add_handler(MessageHandler(filters.TEXT, answer))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                send_reports(emu, n, grids)
                await _wait_for(lambda: len(answered) >= n, "the bare PTB bot")
            finally:
                await app.updater.stop()
                await app.stop()
        return _run_of(emu.served, answered)


def raw_updates(n: int, grids: int) -> list[dict[str, Any]]:
    """The updates Telegram would send for the reports, as JSON (what the inbox stores)."""
    now = int(time.time())
    updates = []
    for i in range(n):
        g = i % grids
        user = head_id(g, REPORTER_SEAT)
        text = f"{report_text(i)} ({i})"
        updates.append({"update_id": i + 1, "message": {
            "message_id": i + 1, "date": now,
            "chat": {"id": group_id(g), "type": "supergroup", "title": f"第{g + 1}网格工作群"},
            "from": {"id": user, "is_bot": False, "first_name": f"楼长{g + 1}",
                     "language_code": "zh"},
            "text": text, "entities": incoming_entities(text),
        }})
    return updates


async def storage_run(sizes: Sizes, workdir: Path) -> tuple[float, Path, int]:
    """The storage path alone: inbox rows stored per getUpdates batch of 100, each update
    handled by the Application and marked processed; the outbox is written, never sent.
    Answers (issues/s, the database, issues stored)."""
    n, grids = sizes.intake_reports, sizes.intake_grids
    database = workdir / "storage.sqlite3"
    async with TimedEmulator(token=TOKEN) as emu:  # only for getMe at initialize
        config = load_config(
            write_config(workdir, emu.api_base_url, emu.file_base_url, grids, database=database),
            environ={},
        )
        app = build_application(config, clock=SystemClock())
        runner = Runner(app)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        store = runner.services.store
        updates = raw_updates(n, grids)
        try:
            started = time.perf_counter()
            for first in range(0, n, 100):
                await inbox.store_updates(store, updates[first:first + 100],
                                          iso(runner.services.clock.now()))
                await runner.feeder.process_backlog()
            elapsed = time.perf_counter() - started
        finally:
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    with sqlite3.connect(database) as conn:
        stored = int(conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0])
    return n / elapsed, database, stored


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sql, params)]


def _insert(table: str, columns: list[str]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)})"  # noqa: S608 - our own names
            f" VALUES ({', '.join('?' for _ in columns)})")


async def bare_sqlite_run(source: Path, workdir: Path) -> float:
    """The same rows (inbox, issue, its message, events, outbox) written by plain aiosqlite,
    one transaction per update, on the same schema and pragmas (WAL, synchronous=FULL)."""
    target = workdir / "bare.sqlite3"
    store = Store(target)
    await store.open()  # the same schema, indexes and triggers
    await store.close()
    plan: list[list[tuple[str, tuple[Any, ...]]]] = []
    with sqlite3.connect(source) as conn:
        tables = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
                  for t in ("inbox", "issues", "issue_messages", "events", "outbox")}
        grid_columns = [r[1] for r in conn.execute("PRAGMA table_info(grids)")]
        grid_rows = _rows(conn, "SELECT * FROM grids", ())
        for update_id, payload in conn.execute("SELECT update_id, payload FROM inbox"):
            message = json.loads(payload)["message"]
            chat, msg = message["chat"]["id"], message["message_id"]
            issue = conn.execute(
                "SELECT * FROM issues WHERE source_chat_id = ? AND source_message_id = ?",
                (chat, msg),
            ).fetchone()
            steps: list[tuple[str, tuple[Any, ...]]] = [(
                "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
                (update_id, payload, "2026-01-01T00:00:00.000000+00:00"),
            )]
            if issue is not None:
                issue_id = issue[0]
                steps.append((_insert("issues", tables["issues"]), tuple(issue)))
                for table, key in (("issue_messages", "issue_id"), ("events", "issue_id"),
                                   ("outbox", "issue_id")):
                    for row in _rows(conn, f"SELECT * FROM {table} WHERE {key} = ?",  # noqa: S608
                                     (issue_id,)):
                        steps.append((_insert(table, tables[table]), row))
            steps.append(("UPDATE inbox SET processed_at = ? WHERE update_id = ?",
                          ("2026-01-01T00:00:00.000000+00:00", update_id)))
            plan.append(steps)
    db = await aiosqlite.connect(target, isolation_level=None)
    try:
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=FULL")
        await db.execute("PRAGMA foreign_keys=ON")
        # The grids the issues belong to exist already, as in the fiveheads database.
        await db.execute("BEGIN IMMEDIATE")
        for grid in grid_rows:
            await db.execute(_insert("grids", grid_columns), grid)
        await db.execute("COMMIT")
        started = time.perf_counter()
        for steps in plan:
            await db.execute("BEGIN IMMEDIATE")
            for sql, params in steps:
                await db.execute(sql, params)
            await db.execute("COMMIT")
        elapsed = time.perf_counter() - started
    finally:
        await db.close()
    return len(plan) / elapsed


async def run(sizes: Sizes, workdir: Path) -> Section:
    n, grids = sizes.intake_reports, sizes.intake_grids
    section = Section(f"1. intake: {n:,} text reports from {grids} grids")
    (workdir / "e2e").mkdir()
    (workdir / "storage").mkdir()
    ours, stored, distinct = await fiveheads_run(sizes, workdir / "e2e")
    bare = await bare_run(sizes)
    section.figures += [
        Figure("fiveheads issues stored/s", ours.rate, "/s", "bare PTB bot answers/s",
               bare.rate, target=0.7),
        Figure("p50 update served → issue committed", percentile(ours.latencies, 50) * 1000,
               "ms", "bare PTB bot served → answered", percentile(bare.latencies, 50) * 1000),
        Figure("p99 update served → issue committed", percentile(ours.latencies, 99) * 1000,
               "ms", "bare PTB bot served → answered", percentile(bare.latencies, 99) * 1000),
    ]
    section.checks.append(Check("every report stored once", stored == n == distinct,
                                f"{stored:,} issues from {distinct:,} messages, {n:,} sent"))
    rate, database, kept = await storage_run(sizes, workdir / "storage")
    reference = await bare_sqlite_run(database, workdir / "storage")
    section.figures.append(Figure(
        "storage path alone (sends stubbed), issues/s", rate, "/s",
        "bare aiosqlite insert+commit of the same rows", reference, target=0.5,
    ))
    section.checks.append(Check("storage path: every report stored once", kept == n,
                                f"{kept:,} of {n:,}"))
    section.notes.append(
        "fiveheads: the real Application, our fetch loop and inbox, cards through the outbox "
        "paced at Telegram's 30 msg/s; the emulator itself enforces no limits"
    )
    return section
