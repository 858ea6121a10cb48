"""Possible duplicates, end to end (SPEC §3): the card offers "same as #M?", a merge by button
or /merge rejects the duplicate, its resident reporter follows the original, and enough
merges ("me too") raise the original's priority."""

from __future__ import annotations

from tests.conftest import GRID_HEAD, GROUP, OUTSIDER, RESIDENT, UNIT_HEAD, Bot
from tests.test_residents import report as resident_report

TEXT = "#随手拍 3号楼2单元楼道堆满纸箱"


async def reported(bot: Bot, text: str = TEXT) -> int:
    bot.emu.send_text(GROUP, GRID_HEAD, text)
    await bot.settled()
    return int(bot.issues()[-1]["id"])


def issue(bot: Bot, number: int) -> dict[str, object]:
    (row,) = bot.query("SELECT * FROM issues WHERE id = ?", (number,))
    return dict(row)


async def test_a_duplicate_is_offered_and_merged_by_the_button(bot: Bot) -> None:
    first = await reported(bot)
    assert "相同" not in bot.card(first).plain()
    other = await reported(bot, "#随手拍 5号楼1单元有人乱停车")  # another place: not offered
    assert not any(d.startswith("issue:merge") for _, d in bot.card(other).buttons())
    second = await reported(bot)
    card = bot.card(second)
    assert f"可能与 #{first} 相同" in card.plain()
    assert (f"🔁 与 #{first} 相同？", f"issue:merge:{second}:{first}") in card.buttons()
    bot.press(GROUP, GRID_HEAD, f"issue:merge:{second}:{first}")
    await bot.settled()
    assert bot.emu.answered_callbacks()[-1]["text"] == f"#{second} 已并入 #{first}"
    row = issue(bot, second)
    assert (row["status"], row["reject_reason"]) == ("rejected", f"与 #{first} 重复")
    assert f"与 #{first} 重复" in bot.card(second).plain()
    assert not any(d.startswith("issue:merge") for _, d in bot.card(second).buttons())
    assert "👥 同样反映 1 人" in bot.card(first).plain()


async def test_merge_by_command_and_a_stranger_is_refused(bot: Bot) -> None:
    first = await reported(bot)
    second = await reported(bot)
    bot.emu.send_text(GROUP, OUTSIDER, f"/merge {second} {first}")
    await bot.settled()
    assert bot.replies(GROUP)[-1] == "只有本网格的五长或协调员可以这样做。"
    assert issue(bot, second)["status"] != "rejected"
    bot.press(GROUP, OUTSIDER, f"issue:merge:{second}:{first}")
    await bot.settled()
    assert issue(bot, second)["status"] != "rejected"
    bot.emu.send_text(GROUP, GRID_HEAD, f"/merge {second} {second}")
    bot.emu.send_text(GROUP, GRID_HEAD, "/merge 2")
    await bot.settled()
    assert bot.replies(GROUP)[-2].startswith(f"#{second} 不能并入")
    assert bot.replies(GROUP)[-1].startswith("用法：/merge")
    bot.emu.send_text(GROUP, UNIT_HEAD, f"/merge #{second} #{first}")
    await bot.settled()
    assert bot.replies(GROUP)[-1] == f"#{second} 已并入 #{first}"
    assert issue(bot, second)["status"] == "rejected"
    bot.emu.send_text(GROUP, UNIT_HEAD, f"/merge {second} {first}")
    await bot.settled()
    assert bot.replies(GROUP)[-1] == f"#{second} 已经并入过了。"
    assert "👥 同样反映 1 人" in bot.card(first).plain()


async def test_the_resident_reporter_hears_the_originals_outcome(bot: Bot) -> None:
    first = await reported(bot)
    second = await resident_report(bot)
    assert f"issue:merge:{second}:{first}" in [d for _, d in bot.card(second).buttons()]
    bot.press(GROUP, GRID_HEAD, f"issue:merge:{second}:{first}")
    await bot.settled()
    assert f"#{second}" in bot.replies(RESIDENT)[-1]  # their own issue was closed as a repeat
    card = bot.card(first)
    bot.emu.press(GROUP, card.message_id, UNIT_HEAD, f"issue:claim:{first}")
    await bot.settled()
    assert bot.replies(RESIDENT)[-1].startswith(f"您反映的问题已并入 #{first}：")
    assert "处理中" in bot.replies(RESIDENT)[-1]
    bot.emu.press(GROUP, card.message_id, UNIT_HEAD, f"issue:resolve:{first}")
    await bot.settled()
    told = bot.replies(RESIDENT)[-1]
    assert told.startswith(f"您反映的问题已并入 #{first}：") and "修好了吗" not in told


async def test_me_too_counts_and_raises_priority_at_the_threshold(bot: Bot) -> None:
    first = await reported(bot)
    before = issue(bot, first)["priority"]
    assert before == "normal"
    numbers = [await reported(bot) for _ in range(3)]
    for count, number in enumerate(numbers, start=1):
        bot.emu.send_text(GROUP, GRID_HEAD, f"/merge {number} {first}")
        await bot.settled()
        assert f"👥 同样反映 {count} 人" in bot.card(first).plain()
        assert issue(bot, first)["priority"] == ("priority" if count == 3 else "normal")
    types = [r["type"] for r in bot.query(
        "SELECT type FROM events WHERE issue_id = ? ORDER BY id", (first,))]
    assert types.count("merged") == 3 and types.count("me_too_raised") == 1
    assert bot.card(first).plain().startswith(f"🟠 #{first}")
