"""Slash commands through the emulator: /start, /help, /show, /open, /bind, unknown ones."""

from __future__ import annotations

from typing import Any

from tests.conftest import (
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    RESIDENT,
    UNIT_HEAD,
    Bot,
    jpeg,
)


async def test_start_tells_people_their_id_and_remembers_them(bot: Bot) -> None:
    bot.emu.send_text(UNIT_HEAD, UNIT_HEAD, "/start")
    await bot.settled()
    (greeting,) = bot.replies(UNIT_HEAD)
    assert "黄福军" in greeting and str(UNIT_HEAD) in greeting
    assert bot.query("SELECT started_bot FROM persons WHERE user_id = ?", (UNIT_HEAD,))[0][0] == 1


async def test_a_head_who_started_the_bot_is_also_pinged_privately(bot: Bot) -> None:
    bot.emu.send_text(UNIT_HEAD, UNIT_HEAD, "/start")
    await bot.settled()
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    assert any("#1" in r and "认领" in r for r in bot.replies(UNIT_HEAD))
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 又有杂物")  # their own report
    await bot.settled()
    assert not any("#2" in r for r in bot.replies(UNIT_HEAD))


async def test_help_is_role_aware(bot: Bot) -> None:
    bot.emu.send_text(RESIDENT, RESIDENT, "/help")
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/help")
    await bot.settled()
    (resident,) = bot.replies(RESIDENT)
    (coordinator,) = bot.replies(COORDINATOR)
    assert "/bind" not in resident and "/open" not in resident
    assert "/bind" in coordinator and "/open" in coordinator


async def test_show_gives_the_card_and_history(bot: Bot) -> None:
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    bot.emu.send_text(GROUP, GRID_HEAD, "/show #1")
    bot.emu.send_text(GROUP, GRID_HEAD, "/show abc")
    bot.emu.send_text(GROUP, OUTSIDER, "/show 1")
    await bot.settled()
    replies = bot.replies(GROUP)
    shown = next(r for r in replies if "经过" in r)
    assert "#1 楼道堆物" in shown and "上报" in shown and "指派" in shown
    assert any("用法：/show 编号" in r for r in replies)
    assert any("只有本网格的五长" in r for r in replies)


async def test_open_lists_unresolved_oldest_first_and_splits_long_lists(bot: Bot) -> None:
    bot.emu.send_text(GROUP, GRID_HEAD, "/open")
    await bot.settled()
    assert any("没有未办结事件" in r for r in bot.replies(GROUP))
    for i in range(120):
        text = f"#随手拍 3号楼2单元楼道杂物堆放很久了，第{i}处" + "很多" * 10
        bot.emu.send_text(GROUP, GRID_HEAD, text)
    await bot.settled(timeout=60)
    bot.emu.send_text(GROUP, GRID_HEAD, "/open")
    await bot.settled()
    lists = [m.plain() for m in bot.emu.bot_messages(GROUP)
             if "未办结事件" in m.plain() or m.plain().startswith("#")][-20:]
    listed = [line for text in lists for line in text.splitlines() if line.startswith("#")
              and "·" in line and "楼道堆物" in line and "天" in line]
    numbers = [int(line.split()[0].lstrip("#")) for line in listed]
    assert numbers == list(range(1, 121))
    assert all(len(m.text) <= 4096 for m in bot.emu.bot_messages(GROUP))


async def test_bind_is_for_coordinators_in_groups(bot: Bot) -> None:
    bot.emu.send_text(GROUP, GRID_HEAD, "/bind songhe-9")
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/bind songhe-9")
    bot.emu.send_text(GROUP, COORDINATOR, "/bind Not A Key")
    await bot.settled()
    replies = bot.replies(GROUP)
    assert any("只有协调员" in r for r in replies)
    assert any("用法：/bind" in r for r in replies)
    assert any("请在网格工作群里发送" in r for r in bot.replies(COORDINATOR))
    assert bot.query("SELECT chat_id FROM grids WHERE key = 'songhe-1'")[0][0] == GROUP


async def test_unknown_commands_get_the_help_but_other_bots_commands_do_not(bot: Bot) -> None:
    """The help in the chat's language (a private chat: the sender's own; a group: the
    group's), listing only what the sender may do."""
    by_outsider = bot.emu.send_text(OUTSIDER, OUTSIDER, "/frobnicate")
    bot.emu.send_text(GROUP, GRID_HEAD, "/weather")  # maybe another bot's
    by_head = bot.emu.send_text(GROUP, GRID_HEAD, "/frobnicate@fiveheads_bot")
    in_group = bot.emu.send_text(GROUP, OUTSIDER, "/Frobnicate@FiveHeads_bot")
    by_coordinator = bot.emu.send_text(COORDINATOR, COORDINATOR, "/frobnicate")
    await bot.settled()
    assert len(bot.replies(GROUP)) == 2  # /weather was not for this bot
    outsider = answer_to(bot, by_outsider)
    assert outsider.startswith("I don't know that command. This is what I do:\n\n"
                               "📋 Five heads' assistant\n")
    assert "/open" not in outsider and "/bind" not in outsider
    head = answer_to(bot, by_head)
    assert head.startswith("不认识这个命令。我能做的是这些：\n\n📋 五长工作助手\n")
    assert "/open" in head and "/report" in head and "/bind" not in head
    stranger_in_group = answer_to(bot, in_group)  # in the group's language, not their own
    assert stranger_in_group.startswith("不认识这个命令。")
    assert "/open" not in stranger_in_group
    coordinator = answer_to(bot, by_coordinator)
    assert "/open" in coordinator and "/bind" in coordinator and "/qr" in coordinator


def _menu(bot: Bot, key: str) -> list[str]:
    return [c["command"] for c in bot.emu.my_commands.get(key, [])]


async def test_each_person_sees_the_menu_of_what_they_may_use(bot: Bot) -> None:
    await bot.settled()
    resident, group = _menu(bot, "all_private_chats"), _menu(bot, "all_group_chats")
    assert resident == ["start", "my", "cancel", "help"]
    assert "report" in group and "open" in group and "bind" not in group and "stats" not in group
    assert _menu(bot, "all_private_chats/en") == resident  # and in English
    coordinator = _menu(bot, f"chat:{COORDINATOR}")
    assert {"stats", "export", "roster", "qr"} <= set(coordinator)
    in_group = _menu(bot, f"chat_member:{GROUP}:{COORDINATOR}")
    assert {"bind", "decide", "sethead", "stats", "report"} <= set(in_group)
    assert f"chat:{UNIT_HEAD}" not in bot.emu.my_commands  # no private chat with them yet
    calls = len(bot.emu.calls_to("setMyCommands"))
    bot.emu.send_text(UNIT_HEAD, UNIT_HEAD, "/start")  # now there is one: their own menu
    await bot.settled()
    head = _menu(bot, f"chat:{UNIT_HEAD}")
    assert {"open", "show", "visit"} <= set(head) and "stats" not in head
    assert len(bot.emu.calls_to("setMyCommands")) == calls + 1  # only what changed is sent
    await bot.restart()
    await bot.settled()
    assert len(bot.emu.calls_to("setMyCommands")) == calls + 1  # nothing changed, nothing sent


async def test_text_in_any_script_and_length_is_handled(bot: Bot) -> None:
    bot.emu.send_text(GROUP, GRID_HEAD, "#report " + "مرحبا 👋🏽 " * 600)
    bot.emu.send_text(GROUP, GRID_HEAD, "#随手拍 <b>not html</b> & \u202e")
    await bot.settled()
    assert len(bot.issues()) == 2
    assert all(len(bot.card(n).plain()) < 4096 for n in (1, 2))
    assert "<b>not html</b>" in bot.card(2).plain()


async def test_group_upgrade_keeps_the_grid_and_removal_tells_coordinators(bot: Bot) -> None:
    new_id = GROUP - 555
    bot.emu.migrate(GROUP, new_id)
    await bot.settled()
    assert bot.query("SELECT chat_id FROM grids WHERE key = 'songhe-1'")[0][0] == new_id
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/start")
    bot.emu.chat_member_left(new_id)
    await bot.settled()
    assert bot.query("SELECT active FROM grids WHERE key = 'songhe-1'")[0][0] == 0
    assert any("移出" in r for r in bot.replies(COORDINATOR))


async def test_cards_follow_a_group_that_became_a_supergroup(bot: Bot) -> None:
    """Telegram answers a send to the old id with migrate_to_chat_id; the bot moves the
    grid, the cards and the waiting messages to the new id."""
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 杂物")
    await bot.settled()
    new_id = GROUP - 777
    # The press is handled before the bot hears of the upgrade: its card edit meets
    # Telegram's "migrated" answer first.
    bot.emu.press(GROUP, bot.card(1).message_id, UNIT_HEAD, "issue:claim:1")
    bot.emu.migrate(GROUP, new_id)
    await bot.settled()
    assert any(c.status == 400 for c in bot.emu.calls_to("editMessageText"))
    (issue,) = bot.issues()
    assert issue["card_chat_id"] == new_id and issue["status"] == "in_progress"
    card = bot.card(1)
    assert card.chat_id == new_id and "处理中" in card.plain()


async def test_show_lists_a_meeting_decision(bot: Bot) -> None:
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    bot.emu.send_text(GROUP, COORDINATOR, "/decide 1 物业周五前清走")
    bot.emu.send_text(GROUP, GRID_HEAD, "/show 1")
    await bot.settled()
    assert "会议决定" in bot.replies(GROUP)[-1]


def answer_to(bot: Bot, sent: dict[str, Any]) -> str:
    """The one thing the bot said in reply to the message ``sent``."""
    chat_id, message_id = sent["chat"]["id"], sent["message_id"]
    (answer,) = [m.plain() for m in bot.emu.bot_messages(chat_id) if m.reply_to == message_id]
    return answer


async def test_show_tells_a_stranger_nothing_about_which_numbers_exist(bot: Bot) -> None:
    """Someone who is no head gets one refusal for any /show, before and after #1 exists."""
    asked_before = [bot.emu.send_text(chat, OUTSIDER, text)
                    for chat in (GROUP, OUTSIDER) for text in ("/show 1", "/show 2")]
    await bot.settled()
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    asked_after = [bot.emu.send_text(chat, OUTSIDER, text)
                   for chat in (GROUP, OUTSIDER) for text in ("/show 1", "/show 2")]
    await bot.settled()
    refusal = {GROUP: "只有本网格的五长或协调员可以这样做。",
               OUTSIDER: "Only a head of this grid or a coordinator can do that."}
    for sent in asked_before + asked_after:
        assert answer_to(bot, sent) == refusal[sent["chat"]["id"]]
    assert len(bot.issues()) == 1


async def test_show_tells_a_head_of_another_grid_nothing_either(bot: Bot) -> None:
    """A head hears of an issue in another grid exactly what a number never used gets."""
    other = GROUP - 1
    bot.emu.add_group(other, "松鹤社区第九网格工作群")
    bot.emu.send_text(other, COORDINATOR, "/bind songhe-9")
    await bot.settled()
    before = [bot.emu.send_text(chat, GRID_HEAD, "/show 1") for chat in (GROUP, GRID_HEAD)]
    await bot.settled()
    bot.emu.send_photo(other, OUTSIDER, jpeg(), caption="5-1 路灯不亮")
    await bot.settled()
    (issue,) = bot.issues()
    assert issue["grid_key"] == "songhe-9"
    after = [bot.emu.send_text(chat, GRID_HEAD, "/show 1") for chat in (GROUP, GRID_HEAD)]
    by_coordinator = bot.emu.send_text(COORDINATOR, COORDINATOR, "/show 1")
    await bot.settled()
    for was, now in zip(before, after, strict=True):
        assert answer_to(bot, was) == answer_to(bot, now) == "没有找到事件 #1。"
    assert "#1 公共设施" in answer_to(bot, by_coordinator)  # it exists, for those who may see


async def test_a_residents_help_names_my(bot: Bot) -> None:
    bot.emu.send_text(RESIDENT, RESIDENT, "/help")
    await bot.settled()
    (answer,) = bot.replies(RESIDENT)
    assert "/my" in answer and "/cancel" in answer and "/stats" not in answer
