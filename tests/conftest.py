"""Fixtures: the real Application talking HTTP to the Bot API emulator, a real SQLite file.

Nothing of ours is mocked: the only fakes are Telegram (the emulator) and the clock.
"""

from __future__ import annotations

import io
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from PIL import Image

from bot.app import RateLimits, Runner, build_application
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.emulator import BotApiEmulator, BotMessage

# Tests never assert a wall-clock time (README): Hypothesis's per-example deadline is one,
# and on a loaded 2-core machine a long text can take 250 ms; correctness is what is checked.
settings.register_profile("fiveheads", deadline=None)
settings.load_profile("fiveheads")

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"


class TokenWatch(logging.Handler):
    """Sees every log record of the whole run, failures included (handler crashes, refused
    sends, unreadable updates), and keeps any that shows the token's secret part."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.seen += 1
        text = logging.Formatter("%(name)s: %(message)s").format(record)
        if TOKEN.split(":", 1)[1] in text:
            self.leaks.append(text[:500])


TOKEN_WATCH = TokenWatch()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(TOKEN_WATCH)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that logged the token fails, whatever the tests said."""
    if TOKEN_WATCH.leaks:
        sys.stderr.write("\nthe token reached the logs:\n" + "\n".join(TOKEN_WATCH.leaks) + "\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
GROUP = -1001000000001
GRID = "songhe-1"
COORDINATOR = 100
COMMUNITY, POLICE, GRID_HEAD, BUILDING_HEAD, UNIT_HEAD = 900, 901, 902, 903, 904
RESIDENT = 5000
NEIGHBOUR = 5001
OUTSIDER = 7000

HEADS = [
    ("community", COMMUNITY, "王社区长", ""),
    ("police", POLICE, "李警长", ""),
    ("grid", GRID_HEAD, "张网格长", ""),
    ("building", BUILDING_HEAD, "赵楼长", "3"),
    ("unit", UNIT_HEAD, "黄福军", "3-2"),
]


def write_config(
    tmp_path: Path,
    emu: BotApiEmulator,
    *,
    heads: list[tuple[str, int, str, str]] | None = None,
    grids: list[tuple[str, str, int]] | None = None,
    extra: str = "",
) -> Path:
    heads = HEADS if heads is None else heads
    grids = grids or [(GRID, "松鹤社区第一网格", GROUP)]
    lines = [
        "[telegram]",
        f'token = "{TOKEN}"',
        f'api_base_url = "{emu.api_base_url}"',
        f'file_base_url = "{emu.file_base_url}"',
        "poll_timeout = 1",
        "[storage]",
        f'database = "{tmp_path / "fiveheads.sqlite3"}"',
        f'media_dir = "{tmp_path / "media"}"',
        "[bot]",
        'language = "zh"',
        'timezone = "Asia/Shanghai"',
        f"coordinators = [{COORDINATOR}]",
        "[intake]",
        "album_quiet_seconds = 0.3",
        extra,
    ]
    for key, name, chat_id in grids:
        lines += ["[[grids]]", f'key = "{key}"', f'name = "{name}"', f"chat_id = {chat_id}"]
        for role, user_id, head_name, place in heads:
            lines += ["[[grids.heads]]", f'role = "{role}"', f"user_id = {user_id}",
                      f'name = "{head_name}"']
            if place:
                lines.append(f'place = "{place}"')
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Tests run on a fixed working day right after a meeting day, so moving the clock a few days
# never crosses a 9th/19th/29th at 08:00 (start-up would post an agenda into the group).
TEST_START = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Telegram allows 20 messages a minute per group; tests that post many cards to one group
# would wait minutes, so by default they run with the same limit per second.
FAST_LIMITS = RateLimits(group_max=20, group_period=1.0)


def jpeg(color: str = "red", size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {1: "N", 2: (45.0, 45.0, 0.0)}  # GPSInfo: latitude
        image.save(out, "JPEG", exif=data.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


@dataclass
class Bot:
    """One running bot: the emulator, the Application, its runner, its database."""

    emu: BotApiEmulator
    config: Config
    clock: FakeClock
    limits: RateLimits | None = None
    request_timeout: float = 30.0
    # How long the outbox and media loops sleep with nothing due (None: the Runner's default).
    idle_poll: float | None = None
    runner: Runner | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    async def start(self) -> None:
        self.runner = Runner(build_application(
            self.config, clock=self.clock, limits=self.limits,
            request_timeout=self.request_timeout,
        ), idle_poll=self.idle_poll)
        await self.runner.start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def settled(self, timeout: float = 30.0) -> None:
        """Every update fetched and handled, every message delivered."""
        assert self.runner is not None
        await self.emu.wait_for(lambda: self.emu.pending_updates() == 0, timeout=timeout)
        await self.runner.settled(timeout)

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.config.database)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self.db() as conn:
            return list(conn.execute(sql, params))

    def issues(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM issues ORDER BY id")

    def cards(self, chat_id: int = GROUP) -> list[BotMessage]:
        return [m for m in self.emu.bot_messages(chat_id)
                if m.plain().lstrip("🔴🟠🟢🔵 ").startswith("#")]

    def card(self, issue_id: int) -> BotMessage:
        row = self.query(
            "SELECT card_chat_id, card_message_id FROM issues WHERE id = ?", (issue_id,)
        )
        assert row and row[0]["card_message_id"], f"issue {issue_id} has no card"
        for message in self.emu.bot_messages(row[0]["card_chat_id"]):
            if message.message_id == row[0]["card_message_id"]:
                return message
        raise AssertionError(f"card of #{issue_id} not in the chat")

    def replies(self, chat_id: int) -> list[str]:
        return [m.plain() for m in self.emu.bot_messages(chat_id)]

    def press(self, chat_id: int, user_id: int, data: str) -> None:
        """Press the newest button in the chat whose callback data is (or starts with) data."""
        for message in reversed(self.emu.bot_messages(chat_id)):
            for _, value in message.buttons():
                if value == data or value.startswith(data):
                    self.emu.press(chat_id, message.message_id, user_id, value)
                    return
        raise AssertionError(f"no button {data!r} in chat {chat_id}:\n{self.emu.transcript()}")

    def buttons(self, chat_id: int) -> list[str]:
        """Callback data of the newest message with buttons."""
        for message in reversed(self.emu.bot_messages(chat_id)):
            if message.buttons():
                return [value for _, value in message.buttons()]
        return []


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN) as emulator:
        emulator.add_group(GROUP, "松鹤社区第一网格工作群")
        for _, user_id, name, _ in HEADS:
            emulator.add_user(user_id, name)
        emulator.add_user(COORDINATOR, "刘书记")
        emulator.add_user(RESIDENT, "居民老王", username="laowang_1956")
        emulator.add_user(NEIGHBOUR, "居民小李", username="xiaoli")
        emulator.add_user(OUTSIDER, "路人甲", language_code="en")
        yield emulator


@pytest.fixture
def make_bot(
    emu: BotApiEmulator, tmp_path: Path
) -> Callable[..., Bot]:
    def make(*, limits: RateLimits | None = None, **config_kwargs: Any) -> Bot:
        config = load_config(write_config(tmp_path, emu, **config_kwargs), environ={})
        return Bot(emu, config, FakeClock(TEST_START), limits or FAST_LIMITS)

    return make


@pytest.fixture
async def bot(make_bot: Callable[..., Bot]) -> AsyncIterator[Bot]:
    running = make_bot()
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
