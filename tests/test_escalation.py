"""Unclaimed items climb the chain once per step (SPEC §4), checked at start-up and by the
job; a claim stops the clock."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import BUILDING_HEAD, COMMUNITY, GRID_HEAD, GROUP, UNIT_HEAD, Bot, jpeg


async def _tick(bot: Bot) -> None:
    assert bot.runner is not None
    await bot.runner.services.escalation.escalate_due()
    await bot.settled()


async def test_an_unclaimed_item_climbs_once_per_step_along_the_chain(bot: Bot) -> None:
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="3号楼2单元楼道杂物")  # normal: 24 h
    await bot.settled()
    assert bot.issues()[0]["assignee_user_id"] == UNIT_HEAD
    await _tick(bot)
    assert bot.query("SELECT COUNT(*) FROM escalations")[0][0] == 0  # not yet due
    expected = [BUILDING_HEAD, GRID_HEAD, COMMUNITY]
    for step, head in enumerate(expected, start=1):
        bot.clock.advance(timedelta(hours=24, minutes=1))
        await _tick(bot)
        await _tick(bot)  # a second check at the same time changes nothing
        (issue,) = bot.issues()
        assert issue["assignee_user_id"] == head
        assert bot.query("SELECT COUNT(*) FROM escalations")[0][0] == step
        nudge = bot.emu.bot_messages(GROUP)[-1]
        assert f"tg://user?id={head}" in nudge.text and "无人认领" in nudge.plain()
    bot.clock.advance(timedelta(hours=24, minutes=1))
    await _tick(bot)  # at the top: one last step is recorded, nobody left to ping
    assert bot.issues()[0]["ack_due_at"] is None
    before = len(bot.emu.bot_messages(GROUP))
    bot.clock.advance(timedelta(days=3))
    await _tick(bot)
    assert len(bot.emu.bot_messages(GROUP)) == before
    steps = [r["step"] for r in bot.query("SELECT step FROM escalations ORDER BY step")]
    assert steps == [1, 2, 3, 4]
    bot.emu.send_text(GROUP, GRID_HEAD, "/open")  # past its 5 working days: overdue
    await bot.settled()
    assert "⏰逾期" in bot.replies(GROUP)[-1]


async def test_a_claim_stops_the_clock_and_downtime_is_caught_up_once(bot: Bot) -> None:
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="3号楼2单元楼道杂物")
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="3号楼2单元 楼道里有纸箱 很急")
    await bot.settled()
    urgent = bot.issues()[1]
    assert urgent["priority"] == "urgent"
    bot.emu.press(GROUP, bot.card(1).message_id, UNIT_HEAD, "issue:claim:1")
    await bot.settled()
    await bot.stop()
    bot.clock.advance(timedelta(minutes=31))  # past the urgent item's 30 minutes
    await bot.start()
    await bot.settled()
    rows = bot.issues()
    assert rows[0]["assignee_user_id"] == UNIT_HEAD  # claimed: never escalated
    assert rows[1]["assignee_user_id"] == BUILDING_HEAD
    await bot.restart()
    await bot.settled()
    assert bot.query("SELECT COUNT(*) FROM escalations")[0][0] == 1
