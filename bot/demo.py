"""``fiveheads demo``: a scripted morning in one grid, played against the built-in emulator.

It lets anyone see the bot work with no token and no network: the emulated Bot API
(``bot.emulator``) stands for Telegram, and the real ``Application`` runs unchanged on a
temporary database. Every step waits until the bot has handled everything, so the chat
transcript printed under each stage heading is exactly what that step caused.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from bot.app import Runner, build_application
from bot.config import load_config
from bot.emulator import BotApiEmulator

# A well-formed but fake token: the emulator checks that requests carry it, nothing else does.
TOKEN = "123456:DEMO-TOKEN-no-network-needed"
GROUP = -1001000000001
GRID_KEY = "songhe-1"
GRID_NAME = "松鹤社区第一网格"
COORDINATOR = 100
COMMUNITY, POLICE, GRID_HEAD, BUILDING_HEAD, UNIT_HEAD = 901, 902, 903, 904, 905
RESIDENT = 5000
# (role, user id, name, place) of the five heads (五长) of the grid.
HEADS = (
    ("community", COMMUNITY, "王建国", ""),
    ("police", POLICE, "李卫东", ""),
    ("grid", GRID_HEAD, "张丽", ""),
    ("building", BUILDING_HEAD, "赵强", "3"),
    ("unit", UNIT_HEAD, "黄福军", "3-2"),
)
# A settle that takes longer than this means the bot is stuck; the demo should say so.
SETTLE_TIMEOUT = 20.0


def _config_text(emu: BotApiEmulator, workdir: Path) -> str:
    """The TOML a coordinator would write, pointed at the emulator and the temporary dir."""
    lines = [
        "[telegram]",
        f'token = "{TOKEN}"',
        f'api_base_url = "{emu.api_base_url}"',
        f'file_base_url = "{emu.file_base_url}"',
        # Short long polls let the runner stop promptly at the end.
        "poll_timeout = 1",
        "[storage]",
        f'database = "{(workdir / "fiveheads.sqlite3").as_posix()}"',
        f'media_dir = "{(workdir / "media").as_posix()}"',
        "[bot]",
        'language = "zh"',
        'timezone = "Asia/Shanghai"',
        f"coordinators = [{COORDINATOR}]",
        "[intake]",
        # The emulator delivers an album at once; no need to wait for a slow phone network.
        "album_quiet_seconds = 0.3",
        "[[grids]]",
        f'key = "{GRID_KEY}"',
        f'name = "{GRID_NAME}"',
        f"chat_id = {GROUP}",
    ]
    for role, user_id, name, place in HEADS:
        lines += ["[[grids.heads]]", f'role = "{role}"', f"user_id = {user_id}", f'name = "{name}"']
        if place:
            lines.append(f'place = "{place}"')
    return "\n".join(lines) + "\n"


def _write_config(emu: BotApiEmulator, workdir: Path) -> Path:
    # Kept out of the coroutine: a small synchronous file write, done once before the bot runs.
    path = workdir / "config.toml"
    path.write_text(_config_text(emu, workdir), encoding="utf-8")
    return path


def _photo(background: str, draw: Callable[[ImageDraw.ImageDraw], None]) -> bytes:
    """A small JPEG made in memory, so the demo ships no image files."""
    image = Image.new("RGB", (160, 120), background)
    draw(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def _boxes(canvas: ImageDraw.ImageDraw) -> None:
    for x in (20, 60, 100):
        canvas.rectangle((x, 60, x + 35, 110), fill="peru", outline="saddlebrown", width=3)


def _lamp(colour: str) -> Callable[[ImageDraw.ImageDraw], None]:
    def draw(canvas: ImageDraw.ImageDraw) -> None:
        canvas.rectangle((76, 30, 84, 115), fill="dimgray")
        canvas.ellipse((62, 10, 98, 40), fill=colour, outline="black")

    return draw


def _card_with(emu: BotApiEmulator, data: str) -> int:
    """The message id of the card that now shows a button with this callback data: the
    demo presses what a person sees, so a card missing its button fails loudly here."""
    for message in emu.bot_messages(GROUP):
        if any(value == data for _, value in message.buttons()):
            return message.message_id
    raise LookupError(f"no card in the group shows the button {data}")


async def run_demo() -> int:
    """Play the morning, print the transcript stage by stage; 0 when everything ran."""
    # Only set up logging when nobody did (the CLI); a host such as pytest keeps its own.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fiveheads-demo-") as tmp:
        async with BotApiEmulator(token=TOKEN) as emu:
            emu.add_group(GROUP, f"{GRID_NAME}工作群")
            for _, user_id, name, _ in HEADS:
                emu.add_user(user_id, name)
            emu.add_user(COORDINATOR, "刘书记")
            emu.add_user(RESIDENT, "居民陈阿姨")
            config = load_config(_write_config(emu, Path(tmp)), environ={})
            runner = Runner(build_application(config))
            await runner.start()
            shown = 0

            async def step(heading: str) -> None:
                """Wait until the bot has handled the step, then show what it caused."""
                nonlocal shown
                await emu.wait_for(lambda: emu.pending_updates() == 0, timeout=SETTLE_TIMEOUT)
                await runner.settled(SETTLE_TIMEOUT)
                lines = emu.transcript().splitlines()
                print(f"\n=== {heading} ===")
                print("\n".join(lines[shown:]))
                shown = len(lines)

            try:
                print(f"fiveheads demo — {GRID_NAME} ({GRID_KEY}): 一个上午 / one morning")
                # A bot may not write first: only heads who started it get private pings.
                for _, user_id, _, _ in HEADS:
                    emu.send_text(user_id, user_id, "/start")
                await step("0. 五长私聊 /start 机器人 / the heads start the bot in private")

                emu.send_photo(GROUP, UNIT_HEAD, _photo("lightgray", _boxes),
                               caption="3号楼2单元楼道堆满纸箱，堵住了")
                await step("1. 单元长拍照上报 / the unit head reports a photo")

                for colour in ("gold", "black", "dimgray"):
                    emu.send_photo(GROUP, GRID_HEAD, _photo("midnightblue", _lamp(colour)),
                                   media_group_id="lamp-album",
                                   caption="5号楼门口路灯坏了" if colour == "gold" else None)
                await step("2. 网格长发三张照片 / the grid head sends an album of 3 photos")

                emu.send_voice(GROUP, BUILDING_HEAD, b"OggS-demo-voice", duration=6)
                await step("3. 楼长发语音 / the building head sends a voice message")

                emu.send_text(GROUP, POLICE, "#随手拍 3号楼楼下电动车乱停，堵住消防通道")
                await step("4. 警长 #随手拍 / the police head posts #随手拍")

                emu.press(GROUP, _card_with(emu, "issue:claim:1"), UNIT_HEAD, "issue:claim:1")
                await step("5a. 单元长认领 #1 / the unit head claims #1")
                emu.press(GROUP, _card_with(emu, "issue:resolve:1"), UNIT_HEAD, "issue:resolve:1")
                await step("5b. 单元长标记已解决 / the unit head marks #1 resolved")

                emu.press(GROUP, _card_with(emu, "issue:close:1"), GRID_HEAD, "issue:close:1")
                await step("6. 网格长确认办结 / the grid head confirms #1 closed")

                emu.press(GROUP, _card_with(emu, "issue:claim:2"), RESIDENT, "issue:claim:2")
                await step("7. 非五长的群成员想认领 #2 / a member who is no head tries to claim #2")

                emu.send_text(GROUP, GRID_HEAD, "/open")
                await step("8. 网格长查看未办结 / the grid head asks for the open list")
            finally:
                await runner.stop()
    print(f"\n(demo finished in {time.monotonic() - started:.1f} s)")
    return 0
