"""Faults lose nothing (issue #11): the Bot API resetting connections, answering 5xx, timing
out, answering slowly and in 429 storms, on getUpdates, the sends, the edits and getFile; a
full or unwritable media_dir; the database locked by a backup; and ``kill -9`` of a real bot
process in the middle of a burst of photo reports, then a restart.

Each test ends on the same promise: every report stored once, every card delivered (twice
only where Telegram acted on a send whose answer was lost: the Bot API has no idempotency
key), the outbox empty, nothing stuck, and a clear log line for what went wrong. Every wait
is bounded and nothing asserts a wall-clock duration. What ``test_durability`` already
shows (a 429 then 502s on one card, one timed-out send, a SIGKILL with sends frozen, flood
limits) is not repeated here.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters import inbox as inbox_adapter
from bot.adapters import media as media_adapter
from bot.emulator import BotApiEmulator
from storage import db as db_module
from tests.conftest import (
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    RESIDENT,
    TOKEN,
    UNIT_HEAD,
    Bot,
    jpeg,
    write_config,
)

ROOT = Path(__file__).resolve().parent.parent
CARD = re.compile(r"^[🔴🟠🟢🔵]\s*#(\d+) ")
GROUPS = [GROUP - i for i in range(4)]


def card_numbers(emu: BotApiEmulator) -> Counter[int]:
    """Issue numbers of every card posted to a group, whatever its buttons now (a card
    posted twice counts twice)."""
    seen: Counter[int] = Counter()
    for message in emu.bot_messages():
        found = CARD.match(message.plain()) if message.chat_id < 0 else None
        if found:
            seen[int(found.group(1))] += 1
    return seen


def all_good(bot: Bot) -> None:
    """Nothing pending or failed anywhere: inbox, outbox, media."""
    assert bot.query("SELECT update_id, error FROM inbox WHERE processed_at IS NULL"
                     " OR error IS NOT NULL") == []
    left = bot.query("SELECT id, kind, method, status, last_error FROM outbox"
                     " WHERE status != 'sent'")
    assert [dict(r) for r in left] == []
    media = bot.query("SELECT id, status, error FROM media WHERE status != 'stored'")
    assert [dict(r) for r in media] == []
    for row in bot.query("SELECT path FROM media"):
        assert (Path(bot.config.media_dir) / row["path"]).is_file()


def one_issue_per_message(bot: Bot) -> None:
    sources = Counter((r["source_chat_id"], r["source_message_id"]) for r in bot.issues())
    assert sources and max(sources.values()) == 1


def media_statuses(bot: Bot) -> list[str]:
    return [r["status"] for r in bot.query("SELECT status FROM media ORDER BY id")]


def statuses(emu: BotApiEmulator, method: str) -> Counter[int]:
    return Counter(c.status for c in emu.calls if c.method.lower() == method.lower())


def logged(caplog: pytest.LogCaptureFixture, level: int, text: str) -> bool:
    return any(r.levelno >= level and text in r.getMessage() for r in caplog.records)


def multi_group_bot(make_bot: Callable[..., Bot], emu: BotApiEmulator) -> Bot:
    for chat_id in GROUPS[1:]:
        emu.add_group(chat_id, f"网格群 {chat_id}")
    return make_bot(grids=[(f"g{i}", f"第{i}网格", c) for i, c in enumerate(GROUPS)])


# --------------------------------------------------------------- getUpdates


async def test_get_updates_faults_lose_and_double_nothing(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Each fault hits the very getUpdates call that carries a report: a reset before and
    after Telegram handed it out, a 502, a storm of 429s, a slow answer and one
    slower than the client waits (timed out: the report is handed out again)."""
    caplog.set_level(logging.INFO)
    # A long poll may take its 1 s plus this before it counts as timed out (10 s live).
    monkeypatch.setattr(inbox_adapter, "POLL_GRACE", 0.5)
    emu = bot.emu
    # (name, how to inject it, how many getUpdates calls it spoils)
    faults: list[tuple[str, Callable[[], None], int]] = [
        ("reset", lambda: emu.reset_next("getUpdates"), 1),
        ("reset-after", lambda: emu.reset_next("getUpdates", after_acting=True), 1),
        ("502", lambda: emu.fail_next("getUpdates", status=502), 1),
        ("429-storm", lambda: emu.fail_next("getUpdates", status=429, retry_after=1, times=2), 2),
        ("slow", lambda: emu.delay_next("getUpdates", 0.4), 0),
        ("timeout", lambda: emu.delay_next("getUpdates", 2.5), 1),  # last: it answers late
    ]
    plan = list(faults)
    skip = 0

    def carry(method: str, params: dict[str, Any]) -> None:
        """At the start of a getUpdates: the next fault, and a report for that very call to
        carry; then the calls it spoils and one clean call go by (backoff starts afresh)."""
        nonlocal skip
        if method.lower() != "getupdates":
            return
        if skip:
            skip -= 1
        elif plan:
            name, inject, spoiled = plan.pop(0)
            inject()
            emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption=f"3-2 楼道杂物 {name}")
            skip = spoiled

    emu.hooks.append(carry)
    await emu.wait_for(lambda: not plan and len(bot.issues()) == len(faults), timeout=30)
    await bot.settled()
    assert len(bot.issues()) == len(faults)
    one_issue_per_message(bot)
    assert card_numbers(emu) == {n: 1 for n in range(1, len(faults) + 1)}
    calls = statuses(emu, "getUpdates")
    assert calls[0] == 1 and calls[502] == 1 and calls[429] == 2
    assert logged(caplog, logging.WARNING, "getUpdates failed (TimedOut)")
    assert logged(caplog, logging.WARNING, "getUpdates failed (NetworkError)")
    all_good(bot)


# --------------------------------------------------------------- sends, edits, getFile


async def resident_photo_report(bot: Bot, before_confirm: Callable[[], None]) -> int:
    """A resident's report with a photo: its card goes to the group as a photo."""
    bot.emu.send_text(RESIDENT, RESIDENT, "/start")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:g:g0")  # several grids: which one first
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    bot.emu.send_photo(RESIDENT, RESIDENT, jpeg("blue"), caption="3号楼2单元楼道堆满纸箱")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:c:clutter")
    await bot.settled()
    before_confirm()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()
    return int(bot.issues()[-1]["id"])


async def test_send_edit_and_file_faults_deliver_everything_once(
    make_bot: Callable[..., Bot], emu: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Resets before Telegram acted, 5xx, 429 storms and slow answers on sendMessage,
    sendPhoto, editMessageText, editMessageCaption, getFile and the file download: each
    card once, each edit made, each photo stored once, the resident's photo not lost."""
    caplog.set_level(logging.INFO)
    bot = multi_group_bot(make_bot, emu)
    bot.request_timeout = 2.0  # a slow answer well below it, a timeout above it
    await bot.start()
    try:
        # The resident's photo is fetched while they wait: quick failures are tried again.
        emu.reset_next("getFile")
        emu.reset_next("file")  # the download itself
        number = await resident_photo_report(bot, lambda: (
            emu.reset_next("sendPhoto"),  # one card: its faults add up, so only two
            emu.fail_next("sendPhoto", status=429, retry_after=1),
            emu.delay_next("sendPhoto", 0.3),
        ))
        assert number == 1
        assert not any("无法" in r for r in bot.replies(RESIDENT))  # no refusal of the photo
        # Four heads' photo reports in four groups, sent and fetched through a storm.
        emu.reset_next("sendMessage")
        emu.fail_next("sendMessage", status=502)
        emu.fail_next("sendMessage", status=503)
        emu.fail_next("sendMessage", status=429, retry_after=1, times=3)
        emu.delay_next("sendMessage", 0.3, times=2)
        emu.fail_next("getFile", status=502, times=3)  # beyond the quick retries: backoff
        emu.fail_next("getFile", status=429, retry_after=1)
        emu.delay_next("getFile", 3.0)  # timed out: tried again later
        for i, chat_id in enumerate(GROUPS):
            emu.send_photo(chat_id, UNIT_HEAD, jpeg(("red", "green", "white", "black")[i]),
                           caption=f"3-2 楼道杂物 {i}")
        await bot.settled()
        assert len(bot.issues()) == 5
        # The assignee claims every card: five edits through their own faults.
        emu.reset_next("editMessageText")
        emu.fail_next("editMessageText", status=502)
        emu.fail_next("editMessageText", status=429, retry_after=1, times=2)
        emu.delay_next("editMessageText", 0.3)
        emu.fail_next("editMessageCaption", status=500)
        for issue in bot.issues():
            bot.press(issue["card_chat_id"], UNIT_HEAD, f"issue:claim:{issue['id']}")
        await bot.settled()
        one_issue_per_message(bot)
        assert card_numbers(emu) == {n: 1 for n in range(1, 6)}
        for issue in bot.issues():
            assert issue["status"] == "in_progress"
            assert bot.card(issue["id"]).edits == 1
            assert "处理中" in bot.card(issue["id"]).plain()
        assert bot.card(1).kind == "photo"
        all_good(bot)
        assert len(bot.query("SELECT * FROM media")) == 5
        # Every fault did happen, and each left a line in the log.
        assert statuses(emu, "sendMessage")[0] == 1
        assert statuses(emu, "sendMessage")[429] == 3
        assert statuses(emu, "sendPhoto")[0] == statuses(emu, "sendPhoto")[429] == 1
        assert statuses(emu, "editMessageCaption")[500] == 1
        assert statuses(emu, "editMessageText")[429] == 2
        assert statuses(emu, "getFile")[502] == 3
        assert logged(caplog, logging.WARNING, "NetworkError")
        assert logged(caplog, logging.INFO, "downloading")
    finally:
        await bot.stop()


async def test_a_lost_answer_may_double_a_send_never_an_edit(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram acted but its answer was lost (a reset after acting; a timeout is the same
    to the bot, see test_durability): the outbox cannot know, and sends again. A new
    message may then show twice (the Bot API has no idempotency key; the card kept is the
    one whose answer came); an edit made twice changes nothing, and its "not modified"
    counts as done; a file fetched twice is stored once."""
    emu = bot.emu
    emu.reset_next("sendMessage", after_acting=True)
    emu.reset_next("getFile", after_acting=True)
    emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    assert card_numbers(emu) == {1: 2}
    sent = [c for c in emu.calls_to("sendMessage") if c.status == 200]
    assert bot.card(1).message_id == sent[-1].result["message_id"]
    emu.reset_next("editMessageText", after_acting=True)
    bot.press(GROUP, UNIT_HEAD, "issue:claim:1")
    await bot.settled()
    assert card_numbers(emu) == {1: 2}  # no third card
    assert bot.card(1).edits == 1 and "处理中" in bot.card(1).plain()
    assert len(bot.query("SELECT * FROM media")) == 1
    all_good(bot)


async def test_an_outage_of_hours_still_delivers_every_card(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram unreachable (502) for hours: the card waits and goes out when it is back.
    The outbox used to give up after twelve tries (about 23 minutes) and drop it. The fake
    clock is moved instead of waiting: each try is made, only the pauses are skipped."""
    caplog.set_level(logging.INFO)
    emu = bot.emu
    assert bot.runner is not None
    sender = bot.runner.sender
    emu.fail_next("sendMessage", status=502, times=10_000)
    emu.send_text(GROUP, GRID_HEAD, "#随手拍 3-2 楼道杂物")
    for tries in range(1, 21):
        await emu.wait_for(lambda t=tries: len(emu.calls_to("sendMessage")) >= t,  # type: ignore[misc]
                           timeout=10)
        await emu.wait_for(lambda t=tries: bot.query(  # type: ignore[misc]
            "SELECT attempts FROM outbox WHERE kind = 'card'")[0][0] >= t, timeout=10)
        bot.clock.advance(timedelta(minutes=6))  # beyond the longest pause (5 minutes)
        sender.wake()
    (row,) = bot.query("SELECT status, attempts FROM outbox WHERE kind = 'card'")
    assert row["status"] == "pending" and row["attempts"] >= 20
    emu.clear_failures()  # Telegram is back
    bot.clock.advance(timedelta(minutes=6))
    sender.wake()
    await bot.settled()
    assert card_numbers(emu) == {1: 1}
    assert logged(caplog, logging.WARNING, "NetworkError")
    all_good(bot)


# --------------------------------------------------------------- disk


def half_written(media_dir: Path) -> list[Path]:
    return list(media_dir.rglob(".tmp-*"))


def file_in_place_of(media_dir: Path) -> Path:
    """Put media_dir aside and a plain file in its place; returns where it went."""
    aside = media_dir.with_name("media.aside")
    media_dir.mkdir(parents=True, exist_ok=True)
    media_dir.rename(aside)
    media_dir.write_bytes(b"not a directory")
    return aside


def directory_back(media_dir: Path, aside: Path) -> None:
    media_dir.unlink()
    aside.rename(media_dir)


def no_space(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def test_a_full_disk_keeps_the_photo_waiting_until_there_is_room(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The disk under media_dir is full (the OS refuses at fsync, as a full disk does on
    write-back): the report and its card go on, the photo waits with an ERROR line, and is
    stored once there is room. It used to escape the fetcher's loop, which then tried the
    same photo every 5 s for ever, never counting, and held every later photo back."""
    caplog.set_level(logging.INFO)
    with monkeypatch.context() as full:
        full.setattr(os, "fsync", no_space)
        bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
        await bot.emu.wait_for(lambda: bool(bot.query(
            "SELECT 1 FROM media WHERE attempts >= 1 AND error LIKE '%No space%'")), timeout=10)
        assert logged(caplog, logging.ERROR, "could not be stored")
        await bot.emu.wait_for(lambda: card_numbers(bot.emu) == {1: 1})  # the card goes on
        assert half_written(Path(bot.config.media_dir)) == []
    # Room again: the next try stores it; no notice of a loss.
    await bot.settled()
    await bot.emu.wait_for(lambda: media_statuses(bot) == ["stored"],
                           timeout=10)
    await bot.settled()
    assert logged(caplog, logging.WARNING, "can be stored under")
    assert not any("未能保存" in r for r in bot.replies(GROUP))
    # The coordinators heard once: only the operator can make room.
    (notice,) = [r for r in bot.replies(COORDINATOR) if "无法保存照片" in r]
    assert "#1" in notice and "No space" in notice
    all_good(bot)


async def test_an_unwritable_media_dir_is_said_under_the_report_in_the_end(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """media_dir is a file (as good as unwritable: the tests run as root, which ignores
    permission bits) for as long as the photo is tried: the fetcher gives up in the end,
    the group hears under the report that its photo could not be kept and why, and the
    log says so. Live that takes a day of tries; here three."""
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(media_adapter, "MAX_ATTEMPTS", 3)
    media_dir = Path(bot.config.media_dir)
    aside = file_in_place_of(media_dir)
    try:
        bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
        await bot.emu.wait_for(
            lambda: media_statuses(bot) == ["rejected"], timeout=15)
        await bot.settled()
    finally:
        directory_back(media_dir, aside)
    (row,) = bot.query("SELECT status, error, attempts FROM media")
    assert (row["status"], row["error"], row["attempts"]) == ("rejected", "media.not_stored", 3)
    assert logged(caplog, logging.ERROR, "could not be stored")
    assert logged(caplog, logging.ERROR, "giving up after 3 attempts")
    notice = bot.replies(GROUP)[-1]
    assert "#1" in notice and "服务器无法保存该文件" in notice
    assert card_numbers(bot.emu) == {1: 1} and len(bot.issues()) == 1
    assert bot.query("SELECT * FROM outbox WHERE status != 'sent'") == []


# --------------------------------------------------------------- database


async def test_the_database_locked_by_a_backup_only_makes_writes_wait(
    make_bot: Callable[..., Bot], emu: BotApiEmulator, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another process holds the write lock (a backup copying the file inside a
    transaction) for four times SQLite's busy timeout, while cards are being sent and
    reports keep coming. Every write waits for it, with one WARNING line; before, each
    failed after the busy timeout: the outbox loop died (no card went out until a restart)
    and an update handled then could end up recorded as failed. The busy timeout is cut
    from 5 s to 0.5 s so the test holds the lock 2 s, not 20."""
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 500)
    bot = multi_group_bot(make_bot, emu)
    await bot.start()
    locked, release = threading.Event(), threading.Event()

    def backup() -> None:
        conn = sqlite3.connect(bot.config.database, timeout=10, isolation_level=None)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            locked.set()
            release.wait(2.0)
            conn.execute("COMMIT")
        finally:
            conn.close()

    holder: list[asyncio.Future[None]] = []

    def lock_at_first_card(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and int(params.get("chat_id", 0)) < 0 and not holder:
            holder.append(asyncio.ensure_future(asyncio.to_thread(backup)))

    emu.hooks.append(lock_at_first_card)
    try:
        for i, chat_id in enumerate(GROUPS):
            emu.send_photo(chat_id, UNIT_HEAD, jpeg(), caption=f"3-2 楼道杂物 {i}")
        await emu.wait_for(locked.is_set, timeout=10)
        for i in range(8):  # reports keep coming while the file is locked
            emu.send_text(GROUPS[i % 4], GRID_HEAD, f"#随手拍 {i} 号垃圾没清")
        await asyncio.wait_for(holder[0], timeout=10)
        await bot.settled()
        assert len(bot.issues()) == 12
        one_issue_per_message(bot)
        assert card_numbers(emu) == {n: 1 for n in range(1, 13)}
        all_good(bot)
        assert logged(caplog, logging.WARNING, "the database is locked by another connection")
        assert logged(caplog, logging.WARNING, "the database can be written again")
        assert not logged(caplog, logging.ERROR, "")  # nothing failed, nothing stopped
    finally:
        release.set()
        await bot.stop()


# --------------------------------------------------------------- kill -9

# The 500 reports the issue asks for. A real process paces its cards at Telegram's real 30
# messages a second, so this one test takes about 17 s of the file's time; the rest of
# the file stays near 30 s. 50 groups: 10 reports a group stays under 20 a minute.
REPORTS = 500
KILL_GROUPS = [GROUP - i for i in range(50)]
IN_FLIGHT = 5  # sends Telegram acts on whose answers the kill loses


async def test_kill_9_mid_burst_of_photo_reports_loses_nothing(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    """A real bot process (``python -m bot run``) is killed with SIGKILL in the middle of a
    burst of photo reports, with sends in flight (Telegram acted, the answer not yet back),
    then started again. Every report is stored once with its photo, every card is posted,
    twice only for the sends that were in flight at the kill, and nothing is left over."""
    for chat_id in KILL_GROUPS[1:]:
        emu.add_group(chat_id, f"网格群 {chat_id}")
    config = write_config(
        tmp_path, emu, grids=[(f"g{i:02d}", f"第{i}网格", c) for i, c in enumerate(KILL_GROUPS)]
    )
    photos = [jpeg(color, (64 + i, 48)) for i, color in enumerate(("red", "green", "blue"))]
    log = tmp_path / "bot.log"

    def burst(start: int, stop: int) -> None:
        for i in range(start, stop):
            emu.send_photo(KILL_GROUPS[i % len(KILL_GROUPS)], UNIT_HEAD, photos[i % 3],
                           caption=f"3-2 楼道杂物 {i}")

    def spawn() -> subprocess.Popen[bytes]:
        with log.open("ab") as sink:
            return subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                cwd=ROOT, env={**os.environ, "FIVEHEADS_TOKEN": TOKEN}, stdout=sink, stderr=sink,
            )

    def cards_sent() -> int:
        return sum(c.status == 200 and int(c.params["chat_id"]) < 0
                   for c in emu.calls_to("sendMessage"))

    slowed: list[int] = []

    def slow_some(method: str, params: dict[str, Any]) -> None:
        """A third of the way in: the next sends are acted on and answered late."""
        if method == "sendMessage" and not slowed and cards_sent() >= REPORTS // 3:
            slowed.append(cards_sent())
            emu.delay_next("sendMessage", 3.0, times=IN_FLIGHT)

    burst(0, REPORTS * 2 // 3)
    process = spawn()
    emu.hooks.append(slow_some)
    try:
        await emu.wait_for(lambda: bool(slowed), timeout=60)
        burst(REPORTS * 2 // 3, REPORTS)  # the rest arrives while the bot is busy
        await emu.wait_for(lambda: cards_sent() >= slowed[0] + IN_FLIGHT, timeout=30)
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, 10)
        assert process.returncode == -signal.SIGKILL
        emu.hooks.remove(slow_some)
        # What the dead process had recorded: a card Telegram posted that the database
        # does not know was a send in flight.
        with sqlite3.connect(tmp_path / "fiveheads.sqlite3") as conn:
            known = set(conn.execute(
                "SELECT card_chat_id, card_message_id FROM issues WHERE card_message_id"
                " IS NOT NULL"))
            stored_at_kill = conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0]
            print(f"at the kill: {stored_at_kill} issues stored, {cards_sent()} cards posted,"
                  f" {emu.pending_updates()} updates unconfirmed, inbox unprocessed: ",
                  conn.execute("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL")
                  .fetchone()[0])
        conn.close()
        in_flight = {
            int(found.group(1)) for m in emu.bot_messages() if m.chat_id < 0
            and (found := CARD.match(m.plain())) and (m.chat_id, m.message_id) not in known
        }
        assert len(in_flight) >= IN_FLIGHT, "the kill did not land with sends in flight"
        assert stored_at_kill > 0 and cards_sent() < REPORTS, "the kill did not land mid-burst"
        process = spawn()

        def done() -> bool:
            with sqlite3.connect(tmp_path / "fiveheads.sqlite3") as db:
                waiting = db.execute(
                    "SELECT (SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL)"
                    " + (SELECT COUNT(*) FROM outbox WHERE status = 'pending')"
                    " + (SELECT COUNT(*) FROM media WHERE status = 'pending')").fetchone()[0]
            db.close()
            return emu.pending_updates() == 0 and len(card_numbers(emu)) == REPORTS and (
                waiting == 0)

        await emu.wait_for(done, timeout=90)
    finally:
        # Wait off the event loop: the emulator must keep answering a bot that shuts down.
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, 10)
    output = log.read_text(encoding="utf-8")
    assert process.returncode == 0, output[-3000:]
    assert TOKEN.split(":", 1)[1] not in output
    assert "CRITICAL" not in output and "Traceback" not in output, output[-3000:]
    cards = card_numbers(emu)
    assert {n for n, count in cards.items() if count > 1} == in_flight
    assert cards == {n: 2 if n in in_flight else 1 for n in range(1, REPORTS + 1)}
    with sqlite3.connect(tmp_path / "fiveheads.sqlite3") as conn:
        conn.row_factory = sqlite3.Row
        issues = list(conn.execute("SELECT * FROM issues"))
        assert len(issues) == REPORTS
        assert len({(r["source_chat_id"], r["source_message_id"]) for r in issues}) == REPORTS
        assert len({r["text"] for r in issues}) == REPORTS
        for r in issues:  # the card each issue keeps is one Telegram posted
            assert (r["card_chat_id"], r["card_message_id"]) in {
                (m.chat_id, m.message_id) for m in emu.bot_messages(r["card_chat_id"])}
        media = list(conn.execute("SELECT issue_id, status, path FROM media"))
        assert sorted(r["issue_id"] for r in media) == list(range(1, REPORTS + 1))
        assert {r["status"] for r in media} == {"stored"}
        assert all((tmp_path / "media" / r["path"]).is_file() for r in media)
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()[0] == 0
        assert conn.execute(
            "SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL OR error IS NOT NULL"
        ).fetchone()[0] == 0
    conn.close()
