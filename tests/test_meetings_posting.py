"""Meeting agendas go out exactly once per grid and date: at the hour, after downtime
(late, on start-up), never again after a restart or on the next tick; coordinators get one
line per grid.

Time is a FakeClock set to March 2026 in Asia/Shanghai (meetings on the 9th, 19th, 29th at
08:00); the tests call ``post_due`` as the minute tick would, since the JobQueue's own
timer runs on real time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.services.agenda import AgendaService
from tests.conftest import COORDINATOR, GRID, GROUP, UNIT_HEAD, Bot, jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUP2 = -1001000000002
GRID2 = "songhe-2"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def at(bot: Bot, moment: datetime) -> Bot:
    """Set the bot's clock before it starts (the fixture's clock runs at today)."""
    bot.clock = FakeClock(start=moment)
    return bot


def move_to(bot: Bot, moment: datetime) -> None:
    bot.clock.advance(moment - bot.clock.now())


def agenda_of(bot: Bot) -> AgendaService:
    assert bot.runner is not None
    return bot.runner.services.agenda


async def start(bot: Bot) -> None:
    await bot.start()


async def tick(bot: Bot) -> int:
    """What the minute job does."""
    posted = await agenda_of(bot).post_due(bot.clock.now())
    await bot.settled()
    return posted


def agendas(bot: Bot, chat_id: int = GROUP) -> list[str]:
    """The agenda messages in a chat (not previews), as people read them."""
    return [m.plain() for m in bot.emu.bot_messages(chat_id)
            if m.kind == "text" and "例会议程" in m.plain() and "预览" not in m.plain()]


async def report(bot: Bot, caption: str = "3-2 楼道杂物", image: bytes | None = None) -> int:
    bot.emu.send_photo(GROUP, UNIT_HEAD, image or jpeg(), caption=caption)
    await bot.settled()
    return int(bot.issues()[-1]["id"])


async def test_a_tick_at_the_meeting_time_posts_once(make_bot: Callable[..., Bot]) -> None:
    bot = at(make_bot(), local(2026, 3, 9, 7, 0))
    await start(bot)
    try:
        await report(bot)
        assert await tick(bot) == 0  # 07:00: the latest meeting (28 Feb) predates the group
        move_to(bot, local(2026, 3, 9, 8, 0) + timedelta(seconds=30))
        assert await tick(bot) == 1
        assert await tick(bot) == 0
        (posted,) = agendas(bot)
        assert "2026-03-09" in posted and "晚发" not in posted and "#1" in posted
        (row,) = bot.query("SELECT * FROM meetings")
        assert (row["grid_key"], row["meeting_date"], row["late"]) == (GRID, "2026-03-09", 0)
        assert row["unresolved"] == 1 and row["messages"] == 2  # the agenda and the sheet
    finally:
        await bot.stop()


async def test_downtime_across_a_meeting_posts_once_late_on_start_up(
    make_bot: Callable[..., Bot],
) -> None:
    bot = at(make_bot(), local(2026, 3, 9, 7, 0))
    await start(bot)
    await report(bot)
    await bot.stop()  # down before 08:00
    move_to(bot, local(2026, 3, 9, 10, 0))
    await start(bot)
    try:
        await bot.settled()
        (posted,) = agendas(bot)
        assert "晚发" in posted and "08:00" in posted
        assert bot.query("SELECT late FROM meetings")[0]["late"] == 1
        await bot.restart()  # right after posting
        await bot.settled()
        assert await tick(bot) == 0  # and the next tick
        assert len(agendas(bot)) == 1
        assert len(bot.query("SELECT * FROM meetings")) == 1
        assert len([m for m in bot.emu.bot_messages(GROUP) if m.kind == "photo"]) == 1
    finally:
        await bot.stop()


async def test_only_the_latest_missed_meeting_is_posted(make_bot: Callable[..., Bot]) -> None:
    bot = at(make_bot(), local(2026, 3, 9, 7, 0))
    await start(bot)
    await report(bot)
    await bot.stop()
    move_to(bot, local(2026, 3, 20, 9, 0))  # down over the 9th and the 19th
    await start(bot)
    try:
        await bot.settled()
        (posted,) = agendas(bot)
        assert "2026-03-19" in posted and "晚发" in posted
        assert [r["meeting_date"] for r in bot.query("SELECT * FROM meetings")] == ["2026-03-19"]
    finally:
        await bot.stop()


async def test_coordinators_get_one_line_per_grid(make_bot: Callable[..., Bot]) -> None:
    bot = make_bot(grids=[(GRID, "松鹤社区第一网格", GROUP), (GRID2, "松鹤社区第二网格", GROUP2)])
    bot.emu.add_group(GROUP2, "松鹤社区第二网格工作群")
    at(bot, local(2026, 3, 9, 7, 0))
    await start(bot)
    try:
        bot.emu.send_text(COORDINATOR, COORDINATOR, "/start")  # a bot cannot write first
        await report(bot)
        await report(bot, "5-1 路灯不亮")
        move_to(bot, local(2026, 3, 9, 8, 1))
        assert await tick(bot) == 2
        assert await tick(bot) == 0
        summaries = [r for r in bot.replies(COORDINATOR) if "各网格概况" in r]
        assert len(summaries) == 1
        lines = summaries[0].splitlines()
        assert "2026-03-09" in lines[0]
        assert lines[1:] == [
            "松鹤社区第一网格：未办结 2 · 超期 0 · 上次例会后办结 0",
            "松鹤社区第二网格：未办结 0 · 超期 0 · 上次例会后办结 0",
        ]
        assert len(lines) == 3
        assert len(agendas(bot, GROUP2)) == 1
    finally:
        await bot.stop()
