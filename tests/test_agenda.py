"""What an agenda says: long lists split under Telegram's limit with every item once, oldest
first; the carried-over count; decisions; /agenda previews; the numbered contact sheet."""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from PIL import Image

from bot.domain.lifecycle import Action
from bot.images import _shape  # the sheet's geometry, to find each tile's centre
from bot.services.issues import Report
from bot.views.agenda import render
from bot.views.html_text import utf16_len
from tests.conftest import COORDINATOR, GRID, GRID_HEAD, GROUP, OUTSIDER, Bot, jpeg
from tests.test_meetings_posting import agenda_of, agendas, at, local, move_to, report, start, tick


async def add_items(bot: Bot, count: int) -> None:
    """Reports straight through the issue service (no cards): 300 cards through the group
    limit would take a while and say nothing about the agenda. A minute apart, so "oldest
    first" is a real order."""
    assert bot.runner is not None
    service = bot.runner.services.issues
    for i in range(count):
        await service.report(Report(
            chat_id=GROUP, message_id=100_000 + i, user_id=GRID_HEAD, user_name="张网格长",
            text=f"3-{i % 6 + 1} 楼道杂物 第{i}处 & <堆放>",
        ), defer_card=True)
        bot.clock.advance(timedelta(minutes=1))


@pytest.mark.parametrize("count", [0, 1, 300])
async def test_every_item_once_oldest_first_and_every_message_under_the_limit(
    make_bot: Callable[..., Bot], count: int,
) -> None:
    # Created before the meeting of 28 February: on the 9 March agenda only as unresolved.
    bot = at(make_bot(), local(2026, 2, 27, 10, 0))
    await start(bot)
    try:
        await add_items(bot, count)
        move_to(bot, local(2026, 3, 9, 8, 0) + timedelta(seconds=20))
        started = time.perf_counter()
        built = await agenda_of(bot).build(
            GRID, local(2026, 3, 9, 8, 0), previous=local(2026, 2, 28, 8, 0)
        )
        rendered = render(built, "zh", agenda_of(bot).issues.categories)
        print(f"{count} items: build+render {time.perf_counter() - started:.3f}s, "
              f"{len(rendered)} messages")
        assert await tick(bot) == 1
        posted = agendas(bot)
        assert len(posted) == len(rendered)
        sent = [m.text for m in bot.emu.bot_messages(GROUP) if m.kind == "text"]
        for text in sent + posted:
            assert len(text) <= 4096 and utf16_len(text) <= 4096
        numbers = [int(n) for text in posted for n in re.findall(r"#(\d+)", text)]
        assert Counter(numbers) == Counter(range(1, count + 1))
        assert numbers == sorted(numbers)  # oldest first, across the messages too
        assert f"未办结 {count} 件" in posted[0]
        if count == 300:
            assert len(posted) > 1
            for part, text in enumerate(posted, start=1):
                assert text.startswith("📋 松鹤社区第一网格 2026-03-09 例会议程")
                assert f"（{part}/{len(posted)}）" in text.splitlines()[0]
            assert all("未办结 300 件（最早的在前）（续）" in text for text in posted[1:])
            assert "⚠️超期" in posted[0]  # ten days old, past five working days
        else:
            assert "（1/" not in posted[0]
        assert not [m for m in bot.emu.bot_messages(GROUP) if m.kind == "photo"]  # no photos
    finally:
        await bot.stop()


async def test_an_item_carried_over_shows_its_meeting_count(make_bot: Callable[..., Bot]) -> None:
    bot = at(make_bot(), local(2026, 3, 9, 7, 0))
    await start(bot)
    try:
        await report(bot)
        move_to(bot, local(2026, 3, 9, 8, 1))
        assert await tick(bot) == 1
        await report(bot, "5-1 路灯不亮")  # after the meeting: first listed on the 19th
        move_to(bot, local(2026, 3, 19, 8, 1))
        assert await tick(bot) == 1
        first, second = agendas(bot)
        assert "第1次上会" in first and "#2" not in first
        unresolved = second.split("📌 未办结")[1]
        one, two = (re.search(rf"#{n} [^#]*", unresolved) for n in (1, 2))
        assert one and "第2次上会" in one.group(0)
        assert two and "第1次上会" in two.group(0)
        assert "上次例会后新增 1 件" in second  # #2 is new on the 19th, #1 was on the 9th
    finally:
        await bot.stop()


async def test_agenda_previews_without_recording(make_bot: Callable[..., Bot]) -> None:
    bot = at(make_bot(), local(2026, 3, 10, 9, 0))
    await start(bot)
    try:
        await report(bot)
        bot.emu.send_text(GROUP, GRID_HEAD, "/agenda")
        bot.emu.send_text(COORDINATOR, COORDINATOR, f"/agenda {GRID}")
        bot.emu.send_text(OUTSIDER, OUTSIDER, f"/agenda {GRID}")
        bot.emu.send_text(COORDINATOR, COORDINATOR, "/agenda")
        bot.emu.send_text(COORDINATOR, COORDINATOR, "/agenda nowhere")
        await bot.settled()
        (preview,) = [r for r in bot.replies(GROUP) if "例会议程" in r]
        assert "预览" in preview and "2026-03-19" in preview and "#1" in preview
        assert any("预览" in r and "#1" in r for r in bot.replies(COORDINATOR))
        assert "Only a head of this grid" in bot.replies(OUTSIDER)[-1]  # in English
        assert any("/agenda 网格代码" in r for r in bot.replies(COORDINATOR))
        assert any("没有找到网格「nowhere」" in r for r in bot.replies(COORDINATOR))
        assert bot.query("SELECT * FROM meetings") == []
        assert await tick(bot) == 0  # the 9th was before the group was bound
    finally:
        await bot.stop()


async def test_decisions_by_coordinators_show_on_later_agendas(
    make_bot: Callable[..., Bot],
) -> None:
    bot = at(make_bot(), local(2026, 3, 9, 7, 0))
    await start(bot)
    try:
        number = await report(bot)
        move_to(bot, local(2026, 3, 9, 8, 1))
        await tick(bot)
        bot.emu.send_text(GROUP, COORDINATOR, f"/decide #{number} 周五前清理完毕 <务必>")
        bot.emu.send_text(GROUP, GRID_HEAD, f"/decide {number} 我来决定")
        bot.emu.send_text(GROUP, COORDINATOR, "/decide abc")
        bot.emu.send_text(GROUP, COORDINATOR, "/decide 7")
        bot.emu.send_text(GROUP, COORDINATOR, "/decide 999 没有这件")
        bot.emu.send_text(GROUP, COORDINATOR, f"/decide {number} " + "长" * 1001)
        await bot.settled()
        replies = bot.replies(GROUP)
        assert any(f"已记录 #{number} 的会议决定" in r for r in replies)
        assert any("只有协调员可以这样做" in r for r in replies)
        assert sum("用法：/decide" in r for r in replies) == 3
        assert any("没有找到事件 #999" in r for r in replies)
        events = bot.query("SELECT * FROM events WHERE type = 'decision'")
        assert len(events) == 1 and events[0]["actor_user_id"] == COORDINATOR
        move_to(bot, local(2026, 3, 19, 8, 1))
        await tick(bot)
        assert "会议决定：周五前清理完毕 <务必>" in agendas(bot)[-1]
    finally:
        await bot.stop()


async def test_the_contact_sheet_has_a_numbered_tile_per_photo(
    make_bot: Callable[..., Bot],
) -> None:
    bot = at(make_bot(), local(2026, 3, 9, 7, 0))
    await start(bot)
    try:
        colours = {"red": (255, 0, 0), "green": (0, 128, 0), "blue": (0, 0, 255)}
        for colour in colours:
            await report(bot, f"3-2 楼道杂物 {colour}", jpeg(colour, (200, 200)))
        await report(bot, "5-1 路灯不亮")  # a photo too: closed before the meeting
        fourth = bot.issues()[-1]["id"]
        assert bot.runner is not None
        await bot.runner.services.issues.apply(fourth, Action.REJECT, COORDINATOR)
        move_to(bot, local(2026, 3, 9, 8, 1))
        assert await tick(bot) == 1
        (sheet,) = [m for m in bot.emu.bot_messages(GROUP) if m.kind == "photo"
                    and "未办结事件的照片" in m.plain()]
        assert "3 件" in sheet.plain()
        assert "📷 未办结事件的照片" in bot.emu.transcript()  # one icon: the photo's own
        assert "📷 📷" not in bot.emu.transcript()
        assert sheet.file_id is not None
        image = Image.open(io.BytesIO(bot.emu.file_bytes(sheet.file_id)))
        image.load()
        columns, rows, tile = _shape(3, 4, 320)
        assert image.size == (columns * tile, rows * tile)
        centres = [image.getpixel((c * tile + tile // 2, r * tile + tile // 2))
                   for r in range(rows) for c in range(columns)]
        filled = [p for p in centres if p != (255, 255, 255) and sum(p) < 700]
        assert len(filled) == 3
        for pixel, expected in zip(filled, colours.values(), strict=True):
            assert all(abs(a - b) < 40 for a, b in zip(pixel, expected, strict=True))
    finally:
        await bot.stop()


async def test_a_voice_report_is_shown_as_one_and_a_closed_new_item_once(
    make_bot: Callable[..., Bot],
) -> None:
    bot = at(make_bot(), local(2026, 3, 9, 7, 0))
    await start(bot)
    try:
        await report(bot)
        bot.emu.send_voice(GROUP, GRID_HEAD, b"OggS-voice", duration=4)
        await bot.settled()
        voice = bot.issues()[-1]["id"]
        first = bot.issues()[0]["id"]
        assert bot.runner is not None
        await bot.runner.services.issues.apply(first, Action.REJECT, COORDINATOR)
        bot.emu.send_text(GROUP, COORDINATOR, f"/agenda {GRID}")
        await bot.settled()
        (preview,) = [r for r in bot.replies(GROUP) if "例会议程" in r]
        assert re.search(rf"#{voice} [^\n]*🎤 语音上报", preview)
        new = preview.split("🆕")[1].split("📌")[0]
        assert "新增 2 件，其中 1 件已办结" in new
        assert f"#{first} " not in new and f"#{voice} " in new
    finally:
        await bot.stop()
