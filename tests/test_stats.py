"""/stats and ``fiveheads stats`` against a seeded database whose true figures this test
computes on its own, from the rows it wrote (including the minimum-N rule)."""

from __future__ import annotations

import asyncio
import io
import json
import random
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.cli import main
from tests.conftest import COORDINATOR, GRID, GRID_HEAD, GROUP, OUTSIDER, Bot

TZ = ZoneInfo("Asia/Shanghai")
GROUP2 = -1001000000002
GRID2 = "songhe-2"
KINDS = ("public_event", "dispute", "request", "wish")
PRIORITIES = ("urgent", "priority", "normal", "planned")
ROLES = ("community", "police", "grid", "building", "unit")
MIN_ITEMS = 4
# Due dates far from any clock the test might run on: overdue under the bot's clock (10
# November 2026) and the command line's (the real one) alike, or under neither.
LONG_AGO = datetime(2024, 6, 1, tzinfo=UTC)
FAR_AHEAD = datetime(2031, 6, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class Seeded:
    grid: str
    kind: str
    priority: str
    status: str
    created: datetime
    role: str | None = None
    closed: datetime | None = None
    resolved: datetime | None = None
    verified: int | None = None
    due: datetime | None = None
    events: list[tuple[str, datetime]] = field(default_factory=list)


def seed_issues(rng: random.Random) -> list[Seeded]:
    """Issues from late 2025 to early November 2026, with the local-midnight edges."""
    start = datetime(2025, 11, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 8, tzinfo=UTC) - start).total_seconds()
    made: list[Seeded] = []
    for n in range(90):
        created = start + timedelta(seconds=rng.uniform(0, span))
        if n == 0:
            created = datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59 local, 2025
        if n == 1:
            created = datetime(2025, 12, 31, 16, 0, 0, tzinfo=UTC)  # 00:00 local, 2026
        status = rng.choice(["open", "assigned", "in_progress", "resolved", "referred",
                             "closed", "closed", "closed", "rejected"])
        item = Seeded(rng.choice([GRID, GRID2]), rng.choice(KINDS), rng.choice(PRIORITIES),
                      status, created,
                      role=rng.choice([None, "community", "police", "police", "grid", "unit",
                                       "unit", "unit"]))
        if n in (2, 3):  # a role with fewer items than the minimum
            item.role = "building"
        moment = created
        if rng.random() < 0.7:
            moment += timedelta(hours=rng.uniform(0.1, 30))
            item.events.append(("claim", moment))
            if rng.random() < 0.3:  # claimed again later: the first claim counts
                item.events.append(("claim", moment + timedelta(hours=5)))
        if status in ("resolved", "closed") and rng.random() < 0.9:
            moment += timedelta(hours=rng.uniform(1, 200))
            item.resolved = moment
            item.events.append(("resolve", moment))
        if rng.random() < 0.2:
            item.events.append(("reopen", moment + timedelta(minutes=30)))
        if status in ("closed", "rejected"):
            moment += timedelta(hours=rng.uniform(1, 100))
            item.closed = min(moment, datetime(2026, 11, 9, tzinfo=UTC))
            item.verified = rng.choice([1, 0, None]) if status == "closed" else None
        if status not in ("closed", "rejected"):
            item.due = rng.choice([LONG_AGO, FAR_AHEAD, None])
        made.append(item)
    return made


def seed_visits(rng: random.Random) -> list[tuple[str, int, int, datetime]]:
    visits = []
    for _ in range(25):
        at = datetime(2025, 12, 1, tzinfo=UTC) + timedelta(days=rng.uniform(0, 330))
        visits.append((rng.choice([GRID, GRID2]), rng.randint(1, 9), rng.randint(0, 20), at))
    return visits


def write_rows(database: str, issues: list[Seeded],
               visits: list[tuple[str, int, int, datetime]]) -> None:
    with sqlite3.connect(database) as conn:
        for item in issues:
            cur = conn.execute(
                """INSERT INTO issues (grid_key, category, kind, priority, status, reporter_kind,
                       assignee_user_id, assignee_role, wanted_role, text, created_at,
                       updated_at, resolved_at, closed_at, verified, due_at)
                   VALUES (?, 'other', ?, ?, ?, 'head', ?, ?, 'grid', '种子', ?, ?, ?, ?, ?, ?)""",
                (item.grid, item.kind, item.priority, item.status,
                 GRID_HEAD if item.role else None, item.role, stamp(item.created),
                 stamp(item.created), stamp(item.resolved) if item.resolved else None,
                 stamp(item.closed) if item.closed else None, item.verified,
                 stamp(item.due) if item.due else None),
            )
            for kind, moment in [("reported", item.created), *item.events]:
                conn.execute("INSERT INTO events (issue_id, at, type) VALUES (?, ?, ?)",
                             (cur.lastrowid, stamp(moment), kind))
        conn.executemany(
            "INSERT INTO visits (grid_key, households, people, user_id, at) VALUES (?, ?, ?, ?, ?)",
            [(grid, households, people, GRID_HEAD, stamp(at))
             for grid, households, people, at in visits])


# ----------------------------------------------------------------------------- the truth


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def median(values: list[float]) -> float | None:
    if len(values) < MIN_ITEMS:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return round(ordered[middle], 1)
    return round((ordered[middle - 1] + ordered[middle]) / 2, 1)


def hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


def truth(issues: list[Seeded], visits: list[tuple[str, int, int, datetime]], first: date,
          last: date) -> dict[str, Any]:
    def inside(moment: datetime | None) -> bool:
        return moment is not None and first <= local_day(moment) <= last

    def scope(mine: list[Seeded], my_visits: list[tuple[str, int, int, datetime]]
              ) -> dict[str, Any]:
        done = [i for i in mine if i.status == "closed" and inside(i.closed)]
        assert all(i.closed for i in done)
        return {
            "reported": {k: sum(1 for i in mine if i.kind == k and inside(i.created))
                         for k in KINDS},
            "closed": {k: sum(1 for i in done if i.kind == k) for k in KINDS},
            "verified": sum(1 for i in done if i.verified == 1),
            "unverified": sum(1 for i in done if i.verified != 1),
            "overdue": sum(1 for i in mine if i.status not in ("closed", "rejected")
                           and i.due == LONG_AGO),
            "households_visited": sum(v[1] for v in my_visits if inside(v[3])),
            "people_served": sum(v[2] for v in my_visits if inside(v[3])),
            "median_hours_to_close": {
                p: median([hours(i.created, i.closed) for i in done  # type: ignore[arg-type]
                           if i.priority == p])
                for p in PRIORITIES
            },
        }

    roles: dict[str, Any] = {}
    for role in ROLES:
        mine = [i for i in issues if i.role == role and inside(i.created)]
        enough = len(mine) >= MIN_ITEMS
        firsts = [hours(i.created, min(m for kind, m in i.events if kind in ("claim", "resolve")))
                  for i in mine if any(kind in ("claim", "resolve") for kind, _ in i.events)]
        resolved = [hours(i.created, i.resolved) for i in mine if i.resolved]
        verified = [hours(i.created, i.closed) for i in mine  # type: ignore[arg-type]
                    if i.status == "closed" and i.verified == 1]
        reopened = sum(1 for i in mine if any(kind == "reopen" for kind, _ in i.events))
        roles[role] = {
            "items": len(mine),
            "median_hours_to_first_response": median(firsts) if enough else None,
            "median_hours_to_resolved": median(resolved) if enough else None,
            "median_hours_to_verified": median(verified) if enough else None,
            "reopen_rate": round(reopened / len(mine), 3) if enough else None,
        }
    return {
        "from": first.isoformat(), "to": last.isoformat(),
        "total": scope(issues, visits),
        "grids": {g: scope([i for i in issues if i.grid == g], [v for v in visits if v[0] == g])
                  for g in (GRID, GRID2)},
        "roles": roles,
    }


# ----------------------------------------------------------------------------- the bot


@pytest.fixture
async def seeded(make_bot: Callable[..., Bot]) -> AsyncIterator[tuple[Bot, dict[str, Any]]]:
    bot = make_bot(grids=[(GRID, "松鹤社区第一网格", GROUP), (GRID2, "松鹤社区第二网格", GROUP2)],
                   extra=f"[stats]\nmin_items = {MIN_ITEMS}")
    bot.emu.add_group(GROUP2, "松鹤社区第二网格工作群")
    await bot.start()
    rng = random.Random(20261110)
    issues, visits = seed_issues(rng), seed_visits(rng)
    write_rows(bot.config.database, issues, visits)
    try:
        yield bot, truth(issues, visits, date(2026, 1, 1), date(2026, 12, 31))
    finally:
        await bot.stop()


def shown_hours(value: float | None) -> str:
    return "—" if value is None else f"{value} 小时"


def shown_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}".removesuffix(".0") + "%"


async def test_stats_gives_the_true_figures_and_a_chart(
    seeded: tuple[Bot, dict[str, Any]],
) -> None:
    bot, expected = seeded
    # The seed is varied enough to test something: every rule meets both of its cases.
    total = expected["total"]
    assert total["verified"] and total["unverified"] and total["overdue"]
    assert any(v is None for v in total["median_hours_to_close"].values()) or any(
        r["median_hours_to_verified"] is None for r in expected["roles"].values())
    assert any(r["items"] and r["items"] < MIN_ITEMS for r in expected["roles"].values())
    assert any(r["median_hours_to_resolved"] is not None for r in expected["roles"].values())

    asked = bot.emu.send_text(COORDINATOR, COORDINATOR, "/stats")
    await bot.settled()
    text = "\n".join(m.plain() for m in bot.emu.bot_messages(COORDINATOR)
                     if m.reply_to == asked["message_id"] and m.kind == "text")
    assert "2026-01-01 至 2026-12-31" in text
    names = {"公共事件": "public_event", "矛盾纠纷": "dispute", "群众诉求": "request",
             "微心愿": "wish"}
    sections = text.split("【")
    for title, scope in (("全社区", total), ("松鹤社区第一网格", expected["grids"][GRID]),
                         ("松鹤社区第二网格", expected["grids"][GRID2])):
        section = next(s for s in sections if s.startswith(title + "】"))
        for label, kind in names.items():
            assert f"{label}：上报 {scope['reported'][kind]}，办结 {scope['closed'][kind]}" \
                in section
        assert (f"办结中居民确认 {scope['verified']} 件，未经确认 {scope['unverified']} 件"
                in section)
        assert f"目前超期未办 {scope['overdue']} 件" in section
        assert (f"走访 {scope['households_visited']} 户，服务 {scope['people_served']} 人"
                in section)
        medians = scope["median_hours_to_close"]
        assert ("办结用时（中位数）：" + " · ".join(
            f"{zh} {shown_hours(medians[p])}"
            for zh, p in (("紧急", "urgent"), ("优先", "priority"), ("一般", "normal"),
                          ("计划", "planned")))) in section
    roles = next(s for s in sections if s.startswith("按五长角色】"))
    assert f"少于 {MIN_ITEMS} 件" in roles
    role_names = {"community": "社区长", "police": "警长", "grid": "网格长",
                  "building": "楼长", "unit": "单元长"}
    lines = [line for line in roles.splitlines() if "件 · 首次响应" in line]
    assert lines == [
        f"{role_names[role]}：{r['items']} 件 · 首次响应 "
        f"{shown_hours(r['median_hours_to_first_response'])} · 解决 "
        f"{shown_hours(r['median_hours_to_resolved'])} · 确认办结 "
        f"{shown_hours(r['median_hours_to_verified'])} · 返工率 {shown_rate(r['reopen_rate'])}"
        for role, r in expected["roles"].items()
    ]
    (chart,) = [m for m in bot.emu.bot_messages(COORDINATOR) if m.kind == "photo"]
    assert chart.reply_to == asked["message_id"] and "每月办结事件" in chart.plain()
    assert chart.file_id is not None
    image = Image.open(io.BytesIO(bot.emu.file_bytes(chart.file_id)))
    assert image.format == "PNG" and image.width > 600


async def test_the_command_line_prints_the_same_figures(
    seeded: tuple[Bot, dict[str, Any]], capsys: pytest.CaptureFixture[str],
) -> None:
    bot, expected = seeded
    config = bot.config.path
    args = ["stats", "--config", config, "--from", "2026-01-01", "--to", "2026-12-31"]
    assert await asyncio.to_thread(main, [*args, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == expected
    assert list(printed) == ["from", "to", "total", "grids", "roles"]
    assert await asyncio.to_thread(main, args) == 0
    text = capsys.readouterr().out
    total = expected["total"]
    assert (f"公共事件：上报 {total['reported']['public_event']}，"
            f"办结 {total['closed']['public_event']}") in text
    assert "<b>" not in text


async def test_a_period_counts_only_its_days(
    seeded: tuple[Bot, dict[str, Any]], capsys: pytest.CaptureFixture[str],
) -> None:
    """Local days, and the true figures of another period than the default."""
    bot, _ = seeded
    rng = random.Random(20261110)
    issues, visits = seed_issues(rng), seed_visits(rng)  # the same rows, drawn again
    expected = truth(issues, visits, date(2025, 12, 1), date(2026, 3, 31))
    args = ["stats", "--config", bot.config.path, "--from", "2025-12-01", "--to", "2026-03-31",
            "--json"]
    assert await asyncio.to_thread(main, args) == 0
    assert json.loads(capsys.readouterr().out) == expected


async def test_stats_refuses_bad_dates_and_people_without_the_right(
    seeded: tuple[Bot, dict[str, Any]],
) -> None:
    bot, _ = seeded
    cases = {
        (COORDINATOR, COORDINATOR, "/stats 2026-13-01"): "不是日期",
        (COORDINATOR, COORDINATOR, "/stats 2026-12-01 2026-01-01"): "晚于截止日期",
        (COORDINATOR, COORDINATOR, "/stats 2026-01-01 2026-02-01 x"): "用法：/stats",
        (GROUP, GRID_HEAD, "/stats"): "只有协调员可以这样做",
        (OUTSIDER, OUTSIDER, "/stats"): "Only a coordinator",
    }
    sent = {key: bot.emu.send_text(*key) for key in cases}
    await bot.settled()
    for key, expected in cases.items():
        said = [m.plain() for m in bot.emu.bot_messages(key[0])
                if m.reply_to == sent[key]["message_id"]]
        assert len(said) == 1 and expected in said[0], said
    assert bot.emu.calls_to("sendPhoto") == []


async def test_the_command_line_refuses_bad_periods(tmp_path: Path,
                                                    seeded: tuple[Bot, dict[str, Any]],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bot, _ = seeded
    config = bot.config.path
    with pytest.raises(SystemExit) as bad:
        await asyncio.to_thread(main, ["stats", "--config", config, "--from", "2026-02-30"])
    assert bad.value.code == 2
    assert "not a date" in capsys.readouterr().err
    assert await asyncio.to_thread(
        main, ["stats", "--config", config, "--from", "2026-05-01", "--to", "2026-04-01"]) == 2
    assert "comes after" in capsys.readouterr().err


def test_the_chart_of_many_bars_is_a_png() -> None:
    """Drawn synchronously here; the bot draws it in a worker thread."""
    from bot.charts import closed_by_month
    from bot.domain.figures import MonthCount
    from bot.domain.model import Kind

    months = [MonthCount(2026, 0, tuple((k, n) for k in Kind)) for n in range(40)]
    labels = {Kind.PUBLIC_EVENT: "公共事件", Kind.DISPUTE: "矛盾纠纷", Kind.REQUEST: "群众诉求",
              Kind.WISH: "微心愿"}
    png = closed_by_month(months, labels, "每月办结事件", "办结件数")
    assert Image.open(io.BytesIO(png)).format == "PNG"
