"""Hostile and odd input, end to end through the emulator (issue #7): each hole found by
probing the bot as an attacker or a confused user would, held shut by a test here."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.views.html_text import utf16_len
from tests.conftest import (
    COORDINATOR,
    GRID,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    RESIDENT,
    UNIT_HEAD,
    Bot,
    jpeg,
)
from tests.test_residents import report

GROUP_2 = -1001000000002
GRID_2 = "songhe-2"


def failed_updates(bot: Bot) -> list[str]:
    return [r["error"] for r in bot.query("SELECT error FROM inbox WHERE error IS NOT NULL")]


def answers(bot: Bot) -> list[str]:
    return [str(c.get("text", "")) for c in bot.emu.answered_callbacks()]


# --------------------------------------------------------------- hole 1: several grids


@pytest.fixture
async def two_grids(make_bot: Callable[..., Bot]) -> AsyncIterator[Bot]:
    running = make_bot(
        grids=[(GRID, "松鹤社区第一网格", GROUP), (GRID_2, "松鹤社区第二网格", GROUP_2)]
    )
    running.emu.add_group(GROUP_2, "松鹤社区第二网格工作群")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def finish(bot: Bot, category: str = "clutter") -> None:
    bot.press(RESIDENT, RESIDENT, f"rpt:c:{category}")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()


async def test_a_place_typed_before_the_grid_is_kept_and_the_grid_asked(two_grids: Bot) -> None:
    bot, emu = two_grids, two_grids.emu
    emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    assert bot.buttons(RESIDENT) == [f"rpt:g:{GRID}", f"rpt:g:{GRID_2}"]
    emu.send_text(RESIDENT, RESIDENT, "3-2")  # typed instead of pressing a grid button
    await bot.settled()
    assert "请先选择您所在的网格" in bot.replies(RESIDENT)[-1]
    bot.press(RESIDENT, RESIDENT, f"rpt:g:{GRID_2}")
    await bot.settled()
    assert "3号楼2单元" in bot.replies(RESIDENT)[-1]  # the typed place was kept
    emu.send_text(RESIDENT, RESIDENT, "楼道里堆满了纸箱")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    await finish(bot)
    issue = bot.issues()[-1]
    assert (issue["grid_key"], issue["building"], issue["unit"]) == (GRID_2, "3", "2")
    assert bot.card(issue["id"]).chat_id == GROUP_2
    assert failed_updates(bot) == []


async def test_text_first_then_a_typed_place_then_the_grid(two_grids: Bot) -> None:
    bot, emu = two_grids, two_grids.emu
    emu.send_text(RESIDENT, RESIDENT, "楼道里堆满了纸箱，过不去")
    await bot.settled()
    emu.send_text(RESIDENT, RESIDENT, "3号楼2单元")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, f"rpt:g:{GRID}")
    await bot.settled()
    await finish(bot)
    issue = bot.issues()[-1]
    assert (issue["grid_key"], issue["building"], issue["unit"]) == (GRID, "3", "2")
    assert any(f"#{issue['id']}" in r for r in bot.replies(RESIDENT))
    assert failed_updates(bot) == []


async def test_a_category_pressed_without_a_grid_asks_for_the_place(two_grids: Bot) -> None:
    """A category button from an older draft (or forged) never meets a draft without a grid
    in silence: the resident is asked where."""
    bot, emu = two_grids, two_grids.emu
    emu.send_text(RESIDENT, RESIDENT, "楼道里堆满了纸箱")
    await bot.settled()
    last = emu.bot_messages(RESIDENT)[-1]
    emu.press(RESIDENT, last.message_id, RESIDENT, "rpt:c:clutter")
    await bot.settled()
    assert len(answers(bot)) == 1
    assert bot.issues() == [] and failed_updates(bot) == []


# --------------------------------------------------------------- hole 2: undoing a rejection


async def test_a_resident_cannot_reopen_a_rejected_or_closed_report(bot: Bot) -> None:
    number = await report(bot)
    bot.press(GROUP, GRID_HEAD, f"issue:reject:{number}")
    await bot.settled()
    bot.press(GROUP, GRID_HEAD, f"issue:rejectwhy:{number}:not_actionable")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "rejected"
    events = len(bot.query("SELECT * FROM events WHERE issue_id = ?", (number,)))
    sent = len(bot.emu.bot_messages())
    anchor = bot.emu.bot_messages(RESIDENT)[-1].message_id
    for _ in range(3):
        bot.emu.press(RESIDENT, anchor, RESIDENT, f"issue:reopen:{number}")
        await bot.settled()
    assert bot.issues()[-1]["status"] == "rejected"
    assert len(bot.query("SELECT * FROM events WHERE issue_id = ?", (number,))) == events
    assert len(bot.emu.bot_messages()) == sent  # no card back, no ping to the assignee
    assert answers(bot)[-3:] == ["只有网格长、社区长或协调员可以重新打开已办结或已驳回的事项。"] * 3
    # A grid head may still reopen it.
    bot.press(GROUP, GRID_HEAD, f"issue:reopen:{number}")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "assigned"


async def test_a_resident_cannot_reopen_after_confirming_the_fix(bot: Bot) -> None:
    number = await report(bot)
    bot.press(GROUP, UNIT_HEAD, f"issue:claim:{number}")
    await bot.settled()
    bot.press(GROUP, UNIT_HEAD, f"issue:resolve:{number}")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, f"issue:verify:{number}:fixed")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "closed"
    anchor = bot.emu.bot_messages(RESIDENT)[-1].message_id
    bot.emu.press(RESIDENT, anchor, RESIDENT, f"issue:reopen:{number}")
    await bot.settled()
    assert bot.issues()[-1]["status"] == "closed"


# --------------------------------------------------------------- hole 3: unreadable update


async def test_an_unreadable_update_is_set_aside_and_the_rest_go_on(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    # A poll whose options lack persistent_id, as an older self-hosted Bot API server sends.
    poll = {"id": "5001", "question": "明天几点开会？", "options": [
        {"text": "8点", "voter_count": 0}], "total_voter_count": 0, "is_closed": False,
        "is_anonymous": True, "type": "regular", "allows_multiple_answers": False}
    with caplog.at_level(logging.ERROR):
        poll_id = bot.emu.add_raw_update({"poll": poll})
        bot.emu.send_text(GROUP, UNIT_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
        await bot.settled()
    assert len(bot.issues()) == 1 and bot.card(1).chat_id == GROUP
    [aside] = bot.query("SELECT error FROM inbox WHERE update_id = ?", (poll_id,))
    assert aside["error"].startswith("unreadable: ")
    assert failed_updates(bot) == [aside["error"]]
    assert any(f"update {poll_id} cannot be read" in r.getMessage() for r in caplog.records)
    assert any(f"编号 {poll_id}" in r and "已单独搁置" in r for r in bot.replies(COORDINATOR))
    # A restart does not try it again.
    await bot.restart()
    await bot.settled()
    assert len(bot.replies(COORDINATOR)) == 1


# --------------------------------------------------------------- weak answers


@pytest.mark.parametrize("data", [
    "garbage",
    "issue:claim",
    "issue:claim:１２",
    "issue:<b>x</b>:1",
    "issue:claim:99999999999999999999999",
    "测试" * 10 + "数据！",  # 63 bytes of non-ASCII
    "issue:frobnicate:1",
])
async def test_a_malformed_or_forged_button_is_answered_and_changes_nothing(
    bot: Bot, data: str
) -> None:
    bot.emu.send_text(GROUP, UNIT_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    before = [dict(r) for r in bot.issues()]
    bot.emu.press(GROUP, bot.card(1).message_id, UNIT_HEAD, data)
    await bot.settled()
    assert answers(bot) == ["这个按钮已失效。"]
    assert [dict(r) for r in bot.issues()] == before
    assert failed_updates(bot) == []


async def test_a_resident_step_button_pressed_in_the_group_is_answered(bot: Bot) -> None:
    bot.emu.send_text(GROUP, UNIT_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    for data in ("rpt:g:songhe-1", "rpt:ok", "rpt:c:clutter"):
        bot.emu.press(GROUP, bot.card(1).message_id, OUTSIDER, data)
    await bot.settled()
    assert answers(bot) == ["This button is no longer valid."] * 3
    assert len(bot.issues()) == 1 and failed_updates(bot) == []


async def test_a_strangers_back_button_changes_nothing(bot: Bot) -> None:
    bot.emu.send_text(GROUP, UNIT_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    edits = len(bot.emu.calls_to("editMessageText"))
    bot.emu.press(GROUP, bot.card(1).message_id, OUTSIDER, "issue:back:1")
    bot.emu.press(GROUP, bot.card(1).message_id, OUTSIDER, "issue:back:424242")
    await bot.settled()
    assert len(bot.emu.calls_to("editMessageText")) == edits
    first, second = answers(bot)
    assert first == second  # a stranger cannot tell which numbers exist


@pytest.mark.parametrize("text", ['"' * 1200, "<&>" * 900, "🔥" * 2500, "楼道" * 2100])
async def test_a_long_card_keeps_its_status_line_and_whole_entities(bot: Bot, text: str) -> None:
    bot.emu.send_text(GROUP, UNIT_HEAD, "#随手拍 3号楼2单元 " + text)
    await bot.settled()
    card = bot.card(1)
    assert "状态：" in card.plain().splitlines()[-1]
    assert utf16_len(card.text) <= 4096
    bot.emu.send_text(GROUP, GRID_HEAD, "/show 1")
    await bot.settled()
    shown = [c.params["text"] for c in bot.emu.calls_to("sendMessage")
             if c.params.get("chat_id") == GROUP and "📜" in str(c.params.get("text"))]
    assert shown, bot.emu.transcript()
    for sent in [card.text, *shown]:
        assert utf16_len(sent) <= 4096
        assert not re.search(r"&[#A-Za-z0-9]*…", sent)  # never half an entity
    assert any("状态：" in s for s in shown)
    assert all(c.status == 200 for c in bot.emu.calls if c.method in ("sendMessage",
                                                                        "editMessageText"))


@pytest.mark.parametrize("content", [
    {"sticker": {"file_id": "CAACstk1", "file_unique_id": "stk1", "type": "regular",
                 "width": 512, "height": 512, "is_animated": False, "is_video": False}},
    {"contact": {"phone_number": "+8613800000000", "first_name": "王"}},
    {"poll": {"id": "77", "question": "?",
              "options": [{"text": "a", "voter_count": 0, "persistent_id": "o1"}],
              "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
              "type": "regular", "allows_multiple_answers": False,
              "allows_revoting": False, "members_only": False}},
])
async def test_a_sticker_contact_or_poll_in_a_draft_gets_a_hint(
    bot: Bot, content: dict[str, object]
) -> None:
    bot.emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    bot.emu.send_content(RESIDENT, RESIDENT, content, shown="(something)")
    await bot.settled()
    assert "可以发送文字、照片、语音或位置" in bot.replies(RESIDENT)[-1]
    # Outside a report the same.
    bot.emu.send_text(RESIDENT, RESIDENT, "/cancel")
    await bot.settled()
    bot.emu.send_content(RESIDENT, RESIDENT, content, shown="(something)")
    await bot.settled()
    assert "可以发送文字、照片、语音或位置" in bot.replies(RESIDENT)[-1]
    assert bot.issues() == [] and failed_updates(bot) == []


async def test_a_strangers_photo_reply_to_a_card_has_one_outcome(bot: Bot) -> None:
    bot.emu.send_text(GROUP, UNIT_HEAD, "#随手拍 3号楼2单元楼道堆满纸箱")
    await bot.settled()
    bot.emu.add_user(7001, "群里的路人")
    bot.emu.send_photo(GROUP, 7001, jpeg("blue"), caption="看这里",
                       reply_to=bot.card(1).message_id)
    await bot.settled()
    assert len(bot.issues()) == 1  # not a new report
    after_card = [m for m in bot.emu.bot_messages(GROUP) if m.message_id > bot.card(1).message_id]
    assert [m.plain() for m in after_card] == ["只有本网格的五长或协调员可以这样做。"]
    assert bot.query("SELECT COUNT(*) AS n FROM media")[0]["n"] == 0


# --------------------------------------------------------------- draft caps


async def test_a_draft_holds_a_bounded_number_of_files(bot: Bot) -> None:
    bot.emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    for i in range(14):
        bot.emu.send_voice(RESIDENT, RESIDENT, b"OggS" + bytes([i]) * 1000)
    await bot.settled()
    refusals = [r for r in bot.replies(RESIDENT) if "最多 12 个" in r]
    assert len(refusals) == 2
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    await finish(bot)
    assert bot.query("SELECT COUNT(*) AS n FROM media")[0]["n"] == 12


async def test_a_draft_holds_a_bounded_total_size(bot: Bot) -> None:
    bot.emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    for i in range(3):  # 3 × 15 MB of voice: the third goes over 40 MB
        bot.emu.send_voice(RESIDENT, RESIDENT, b"OggS" + bytes([i]) * 15_000_000)
        await bot.settled()
    assert sum("合计最多 40 MB" in r for r in bot.replies(RESIDENT)) == 1


async def test_an_abandoned_draft_and_its_files_are_swept_after_a_day(bot: Bot) -> None:
    bot.emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    bot.emu.send_photo(RESIDENT, RESIDENT, jpeg("green"), caption="楼道堆物")
    await bot.settled()
    media = bot.config.media_dir

    def files() -> list[Path]:
        return [p for p in Path(media).rglob("*") if p.is_file()]

    assert len(files()) == 1
    bot.clock.advance(timedelta(hours=25))
    assert bot.runner is not None
    app = bot.runner.app
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name("draft-sweep")
    await job.run(app)
    assert files() == []
    bot.press(RESIDENT, RESIDENT, "rpt:next")  # the resident comes back
    await bot.settled()
    assert "已经过期清除" in bot.replies(RESIDENT)[-1]
    assert bot.issues() == []


async def test_a_resident_stores_a_bounded_amount_a_day(bot: Bot) -> None:
    """Five voice messages of 19 MB in one report, then a sixth in the next draft: over the
    100 MB a resident may store in a day, refused with a word; text still goes through."""
    bot.emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    for i in range(5):
        bot.emu.send_voice(RESIDENT, RESIDENT, b"OggS" + bytes([i]) * 100,
                           declared_size=19_000_000)
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    await finish(bot)
    assert bot.query("SELECT COUNT(*) AS n FROM media")[0]["n"] == 5
    bot.emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    bot.emu.send_voice(RESIDENT, RESIDENT, b"OggS-more", declared_size=19_000_000)
    await bot.settled()
    assert "每天最多 100 MB" in bot.replies(RESIDENT)[-1]
    bot.emu.send_text(RESIDENT, RESIDENT, "楼道灯也坏了")
    await bot.settled()
    assert "收到了" in bot.replies(RESIDENT)[-1]
