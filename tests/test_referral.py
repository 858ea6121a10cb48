"""Referral to departments (转办, issue #10): /refer N DEPT [note] and the card's 📤 hand an
item to a department; its liaisons are pinged in its group or privately; a liaison claims
and resolves it as an assignee head would (their message's buttons, or the card's); the
reporter closes the loop; a referred item nobody claims escalates like any other."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

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
from tests.test_residents import LEAKS, report

DEPT_CHAT = -1002000000002
PROPERTY_LIAISON = 950
HEATING_LIAISON, HEATING_OFFLINE = 951, 952
DEPARTMENTS = f"""
[[departments]]
key = "property"
name = "物业公司"
name_en = "Property company"
liaisons = [{PROPERTY_LIAISON}]
chat_id = {DEPT_CHAT}

[[departments]]
key = "heating"
name = "热力公司"
name_en = "Heating company"
liaisons = [{HEATING_LIAISON}, {HEATING_OFFLINE}]
"""


@pytest.fixture
async def dbot(make_bot: Callable[..., Bot]) -> AsyncIterator[Bot]:
    running = make_bot(extra=DEPARTMENTS)
    emu = running.emu
    emu.add_group(DEPT_CHAT, "物业公司对接群")
    emu.add_user(PROPERTY_LIAISON, "物业小陈")
    emu.add_user(HEATING_LIAISON, "Zhao", language_code="en")
    emu.add_user(HEATING_OFFLINE, "热力小钱")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def events(bot: Bot, number: int) -> list[str]:
    return [r["type"] for r in bot.query(
        "SELECT type FROM events WHERE issue_id = ? ORDER BY id", (number,))]


def state(bot: Bot) -> tuple[list[dict[str, object]], int]:
    return [dict(r) for r in bot.issues()], bot.query("SELECT COUNT(*) FROM events")[0][0]


async def test_a_referral_through_the_liaison_to_a_verified_close(dbot: Bot) -> None:
    bot, emu = dbot, dbot.emu
    number = await report(bot)  # a resident's report, assigned to the unit head
    card = bot.card(number)
    assert f"issue:refer:{number}" in [d for _, d in card.buttons()]
    emu.press(GROUP, card.message_id, UNIT_HEAD, f"issue:refer:{number}")
    await bot.settled()
    assert bot.buttons(GROUP) == [f"issue:refer:{number}:property",
                                  f"issue:refer:{number}:heating", f"issue:back:{number}"]
    assert emu.answered_callbacks()[-1]["text"] == "请选择转办给哪个部门"
    emu.press(GROUP, card.message_id, UNIT_HEAD, f"issue:refer:{number}:property")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["status"], issue["department"]) == ("referred", "物业公司")
    assert issue["ack_due_at"] is not None  # the department's claim is awaited on the clock
    assert emu.answered_callbacks()[-1]["text"] == (
        f"📤 #{number} 已转办给「物业公司」，已通知部门联络人。")
    card = bot.card(number)
    assert "📤 已转办：物业公司（等待部门联络人认领）" in card.plain()
    assert card.plain().splitlines()[-1] == "状态：已转办"
    # The department's group is told, its liaison mentioned; the resident is named nowhere.
    (ping,) = emu.bot_messages(DEPT_CHAT)
    assert ping.plain().startswith(f"📤 #{number} 转办给「物业公司」")
    assert "楼道堆物 · 松鹤社区第一网格 · 3号楼2单元" in ping.plain()
    assert f"tg://user?id={PROPERTY_LIAISON}" in ping.text
    assert [d for _, d in ping.buttons()] == [f"dept:claim:{number}", f"dept:resolve:{number}"]
    assert not any(leak in ping.text for leak in LEAKS)
    assert "已转办" in bot.replies(RESIDENT)[-1]
    # Someone else in the department's group may not claim it.
    before = state(bot)
    emu.press(DEPT_CHAT, ping.message_id, OUTSIDER, f"dept:claim:{number}")
    await bot.settled()
    assert emu.answered_callbacks()[-1]["text"] == (
        "Only a head of this grid or a coordinator can do that.")
    assert state(bot) == before
    # The liaison claims from the department's group: the item is theirs, for the department.
    emu.press(DEPT_CHAT, ping.message_id, PROPERTY_LIAISON, f"dept:claim:{number}")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["status"], issue["assignee_user_id"], issue["assignee_role"]) == (
        "in_progress", PROPERTY_LIAISON, None)
    assert emu.answered_callbacks()[-1]["text"] == f"已认领 #{number}"
    assert "👷 负责：物业小陈（物业公司）" in bot.card(number).plain()
    assert [d for _, d in emu.bot_messages(DEPT_CHAT)[0].buttons()] == [f"dept:resolve:{number}"]
    assert "处理中" in bot.replies(RESIDENT)[-1]
    # ... and resolves it; the resident is asked and confirms: closed, verified.
    emu.press(DEPT_CHAT, ping.message_id, PROPERTY_LIAISON, f"dept:resolve:{number}")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "resolved"
    assert emu.bot_messages(DEPT_CHAT)[0].buttons() == []
    question = emu.bot_messages(RESIDENT)[-1]
    assert "修好了吗" in question.plain()
    emu.press(RESIDENT, question.message_id, RESIDENT, f"issue:verify:{number}:fixed")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["status"], issue["verified"]) == ("closed", 1)
    assert "已办结" in bot.card(number).plain()
    assert events(bot, number) == ["reported", "assigned", "refer", "claim", "resolve", "close"]
    refer = bot.query("SELECT * FROM events WHERE issue_id = ? AND type = 'refer'", (number,))[0]
    assert (refer["actor_user_id"], json.loads(refer["data"])["department"]) == (
        UNIT_HEAD, "物业公司")


async def test_refer_by_command_pings_liaisons_privately_and_shows_on_the_agenda(
    dbot: Bot,
) -> None:
    bot, emu = dbot, dbot.emu
    emu.send_text(HEATING_LIAISON, HEATING_LIAISON, "/start")  # the other never did
    emu.send_text(GROUP, GRID_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    number = int(bot.issues()[-1]["id"])
    emu.send_text(GROUP, GRID_HEAD, f"/refer {number} heating 请尽快上门\n带上工具")
    await bot.settled()
    assert bot.replies(GROUP)[-1] == f"📤 #{number} 已转办给「热力公司」，已通知部门联络人。"
    ping = emu.bot_messages(HEATING_LIAISON)[-1]  # in the liaison's own language
    assert ping.plain().startswith(f"📤 #{number} referred to Heating company")
    assert "💬 Note: 请尽快上门\n带上工具" in ping.plain()
    assert [d for _, d in ping.buttons()] == [f"dept:claim:{number}", f"dept:resolve:{number}"]
    assert emu.bot_messages(HEATING_OFFLINE) == []
    refer = bot.query("SELECT * FROM events WHERE type = 'refer'")[0]
    data = json.loads(refer["data"])
    assert (data["department"], data["note"]) == ("热力公司", "请尽快上门\n带上工具")
    emu.send_text(GROUP, GRID_HEAD, "/agenda")
    await bot.settled()
    assert "转办：热力公司" in bot.replies(GROUP)[-1]
    # The liaison may also use the card's buttons in the group.
    emu.press(GROUP, bot.card(number).message_id, HEATING_LIAISON, f"issue:claim:{number}")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["status"], issue["assignee_user_id"]) == ("in_progress", HEATING_LIAISON)
    emu.press(GROUP, bot.card(number).message_id, HEATING_LIAISON, f"issue:resolve:{number}")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "resolved"
    emu.send_text(GROUP, GRID_HEAD, f"/close {number}")  # the reporter confirms
    await bot.settled()
    assert bot.issues()[-1]["status"] == "closed"


async def test_a_referred_item_nobody_claims_escalates_like_any_other(dbot: Bot) -> None:
    bot, emu = dbot, dbot.emu
    emu.send_text(GROUP, GRID_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")  # normal: 24 h
    await bot.settled()
    number = int(bot.issues()[-1]["id"])
    emu.send_text(GROUP, UNIT_HEAD, f"/refer {number} property")
    await bot.settled()
    assert bot.runner is not None
    bot.clock.advance(timedelta(hours=23))
    await bot.runner.services.escalation.escalate_due()
    await bot.settled()
    assert bot.issues()[-1]["status"] == "referred"  # not yet
    bot.clock.advance(timedelta(hours=1, minutes=1))
    await bot.runner.services.escalation.escalate_due()
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["status"], issue["assignee_user_id"]) == ("assigned", BUILDING_HEAD)
    assert bot.query("SELECT COUNT(*) FROM escalations")[0][0] == 1
    assert events(bot, number)[-1] == "escalated"
    nudge = emu.bot_messages(GROUP)[-1]
    assert f"tg://user?id={BUILDING_HEAD}" in nudge.text and "无人认领" in nudge.plain()
    # No longer with the department: its liaison's buttons are refused, nothing changes.
    before = state(bot)
    ping = emu.bot_messages(DEPT_CHAT)[-1]
    emu.press(DEPT_CHAT, ping.message_id, PROPERTY_LIAISON, f"dept:claim:{number}")
    await bot.settled()
    assert emu.answered_callbacks()[-1]["text"] == "只有本网格的五长或协调员可以这样做。"
    assert state(bot) == before


async def test_wrong_arguments_and_people_without_the_right_change_nothing(dbot: Bot) -> None:
    bot, emu = dbot, dbot.emu
    emu.send_text(GROUP, GRID_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    number = int(bot.issues()[-1]["id"])
    before = state(bot)
    for user, text in ((GRID_HEAD, "/refer"), (GRID_HEAD, "/refer abc property"),
                       (GRID_HEAD, f"/refer {number}"), (GRID_HEAD, f"/refer {number} water"),
                       (BUILDING_HEAD, f"/refer {number} property"),
                       (OUTSIDER, f"/refer {number} property"), (OUTSIDER, "/refer 999 property"),
                       (GRID_HEAD, f"/refer {number} property " + "长" * 501)):
        emu.send_text(GROUP, user, text)
    await bot.settled()
    usage = "用法：/refer 编号 部门 [备注]，例如 /refer 12 property 请尽快派人维修"
    assert bot.replies(GROUP)[-8:] == [
        usage, usage, usage,
        "没有部门「water」。可以转办的部门：property, heating",
        "只有负责人、网格长、社区长或协调员可以这样做。",
        "只有本网格的五长或协调员可以这样做。",
        "只有本网格的五长或协调员可以这样做。",
        "备注太长了（最多 500 字）。",
    ]
    card = bot.card(number)
    emu.press(GROUP, card.message_id, OUTSIDER, f"issue:refer:{number}")
    emu.press(GROUP, card.message_id, BUILDING_HEAD, f"issue:refer:{number}:property")
    emu.press(GROUP, card.message_id, GRID_HEAD, f"issue:refer:{number}:nowhere")
    # A liaison of one department cannot act for an item with none (or another) department.
    emu.press(GROUP, card.message_id, PROPERTY_LIAISON, f"issue:claim:{number}")
    await bot.settled()
    assert [a["text"] for a in emu.answered_callbacks()[-4:]] == [
        "Only the assignee, the grid or community head, or a coordinator can do that.",
        "只有负责人、网格长、社区长或协调员可以这样做。",
        "没有部门「nowhere」。可以转办的部门：property, heating",
        "只有本网格的五长或协调员可以这样做。",
    ]
    assert state(bot) == before
    assert emu.bot_messages(DEPT_CHAT) == []
    # A coordinator may refer anything; its group hears of it.
    emu.send_text(GROUP, COORDINATOR, f"/refer #{number} 物业公司")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "referred"
    assert len(emu.bot_messages(DEPT_CHAT)) == 1


async def test_without_departments_refer_says_so(bot: Bot) -> None:
    bot.emu.send_text(GROUP, GRID_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    number = int(bot.issues()[-1]["id"])
    bot.emu.send_text(GROUP, GRID_HEAD, f"/refer {number} property")
    await bot.settled()
    assert bot.replies(GROUP)[-1] == "还没有配置可以转办的部门（配置文件里的 [[departments]]）。"
    bot.press(GROUP, GRID_HEAD, f"issue:refer:{number}")
    await bot.settled()
    assert bot.emu.answered_callbacks()[-1]["text"] == (
        "还没有配置可以转办的部门（配置文件里的 [[departments]]）。")
    assert bot.issues()[-1]["status"] == "assigned"
