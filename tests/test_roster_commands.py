"""The roster in chat (issue #10): /roster shows the five heads with the vacancies, /sethead
as a reply appoints, /sethead ... none vacates; each change is logged with who and when and
survives a restart until the config file's entry for that seat changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.config import load_config
from tests.conftest import (
    BUILDING_HEAD,
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    HEADS,
    OUTSIDER,
    UNIT_HEAD,
    Bot,
    write_config,
)

NEWCOMER = 910


def seats(bot: Bot) -> list[tuple[str, str, str, int, str]]:
    return [(r["role"], r["building"], r["unit"], r["user_id"], r["source"]) for r in bot.query(
        "SELECT * FROM roles WHERE grid_key = 'songhe-1' ORDER BY role, building, unit")]


def unit_seat(bot: Bot) -> list[tuple[int, str]]:
    return [(r["user_id"], r["source"]) for r in bot.query(
        "SELECT user_id, source FROM roles WHERE role = 'unit' AND building = '3' AND unit = '2'")]


async def newcomer_says_hello(bot: Bot) -> int:
    bot.emu.add_user(NEWCOMER, "新来的单元长", username="xin_dy")
    message = bot.emu.send_text(GROUP, NEWCOMER, "大家好，我是新来的")
    await bot.settled()
    return int(message["message_id"])


async def test_roster_lists_the_five_heads_and_marks_vacancies(
    make_bot: Callable[..., Bot],
) -> None:
    bot = make_bot(heads=[h for h in HEADS if h[0] != "police"])
    await bot.start()
    try:
        bot.emu.send_text(GROUP, COORDINATOR, "/roster")
        bot.emu.send_text(COORDINATOR, COORDINATOR, "/roster songhe-1")
        await bot.settled()
        shown = bot.replies(GROUP)[-1]
        assert shown.splitlines() == [
            "👥 「松鹤社区第一网格」五长名册",
            "社区长：王社区长",
            "警长：⚠️ 空缺",
            "网格长：张网格长",
            "楼长（3号楼）：赵楼长",
            "单元长（3号楼2单元）：黄福军",
        ]
        assert bot.replies(COORDINATOR)[-1] == shown
    finally:
        await bot.stop()


async def test_sethead_as_a_reply_appoints_and_none_vacates_with_who_and_when(bot: Bot) -> None:
    hello = await newcomer_says_hello(bot)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3-2", reply_to=hello)
    await bot.settled()
    assert bot.replies(GROUP)[-1] == (
        "✅ 已任命 新来的单元长 为单元长（3号楼2单元），原来是 黄福军。")
    assert unit_seat(bot) == [(NEWCOMER, "command")]
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3-2", reply_to=hello)  # again
    await bot.settled()
    assert bot.replies(GROUP)[-1] == "名册本来就是这样，没有改动。"
    (change,) = bot.query("SELECT * FROM roster_changes")
    assert (change["role"], change["building"], change["unit"], change["user_id"],
            change["by_user_id"], change["source"], change["previous"]) == (
        "unit", "3", "2", NEWCOMER, COORDINATOR, "command", f"[{UNIT_HEAD}]")
    assert change["at"].startswith("2026-11-10T02:00")  # 10:00 in Shanghai
    # A new report at 3-2 now goes to the new unit head.
    bot.emu.send_text(GROUP, GRID_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    assert bot.issues()[-1]["assignee_user_id"] == NEWCOMER
    # The Chinese role name works too; "none" leaves the seat vacant.
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead 单元长 3-2 none")
    await bot.settled()
    assert bot.replies(GROUP)[-1] == "✅ 单元长（3号楼2单元）已设为空缺，原来是 新来的单元长。"
    assert unit_seat(bot) == []
    bot.emu.send_text(GROUP, GRID_HEAD, "#随手拍 3号楼2单元楼道又堆满了")
    await bot.settled()
    assert bot.issues()[-1]["assignee_user_id"] == BUILDING_HEAD  # the next head up
    bot.emu.send_text(GROUP, COORDINATOR, "/roster")
    await bot.settled()
    shown = bot.replies(GROUP)[-1]
    assert "单元长（3号楼2单元）：⚠️ 空缺" in shown
    assert "最近的改动：" in shown
    assert "11-10 10:00 刘书记：单元长（3号楼2单元） → ⚠️ 空缺" in shown
    assert "11-10 10:00 刘书记：单元长（3号楼2单元） → 新来的单元长" in shown
    # Grid-wide seats take no place; a building head gets one.
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead police", reply_to=hello)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead building 5", reply_to=hello)
    await bot.settled()
    assert ("police", "", "", NEWCOMER, "command") in seats(bot)
    assert ("building", "5", "", NEWCOMER, "command") in seats(bot)


async def test_wrong_arguments_and_strangers_change_nothing(bot: Bot) -> None:
    hello = await newcomer_says_hello(bot)
    before = seats(bot)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead")
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead mayor", reply_to=hello)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit", reply_to=hello)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3", reply_to=hello)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead building 3-2", reply_to=hello)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead grid 3", reply_to=hello)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3-2")  # no reply: whom?
    bot.emu.send_text(GROUP, GRID_HEAD, "/sethead unit 3-2", reply_to=hello)
    bot.emu.send_text(GROUP, OUTSIDER, "/roster")
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/sethead unit 3-2")
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/roster")
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/roster nowhere-9")
    await bot.settled()
    replies = bot.replies(GROUP)
    usage = ("用法：回复某人的消息发 /sethead 角色 [位置]，角色是 community、police、grid、"
             "building、unit（或 社区长、警长、网格长、楼长、单元长）；"
             "设为空缺：/sethead 角色 [位置] none")
    assert replies[-9:] == [
        usage,
        usage,
        "单元长要写楼号-单元号，例如 /sethead unit 3-2",
        "单元长要写楼号-单元号，例如 /sethead unit 3-2",
        "楼长要写楼号，例如 /sethead building 3",
        "这个角色管整个网格，不用写位置：/sethead grid",
        "请回复要任命的那个人的消息，再发 /sethead；设为空缺请在最后加 none。",
        "只有协调员可以这样做。",
        "只有协调员可以这样做。",
    ]
    assert bot.replies(COORDINATOR)[-3:] == [
        "请在网格工作群里发 /sethead（回复要任命的人的消息）。",
        "请在网格群里使用 /roster，或写明网格代码：/roster 网格代码",
        "没有找到网格「nowhere-9」。",
    ]
    assert seats(bot) == before
    assert bot.query("SELECT COUNT(*) FROM roster_changes")[0][0] == 0


async def test_a_bot_cannot_be_appointed(bot: Bot) -> None:
    bot.emu.send_text(GROUP, COORDINATOR, "/roster")
    await bot.settled()
    own = bot.emu.bot_messages(GROUP)[-1].message_id
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3-2", reply_to=own)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3-2", reply_to=own)
    await bot.settled()
    assert bot.replies(GROUP)[-1] == "不能任命机器人，请回复那个人自己发的消息。"
    assert unit_seat(bot) == [(UNIT_HEAD, "config")]


async def test_a_command_wins_over_the_file_until_the_files_entry_changes(
    bot: Bot, tmp_path: Path,
) -> None:
    """README, Roster: a seat changed by command keeps the command's holder across restarts
    while the file's entry for that seat stays as it was; once the entry changes, the file
    is newer and wins. Seats no command touched follow the file as always."""
    hello = await newcomer_says_hello(bot)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3-2", reply_to=hello)
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead police none")
    await bot.settled()
    assert unit_seat(bot) == [(NEWCOMER, "command")]

    await bot.restart()  # the same file: the commands stand
    await bot.settled()
    assert unit_seat(bot) == [(NEWCOMER, "command")]
    assert not [s for s in seats(bot) if s[0] == "police"]

    # The file changes the grid head (a seat no command touched) and the unit seat.
    heads = [h for h in HEADS if h[0] not in ("grid", "unit")]
    heads += [("grid", 920, "孙网格长", ""), ("unit", 921, "周单元长", "3-2")]
    bot.config = load_config(write_config(tmp_path, bot.emu, heads=heads), environ={})
    await bot.restart()
    await bot.settled()
    assert unit_seat(bot) == [(921, "config")]  # the file's entry changed: the file wins
    assert ("grid", "", "", 920, "config") in seats(bot)
    assert not [s for s in seats(bot) if s[0] == "police"]  # its entry did not: still vacant
    last = bot.query("SELECT * FROM roster_changes ORDER BY id DESC LIMIT 1")[0]
    assert (last["source"], last["user_id"], last["by_user_id"], last["role"]) == (
        "config", 921, None, "unit")
    assert bot.query("SELECT COUNT(*) FROM roster_overrides WHERE role = 'unit'")[0][0] == 0
    # And the seat is the file's again: a later restart with that file keeps it so.
    await bot.restart()
    await bot.settled()
    assert unit_seat(bot) == [(921, "config")]


async def test_a_report_right_after_sethead_goes_to_the_new_head(bot: Bot) -> None:
    """The roster is kept in memory (every report asks for it); an appointment and a
    report that arrive together, handled in one store batch, must not meet the old
    roster, nor must the next report after the batch."""
    hello = await newcomer_says_hello(bot)
    bot.emu.send_text(GROUP, BUILDING_HEAD, "#随手拍 3号楼2单元楼道堆满杂物")
    await bot.settled()
    bot.emu.send_text(GROUP, COORDINATOR, "/sethead unit 3-2", reply_to=hello)
    bot.emu.send_text(GROUP, BUILDING_HEAD, "#随手拍 3号楼2单元楼道又堆满杂物了")
    await bot.settled()
    bot.emu.send_text(GROUP, BUILDING_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱杂物")
    await bot.settled()
    assert [r["assignee_user_id"] for r in bot.query("SELECT * FROM issues ORDER BY id")] == [
        UNIT_HEAD, NEWCOMER, NEWCOMER]
