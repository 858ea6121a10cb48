"""`fiveheads backup` while the bot is writing, and the README's way back (issue #10).

The backup runs as the operator runs it, a separate process, while reports keep arriving;
each copy must pass SQLite's integrity check and hold whole issues (none without the event
that reported it), and a copy put back in place must run the bot again."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from tests.conftest import GRID_HEAD, GROUP, Bot

REPORTS = 80


async def _backup(config: str, target: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", "--config", config, str(target),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "backup written" in out.decode()


def _check(copy: Path) -> int:
    db = sqlite3.connect(copy)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = db.execute(
            """SELECT COUNT(*) FROM issues i WHERE NOT EXISTS
                 (SELECT 1 FROM events e WHERE e.issue_id = i.id AND e.type = 'reported')"""
        ).fetchone()[0]
        assert orphans == 0
        return int(db.execute("SELECT COUNT(*) FROM issues").fetchone()[0])
    finally:
        db.close()


async def test_a_backup_taken_while_reports_arrive_is_whole_and_restores(
    bot: Bot, tmp_path: Path,
) -> None:
    config = bot.config.path
    copies = [tmp_path / f"backup-{n}.sqlite3" for n in range(3)]

    done = asyncio.Event()

    async def keep_reporting() -> int:
        """Reports keep coming until the last backup is written (at least ``REPORTS``)."""
        sent = 0
        while sent < REPORTS or not done.is_set():
            bot.emu.send_text(GROUP, GRID_HEAD, f"#随手拍 {sent % 9 + 1}-1 楼道堆放杂物 第{sent}件")
            sent += 1
            await asyncio.sleep(0.02)
        return sent

    writer = asyncio.create_task(keep_reporting())
    for copy in copies:
        await _backup(config, copy)
    done.set()
    sent = await writer
    await bot.settled()
    counts = [_check(copy) for copy in copies]
    assert counts == sorted(counts) and counts[-1] < sent  # taken while reports arrived
    assert len(bot.issues()) == sent

    # The README's restore: stop the bot, copy the backup back over the database (what
    # sqlite3's ".restore" does), start again.
    await bot.stop()
    source, target = sqlite3.connect(copies[0]), sqlite3.connect(bot.config.database)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    await bot.start()
    await bot.settled()
    # Every issue of the copy is back; updates it had stored but not yet handled are handled
    # now (they were committed to its inbox before Telegram was told they arrived).
    restored = len(bot.issues())
    assert counts[0] <= restored <= sent
    bot.emu.send_text(GROUP, GRID_HEAD, "#随手拍 3-1 楼道又堆上了")
    await bot.settled()
    assert int(bot.issues()[-1]["id"]) == restored + 1
