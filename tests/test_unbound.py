"""Reports in a group bound to no grid are kept, not lost: the group is told once what to do,
every coordinator hears of the group once in private, and a coordinator's /bind files every
kept report as an issue with its card and ping, exactly once, also after a repeated /bind,
a crash and a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.services.issues import Report
from tests.conftest import COORDINATOR, GRID, GRID_HEAD, GROUP, UNIT_HEAD, Bot, jpeg

OTHER = -1009999
TITLE = "松鹤社区新网格群"


@pytest.fixture
async def unbound(bot: Bot) -> AsyncIterator[Bot]:
    """The bot in a group nobody has bound yet; a coordinator and a head have started it
    (a bot cannot write first)."""
    bot.emu.add_group(OTHER, TITLE)
    for user in (COORDINATOR, UNIT_HEAD):
        bot.emu.send_text(user, user, "/start")
    await bot.settled()
    yield bot


def kept(bot: Bot) -> list[tuple[int, int | None]]:
    """(message id, issue it became) of every report kept from the unbound group."""
    return [(r["message_id"], r["issue_id"]) for r in bot.query(
        "SELECT message_id, issue_id FROM pending_reports WHERE chat_id = ? ORDER BY message_id",
        (OTHER,),
    )]


def told(bot: Bot) -> list[str]:
    return [r for r in bot.replies(OTHER) if "先存着" in r]


def heard(bot: Bot) -> list[str]:
    return [r for r in bot.replies(COORDINATOR) if TITLE in r]


async def test_reports_are_kept_and_the_group_and_coordinators_told_once(unbound: Bot) -> None:
    bot, emu = unbound, unbound.emu
    first = emu.send_photo(OTHER, GRID_HEAD, jpeg(), caption="3-2 楼道杂物堆放")
    second = emu.send_text(OTHER, UNIT_HEAD, "#随手拍 2号楼闻到煤气味")
    album = [emu.send_photo(OTHER, GRID_HEAD, jpeg(colour), media_group_id="album-1",
                            caption="5号楼门口路灯不亮" if colour == "red" else None)
             for colour in ("red", "green", "blue")]
    emu.send_photo(OTHER, GRID_HEAD, jpeg())  # a bare photo: not necessarily a report
    emu.send_voice(OTHER, GRID_HEAD, b"OggS-voice")  # nor a bare voice message
    emu.send_text(OTHER, GRID_HEAD, "今天大家辛苦了")  # chat
    await bot.settled()
    assert bot.issues() == []
    assert kept(bot) == [(m["message_id"], None) for m in (first, second, *album)]
    (notice,) = [m for m in emu.bot_messages(OTHER) if "先存着" in m.plain()]
    assert notice.reply_to == first["message_id"] and "/bind 网格代码" in notice.plain()
    assert any("119" in r for r in bot.replies(OTHER))  # an emergency is still warned of
    (coordinator,) = heard(bot)
    assert f"群「{TITLE}」（ID {OTHER}）" in coordinator and "/bind" in coordinator
    assert not any(TITLE in r for r in bot.replies(UNIT_HEAD))  # a head is no coordinator
    # More reports, a restart with everything redelivered, and the first one handled again
    # (a crash after it was kept, before its update counted as processed): nobody is told
    # again and nothing is kept twice.
    emu.send_text(OTHER, GRID_HEAD, "#随手拍 3号楼电梯坏了")
    await bot.settled()
    await bot.stop()
    emu.redeliver_from(1)
    await bot.start()
    await bot.settled()
    assert bot.runner is not None
    await bot.runner.services.pending.keep(Report(
        chat_id=OTHER, message_id=first["message_id"], user_id=GRID_HEAD, user_name="张网格长",
        text="3-2 楼道杂物堆放",
    ), TITLE)
    await bot.settled()
    assert len(kept(bot)) == 6 and len(told(bot)) == 1 and len(heard(bot)) == 1


async def test_bind_files_every_kept_report_once_with_its_card_and_ping(unbound: Bot) -> None:
    bot, emu = unbound, unbound.emu
    report = emu.send_photo(OTHER, GRID_HEAD, jpeg(), caption="3-2 楼道杂物堆放")
    album = [emu.send_photo(OTHER, GRID_HEAD, jpeg(colour), media_group_id="album-1",
                            caption="5号楼门口路灯不亮" if colour == "red" else None)
             for colour in ("red", "green")]
    emu.send_text(OTHER, GRID_HEAD, f"/bind {GRID}")  # only a coordinator may bind
    await bot.settled()
    assert bot.issues() == [] and any("只有协调员" in r for r in bot.replies(OTHER))
    # A new working group for grid songhe-1: the coordinator binds it there.
    emu.send_text(OTHER, COORDINATOR, f"/bind {GRID}")
    await bot.settled()
    rows = bot.issues()
    assert [r["source_message_id"] for r in rows] == [report["message_id"],
                                                      album[0]["message_id"]]
    assert all((r["grid_key"], r["card_chat_id"]) == (GRID, OTHER) for r in rows)
    assert rows[0]["assignee_user_id"] == UNIT_HEAD
    assert kept(bot) == [(report["message_id"], 1), *((m["message_id"], 2) for m in album)]
    photos = bot.query("SELECT COUNT(*) FROM media WHERE issue_id = 2 AND status = 'stored'")
    assert photos[0][0] == 2  # the album is one issue with both photos
    assert bot.card(1).reply_to == report["message_id"]
    assert len(bot.cards(OTHER)) == 2 and bot.cards(GROUP) == []
    assert sum("#1" in r for r in bot.replies(UNIT_HEAD)) == 1  # pinged, once

    emu.send_text(OTHER, COORDINATOR, f"/bind {GRID}")  # again: nothing is filed twice
    await bot.settled()
    assert len(bot.issues()) == 2 and len(bot.cards(OTHER)) == 2
    # Bound now: a report is an issue at once, and nobody is told to /bind.
    emu.send_text(OTHER, GRID_HEAD, "#随手拍 3号楼电梯坏了")
    await bot.settled()
    assert len(bot.issues()) == 3 and len(told(bot)) == 1 and len(heard(bot)) == 1
    await bot.restart()  # (the config file then moves songhe-1 back to its own group)
    await bot.settled()
    assert len(bot.issues()) == 3 and len(bot.cards(OTHER)) == 3
    assert sum("#1" in r for r in bot.replies(UNIT_HEAD)) == 1


async def test_a_filing_cut_short_by_a_crash_ends_once_at_the_next_start(unbound: Bot) -> None:
    """The issue was made but the kept report not yet marked when the bot died: the next
    start finds the issue the message already made and files nothing twice."""
    bot, emu = unbound, unbound.emu
    emu.send_photo(OTHER, GRID_HEAD, jpeg(), caption="3-2 楼道杂物堆放")
    await bot.settled()
    emu.send_text(OTHER, COORDINATOR, "/bind songhe-2")
    await bot.settled()
    (issue,) = bot.issues()
    await bot.stop()
    with bot.db() as conn:
        conn.execute("UPDATE pending_reports SET issue_id = NULL")
    await bot.start()
    await bot.settled()
    assert [r["id"] for r in bot.issues()] == [issue["id"]]
    assert len(bot.cards(OTHER)) == 1
    assert [i for _, i in kept(bot)] == [issue["id"]]


async def test_a_group_bound_in_the_config_file_files_its_kept_reports_at_start(
    make_bot: Callable[..., Bot],
) -> None:
    bot = make_bot()
    bot.emu.add_group(OTHER, TITLE)
    await bot.start()
    try:
        bot.emu.send_photo(OTHER, GRID_HEAD, jpeg(), caption="3-2 楼道杂物堆放")
        await bot.settled()
        assert bot.issues() == [] and len(kept(bot)) == 1
    finally:
        await bot.stop()
    configured = make_bot(grids=[(GRID, "松鹤社区第一网格", GROUP),
                                 ("songhe-2", "松鹤社区第二网格", OTHER)])
    await configured.start()
    try:
        await configured.settled()
        (issue,) = configured.issues()
        assert (issue["grid_key"], issue["card_chat_id"]) == ("songhe-2", OTHER)
        assert len(configured.cards(OTHER)) == 1
    finally:
        await configured.stop()
