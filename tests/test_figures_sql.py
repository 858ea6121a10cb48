"""The figures counted in SQL (``storage.figures.tally``) against the same period counted
in Python, one fact at a time (``bot.domain.figures.tally``), on the running bot's
database seeded as in ``test_stats``; and the indexes the counting reads by."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.figures import (
    IssueFacts,
    Middle,
    Period,
    ScopeTally,
    VisitFacts,
    month_bounds,
    tally,
)
from bot.domain.model import Kind, Priority, Role, Status
from bot.domain.times import iso, parse_iso
from storage import figures as stored
from storage.db import Store, _split_sql, migrations
from tests.conftest import GROUP, Bot
from tests.test_stats import (
    GRID,
    GRID2,
    GROUP2,
    seed_issues,
    seed_visits,
    stamp,
    write_rows,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 10, 2, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
async def store(make_bot: Callable[..., Bot]) -> AsyncIterator[Store]:
    bot = make_bot(grids=[(GRID, "松鹤社区第一网格", GROUP), (GRID2, "松鹤社区第二网格", GROUP2)])
    bot.emu.add_group(GROUP2, "松鹤社区第二网格工作群")
    await bot.start()
    rng = random.Random(20261110)
    write_rows(bot.config.database, seed_issues(rng), seed_visits(rng))
    late_events(bot.config.database, rng)
    opened = Store(bot.config.database)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
        await bot.stop()


def late_events(database: str, rng: random.Random) -> None:
    """Events logged after the seeded ones, in no order of their moments: a claim or a
    resolution earlier than the first on file (it becomes the first response), one later (it
    changes nothing), a reopening of an issue reopened already or never; and events of other
    types, which count for neither."""
    with closing(sqlite3.connect(database)) as conn, conn:
        issues = conn.execute("SELECT id, created_at FROM issues ORDER BY id").fetchall()
        for issue_id, created in rng.sample(issues, 40):
            kind = rng.choice(["claim", "resolve", "reopen", "reopen", "refer", "decision"])
            moment = parse_iso(created) + timedelta(hours=rng.uniform(0, 300))
            conn.execute("INSERT INTO events (issue_id, at, type) VALUES (?, ?, ?)",
                         (issue_id, stamp(moment), kind))


async def facts(store: Store) -> tuple[list[IssueFacts], list[VisitFacts]]:
    """Every issue and visit as the Python count reads them."""
    rows = await store.fetchall(
        """SELECT i.*, (SELECT MIN(e.at) FROM events e WHERE e.issue_id = i.id
                          AND e.type IN ('claim', 'resolve')) AS first_at,
                  EXISTS (SELECT 1 FROM events e
                           WHERE e.issue_id = i.id AND e.type = 'reopen') AS reopened
           FROM issues i""")

    def moment(text: str | None) -> datetime | None:
        return parse_iso(text) if text else None

    issues = [
        IssueFacts(
            grid_key=r["grid_key"], kind=Kind(r["kind"]), priority=Priority(r["priority"]),
            status=Status(r["status"]),
            verified=None if r["verified"] is None else bool(r["verified"]),
            assignee_role=Role(r["assignee_role"]) if r["assignee_role"] else None,
            created_at=parse_iso(r["created_at"]), closed_at=moment(r["closed_at"]),
            resolved_at=moment(r["resolved_at"]), due_at=moment(r["due_at"]),
            first_response_at=moment(r["first_at"]), reopened=bool(r["reopened"]),
        )
        for r in rows
    ]
    visits = [VisitFacts(r["grid_key"], r["households"], r["people"], parse_iso(r["at"]))
              for r in await store.fetchall("SELECT * FROM visits")]
    return issues, visits


EMPTY = ScopeTally({}, {}, 0, 0, 0, 0, 0, {})


def plain(scope: ScopeTally) -> ScopeTally:
    """The counts without the kinds counted zero times."""
    return replace(scope, reported={k: n for k, n in scope.reported.items() if n},
                   closed={k: n for k, n in scope.closed.items() if n})


@pytest.mark.parametrize("period", [
    Period(date(2026, 1, 1), date(2026, 12, 31)),
    Period(date(2025, 12, 1), date(2026, 3, 31)),
    Period(date(2026, 2, 15), date(2026, 2, 15)),
    Period(date(2020, 1, 1), date(2020, 12, 31)),  # nothing in it but the overdue
])
async def test_sql_counts_what_python_counts(store: Store, period: Period) -> None:
    first, after = period.bounds(TZ)
    counted = await stored.tally(store, iso(first), iso(after), iso(NOW),
                                 month_bounds(period, TZ))
    issues, visits = await facts(store)
    expected = tally(period, TZ, NOW, issues, visits)
    # Python names every grid a fact names, and every kind; SQL only what it counted.
    assert {k: plain(v) for k, v in expected.grids.items() if k in counted.grids} == {
        k: plain(v) for k, v in counted.grids.items()}
    assert all(plain(s) == plain(EMPTY) for k, s in expected.grids.items()
               if k not in counted.grids)
    assert counted.total_to_close == expected.total_to_close
    assert counted.roles == {r: t for r, t in expected.roles.items() if t.items}
    assert {m: {k: n for k, n in by_kind.items() if n} for m, by_kind in
            expected.months.items()} == counted.months


async def test_the_figures_read_by_their_indexes(store: Store) -> None:
    """A year of a district reads that year's index entries, never the issues table."""
    start, end = "2026-01-01", "2027-01-01"
    for sql, index in [
        ("SELECT grid_key, kind, COUNT(*) FROM issues WHERE created_at >= ? AND created_at < ?"
         " GROUP BY grid_key, kind", "COVERING INDEX issues_created_figures"),
        (f"SELECT grid_key, priority, created_at {stored._CLOSED}",
         "COVERING INDEX issues_closed_figures"),
        ("SELECT grid_key, SUM(households), SUM(people) FROM visits WHERE at >= ? AND at < ?"
         " GROUP BY grid_key", "COVERING INDEX visits_at_figures"),
    ]:
        plan = " ".join(str(r["detail"]) for r in
                        await store.fetchall("EXPLAIN QUERY PLAN " + sql, (start, end)))
        assert index in plan, plan


def test_a_middle_gives_the_median_statistics_gives() -> None:
    hour = 3_600_000_000
    assert Middle.of([]) is None
    odd = Middle.of([5 * hour, hour, 3 * hour])
    assert odd == Middle(3, 3 * hour, 3 * hour) and odd.median(3) == 3.0
    even = Middle.of([hour, 2 * hour, 4 * hour, 8 * hour])
    assert even == Middle(4, 2 * hour, 4 * hour) and even.median(4) == 3.0
    assert even.median(5) is None  # fewer values than the minimum
    assert Middle.of([1, 2]) == Middle(2, 1, 2)


async def test_a_year_of_roles_reads_one_range_of_its_index(store: Store) -> None:
    """The roles' figures read the issue's own copy of its events (migration 0016), by role
    and period from one index: never the event log."""
    plan = " ".join(str(r["detail"]) for r in await store.fetchall(
        "EXPLAIN QUERY PLAN SELECT COUNT(*), SUM(reopened), group_concat(first_response_at),"
        " group_concat(resolved_at), group_concat(CASE WHEN status = 'closed' AND verified"
        " THEN closed_at END) FROM issues"
        " WHERE assignee_role = ? AND created_at >= ? AND created_at < ?",
        ("unit", "2026-01-01", "2027-01-01")))
    assert "COVERING INDEX issues_role_figures" in plan, plan
    assert "events" not in plan


async def test_the_migration_copies_the_events_of_issues_on_file(
    store: Store, tmp_path: Path,
) -> None:
    """A database from before 0016 with issues and events: opening it fills each issue's
    first response and reopening from its events, as the triggers would have."""
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        for version, sql in migrations():
            if version >= 16:
                break
            for statement in _split_sql(sql):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
        columns = ("id, grid_key, category, kind, priority, status, reporter_kind, wanted_role,"
                   " assignee_role, text, created_at, updated_at, resolved_at, closed_at,"
                   " verified, due_at")
        rows = await store.fetchall(f"SELECT {columns} FROM issues")  # noqa: S608 - names
        marks = ", ".join("?" * 16)
        db.executemany(f"INSERT INTO issues ({columns}) VALUES ({marks})",  # noqa: S608
                       [tuple(r) for r in rows])
        db.executemany("INSERT INTO events (issue_id, at, type) VALUES (?, ?, ?)",
                       [tuple(r) for r in await store.fetchall(
                           "SELECT issue_id, at, type FROM events ORDER BY id")])
    old = Store(path)
    await old.open()
    try:
        derived = """SELECT id, first_response_at, reopened,
                            (SELECT MIN(e.at) FROM events e WHERE e.issue_id = i.id
                               AND e.type IN ('claim', 'resolve')),
                            EXISTS (SELECT 1 FROM events e
                                     WHERE e.issue_id = i.id AND e.type = 'reopen')
                     FROM issues i ORDER BY id"""
        migrated = [tuple(r) for r in await old.fetchall(derived)]
        assert migrated == [tuple(r) for r in await store.fetchall(derived)]
        assert all(r[1] == r[3] and r[2] == r[4] for r in migrated)
        assert any(r[2] for r in migrated) and any(r[1] for r in migrated)
    finally:
        await old.close()
