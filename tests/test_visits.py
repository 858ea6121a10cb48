"""Home visits (走访) through the emulator: /visit by a head logs one, /visits lists them;
wrong arguments and people without the right get a clear answer and nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.conftest import (
    COORDINATOR,
    GRID,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    RESIDENT,
    UNIT_HEAD,
    Bot,
)

GROUP2 = -1001000000002
GRID2 = "songhe-2"


def answer_to(bot: Bot, sent: dict[str, Any]) -> str:
    """Everything the bot said in reply to the message ``sent``, joined."""
    chat_id, message_id = sent["chat"]["id"], sent["message_id"]
    answers = [m.plain() for m in bot.emu.bot_messages(chat_id) if m.reply_to == message_id]
    assert answers, f"no answer to {sent.get('text')!r}:\n{bot.emu.transcript()}"
    return "\n".join(answers)


def visits(bot: Bot) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in bot.query(
        "SELECT grid_key, building, unit, households, people, note, user_id FROM visits"
        " ORDER BY id")]


@pytest.fixture
async def two_grids(make_bot: Callable[..., Bot]) -> AsyncIterator[Bot]:
    """Two grids with the same five heads (so each heads two grids)."""
    running = make_bot(grids=[(GRID, "松鹤社区第一网格", GROUP),
                              (GRID2, "松鹤社区第二网格", GROUP2)])
    running.emu.add_group(GROUP2, "松鹤社区第二网格工作群")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_a_head_logs_a_visit_in_the_group_and_in_private(bot: Bot) -> None:
    in_group = bot.emu.send_text(GROUP, UNIT_HEAD, "/visit 3-2 5 12 送去慰问品 和 春联")
    in_private = bot.emu.send_text(UNIT_HEAD, UNIT_HEAD, "/visit 3号楼1单元 2 3")
    await bot.settled()
    assert "已登记走访" in answer_to(bot, in_group)
    assert "3号楼2单元" in answer_to(bot, in_group) and "5 户" in answer_to(bot, in_group)
    assert "已登记走访" in answer_to(bot, in_private)
    assert visits(bot) == [
        (GRID, "3", "2", 5, 12, "送去慰问品 和 春联", UNIT_HEAD),
        (GRID, "3", "1", 2, 3, "", UNIT_HEAD),
    ]


async def test_a_redelivered_visit_is_logged_once(bot: Bot) -> None:
    bot.emu.send_text(GROUP, UNIT_HEAD, "/visit 3-2 1 1")
    await bot.settled()
    await bot.stop()
    bot.emu.redeliver_from(1)
    await bot.start()
    await bot.settled()
    assert len(visits(bot)) == 1


async def test_wrong_arguments_get_the_usage_and_log_nothing(bot: Bot) -> None:
    cases = {
        "/visit": "用法：/visit",
        "/visit 3-2 5": "用法：/visit",
        "/visit 三楼 5 12": "不是楼栋或单元",
        "/visit 3-2 abc 12": "户数请写 1 到 500",
        "/visit 3-2 0 12": "户数请写 1 到 500",
        "/visit 3-2 5 99999": "人数请写 0 到 2000",
        "/visit 3-2 5 -1": "户数请写",
        "/visit 3-2 5 12 " + "长" * 501: "备注最多 500 个字",
    }
    sent = {text: bot.emu.send_text(GROUP, GRID_HEAD, text) for text in cases}
    await bot.settled()
    for text, expected in cases.items():
        assert expected in answer_to(bot, sent[text]), text
    assert visits(bot) == []


async def test_only_heads_log_visits(bot: Bot) -> None:
    asked = [
        bot.emu.send_text(GROUP, OUTSIDER, "/visit 3-2 5 12"),
        bot.emu.send_text(GROUP, COORDINATOR, "/visit 3-2 5 12"),  # a coordinator, no head
        bot.emu.send_text(RESIDENT, RESIDENT, "/visit 3-2 5 12"),
        bot.emu.send_text(GROUP, OUTSIDER, "/visit nonsense"),  # the right before the words
    ]
    english = bot.emu.send_text(OUTSIDER, OUTSIDER, "/visit 3-2 5 12")
    await bot.settled()
    for sent in asked:
        assert "只有本网格的五长可以登记走访" in answer_to(bot, sent)
    assert "Only the heads of this grid can log visits" in answer_to(bot, english)
    assert visits(bot) == []


async def test_a_head_of_two_grids_logs_in_the_groups_not_in_private(two_grids: Bot) -> None:
    bot = two_grids
    private = bot.emu.send_text(UNIT_HEAD, UNIT_HEAD, "/visit 3-2 5 12")
    in_second = bot.emu.send_text(GROUP2, UNIT_HEAD, "/visit 3-2 4 6")
    await bot.settled()
    assert "多个网格" in answer_to(bot, private)
    assert "松鹤社区第二网格" in answer_to(bot, in_second)
    assert visits(bot) == [(GRID2, "3", "2", 4, 6, "", UNIT_HEAD)]


async def test_visits_lists_a_heads_grid_and_everything_for_coordinators(two_grids: Bot) -> None:
    bot = two_grids
    bot.emu.send_text(GROUP, UNIT_HEAD, "/visit 3-2 5 12 <b>慰问</b>")
    bot.emu.send_text(GROUP2, GRID_HEAD, "/visit 7 3 4")
    await bot.settled()
    coordinator = bot.emu.send_text(COORDINATOR, COORDINATOR, "/visits")
    head = bot.emu.send_text(GROUP, UNIT_HEAD, "/visits 2026-01-01 2026-12-31")
    earlier = bot.emu.send_text(GROUP, UNIT_HEAD, "/visits 2025-01-01 2025-12-31")
    await bot.settled()
    everything = answer_to(bot, coordinator)
    assert "全社区" in everything and "2026-01-01 至 2026-12-31" in everything
    assert "共 2 次，走访 8 户，服务 16 人" in everything
    assert "松鹤社区第一网格 3号楼2单元 · 5 户 12 人 · 黄福军 · <b>慰问</b>" in everything
    assert "松鹤社区第二网格 7号楼 · 3 户 4 人 · 张网格长" in everything
    # The same heads hold both grids here, so they see both (their own grids).
    assert "共 2 次" in answer_to(bot, head)
    assert "没有走访记录" in answer_to(bot, earlier)


async def test_visits_for_one_grid_only_shows_that_grid(bot: Bot) -> None:
    bot.emu.send_text(GROUP, UNIT_HEAD, "/visit 3-2 5 12")
    await bot.settled()
    with bot.db() as conn:  # another grid's visit, which this head does not see
        conn.execute(
            "INSERT INTO grids (key, name, source) VALUES ('other', '别的网格', 'command')")
        conn.execute(
            "INSERT INTO visits (grid_key, households, people, user_id, at)"
            " VALUES ('other', 9, 9, 1, '2026-11-01T00:00:00.000000+00:00')")
    head = bot.emu.send_text(GROUP, UNIT_HEAD, "/visits")
    coordinator = bot.emu.send_text(GROUP, COORDINATOR, "/visits")
    await bot.settled()
    assert "松鹤社区第一网格" in answer_to(bot, head)
    assert "共 1 次，走访 5 户，服务 12 人" in answer_to(bot, head)
    assert "共 2 次，走访 14 户，服务 21 人" in answer_to(bot, coordinator)


async def test_visits_wrong_arguments_and_no_right(bot: Bot) -> None:
    cases = {
        (GROUP, GRID_HEAD, "/visits 2026-02-30"): "不是日期",
        (GROUP, GRID_HEAD, "/visits 2026-12-01 2026-01-01"): "晚于截止日期",
        (GROUP, GRID_HEAD, "/visits 2026-01-01 2026-02-01 2026-03-01"): "用法：/visits",
        (GROUP, OUTSIDER, "/visits"): "只有本网格的五长或协调员",
        (RESIDENT, RESIDENT, "/visits"): "只有本网格的五长或协调员",
    }
    sent = {key: bot.emu.send_text(*key) for key in cases}
    await bot.settled()
    for key, expected in cases.items():
        assert expected in answer_to(bot, sent[key]), key
