"""Nothing lost, nothing doubled (SPEC §8): redelivery, restarts, a SIGKILL mid-burst,
Telegram errors and flood limits."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.app import RateLimits
from bot.emulator import BotApiEmulator, FloodLimits
from tests.conftest import GRID_HEAD, GROUP, TOKEN, UNIT_HEAD, Bot, jpeg, write_config

ROOT = Path(__file__).resolve().parent.parent


def card_numbers(emu: BotApiEmulator) -> Counter[int]:
    """Issue numbers of every card the bot ever sent (a doubled card counts twice)."""
    seen: Counter[int] = Counter()
    for message in emu.bot_messages():
        for _, data in message.buttons():
            if data.startswith("issue:claim:"):
                seen[int(data.rsplit(":", 1)[1])] += 1
                break
    return seen


async def test_an_update_redelivered_after_a_restart_doubles_nothing(bot: Bot) -> None:
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    bot.emu.send_text(GROUP, GRID_HEAD, "/open")
    await bot.settled()
    replies_before = len(bot.emu.bot_messages(GROUP))
    await bot.stop()
    bot.emu.redeliver_from(1)  # Telegram "forgot" our confirmation
    await bot.start()
    await bot.settled()
    assert len(bot.issues()) == 1
    assert len(bot.emu.bot_messages(GROUP)) == replies_before
    assert card_numbers(bot.emu) == {1: 1}


async def test_the_outbox_retries_after_429_and_server_errors(bot: Bot) -> None:
    bot.emu.fail_next("sendMessage", status=429, retry_after=1)
    bot.emu.fail_next("sendMessage", status=502, times=2)
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    assert card_numbers(bot.emu) == {1: 1}
    statuses = [c.status for c in bot.emu.calls_to("sendMessage")]
    assert statuses == [429, 502, 502, 200]


async def test_a_send_that_times_out_is_retried(bot: Bot) -> None:
    """Telegram may have delivered a send whose answer never came: the outbox sends again
    (at-least-once) and the card it keeps is the one whose answer arrived."""
    bot.request_timeout = 0.5
    await bot.restart()
    bot.emu.delay_next("sendMessage", 1.5)
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    (issue,) = bot.issues()
    assert len(bot.emu.calls_to("sendMessage")) == 2
    assert bot.card(issue["id"]).message_id == bot.emu.calls_to("sendMessage")[1].result[
        "message_id"
    ]
    (row,) = bot.query("SELECT status, attempts, last_error FROM outbox WHERE kind = 'card'")
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert "TimedOut" in row["last_error"]


async def test_pending_messages_survive_a_restart(bot: Bot) -> None:
    bot.emu.fail_next("sendMessage", status=502, times=1000)
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.emu.wait_for(lambda: len(bot.emu.calls_to("sendMessage")) >= 1)
    await bot.stop()
    assert card_numbers(bot.emu) == {}
    bot.emu.clear_failures()  # Telegram is back
    await bot.start()
    await bot.settled()
    assert card_numbers(bot.emu) == {1: 1}


async def test_a_burst_under_flood_limits_loses_nothing_and_breaks_no_limit(
    make_bot: Callable[..., Bot], emu: BotApiEmulator
) -> None:
    """200 reports in two groups. The group period is shortened (20 per 2 s instead of per
    minute) on both sides so the test takes seconds; the overall 30/s is the real one."""
    emu.flood = FloodLimits(overall_per_second=30, group_max=20, group_period=2.0)
    second = GROUP - 1
    emu.add_group(second, "第二网格工作群")
    bot = make_bot(
        limits=RateLimits(group_max=20, group_period=2.0),
        grids=[("songhe-1", "第一网格", GROUP), ("songhe-2", "第二网格", second)],
    )
    await bot.start()
    try:
        for i in range(200):
            emu.send_text(GROUP if i % 2 else second, GRID_HEAD, f"#随手拍 {i} 号垃圾没清")
        await bot.settled(timeout=60)
        assert len(bot.issues()) == 200
        assert card_numbers(emu) == {n: 1 for n in range(1, 201)}
        assert emu.flood_violations == 0
        assert all(c.status == 200 for c in emu.calls_to("sendMessage"))
    finally:
        await bot.stop()


async def test_sigkill_mid_burst_of_300_reports_in_50_groups(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    """A real bot process is killed with SIGKILL while reports pour in, then restarted.

    At the kill, the emulator stops accepting sends and kills the process a moment later:
    a send Telegram accepted but whose answer the bot never committed cannot be told apart
    from one that never happened (the Bot API has no idempotency key), so the test does not
    put the kill inside that window; the inbox and outbox recovery it checks are ours."""
    groups = [GROUP - i for i in range(50)]
    for chat_id in groups:
        emu.add_group(chat_id, f"网格群 {chat_id}")
    config = write_config(
        tmp_path, emu, grids=[(f"g{i:02d}", f"第{i}网格", c) for i, c in enumerate(groups)]
    )
    photo = jpeg()

    def burst(start: int, count: int) -> None:
        for i in range(start, start + count):
            emu.send_photo(groups[i % 50], GRID_HEAD, photo, caption=f"3-2 楼道杂物 {i}")

    log = tmp_path / "bot.log"

    def spawn() -> subprocess.Popen[bytes]:
        with log.open("ab") as sink:
            return subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                cwd=ROOT, env={**os.environ, "FIVEHEADS_TOKEN": TOKEN},
                stdout=sink, stderr=sink,
            )

    frozen = False

    def freeze_sends(method: str, params: dict[str, object]) -> None:
        nonlocal frozen
        if method != "sendMessage":
            return
        if not frozen and sum(c.status == 200 for c in emu.calls_to("sendMessage")) >= 80:
            frozen = True
        if frozen:
            raise web.HTTPServiceUnavailable()

    burst(0, 150)
    process = spawn()
    emu.hooks.append(freeze_sends)
    try:
        await emu.wait_for(lambda: frozen, timeout=60)
        burst(150, 150)  # more reports arrive while the bot is busy
        await asyncio.sleep(0.3)  # let it take some of them into the inbox
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, 10)
        assert process.returncode == -signal.SIGKILL
        emu.hooks.remove(freeze_sends)
        process = spawn()
        await emu.wait_for(lambda: len(card_numbers(emu)) >= 300, timeout=120)
        await emu.wait_for(lambda: emu.pending_updates() == 0, timeout=30)
    finally:
        # Wait off the event loop: the emulator must keep answering a bot that shuts down.
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, 10)
    output = log.read_text(encoding="utf-8")
    assert process.returncode == 0, output
    assert TOKEN not in output  # the token never reaches a log
    with sqlite3.connect(tmp_path / "fiveheads.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0] == 300
        unprocessed = conn.execute("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL")
        assert unprocessed.fetchone()[0] == 0
        per_group = conn.execute("SELECT COUNT(DISTINCT card_chat_id) FROM issues").fetchone()[0]
    assert per_group == 50
    assert card_numbers(emu) == {n: 1 for n in range(1, 301)}


async def test_coordinators_hear_how_long_the_bot_was_down(bot: Bot) -> None:
    from datetime import timedelta

    from tests.conftest import COORDINATOR

    bot.emu.send_text(COORDINATOR, COORDINATOR, "/start")
    await bot.settled()
    await bot.restart()  # a quick restart is not worth a word
    await bot.settled()
    assert not any("停止运行" in r for r in bot.replies(COORDINATOR))
    await bot.stop()
    bot.clock.advance(timedelta(hours=2, minutes=30))
    await bot.start()
    await bot.settled()
    assert "停止运行了约 2 小时 30 分钟" in bot.replies(COORDINATOR)[-1]


async def test_a_press_replayed_after_a_crash_changes_nothing_twice(bot: Bot) -> None:
    """A crash after the change was committed but before its update was marked processed:
    the update runs again at start-up and must not reassign or ping twice."""
    from tests.conftest import BUILDING_HEAD

    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    bot.emu.press(GROUP, bot.card(1).message_id, GRID_HEAD, f"issue:assignto:1:{BUILDING_HEAD}")
    await bot.settled()
    await bot.stop()
    with bot.db() as conn:  # the crash point: the last update is not yet marked processed
        conn.execute("UPDATE inbox SET processed_at = NULL WHERE update_id = "
                     "(SELECT MAX(update_id) FROM inbox)")
    await bot.start()
    await bot.settled()
    types = [r["type"] for r in bot.query("SELECT type FROM events ORDER BY id")]
    assert types.count("assign") == 1
    assert bot.issues()[0]["assignee_user_id"] == BUILDING_HEAD
