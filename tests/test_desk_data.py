"""The desk's data layer (issue #12) on a real SQLite file: every filter of the issues table
alone and combined, paging, a head kept to their grid, search in Chinese of one, two and
three characters (trigram FTS5 and LIKE), text with LIKE's and FTS5's special characters,
the index following an edited text, the migration filling it on an existing database, and
the building map's counts."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.issue import Issue
from bot.domain.model import Kind, Place, Priority, ReporterKind, Role, Status
from bot.domain.times import iso
from bot.views.building_map import Tone, building_map
from storage import desk, grids
from storage.db import Store, _split_sql, migrations
from storage.desk import IssueFilter, PlaceCount, list_issues, open_counts_by_place
from storage.issues import insert_new, update_issue

DAY0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
NOW = iso(DAY0 + timedelta(days=10))


def day(n: int) -> datetime:
    return DAY0 + timedelta(days=n)


BASE = Issue(
    id=0, grid_key="g1", place=Place(), category="other", kind=Kind.REQUEST,
    priority=Priority.NORMAL, status=Status.OPEN, reporter_kind=ReporterKind.HEAD,
    reporter_user_id=904, reporter_name="黄福军", assignee_user_id=None, assignee_role=None,
    wanted_role=Role.GRID, department=None, reject_reason=None, text="", latitude=None,
    longitude=None, source_chat_id=None, source_message_id=None, source_thread_id=None,
    media_group_id=None, card_chat_id=None, card_message_id=None, card_thread_id=None,
    created_at=DAY0, updated_at=DAY0, claimed_at=None, resolved_at=None, closed_at=None,
    verified=None, ack_due_at=None, due_at=None,
)

# Numbered 1..7 in this order, one a day. Overdue at NOW: #1 and #5 (#4 is past due but
# closed, #2 is due later).
ISSUES = [
    replace(BASE, place=Place("3", "2"), category="clutter", kind=Kind.PUBLIC_EVENT,
            wanted_role=Role.UNIT, text="3-2 楼道堆满杂物", due_at=day(8)),
    replace(BASE, place=Place("3"), category="parking", kind=Kind.PUBLIC_EVENT,
            status=Status.ASSIGNED, assignee_user_id=902, assignee_role=Role.GRID,
            text="电动车堵住消防通道", due_at=day(20)),
    replace(BASE, place=Place("5", "1"), category="dispute", kind=Kind.DISPUTE,
            priority=Priority.PRIORITY, status=Status.REFERRED, department="派出所",
            wanted_role=Role.POLICE, text="楼上噪音 QUARREL at night"),
    replace(BASE, category="water", priority=Priority.URGENT, status=Status.CLOSED,
            text="水管冻裂", due_at=day(5), closed_at=day(6)),
    replace(BASE, grid_key="g2", place=Place("1", "1"), category="heating",
            priority=Priority.URGENT, status=Status.IN_PROGRESS, assignee_user_id=903,
            assignee_role=Role.BUILDING, text="暖气不热", due_at=day(7)),
    replace(BASE, grid_key="g2", place=Place("1"), category="wish", kind=Kind.WISH,
            priority=Priority.PLANNED, text='100% 满意_测试 "引号" a\\b'),
    replace(BASE, place=Place("3", "2"), category="sanitation", kind=Kind.PUBLIC_EVENT,
            status=Status.REJECTED, reject_reason="重复", text="垃圾 楼道 没人扫"),
]


async def _fill(store: Store) -> None:
    async with store.transaction() as conn:
        for key in ("g1", "g2"):
            await grids.upsert_from_config(conn, key, key, None, iso(DAY0))
        for n, issue in enumerate(ISSUES, start=1):
            moment = day(n - 1)
            assert await insert_new(conn, replace(issue, created_at=moment,
                                                  updated_at=moment)) == n


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = Store(tmp_path / "desk.sqlite3")
    await opened.open()
    await _fill(opened)
    yield opened
    await opened.close()


async def ids(store: Store, f: IssueFilter, *, limit: int = 100, offset: int = 0) -> list[int]:
    page, total = await list_issues(store, f, NOW, limit=limit, offset=offset)
    if offset == 0 and len(page) < limit:
        assert total == len(page)
    return [issue.id for issue in page]


async def test_each_filter_alone(store: Store) -> None:
    assert await ids(store, IssueFilter()) == [7, 6, 5, 4, 3, 2, 1]
    assert await ids(store, IssueFilter(grid_keys=("g2",))) == [6, 5]
    assert await ids(store, IssueFilter(grid_keys=("g1", "g2"))) == [7, 6, 5, 4, 3, 2, 1]
    assert await ids(store, IssueFilter(grid_keys=())) == []
    assert await ids(store, IssueFilter(grid_keys=("nowhere",))) == []
    assert await ids(store, IssueFilter(status=Status.OPEN)) == [6, 1]
    assert await ids(store, IssueFilter(unresolved=True)) == [6, 5, 3, 2, 1]
    assert await ids(store, IssueFilter(kind=Kind.DISPUTE)) == [3]
    assert await ids(store, IssueFilter(category="water")) == [4]
    assert await ids(store, IssueFilter(priority=Priority.URGENT)) == [5, 4]
    assert await ids(store, IssueFilter(overdue=True)) == [5, 1]
    assert await ids(store, IssueFilter(assignee_user_id=902)) == [2]
    assert await ids(store, IssueFilter(department="派出所")) == [3]
    assert await ids(store, IssueFilter(building="3")) == [7, 2, 1]
    assert await ids(store, IssueFilter(building="3", unit="2")) == [7, 1]
    assert await ids(store, IssueFilter(building="")) == [4]
    assert await ids(store, IssueFilter(created_from=iso(day(1)))) == [7, 6, 5, 4, 3, 2]
    assert await ids(store, IssueFilter(created_to=iso(day(1)))) == [1]
    assert await ids(store, IssueFilter(created_from=iso(day(1)),
                                        created_to=iso(day(3)))) == [3, 2]


async def test_filters_combined(store: Store) -> None:
    assert await ids(store, IssueFilter(grid_keys=("g1",), unresolved=True,
                                        building="3")) == [2, 1]
    assert await ids(store, IssueFilter(grid_keys=("g1",), overdue=True)) == [1]
    assert await ids(store, IssueFilter(grid_keys=("g1",), text="楼道",
                                        status=Status.REJECTED)) == [7]
    assert await ids(store, IssueFilter(priority=Priority.URGENT, overdue=True,
                                        unresolved=True)) == [5]
    assert await ids(store, IssueFilter(kind=Kind.PUBLIC_EVENT, category="parking",
                                        assignee_user_id=902, created_to=iso(day(2)))) == [2]
    assert await ids(store, IssueFilter(kind=Kind.PUBLIC_EVENT, category="parking",
                                        created_from=iso(day(2)))) == []
    assert await ids(store, IssueFilter(department="派出所", kind=Kind.DISPUTE,
                                        priority=Priority.PRIORITY, building="5",
                                        unit="1", status=Status.REFERRED)) == [3]


async def test_a_head_sees_only_their_grids(store: Store) -> None:
    head = ("g2",)
    assert await ids(store, IssueFilter(grid_keys=head, text="水管")) == []
    assert await ids(store, IssueFilter(grid_keys=head, text="暖气")) == [5]
    assert await ids(store, IssueFilter(grid_keys=head, building="3")) == []
    assert await ids(store, IssueFilter(grid_keys=head, overdue=True)) == [5]


async def test_paging_and_total(store: Store) -> None:
    pages = []
    for offset in (0, 2, 4, 6, 8):
        page, total = await list_issues(store, IssueFilter(), NOW, limit=2, offset=offset)
        assert total == 7
        pages.append([i.id for i in page])
    assert pages == [[7, 6], [5, 4], [3, 2], [1], []]
    page, total = await list_issues(store, IssueFilter(unresolved=True), NOW, limit=2,
                                    offset=2)
    assert ([i.id for i in page], total) == ([3, 2], 5)
    page, total = await list_issues(store, IssueFilter(text="楼道"), NOW, limit=1, offset=0)
    assert ([i.id for i in page], total) == ([7], 2)
    assert page[0] == replace(ISSUES[6], id=7, created_at=day(6), updated_at=day(6))
    with pytest.raises(ValueError):
        await list_issues(store, IssueFilter(), NOW, limit=0, offset=0)
    with pytest.raises(ValueError):
        await list_issues(store, IssueFilter(), NOW, limit=10, offset=-1)


async def test_same_moment_is_newest_number_first(store: Store) -> None:
    async with store.transaction() as conn:
        for _ in range(2):
            await insert_new(conn, replace(BASE, created_at=day(9), updated_at=day(9)))
    assert await ids(store, IssueFilter(), limit=3) == [9, 8, 7]


async def test_search_by_words_of_three_two_and_one_characters(store: Store) -> None:
    assert await ids(store, IssueFilter(text="电动车")) == [2]  # trigram FTS
    assert await ids(store, IssueFilter(text="堵住消防通道")) == [2]
    assert await ids(store, IssueFilter(text="楼道")) == [7, 1]  # LIKE
    assert await ids(store, IssueFilter(text="水")) == [4]
    assert await ids(store, IssueFilter(text="楼")) == [7, 3, 1]
    assert await ids(store, IssueFilter(text="楼道 杂物")) == [1]  # every word must occur
    assert await ids(store, IssueFilter(text="楼道 没人扫")) == [7]
    assert await ids(store, IssueFilter(text="  楼道   垃圾 楼道 ")) == [7]
    assert await ids(store, IssueFilter(text="楼道 电动车")) == []
    assert await ids(store, IssueFilter(text="quarrel")) == [3]  # case ignored
    assert await ids(store, IssueFilter(text="Qu")) == [3]
    assert await ids(store, IssueFilter(text="自行车")) == []
    assert await ids(store, IssueFilter(text="   ")) == [7, 6, 5, 4, 3, 2, 1]


async def test_search_text_with_special_characters(store: Store) -> None:
    # LIKE's wildcards are literal: only the text that has them is found.
    assert await ids(store, IssueFilter(text="%")) == [6]
    assert await ids(store, IssueFilter(text="_")) == [6]
    assert await ids(store, IssueFilter(text="0%")) == [6]
    assert await ids(store, IssueFilter(text="100%")) == [6]
    assert await ids(store, IssueFilter(text="意_测")) == [6]
    assert await ids(store, IssueFilter(text="意x测")) == []
    assert await ids(store, IssueFilter(text="\\")) == [6]
    assert await ids(store, IssueFilter(text="a\\b")) == [6]
    # FTS5 query syntax is not read: quotes, operators and brackets are text.
    assert await ids(store, IssueFilter(text='"引号"')) == [6]
    assert await ids(store, IssueFilter(text='"')) == [6]
    assert await ids(store, IssueFilter(text='引号" OR "暖气')) == []
    for hostile in ('NEAR(楼道 杂物)', 'AND', '"""', "*", "text:楼道", "-电动车", "^电动"):
        assert await ids(store, IssueFilter(text=hostile)) == []


async def test_the_index_follows_an_edited_text(store: Store) -> None:
    async with store.transaction() as conn:
        await update_issue(conn, 2, {"text": "自行车乱停在单元门口"})
        await update_issue(conn, 3, {"status": "resolved"})  # text untouched
    assert await ids(store, IssueFilter(text="电动车")) == []
    assert await ids(store, IssueFilter(text="自行车")) == [2]
    assert await ids(store, IssueFilter(text="单元门口")) == [2]
    assert await ids(store, IssueFilter(text="噪音 quarrel")) == [3]
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM issues WHERE id = 6")
    assert await ids(store, IssueFilter(text="100%")) == []
    # FTS5's own check of the index against the issues table.
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT INTO issues_fts (issues_fts, rank) VALUES ('integrity-check', 1)"
        )


async def test_the_migration_indexes_issues_already_on_file(tmp_path: Path) -> None:
    """A database from before the desk (schema up to 11) with issues in it: opening it
    applies 0012 and every earlier issue is found."""
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        for version, sql in migrations():
            if version >= 12:
                break
            for statement in _split_sql(sql):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
        db.execute("INSERT INTO grids (key, name, source) VALUES ('g1', 'g1', 'config')")
        for n, text in enumerate(("电动车堵住消防通道", "楼道堆满杂物", "噪音"), start=1):
            db.execute(
                """INSERT INTO issues (grid_key, category, kind, priority, status,
                       reporter_kind, wanted_role, text, created_at, updated_at)
                   VALUES ('g1', 'other', 'request', 'normal', 'open', 'head', 'grid', ?, ?, ?)""",
                (text, iso(day(n)), iso(day(n))),
            )
    store = Store(path)
    await store.open()
    try:
        assert await ids(store, IssueFilter(text="电动车")) == [1]
        assert await ids(store, IssueFilter(text="堆满杂物")) == [2]
        assert await ids(store, IssueFilter(text="楼道")) == [2]
        (version,) = await store.fetchall("PRAGMA user_version")
        assert version[0] >= 12
    finally:
        await store.close()
    await store.open()  # opening again applies nothing twice
    try:
        assert await ids(store, IssueFilter(text="消防")) == [1]
    finally:
        await store.close()


async def _plan(store: Store, sql: str, params: tuple[object, ...]) -> str:
    rows = await store.fetchall("EXPLAIN QUERY PLAN " + sql, params)
    return "\n".join(str(r["detail"]) for r in rows)


async def test_the_common_queries_read_by_an_index(store: Store) -> None:
    select = "SELECT i.* FROM issues i WHERE {} ORDER BY i.created_at DESC, i.id DESC LIMIT 50"
    cases = [
        (IssueFilter(), "issues_created"),
        (IssueFilter(grid_keys=("g1",)), "issues_grid_created"),
        (IssueFilter(grid_keys=("g1",), status=Status.OPEN), "issues_grid_"),
        (IssueFilter(overdue=True), "issues_overdue"),
        (IssueFilter(assignee_user_id=902), "issues_assignee"),
        (IssueFilter(department="派出所"), "issues_department"),
        (IssueFilter(grid_keys=("g1",), building="3"), "issues_"),
    ]
    for f, index in cases:
        where, params = desk._where(f, NOW)
        plan = await _plan(store, select.format(where), tuple(params))
        assert index in plan, (f, plan)
        assert "SCAN i\n" not in plan + "\n", (f, plan)
    where, params = desk._where(IssueFilter(text="电动车"), NOW)
    plan = await _plan(store, select.format(where), tuple(params))
    assert "VIRTUAL TABLE" in plan and "issues_fts" in plan, plan
    plan = await _plan(
        store,
        """SELECT i.building, i.unit, COUNT(*) AS open_count,
                  SUM(i.due_at IS NOT NULL AND i.due_at < ?) AS overdue_count
           FROM issues i
           WHERE i.grid_key = ? AND i.status NOT IN ('closed', 'rejected')
           GROUP BY i.building, i.unit ORDER BY i.building, i.unit""",
        (NOW, "g1"),
    )
    assert "COVERING INDEX issues_open_place" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


async def test_open_counts_and_the_building_map(store: Store) -> None:
    async with store.transaction() as conn:
        await conn.executemany(
            """INSERT INTO roles (user_id, role, grid_key, building, unit, name, source)
               VALUES (?, ?, 'g1', ?, ?, '头', 'config')""",
            [(904, "unit", "3", "2"), (903, "building", "7", ""), (902, "grid", "", ""),
             (905, "unit", "10", "1")],
        )
        await conn.execute(
            """INSERT INTO qr_codes (code, grid_key, building, unit, created_at)
               VALUES ('q1', 'g1', '8', '1', ?), ('q2', 'g1', '9', '', ?)""",
            (NOW, NOW),
        )
        await conn.execute(
            """INSERT INTO qr_codes (code, grid_key, building, unit, created_at, revoked_at)
               VALUES ('q3', 'g1', '11', '', ?, ?)""",
            (NOW, NOW),
        )
        await insert_new(conn, replace(BASE, text="路灯坏了", created_at=day(9),
                                       updated_at=day(9), due_at=day(9)))  # #8, overdue
        for _ in range(2):
            await insert_new(conn, replace(BASE, place=Place("3", "2"), created_at=day(9),
                                           updated_at=day(9)))  # #9, #10
    counts = await open_counts_by_place(store, "g1", NOW)
    assert counts == [
        PlaceCount("", "", 1, 1),
        PlaceCount("3", "", 1, 0),
        PlaceCount("3", "2", 3, 1),
        PlaceCount("5", "1", 1, 0),
    ]
    assert await open_counts_by_place(store, "g2", NOW) == [
        PlaceCount("1", "", 1, 0), PlaceCount("1", "1", 1, 1),
    ]
    assert await open_counts_by_place(store, "nowhere", NOW) == []
    known = await desk.known_places(store, "g1")
    assert known == [Place("10", "1"), Place("3"), Place("3", "2"), Place("5", "1"),
                     Place("7"), Place("8", "1"), Place("9")]
    # What each tile lists is what it counts.
    for place in counts:
        listed = await ids(store, IssueFilter(grid_keys=("g1",), unresolved=True,
                                              building=place.building, unit=place.unit))
        assert len(listed) == place.open_count

    tiles = building_map(counts, known)
    assert [g.building.building for g in tiles.groups] == ["3", "5", "7", "8", "9", "10"]
    three = tiles.groups[0]
    assert (three.building.open_count, three.building.overdue_count) == (4, 1)
    assert three.building.tone is Tone.OVERDUE and three.building.unit is None
    assert [(u.unit, u.open_count, u.tone) for u in three.units] == [("2", 3, Tone.OVERDUE)]
    five = tiles.groups[1]
    assert (five.building.tone, [(u.unit, u.tone) for u in five.units]) == (
        Tone.FEW, [("1", Tone.FEW)])
    assert tiles.groups[2].building.tone is Tone.CLEAR and tiles.groups[2].units == ()
    assert [(u.unit, u.tone) for u in tiles.groups[3].units] == [("1", Tone.CLEAR)]
    assert tiles.unplaced is not None and tiles.unplaced.tone is Tone.OVERDUE
    assert (tiles.open_count, tiles.overdue_count, tiles.tone) == (6, 2, Tone.OVERDUE)
    # The whole building's tile lists everything open in it.
    listed = await ids(store, IssueFilter(grid_keys=("g1",), unresolved=True, building="3"))
    assert len(listed) == three.building.open_count
