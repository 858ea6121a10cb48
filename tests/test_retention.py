"""Retention (issue #10): a year after a resident's issue ended, nothing on file names the
resident; an issue still open, a head's report and the figures stay as they were."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from datetime import timedelta
from typing import Any

from tests.conftest import GRID_HEAD, GROUP, RESIDENT, UNIT_HEAD, Bot, jpeg
from tests.test_residents import report

# Every table and column a resident's id could hide in (a private chat's id is the user's).
_PLACES = (
    ("issues", "reporter_user_id"), ("issues", "source_chat_id"),
    ("issue_messages", "chat_id"), ("events", "actor_user_id"), ("events", "chat_id"),
    ("followers", "user_id"), ("outbox", "chat_id"),
)


def _named(db: sqlite3.Connection, user: int, issue_id: int) -> list[str]:
    """Where the issue still names ``user``."""
    found: list[str] = []
    for table, column in _PLACES:
        key = "id" if table == "issues" else "issue_id"
        sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ? AND {key} = ?"  # noqa: S608
        if db.execute(sql, (user, issue_id)).fetchone()[0]:
            found.append(f"{table}.{column}")
    data = db.execute("SELECT data FROM events WHERE issue_id = ?", (issue_id,)).fetchall()
    if any(json.loads(row[0]).get("author") == user for row in data):
        found.append("events.data.author")
    return found


async def _figures(bot: Bot) -> Any:
    """``fiveheads stats --json`` over both years the test spans, as an operator runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "stats", "--config", bot.config.path,
        "--from", "2026-01-01", "--to", "2027-12-31", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out)


async def _closed_by_resident(bot: Bot) -> int:
    number = await report(bot)
    bot.press(GROUP, UNIT_HEAD, f"issue:claim:{number}")
    await bot.settled()
    bot.press(GROUP, UNIT_HEAD, f"issue:resolve:{number}")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, f"issue:verify:{number}:fixed")
    await bot.settled()
    return number


async def test_a_year_after_the_end_the_resident_is_forgotten_and_the_rest_stays(
    bot: Bot,
) -> None:
    closed = await _closed_by_resident(bot)
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="5-1 路灯不亮")
    await bot.settled()
    head_report = int(bot.issues()[-1]["id"])
    assignee = bot.issues()[-1]["assignee_user_id"]
    bot.press(GROUP, assignee, f"issue:claim:{head_report}")  # claimed: no escalation
    await bot.settled()
    db = bot.db()
    assert _named(db, RESIDENT, closed)  # before: the issue names its reporter
    before = [dict(r) for r in bot.query(
        "SELECT id, grid_key, building, unit, category, kind, priority, status, verified,"
        " created_at, closed_at, text FROM issues ORDER BY id")]
    events_before = bot.query("SELECT id, type, at FROM events WHERE issue_id = ?", (closed,))

    await bot.stop()
    bot.clock.advance(timedelta(days=200))
    await bot.start()  # half the period: nothing goes yet
    await bot.settled()
    assert _named(bot.db(), RESIDENT, closed)
    # The resident reports again: that issue stays theirs while it is open.
    still_open = await report(bot, text="3号楼2单元楼道又堆满了")
    bot.press(GROUP, UNIT_HEAD, f"issue:claim:{still_open}")
    await bot.settled()
    figures = await _figures(bot)

    await bot.stop()
    bot.clock.advance(timedelta(days=170))
    await bot.start()  # the catch-up at start-up runs the retention job
    await bot.settled()
    db = bot.db()
    assert _named(db, RESIDENT, closed) == []
    assert _named(db, RESIDENT, still_open) != []  # open: the loop still needs the resident
    assert await _figures(bot) == figures  # /stats reads the same
    row = bot.query("SELECT reporter_kind, reporter_user_id FROM issues WHERE id = ?",
                    (head_report,))[0]
    assert (row["reporter_kind"], row["reporter_user_id"]) == ("head", GRID_HEAD)
    after = [dict(r) for r in bot.query(
        "SELECT id, grid_key, building, unit, category, kind, priority, status, verified,"
        " created_at, closed_at, text FROM issues WHERE id <> ? ORDER BY id", (still_open,))]
    assert after[0] == before[0]  # what the figures count is untouched
    assert bot.query("SELECT id, type, at FROM events WHERE issue_id = ?",
                     (closed,)) == events_before  # its story is whole, only "who" is blank
    # The group still reads the closed card, and /show still tells its story.
    bot.emu.send_text(GROUP, GRID_HEAD, f"/show {closed}")
    await bot.settled()
    shown = bot.replies(GROUP)[-1]
    assert f"#{closed}" in shown and "居民" in shown


async def test_a_resident_with_nothing_left_on_file_is_forgotten(bot: Bot) -> None:
    await _closed_by_resident(bot)
    assert bot.query("SELECT COUNT(*) FROM persons WHERE user_id = ?", (RESIDENT,))[0][0] == 1
    await bot.stop()
    bot.clock.advance(timedelta(days=366))
    await bot.start()
    await bot.settled()
    assert bot.query("SELECT COUNT(*) FROM persons WHERE user_id = ?", (RESIDENT,))[0][0] == 0
    assert bot.query("SELECT COUNT(*) FROM persons WHERE user_id = ?", (UNIT_HEAD,))[0][0] == 1
    assert bot.query("SELECT COUNT(*) FROM ptb_state WHERE kind = 'user' AND key = ?",
                     (str(RESIDENT),))[0][0] == 0
    # Raw updates carry names too: the old ones are gone, the newest is kept for the offset.
    assert bot.query("SELECT COUNT(*) FROM inbox")[0][0] <= 1
