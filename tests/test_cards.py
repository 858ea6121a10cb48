"""Buttons on the card: each checks the presser's right; the one card is edited in place."""

from __future__ import annotations

from tests.conftest import (
    BUILDING_HEAD,
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    UNIT_HEAD,
    Bot,
    jpeg,
)


async def _one_issue(bot: Bot) -> int:
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3号楼2单元楼道杂物")
    await bot.settled()
    (issue,) = bot.issues()
    return int(issue["id"])


def _press(bot: Bot, issue_id: int, user: int, data: str) -> None:
    card = bot.card(issue_id)
    bot.emu.press(GROUP, card.message_id, user, data)


async def test_claim_resolve_close_edits_the_one_card(bot: Bot) -> None:
    n = await _one_issue(bot)
    _press(bot, n, UNIT_HEAD, f"issue:claim:{n}")
    await bot.settled()
    assert "处理中" in bot.card(n).plain()
    assert bot.card(n).buttons()[0][1] == f"issue:resolve:{n}"
    _press(bot, n, UNIT_HEAD, f"issue:resolve:{n}")
    await bot.settled()
    assert "已解决待核实" in bot.card(n).plain()
    _press(bot, n, UNIT_HEAD, f"issue:close:{n}")  # the reporter verifies
    await bot.settled()
    card = bot.card(n)
    assert "已办结" in card.plain()
    assert card.edits >= 3
    assert len(bot.cards()) == 1
    (issue,) = bot.issues()
    assert issue["status"] == "closed" and issue["closed_at"]
    types = [r["type"] for r in bot.query("SELECT type FROM events ORDER BY id")]
    assert types == ["reported", "assigned", "claim", "resolve", "close"]
    answers = [a.get("text") for a in bot.emu.answered_callbacks()]
    assert answers == [f"已认领 #{n}", f"#{n} 已标记为已解决，等待核实", f"#{n} 已办结"]


async def test_a_press_without_the_right_changes_nothing_and_says_why(bot: Bot) -> None:
    n = await _one_issue(bot)
    before = bot.card(n).text
    _press(bot, n, OUTSIDER, f"issue:claim:{n}")  # not a head; English-speaking user
    await bot.settled()
    (answer,) = bot.emu.answered_callbacks()
    assert answer["show_alert"] and "Only a head of this grid" in answer["text"]
    assert bot.issues()[0]["status"] == "assigned"
    assert bot.card(n).text == before
    assert [r["type"] for r in bot.query("SELECT type FROM events ORDER BY id")] == [
        "reported", "assigned",
    ]


async def test_only_the_assignee_or_leads_may_resolve(bot: Bot) -> None:
    n = await _one_issue(bot)
    _press(bot, n, UNIT_HEAD, f"issue:claim:{n}")
    await bot.settled()
    _press(bot, n, BUILDING_HEAD, f"issue:resolve:{n}")
    await bot.settled()
    assert "只有负责人" in bot.emu.answered_callbacks()[-1]["text"]
    assert bot.issues()[0]["status"] == "in_progress"


async def test_reassign_through_the_menu(bot: Bot) -> None:
    n = await _one_issue(bot)
    _press(bot, n, UNIT_HEAD, f"issue:assign:{n}")  # the unit head may not reassign
    await bot.settled()
    assert "只有网格长" in bot.emu.answered_callbacks()[-1]["text"]
    _press(bot, n, GRID_HEAD, f"issue:assign:{n}")
    await bot.settled()
    menu = [d for _, d in bot.card(n).buttons()]
    assert f"issue:assignto:{n}:{BUILDING_HEAD}" in menu and f"issue:back:{n}" in menu
    _press(bot, n, GRID_HEAD, f"issue:assignto:{n}:{BUILDING_HEAD}")
    await bot.settled()
    (issue,) = bot.issues()
    assert issue["assignee_user_id"] == BUILDING_HEAD
    card = bot.card(n)
    assert f"tg://user?id={BUILDING_HEAD}" in card.text
    assert card.buttons()[0][1] == f"issue:claim:{n}"


async def test_reject_with_a_reason(bot: Bot) -> None:
    n = await _one_issue(bot)
    _press(bot, n, COORDINATOR, f"issue:reject:{n}")
    await bot.settled()
    _press(bot, n, COORDINATOR, f"issue:rejectwhy:{n}:duplicate")
    await bot.settled()
    (issue,) = bot.issues()
    assert issue["status"] == "rejected" and issue["reject_reason"] == "重复事件"
    assert "已驳回 · 重复事件" in bot.card(n).plain()


async def test_illegal_transition_and_forged_buttons_are_refused(bot: Bot) -> None:
    n = await _one_issue(bot)
    _press(bot, n, GRID_HEAD, f"issue:resolve:{n}")  # allowed: the grid head may resolve
    await bot.settled()
    _press(bot, n, GRID_HEAD, f"issue:claim:{n}")  # but a resolved issue cannot be claimed
    await bot.settled()
    assert "不能这样操作" in bot.emu.answered_callbacks()[-1]["text"]
    _press(bot, n, GRID_HEAD, "issue:explode:1")
    _press(bot, n, GRID_HEAD, "issue:claim:99999")
    await bot.settled()
    texts = [a["text"] for a in bot.emu.answered_callbacks()[-2:]]
    assert texts == ["这个按钮已失效。", "没有找到事件 #99999。"]
    assert bot.issues()[0]["status"] == "resolved"
