"""The lifecycle as commands (issue #10): /assign N @head|ROLE (or as a reply), /reject N
reason, /close N, /reopen N — the same rights, events and card edits as the card's
buttons; wrong arguments and people without the right get a clear answer and change
nothing."""

from __future__ import annotations

import json

from tests.conftest import (
    BUILDING_HEAD,
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    POLICE,
    UNIT_HEAD,
    Bot,
)


async def reported(bot: Bot, text: str = "3号楼2单元楼道堆满纸箱") -> int:
    bot.emu.send_text(GROUP, GRID_HEAD, f"#随手拍 {text}")
    await bot.settled()
    return int(bot.issues()[-1]["id"])


def events(bot: Bot, number: int) -> list[dict[str, object]]:
    return [dict(r) for r in bot.query(
        "SELECT * FROM events WHERE issue_id = ? ORDER BY id", (number,))]


def state(bot: Bot) -> tuple[list[dict[str, object]], int]:
    return [dict(r) for r in bot.issues()], bot.query("SELECT COUNT(*) FROM events")[0][0]


async def test_assign_by_role_by_reply_and_by_username(bot: Bot) -> None:
    number = await reported(bot)
    assert bot.issues()[-1]["assignee_user_id"] == UNIT_HEAD
    bot.emu.send_text(GROUP, GRID_HEAD, f"/assign {number} building")
    await bot.settled()
    assert bot.replies(GROUP)[-1] == f"#{number} 已转派"
    issue = bot.issues()[-1]
    assert (issue["status"], issue["assignee_user_id"], issue["assignee_role"]) == (
        "assigned", BUILDING_HEAD, "building")
    assert f"tg://user?id={BUILDING_HEAD}" in bot.card(number).text
    last = events(bot, number)[-1]
    assert last["type"] == "assign" and last["actor_user_id"] == GRID_HEAD
    assert json.loads(str(last["data"]))["to"] == BUILDING_HEAD
    assert last["chat_id"] == GROUP and last["message_id"] is not None
    # As a reply to the person's own message.
    said = bot.emu.send_text(GROUP, POLICE, "这个我来看看")
    await bot.settled()
    bot.emu.send_text(GROUP, COORDINATOR, f"/assign #{number}", reply_to=said["message_id"])
    await bot.settled()
    assert bot.issues()[-1]["assignee_user_id"] == POLICE
    # By @username of someone the bot has met; 楼长 in Chinese works as the role too.
    bot.emu.add_user(UNIT_HEAD, "黄福军", username="Huang_FJ")
    bot.emu.send_text(GROUP, UNIT_HEAD, "收到")
    await bot.settled()
    bot.emu.send_text(GROUP, GRID_HEAD, f"/assign {number} @huang_fj")
    await bot.settled()
    assert bot.issues()[-1]["assignee_user_id"] == UNIT_HEAD
    bot.emu.send_text(GROUP, GRID_HEAD, f"/assign {number} 楼长")
    await bot.settled()
    assert bot.issues()[-1]["assignee_user_id"] == BUILDING_HEAD
    assert [e["type"] for e in events(bot, number)].count("assign") == 4


async def test_the_command_and_the_button_record_the_same_event(bot: Bot) -> None:
    by_command = await reported(bot)
    by_button = await reported(bot, "3号楼2单元楼道又堆满了")
    bot.emu.send_text(GROUP, UNIT_HEAD, f"/reject {by_command} 重复事件")
    bot.press(GROUP, UNIT_HEAD, f"issue:reject:{by_button}")
    await bot.settled()
    bot.press(GROUP, UNIT_HEAD, f"issue:rejectwhy:{by_button}:duplicate")
    await bot.settled()
    a, b = events(bot, by_command)[-1], events(bot, by_button)[-1]
    for key in ("type", "actor_user_id", "from_status", "to_status"):
        assert a[key] == b[key], key
    reasons = (json.loads(str(a["data"]))["reason"], json.loads(str(b["data"]))["reason"])
    assert reasons == ("重复事件", "重复事件")
    for number in (by_command, by_button):
        issue = bot.query("SELECT * FROM issues WHERE id = ?", (number,))[0]
        assert (issue["status"], issue["reject_reason"]) == ("rejected", "重复事件")
        assert "已驳回" in bot.card(number).plain()
    assert f"#{by_command} 已驳回" in bot.replies(GROUP)


async def test_reject_reopen_and_close_through_the_loop(bot: Bot) -> None:
    number = await reported(bot)
    bot.emu.send_text(GROUP, COORDINATOR, f"/reject {number} 不属于本网格，已告知物业")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "rejected"
    assert "不属于本网格，已告知物业" in bot.card(number).plain()
    bot.emu.send_text(GROUP, GRID_HEAD, f"/reopen {number}")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["status"], issue["assignee_user_id"]) == ("assigned", UNIT_HEAD)
    assert bot.replies(GROUP)[-1] == f"#{number} 已重新打开"
    bot.press(GROUP, UNIT_HEAD, f"issue:claim:{number}")
    await bot.settled()
    bot.press(GROUP, UNIT_HEAD, f"issue:resolve:{number}")
    await bot.settled()
    bot.emu.send_text(GROUP, GRID_HEAD, f"/close {number}")  # the reporter verifies
    await bot.settled()
    issue = bot.issues()[-1]
    assert issue["status"] == "closed"
    assert bot.replies(GROUP)[-1] == f"#{number} 已办结"
    assert "已办结" in bot.card(number).plain()
    # A coordinator may close an unresolved one, skipping verification.
    other = await reported(bot, "3号楼2单元门口堆了砖")
    bot.emu.send_text(GROUP, COORDINATOR, f"/close {other}")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "closed"
    types = [e["type"] for e in events(bot, number)]
    assert types[-5:] == ["reject", "reopen", "claim", "resolve", "close"]


async def test_wrong_arguments_get_the_usage_and_change_nothing(bot: Bot) -> None:
    number = await reported(bot)
    await reported(bot, "楼道里有纸箱")  # no place: no unit head to name
    before = state(bot)
    for text in ("/assign", "/assign abc building", f"/assign {number}",
                 f"/assign {number} mayor", f"/assign {number} building extra",
                 f"/reject {number}", "/reject", "/close", "/close x", f"/reopen {number} 2",
                 f"/assign {number} @nobody_here", f"/assign {number + 1} unit",
                 f"/reject {number} " + "很长" * 200):
        bot.emu.send_text(GROUP, GRID_HEAD, text)
    await bot.settled()
    assign_usage = ("用法：/assign 编号 @用户名，或 /assign 编号 角色（community、police、grid、"
                    "building、unit，或 社区长、警长、网格长、楼长、单元长），"
                    "也可以回复那个人的消息发 /assign 编号")
    assert bot.replies(GROUP)[-13:] == [
        assign_usage, assign_usage, assign_usage, assign_usage, assign_usage,
        "用法：/reject 编号 原因，例如 /reject 12 重复上报",
        "用法：/reject 编号 原因，例如 /reject 12 重复上报",
        "用法：/close 编号，例如 /close 12",
        "用法：/close 编号，例如 /close 12",
        "用法：/reopen 编号，例如 /reopen 12",
        "不认识 @nobody_here：请他先在群里说句话或私聊机器人，或者回复他的消息发 /assign 编号。",
        f"#{number + 1} 所在位置没有单元长，请写明要转派给谁（@用户名），或先用 /place 更正位置。",
        "驳回原因太长了（最多 200 字）。",
    ]
    assert state(bot) == before


async def test_people_without_the_right_are_refused_and_nothing_changes(bot: Bot) -> None:
    number = await reported(bot)
    before = state(bot)
    bot.emu.send_text(GROUP, UNIT_HEAD, f"/assign {number} building")  # the assignee
    bot.emu.send_text(GROUP, BUILDING_HEAD, f"/reject {number} 不归我管")  # not the assignee
    bot.emu.send_text(GROUP, UNIT_HEAD, f"/close {number}")  # never resolved
    bot.emu.send_text(GROUP, GRID_HEAD, f"/reopen {number}")  # nothing to reopen
    bot.emu.send_text(GROUP, OUTSIDER, f"/close {number}")
    bot.emu.send_text(GROUP, OUTSIDER, "/close 999")  # the same answer: numbers are not probed
    bot.emu.send_text(OUTSIDER, OUTSIDER, f"/assign {number} unit")
    await bot.settled()
    assert bot.replies(GROUP)[-6:] == [
        "只有网格长、社区长或协调员可以转派。",
        "只有负责人、网格长、社区长或协调员可以这样做。",
        "只有协调员可以这样做。",
        f"#{number} 当前状态是「已指派」，不能这样操作。",
        "只有本网格的五长或协调员可以这样做。",
        "只有本网格的五长或协调员可以这样做。",
    ]
    assert bot.replies(OUTSIDER)[-1] == "Only a head of this grid or a coordinator can do that."
    assert state(bot) == before
