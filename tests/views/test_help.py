"""What the bot says about itself, alone: /help by what the person may do, the greeting, and
the command menus (fast: no bot). Their sending is in tests/test_commands.py."""

from __future__ import annotations

from bot.i18n import catalog
from bot.views.help import (
    COORDINATOR_GROUP_COMMANDS,
    COORDINATOR_PRIVATE_COMMANDS,
    GROUP_COMMANDS,
    HEAD_PRIVATE_COMMANDS,
    MENUS,
    RESIDENT_COMMANDS,
    command_menu,
    greeting,
    help_text,
    unknown_command,
)


def test_help_grows_with_what_the_person_may_do() -> None:
    everyone, heads, coordinators, lifecycle, roster = (
        catalog("zh")[f"help.{part}"]
        for part in ("everyone", "heads", "coordinators", "lifecycle", "roster"))
    heads = f"{heads}\n\n{lifecycle}"  # the lifecycle commands go with the heads' part
    coordinators = f"{coordinators}\n\n{roster}"  # the roster with the coordinators'
    assert help_text("zh", staff=False, coordinator=False) == everyone
    assert help_text("zh", staff=True, coordinator=False) == f"{everyone}\n\n{heads}"
    assert help_text("zh", staff=True, coordinator=True) == (
        f"{everyone}\n\n{heads}\n\n{coordinators}")
    assert help_text("zh", staff=False, coordinator=True) == f"{everyone}\n\n{coordinators}"


def test_help_in_english() -> None:
    text = help_text("en", staff=True, coordinator=False)
    assert text.startswith("📋 Five heads' assistant\n")
    assert "\n\nFor heads:\n/open — unresolved issues of this grid\n" in text
    assert "For coordinators" not in text


def test_the_greeting_shows_the_user_id_and_escapes_the_name_only_as_html() -> None:
    assert greeting("zh", "王<芳>", 42, as_html=True) == (
        "您好，王&lt;芳&gt;！我是五长工作助手。\n您的用户 ID：42（协调员配置名册时需要）。\n"
        "发送 /help 查看用法。")
    assert greeting("en", "Ann & Bob", 7, as_html=False).startswith(
        "Hello, Ann & Bob! I am the five heads' assistant.\nYour user id: 7 ")


def test_each_menu_lists_its_commands_described_in_the_language() -> None:
    private = command_menu("zh", "resident")
    assert [c for c, _ in private] == list(RESIDENT_COMMANDS)
    assert private[0] == ("start", "开始使用")
    group = command_menu("en", "group")
    assert [c for c, _ in group] == list(GROUP_COMMANDS)
    assert ("open", "Unresolved issues") in group
    assert "my" not in dict(group) and "report" not in dict(private)
    for menu, commands in MENUS.items():  # every command of every menu is described
        assert [c for c, _ in command_menu("en", menu)] == list(commands)
    # A coordinator's menus hold everything a head's do, and more.
    assert set(HEAD_PRIVATE_COMMANDS) - {"visit"} <= set(COORDINATOR_PRIVATE_COMMANDS)
    assert set(GROUP_COMMANDS) < set(COORDINATOR_GROUP_COMMANDS)


def test_an_unknown_command_is_answered_with_the_help_of_the_person() -> None:
    for staff, coordinator in ((False, False), (True, False), (True, True)):
        assert unknown_command("zh", staff=staff, coordinator=coordinator) == (
            "不认识这个命令。我能做的是这些：\n\n"
            + help_text("zh", staff=staff, coordinator=coordinator))
    assert unknown_command("en", staff=False, coordinator=False).startswith(
        "I don't know that command. This is what I do:\n\n📋 Five heads' assistant\n")
