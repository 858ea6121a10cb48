"""Benchmark 3, scale: a generated district (1,000 grids, a million issues with their events,
a year of visits and meetings) and the time of what people ask of it: ``/open`` for one
grid, one agenda, a year of ``/stats``, ``/show``, an export of one grid's month; start-up
time, database size and peak memory.

The database is written with plain ``sqlite3`` ``executemany`` (indexes and triggers
dropped during the load and built after it, as a bulk load should), on the schema the
migrations make. The timings run in a fresh process against the running bot's services,
so the peak memory reported is that of a bot serving this database, not of the generator.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from bot.bench.common import (
    BENCH_NOW,
    HEAD_SEATS,
    TOKEN,
    Check,
    Figure,
    Section,
    Sizes,
    grid_key,
    group_id,
    head_id,
    peak_rss_mb,
    percentile,
    write_config,
)
from bot.domain.meetings import meetings_from
from bot.domain.model import DEFAULT_CATEGORIES, Category

MS = 1000.0
QUERY_LIMIT_MS = 50.0
EXPORT_LIMIT_MS = 2000.0
RSS_LIMIT_MB = 200.0
_TEXTS = {
    "clutter": "{b}号楼{u}单元楼道堆满杂物",
    "parking": "{b}号楼门口电动车乱停，堵住消防通道",
    "dispute": "{b}号楼{u}单元邻居吵架，噪音很大",
    "safety": "{b}号楼附近有可疑人员，提醒防诈骗",
    "heating": "{b}号楼{u}单元暖气不热",
    "water": "{b}号楼{u}单元水管冻裂漏水",
    "sanitation": "{b}号楼旁边垃圾好几天没人清扫",
    "facility": "{b}号楼前面的路灯不亮了",
    "property": "{b}号楼{u}单元电梯坏了，物业没人管",
    "wish": "{b}号楼{u}单元独居老人想请人帮忙代购",
    "other": "{b}号楼{u}单元有事想反映",
}
_DAYS_DUE = {"urgent": 1, "priority": 3, "normal": 7, "planned": 28}
_SEAT_OF = {role: offset for role, offset, _ in HEAD_SEATS}
_FILLED = ("issues", "issue_messages", "events", "outbox", "media", "visits", "meetings",
           "grids", "roles", "persons")


@dataclass(frozen=True)
class Generated:
    issues: int
    events: int
    visits: int
    unresolved: int
    seconds: float
    size_mb: float


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _chunks(rows: Iterator[tuple[Any, ...]], size: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Writer:
    """Rows of the issue tables, produced issue by issue and written in large batches."""

    def __init__(self, conn: sqlite3.Connection, columns: list[str]) -> None:
        self.conn = conn
        self.columns = columns
        self.issues: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.messages: list[tuple[Any, ...]] = []
        self.outbox: list[tuple[Any, ...]] = []
        self.media: list[tuple[Any, ...]] = []
        self.event_count = 0

    def flush(self, force: bool = False) -> None:
        if not force and len(self.issues) < 50_000:
            return
        marks = ", ".join("?" for _ in self.columns)
        c = self.conn
        c.executemany(f"INSERT INTO issues ({', '.join(self.columns)}) VALUES ({marks})",  # noqa: S608
                      self.issues)
        c.executemany("INSERT INTO issue_messages (chat_id, message_id, issue_id) VALUES (?, ?, ?)",
                      self.messages)
        c.executemany(
            "INSERT INTO events (issue_id, at, type, actor_user_id, from_status, to_status, data,"
            " chat_id, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.events)
        c.executemany(
            "INSERT INTO outbox (kind, chat_id, issue_id, status, attempts, next_attempt_at,"
            " result_message_id, created_at, sent_at) VALUES ('card', ?, ?, 'sent', 1, ?, ?, ?, ?)",
            self.outbox)
        c.executemany(
            "INSERT INTO media (issue_id, kind, file_id, file_unique_id, file_size, message_id,"
            " status, path, sha256, width, height, attempts, next_attempt_at, created_at)"
            " VALUES (?, 'photo', ?, ?, 250000, ?, 'stored', ?, ?, 1600, 1200, 1, ?, ?)",
            self.media)
        self.event_count += len(self.events)
        for rows in (self.issues, self.events, self.messages, self.outbox, self.media):
            rows.clear()


def _categories() -> list[tuple[Category, float]]:
    weights = {"clutter": 3, "parking": 3, "sanitation": 3, "facility": 2, "property": 2,
               "heating": 1, "water": 1, "dispute": 1, "safety": 1, "wish": 1, "other": 1}
    return [(c, float(weights.get(c.key, 1))) for c in DEFAULT_CATEGORIES]


def _issue_rows(  # noqa: PLR0915 - one issue's whole life, in order
    w: _Writer, rng: random.Random, number: int, created: datetime, now: datetime,
    grids: int, category: Category, identity_cutoff: datetime,
) -> bool:
    """Append one issue, its source message, events, card and photo; True if unresolved."""
    g = rng.randrange(grids)
    b, u = str(rng.randint(1, 12)), str(rng.randint(1, 4))
    role = category.role.value
    assignee = head_id(g, _SEAT_OF[role])
    age = now - created
    r = rng.random()
    if age > timedelta(days=60):
        status = "closed" if r < 0.93 else "rejected" if r < 0.98 else "open_work"
    else:
        status = "closed" if r < 0.45 else "rejected" if r < 0.48 else "open_work"
    if status == "open_work":
        r = rng.random()
        status = ("in_progress" if r < 0.6 else "referred" if r < 0.75
                  else "resolved" if r < 0.9 else "assigned")
        if status in ("resolved", "assigned") and age > timedelta(days=2):
            # Older ones would have been auto-closed or escalated by now.
            status = "in_progress"
    resident = rng.random() < 0.2
    chat = group_id(g)
    reporter = (50_000_000 + rng.randrange(200_000)) if resident else head_id(g, 4)
    source_chat = reporter if resident else chat
    priority = category.priority.value
    steps = [rng.uniform(0.5, 24), rng.uniform(1, 96), rng.uniform(0.5, 48)]
    budget = age.total_seconds() / 3600 * 0.9
    if sum(steps) > budget:
        steps = [s * budget / sum(steps) for s in steps]
    claimed = created + timedelta(hours=steps[0])
    resolved = claimed + timedelta(hours=steps[1])
    closed = resolved + timedelta(hours=steps[2])
    text = _TEXTS.get(category.key, _TEXTS["other"]).format(b=b, u=u)
    c_iso = _iso(created)
    events: list[tuple[str, str, int | None, str | None, str | None, str]] = [
        (c_iso, "reported", reporter, None, "open", json.dumps(
            {"via": "private" if resident else "hashtag", "text": text, "author": reporter,
             "category": category.key, "place": f"{b}-{u}", "priority": priority},
            ensure_ascii=False)),
        (c_iso, "assigned", None, "open", "assigned", json.dumps(
            {"to": assignee, "role": role, "wanted": role, "fell_back": False,
             "vacant": False})),
    ]
    claimed_at = resolved_at = closed_at = verified = ack_due = department = reason = None
    last = created
    if status == "assigned":
        ack_due = _iso(now + timedelta(hours=1))
    else:
        claimed_at, last = _iso(claimed), claimed
        events.append((claimed_at, "claim", assignee, "assigned", "in_progress", "{}"))
    if status == "rejected":
        events[-1] = (_iso(claimed), "reject", assignee, "assigned", "rejected",
                      '{"reason": "重复"}')
        reason, closed_at, claimed_at = "重复", _iso(claimed), None
    if status == "referred":
        department = "property"
        events.append((_iso(resolved), "refer", assignee, "in_progress", "referred",
                       '{"department": "property"}'))
        last = resolved
    if status in ("resolved", "closed"):
        resolved_at, last = _iso(resolved), resolved
        events.append((resolved_at, "resolve", assignee, "in_progress", "resolved", "{}"))
    if status == "closed":
        closed_at, last = _iso(closed), closed
        verified = 1 if rng.random() < 0.8 else 0
        events.append((closed_at, "close", reporter, "resolved", "closed",
                       json.dumps({"verified": bool(verified)})))
    ended = status in ("closed", "rejected")
    if status not in ("closed", "rejected") and rng.random() < 0.05:
        events.append((_iso(last), "decision", head_id(g, 3), None, None,
                       json.dumps({"text": "下次例会前办结"}, ensure_ascii=False)))
    forgotten = resident and ended and last < identity_cutoff
    # What the event log's triggers keep on the issue (migration 0016); they are dropped
    # during the load. Nothing generated is ever reopened.
    first_response = min((at for at, kind, *_ in events if kind in ("claim", "resolve")),
                         default=None)
    values = {
        "id": number, "grid_key": grid_key(g), "building": b, "unit": u,
        "category": category.key, "kind": category.kind.value, "priority": priority,
        "status": status, "reporter_kind": "resident" if resident else "head",
        "reporter_user_id": None if forgotten else reporter,
        "reporter_name": None if resident else f"building-{g + 1}",
        "assignee_user_id": assignee, "assignee_role": role, "wanted_role": role,
        "department": department, "reject_reason": reason, "text": text,
        "source_chat_id": None if forgotten else source_chat,
        "source_message_id": None if forgotten else number,
        "card_chat_id": chat, "card_message_id": number, "created_at": c_iso,
        "updated_at": _iso(last), "claimed_at": claimed_at, "resolved_at": resolved_at,
        "closed_at": closed_at, "verified": verified, "ack_due_at": ack_due,
        "due_at": _iso(created + timedelta(days=_DAYS_DUE[priority])), "card_form": "text",
        "first_response_at": first_response, "reopened": 0,
    }
    w.issues.append(tuple(values.get(c) for c in w.columns))
    if not forgotten:
        w.messages.append((source_chat, number, number))
    for at, kind, actor, before, after, data in events:
        in_chat = kind == "reported" and not forgotten
        w.events.append((number, at, kind, None if forgotten and actor == reporter else actor,
                         before, after, data, source_chat if in_chat else None,
                         number if in_chat else None))
    w.outbox.append((chat, number, c_iso, number, c_iso, c_iso))
    if rng.random() < 0.3:
        digest = f"{number:064x}"
        w.media.append((number, f"f{number}", f"u{number}", number,
                        f"{digest[:2]}/{digest}.jpg", digest, c_iso, c_iso))
    return not ended


def _grid_rows(conn: sqlite3.Connection, grids: int, now: datetime) -> None:
    stamp = _iso(now - timedelta(days=400))
    conn.executemany(
        "INSERT INTO grids (key, name, chat_id, active, bound_at, source)"
        " VALUES (?, ?, ?, 1, ?, 'config')",
        [(grid_key(g), f"第{g + 1}网格", group_id(g), stamp) for g in range(grids)],
    )
    conn.executemany(
        "INSERT INTO roles (user_id, role, grid_key, building, unit, name, source)"
        " VALUES (?, ?, ?, ?, ?, ?, 'config')",
        [(head_id(g, offset), role, grid_key(g), place.split("-")[0] if place else "",
          place.split("-")[1] if "-" in place else "", f"{role}-{g + 1}")
         for g in range(grids) for role, offset, place in HEAD_SEATS],
    )
    conn.executemany(
        "INSERT INTO persons (user_id, name, started_bot, updated_at) VALUES (?, ?, 1, ?)",
        [(head_id(g, offset), f"{role}-{g + 1}", stamp)
         for g in range(grids) for role, offset, _ in HEAD_SEATS],
    )


def _visit_rows(rng: random.Random, grids: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """A year of home visits: about two a week in every grid."""
    start = now - timedelta(days=365)
    for g in range(grids):
        for _ in range(100):
            at = start + timedelta(seconds=rng.uniform(0, 365 * 86400))
            households = rng.randint(1, 6)
            yield (grid_key(g), str(rng.randint(1, 12)), str(rng.randint(1, 4)), households,
                   households * rng.randint(1, 3), "", head_id(g, 5), _iso(at))


def _meeting_rows(grids: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """Every meeting of the past year posted in every grid (start-up has none to catch up)."""
    from datetime import time as clock_time

    tz = BENCH_NOW.tzinfo
    assert tz is not None
    first = now - timedelta(days=365)
    moments = [m for m in meetings_from(first.astimezone(tz), 40, (9, 19, 29),
                                        clock_time(8, 0), tz) if m <= now]
    for g in range(grids):
        for m in moments:
            stamp = _iso(m.astimezone(UTC))
            yield (grid_key(g), m.astimezone(tz).date().isoformat(), stamp, stamp)


def generate(path: Path, sizes: Sizes, *, seed: int = 11) -> Generated:
    """Write the district into ``path``, which the migrations have already made."""
    from bot.config import Config, Secret

    started = time.perf_counter()
    rng = random.Random(seed)
    now = BENCH_NOW.astimezone(UTC)
    span = timedelta(days=365 * sizes.scale_years)
    first = now - span
    cutoff = now - timedelta(days=Config(path="", token=Secret("")).keep_identity_days)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("PRAGMA foreign_keys=OFF")
        marks = ", ".join("?" for _ in _FILLED)
        saved = conn.execute(
            f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"  # noqa: S608
            f" AND sql IS NOT NULL AND tbl_name IN ({marks})", _FILLED,
        ).fetchall()
        conn.execute("BEGIN")
        for kind, name, _ in saved:
            conn.execute(f'DROP {kind.upper()} "{name}"')
        _grid_rows(conn, sizes.scale_grids, now)
        columns = [r[1] for r in conn.execute("PRAGMA table_info(issues)")]
        writer = _Writer(conn, columns)
        weighted = _categories()
        cats = [c for c, _ in weighted]
        weights = [w for _, w in weighted]
        unresolved = 0
        n = sizes.scale_issues
        for i in range(n):
            created = first + span * ((i + rng.random()) / n)
            category = rng.choices(cats, weights)[0]
            unresolved += _issue_rows(writer, rng, i + 1, created, now, sizes.scale_grids,
                                      category, cutoff)
            writer.flush()
        writer.flush(force=True)
        visits = 0
        for chunk in _chunks(_visit_rows(rng, sizes.scale_grids, now)):
            conn.executemany(
                "INSERT INTO visits (grid_key, building, unit, households, people, note,"
                " user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", chunk)
            visits += len(chunk)
        for chunk in _chunks(_meeting_rows(sizes.scale_grids, now)):
            conn.executemany(
                "INSERT INTO meetings (grid_key, meeting_date, scheduled_at, posted_at)"
                " VALUES (?, ?, ?, ?)", chunk)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('alive_at', ?)",
                     (_iso(now - timedelta(minutes=1)),))
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'issues'", (n,))
        for kind, _, sql in saved:
            if kind == "index":
                conn.execute(sql)
        for kind, _, sql in saved:
            if kind == "trigger":
                conn.execute(sql)
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'issues_fts'"
        ).fetchone() is not None:
            conn.execute("INSERT INTO issues_fts (issues_fts) VALUES ('rebuild')")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    return Generated(n, writer.event_count, visits, unresolved,
                     time.perf_counter() - started, _size_mb(path))


def _size_mb(path: Path) -> float:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            total += candidate.stat().st_size
    return total / 1e6


# ---------------------------------------------------------------- the timings (own process)


@dataclass(frozen=True)
class Timings:
    first_start_s: float
    startup_s: float
    samples_ms: dict[str, list[float]]
    skipped: dict[str, str]
    peak_rss_mb: float
    rss_after: dict[str, float]  # peak RSS (MB) after each stage
    sizes: dict[str, int]  # what each timed answer held (items listed, rows exported)


async def _timed(samples: list[float], work: Callable[[], Awaitable[Any]]) -> Any:
    started = time.perf_counter()
    result = await work()
    samples.append((time.perf_counter() - started) * MS)
    return result


async def measure(workdir: str, database: str, sizes_json: str) -> Timings:  # noqa: PLR0915
    """Start a bot on the generated database and time what people ask of it."""
    from bot.app import Runner, build_application
    from bot.clock import FakeClock, parse_iso
    from bot.config import load_config
    from bot.domain.figures import Period, make_period
    from bot.emulator import BotApiEmulator
    from bot.views.lists import Happened, Listed, history, open_list

    raw: dict[str, Any] = json.loads(sizes_json)
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    sizes = Sizes(**fields)
    rng = random.Random(7)
    samples: dict[str, list[float]] = {}
    skipped: dict[str, str] = {}
    held: dict[str, int] = {}
    rss: dict[str, float] = {}
    async with BotApiEmulator(token=TOKEN) as emu:
        config = load_config(
            write_config(Path(workdir), emu.api_base_url, emu.file_base_url, sizes.scale_grids,
                         database=Path(database)),
            environ={},
        )
        clock = FakeClock(BENCH_NOW)
        # The first start on this database also sets ~5 command menus per grid, once (they
        # are remembered); a restart, what an operator waits for, sets none.
        started = time.perf_counter()
        first = Runner(build_application(config, clock=clock))
        await first.start()
        first_start = time.perf_counter() - started
        await first.stop()
        started = time.perf_counter()
        runner = Runner(build_application(config, clock=clock))
        await runner.start()
        startup = time.perf_counter() - started
        rss["start-up"] = peak_rss_mb()
        services = runner.services
        lang = config.language
        tz = config.tz
        try:
            async def open_list_of(key: str) -> list[str]:
                grid = await services.roster.grid(key)
                assert grid is not None
                items = [
                    Listed(row, services.issues.category(row.category).label(lang),
                           await services.roster.name_of(row.grid_key, row.assignee_user_id)
                           if row.assignee_user_id else None)
                    for row in await services.issues.unresolved(key)
                ]
                held["open"] = max(held.get("open", 0), len(items))
                return open_list(lang, grid.name, items, services.clock.now())

            async def show(number: int) -> list[str]:
                row = await services.issues.get(number)
                card, _ = await services.issues.card(number)
                events = []
                for event in await services.issues.history(number):
                    who = (await services.roster.name_of(row.grid_key, event.actor_user_id)
                           if event.actor_user_id is not None else "system")
                    said = event.data.get("text") or event.data.get("reason")
                    events.append(Happened(
                        parse_iso(event.at).astimezone(tz).strftime("%m-%d %H:%M"), who,
                        event.type, said if isinstance(said, str) else None))
                return history(lang, card, events)

            for _ in range(sizes.scale_runs):
                key = grid_key(rng.randrange(sizes.scale_grids))
                await _timed(samples.setdefault("/open (one grid)", []),
                             lambda key=key: open_list_of(key))  # type: ignore[misc]
                await _timed(samples.setdefault("/agenda (one grid)", []),
                             lambda key=key: services.agenda.preview(key))  # type: ignore[misc]
                number = rng.randint(1, sizes.scale_issues)
                await _timed(samples.setdefault("/show (one issue)", []),
                             lambda number=number: show(number))  # type: ignore[misc]
            rss["/open, /agenda, /show"] = peak_rss_mb()
            today = clock.now().astimezone(tz).date()
            try:
                from bot.services.stats import StatsService
                from bot.views.stats import stats_text
            except ImportError as exc:
                skipped["/stats (a year)"] = f"bot.services.stats not importable: {exc}"
            else:
                stats = StatsService(config, services.store, clock, services.roster)
                year = make_period(None, None, today)

                async def year_figures() -> list[str]:
                    figures = await stats.figures(year)
                    return stats_text(lang, figures, await stats.grid_names())

                for _ in range(sizes.scale_slow_runs):
                    await _timed(samples.setdefault("/stats (a year)", []), year_figures)
                rss["/stats"] = peak_rss_mb()
            try:
                from bot.services.export import ExportService, Format
            except ImportError as exc:
                skipped["/export (one grid's month)"] = f"bot.services.export not importable: {exc}"
            else:
                export = ExportService(config, services.store, clock, services.roster)
                month_end = today.replace(day=1) - timedelta(days=1)
                month = Period(month_end.replace(day=1), month_end)
                # Issue #11 asks for one grid's month; a different grid each run.
                keys = [grid_key(rng.randrange(sizes.scale_grids))
                        for _ in range(sizes.scale_slow_runs)]
                for key in keys:
                    data = await export.data(month, key)
                    held["export"] = max(held.get("export", 0), len(data.issues))
                    await _timed(samples.setdefault("/export (one grid's month, xlsx)", []),
                                 lambda key=key: export.build(  # type: ignore[misc]
                                     month, Format.XLSX, lang, key))
                rss["/export"] = peak_rss_mb()
        finally:
            await runner.stop()
    return Timings(first_start, startup, samples, skipped, peak_rss_mb(), rss, held)


def _measure_in_process(workdir: str, database: str, sizes_json: str) -> dict[str, Any]:
    return asdict(asyncio.run(measure(workdir, database, sizes_json)))


async def _migrate(path: Path) -> None:
    from storage.db import Store

    store = Store(path)
    await store.open()
    await store.close()


async def run(sizes: Sizes, workdir: Path, *, isolate: bool = True) -> Section:
    section = Section(
        f"3. scale: {sizes.scale_grids:,} grids, {sizes.scale_issues:,} issues over "
        f"{sizes.scale_years:g} years, a year of visits"
    )
    database = workdir / "district.sqlite3"
    await _migrate(database)
    made = await asyncio.to_thread(generate, database, sizes)
    sizes_json = json.dumps(asdict(sizes))
    if isolate:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            raw = await loop.run_in_executor(
                pool, _measure_in_process, str(workdir), str(database), sizes_json)
        timings = Timings(**raw)
    else:
        timings = await measure(str(workdir), str(database), sizes_json)
    for label, samples in timings.samples_ms.items():
        limit = EXPORT_LIMIT_MS if label.startswith("/export") else QUERY_LIMIT_MS
        for p in (50, 99):
            section.figures.append(Figure(f"{label} p{p}", percentile(samples, p), "ms",
                                          limit=limit, lower_is_better=True))
    section.figures += [
        Figure("start-up, a restart (open, catch-up, loops running)", timings.startup_s * MS,
               "ms"),
        Figure("first start on this database (also sets every head's command menu)",
               timings.first_start_s * MS, "ms"),
        Figure("database size", _size_mb(database), "MB"),
        Figure("peak RSS of the bot process serving it", timings.peak_rss_mb, "MB",
               limit=RSS_LIMIT_MB, lower_is_better=True),
    ]
    section.notes.append("peak RSS after " + ", ".join(
        f"{stage}: {mb:.0f} MB" for stage, mb in timings.rss_after.items()))
    for label, why in timings.skipped.items():
        section.notes.append(f"{label} skipped: {why}")
    section.checks.append(Check(
        "generated as asked", made.issues == sizes.scale_issues,
        f"{made.issues:,} issues, {made.events:,} events, {made.visits:,} visits, "
        f"{made.unresolved:,} unresolved, in {made.seconds:.0f} s",
    ))
    section.notes.append(
        f"/open lists up to {timings.sizes.get('open', 0)} items; one grid's month of "
        f"export holds up to {timings.sizes.get('export', 0):,} issues"
    )
    return section
