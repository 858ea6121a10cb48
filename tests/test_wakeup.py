"""The outbox and the media fetcher wake themselves when work is committed.

A repository that stores an outbox row or a photo to fetch notifies the store, which wakes
the sender or fetcher after the commit. The whole loop runs here with the idle poll at an
hour: a send that relied on the poll would not arrive before each step's short deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from storage.db import Store
from tests.conftest import GRID_HEAD, GROUP, RESIDENT, UNIT_HEAD, Bot, jpeg
from tests.test_residents import at_collect

HOUR = 3600.0
PROMPT = 10.0  # seconds a step may take: far below the idle poll, generous on a busy machine


@pytest.fixture
async def slow_poll_bot(make_bot: Callable[..., Bot]) -> AsyncIterator[Bot]:
    bot = make_bot()
    bot.idle_poll = HOUR
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def step(bot: Bot) -> None:
    await bot.settled(timeout=PROMPT)


async def test_every_send_arrives_promptly_with_an_hour_between_idle_polls(
    slow_poll_bot: Bot,
) -> None:
    bot, emu = slow_poll_bot, slow_poll_bot.emu
    assert bot.runner is not None
    assert bot.runner.sender.idle_poll == HOUR == bot.runner.media.idle_poll

    # A head who started the bot is pinged in private about what is theirs.
    emu.send_text(UNIT_HEAD, UNIT_HEAD, "/start")
    await step(bot)
    assert bot.replies(UNIT_HEAD)

    # A group photo report: card in the group, private ping, the photo fetched.
    emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="3号楼2单元楼道堆满杂物")
    await step(bot)
    card = bot.card(1)
    assert "#1" in card.plain() and f"tg://user?id={UNIT_HEAD}" in card.text
    assert any("#1" in r and "由您负责" in r for r in bot.replies(UNIT_HEAD))
    assert bot.query("SELECT status FROM media WHERE issue_id = 1")[0][0] == "stored"

    # An album: one card once the album is complete, every photo fetched.
    for color in ("red", "green", "blue"):
        emu.send_photo(GROUP, GRID_HEAD, jpeg(color), media_group_id="album-w",
                       caption="3-2 楼道杂物" if color == "red" else None)
    await step(bot)
    assert "照片 3" in bot.card(2).plain()
    stored = bot.query("SELECT COUNT(*) FROM media WHERE issue_id = 2 AND status = 'stored'")
    assert stored[0][0] == 3

    # A #随手拍 text.
    emu.send_text(GROUP, GRID_HEAD, "#随手拍 5号楼门口路灯不亮")
    await step(bot)
    assert "路灯不亮" in bot.card(3).plain()

    # Claim and resolve with the card's buttons: the card is edited in place each time.
    emu.press(GROUP, card.message_id, UNIT_HEAD, "issue:claim:1")
    await step(bot)
    assert "处理中" in bot.card(1).plain()
    emu.press(GROUP, card.message_id, UNIT_HEAD, "issue:resolve:1")
    await step(bot)
    assert "已解决" in bot.card(1).plain()

    # A resident's private report, and a relay each way.
    await at_collect(bot)
    emu.send_photo(RESIDENT, RESIDENT, jpeg("green"), caption="3号楼2单元楼道堆满纸箱")
    await step(bot)
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await step(bot)
    bot.press(RESIDENT, RESIDENT, "rpt:c:clutter")
    await step(bot)
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await step(bot)
    number = int(bot.issues()[-1]["id"])
    assert any(f"#{number}" in r and "已登记" in r for r in bot.replies(RESIDENT))
    resident_card = bot.card(number)
    assert "上报：居民" in resident_card.plain()
    emu.send_text(GROUP, UNIT_HEAD, "我下午去清理", reply_to=resident_card.message_id)
    await step(bot)
    relayed = emu.bot_messages(RESIDENT)[-1]
    assert relayed.plain() == f"【单元长 · #{number}】我下午去清理"
    emu.send_text(RESIDENT, RESIDENT, "好的，谢谢", reply_to=relayed.message_id)
    await step(bot)
    back = emu.bot_messages(GROUP)[-1]
    assert back.plain() == f"💬 居民（3号楼2单元）回复 #{number}：好的，谢谢"

    # A command's answer.
    emu.send_text(GROUP, GRID_HEAD, f"/show {number}")
    await step(bot)
    assert f"#{number} 楼道堆物" in bot.replies(GROUP)[-1]


async def test_subscribers_hear_a_commit_never_a_rollback(tmp_path: Path) -> None:
    store = Store(tmp_path / "signal.sqlite3")
    heard: list[str] = []
    store.subscribe("outbox", lambda: heard.append("outbox"))
    store.subscribe("media", lambda: heard.append("media"))
    await store.open()
    try:
        async with store.transaction() as conn:
            Store.of(conn).notify("outbox")
            Store.of(conn).notify("outbox")
            assert heard == []  # not before the commit
        assert heard == ["outbox"]
        with pytest.raises(RuntimeError, match="changed my mind"):
            async with store.transaction() as conn:
                Store.of(conn).notify("media")
                raise RuntimeError("changed my mind")
        assert heard == ["outbox"]
        with pytest.raises(RuntimeError, match="outside a transaction"):
            store.notify("media")
    finally:
        await store.close()


async def test_a_loop_woken_as_it_is_stopped_still_stops(slow_poll_bot: Bot) -> None:
    """Python 3.11's asyncio.wait_for returns normally when the event it waits for is set
    in the same turn as its task is cancelled: the loop then went round again and the bot
    never stopped (a CI run waited out its limit in Runner.stop). Both loops are woken and
    cancelled at once here, as a delivery finishing during a stop does."""
    runner = slow_poll_bot.runner
    assert runner is not None
    await step(slow_poll_bot)
    loops = {t.get_name(): t for t in asyncio.all_tasks() if t.get_name() in {"outbox", "media"}}
    assert set(loops) == {"outbox", "media"}
    for wake, name in ((runner.sender.wake, "outbox"), (runner.media.wake, "media")):
        wake()
        loops[name].cancel()
    done, _ = await asyncio.wait(loops.values(), timeout=PROMPT)
    assert set(done) == set(loops.values())
    assert all(t.cancelled() for t in done)
