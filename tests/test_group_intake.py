"""Group intake through the emulator: every form of report makes exactly one issue."""

from __future__ import annotations

from tests.conftest import BUILDING_HEAD, GRID_HEAD, GROUP, UNIT_HEAD, Bot, jpeg


async def test_photo_with_caption_makes_one_issue_and_a_card(bot: Bot) -> None:
    sent = bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3号楼2单元楼道堆满杂物")
    await bot.settled()
    rows = bot.issues()
    assert len(rows) == 1
    issue = rows[0]
    assert (issue["category"], issue["building"], issue["unit"]) == ("clutter", "3", "2")
    assert issue["assignee_user_id"] == UNIT_HEAD
    card = bot.card(issue["id"])
    assert card.reply_to == sent["message_id"]
    assert "#1" in card.plain() and "楼道堆物" in card.plain()
    assert f'tg://user?id={UNIT_HEAD}' in card.text
    assert [d for _, d in card.buttons()][0] == "issue:claim:1"
