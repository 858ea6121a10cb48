"""Fixing what the reader got wrong, end to end: ✏️ on the card and /category, /place,
/priority — each an event, re-routed to the right head, the card edited, strangers refused."""

from __future__ import annotations

from tests.conftest import (
    BUILDING_HEAD,
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    RESIDENT,
    UNIT_HEAD,
    Bot,
)


def events(bot: Bot, number: int) -> list[str]:
    return [r["type"] for r in bot.query(
        "SELECT type FROM events WHERE issue_id = ? ORDER BY id", (number,))]


async def reported(bot: Bot, text: str) -> int:
    bot.emu.send_text(GROUP, GRID_HEAD, f"#随手拍 {text}")
    await bot.settled()
    return int(bot.issues()[-1]["id"])


async def test_the_fix_buttons_set_the_place_and_reroute(bot: Bot) -> None:
    number = await reported(bot, "楼道里堆满了纸箱")
    card = bot.card(number)
    assert "还不知道具体位置" in card.plain()
    assert ("✏️ 更正", f"issue:fix:{number}") in card.buttons()
    bot.press(GROUP, GRID_HEAD, f"issue:fix:{number}")
    await bot.settled()
    bot.press(GROUP, GRID_HEAD, f"issue:fixp:{number}")
    await bot.settled()
    assert f"issue:setp:{number}:3-2" in bot.buttons(GROUP)
    bot.press(GROUP, GRID_HEAD, f"issue:setp:{number}:3-2")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["building"], issue["unit"], issue["assignee_user_id"]) == ("3", "2", UNIT_HEAD)
    card = bot.card(number)
    assert "3号楼2单元" in card.plain() and "还不知道具体位置" not in card.plain()
    assert f"tg://user?id={UNIT_HEAD}" in card.text
    assert events(bot, number)[-1] == "fixed"
    assert bot.emu.answered_callbacks()[-1]["text"] == f"#{number} 已更正"


async def test_the_commands_fix_category_and_priority(bot: Bot) -> None:
    number = await reported(bot, "3号楼2单元楼道堆满纸箱")
    assert bot.issues()[-1]["assignee_user_id"] == UNIT_HEAD
    bot.emu.send_text(GROUP, COORDINATOR, f"/category {number} parking")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["category"], issue["kind"], issue["assignee_user_id"]) == (
        "parking", "public_event", BUILDING_HEAD)
    assert bot.replies(GROUP)[-1] == f"#{number} 已更正"
    bot.emu.send_text(GROUP, UNIT_HEAD, f"/priority #{number} urgent")
    await bot.settled()
    assert bot.issues()[-1]["priority"] == "urgent"
    assert bot.card(number).plain().startswith(f"🔴 #{number} 车辆乱停")
    assert events(bot, number)[-2:] == ["fixed", "fixed"]


async def test_fixes_are_refused_with_a_reason_and_change_nothing(bot: Bot) -> None:
    number = await reported(bot, "3号楼2单元楼道堆满纸箱")
    before = [dict(r) for r in bot.issues()]
    bot.emu.send_text(GROUP, OUTSIDER, f"/category {number} water")
    bot.emu.send_text(GROUP, GRID_HEAD, f"/category {number} nonsense")
    bot.emu.send_text(GROUP, GRID_HEAD, f"/place {number} somewhere")
    bot.emu.send_text(GROUP, GRID_HEAD, f"/priority {number} asap")
    bot.emu.send_text(GROUP, GRID_HEAD, f"/category {number} clutter")
    await bot.settled()
    assert bot.replies(GROUP)[-5:] == [
        "只有本网格的五长或协调员可以这样做。",  # the group hears its own language
        "没有分类「nonsense」。可用的分类代码：clutter, parking, dispute, safety, heating, "
        "water, sanitation, facility, property, wish, other",
        "用法：/place 编号 位置，例如 /place 12 3-2（3号楼2单元）",
        "用法：/priority 编号 紧急程度：urgent（紧急）、priority（优先）、normal（一般）、"
        "planned（计划）",
        f"#{number} 本来就是这样，没有改动。",
    ]
    bot.press(GROUP, OUTSIDER, f"issue:fix:{number}")
    await bot.settled()
    assert bot.emu.answered_callbacks()[-1]["text"] == (
        "Only a head of this grid or a coordinator can do that.")
    assert [dict(r) for r in bot.issues()] == before
    assert "fixed" not in events(bot, number)


async def test_a_reply_with_the_address_sets_a_missing_place(bot: Bot) -> None:
    number = await reported(bot, "楼道里堆满了纸箱")
    bot.emu.send_text(GROUP, GRID_HEAD, "3-2", reply_to=bot.card(number).message_id)
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["building"], issue["unit"], issue["assignee_user_id"]) == ("3", "2", UNIT_HEAD)
    assert bot.replies(GROUP)[-1] == f"#{number} 已更正"
    assert events(bot, number)[-1] == "fixed"


async def test_a_resident_tells_the_place_of_their_own_report(bot: Bot) -> None:
    emu = bot.emu
    emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:-")  # "not sure / somewhere else"
    await bot.settled()
    emu.send_text(RESIDENT, RESIDENT, "楼道里堆满了纸箱")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:c:clutter")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()
    number = int(bot.issues()[-1]["id"])
    submitted = emu.bot_messages(RESIDENT)[-1]
    emu.send_text(RESIDENT, RESIDENT, "3号楼2单元", reply_to=submitted.message_id)
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["building"], issue["unit"], issue["assignee_user_id"]) == ("3", "2", UNIT_HEAD)
    # Once: the place is known now, and the resident has no other say in the reading.
    emu.send_text(RESIDENT, RESIDENT, f"/category {number} water")
    await bot.settled()
    assert bot.issues()[-1]["category"] == "clutter"
