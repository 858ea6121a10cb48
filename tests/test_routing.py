"""The right head is mentioned for each category, and the chain falls back when a role is vacant."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import (
    BUILDING_HEAD,
    COMMUNITY,
    GRID_HEAD,
    GROUP,
    HEADS,
    POLICE,
    UNIT_HEAD,
    Bot,
    jpeg,
)

CASES = [
    ("3号楼2单元楼道里堆满杂物", UNIT_HEAD, "单元长"),      # clutter -> unit head of 3-2
    ("3号楼门口电动车乱停，堵住消防通道", BUILDING_HEAD, "楼长"),  # parking -> building head of 3
    ("小区垃圾没人清扫", GRID_HEAD, "网格长"),              # sanitation -> grid head
    ("3-2 有人吵架打架", POLICE, "警长"),                    # dispute -> police head
    ("3号楼暖气不热", COMMUNITY, "社区长"),                  # heating -> community head
]


@pytest.mark.parametrize(("caption", "head", "role"), CASES)
async def test_the_responsible_head_is_mentioned(
    bot: Bot, caption: str, head: int, role: str
) -> None:
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption=caption)
    await bot.settled()
    (issue,) = bot.issues()
    assert issue["assignee_user_id"] == head
    card = bot.card(issue["id"])
    assert f'<a href="tg://user?id={head}">' in card.text
    assert role in card.plain()


def _without(*roles: str) -> list[tuple[str, int, str, str]]:
    return [h for h in HEADS if h[0] not in roles]


@pytest.mark.parametrize(
    ("vacant", "caption", "expected"),
    [
        (("unit",), "3号楼2单元楼道杂物", BUILDING_HEAD),
        (("unit", "building"), "3号楼2单元楼道杂物", GRID_HEAD),
        (("unit", "building", "grid"), "3号楼2单元楼道杂物", COMMUNITY),
        (("police",), "3-2 邻居吵架", GRID_HEAD),
        (("building",), "3号楼门口电动车乱停", GRID_HEAD),
    ],
)
async def test_fallback_chain_when_a_role_is_vacant(
    make_bot: Callable[..., Bot], vacant: tuple[str, ...], caption: str, expected: int
) -> None:
    bot = make_bot(heads=_without(*vacant))
    await bot.start()
    try:
        bot.emu.send_photo(GROUP, COMMUNITY, jpeg(), caption=caption)
        await bot.settled()
        (issue,) = bot.issues()
        assert issue["assignee_user_id"] == expected
        assert "空缺" in bot.card(issue["id"]).plain()
        events = bot.query("SELECT data FROM events WHERE type = 'assigned'")
        assert '"fell_back": true' in events[0]["data"]
    finally:
        await bot.stop()


async def test_a_report_without_a_place_goes_up_to_a_head_who_covers_the_grid(bot: Bot) -> None:
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="楼道里堆了好多杂物")
    await bot.settled()
    (issue,) = bot.issues()
    assert issue["assignee_user_id"] == GRID_HEAD
    card = bot.card(issue["id"]).plain()
    assert "未注明位置" in card and "没写明楼栋单元" in card and "空缺" not in card
