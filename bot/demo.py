"""``fiveheads demo``: a scripted day in one grid, played against the built-in emulator: the
heads' morning in the group, then a resident's report from a QR poster to a verified fix.

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
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

from bot.app import Runner, build_application
from bot.clock import FakeClock
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
NEIGHBOUR = 7000
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


def _latest(emu: BotApiEmulator, chat_id: int, data: str) -> int:
    """The newest message in a chat that shows a button with this callback data."""
    for message in reversed(emu.bot_messages(chat_id)):
        if any(value == data for _, value in message.buttons()):
            return message.message_id
    raise LookupError(f"no message in chat {chat_id} shows the button {data}")


async def _resident_afternoon(
    emu: BotApiEmulator, step: Callable[[str], Awaitable[None]]
) -> None:
    """A resident scans the poster on her building door, reports privately, talks with the
    head through the bot (who never learns her name in the group), and confirms the fix."""
    emu.send_text(GROUP, COORDINATOR, "/qr 3-2")
    await step("9. 协调员生成 3-2 的二维码海报 / a coordinator prints the 3-2 QR poster")
    poster = emu.calls_to("sendDocument")[-1]
    link = str(poster.params.get("caption", "")).split()[-1]
    code = link.split("start=", 1)[1]

    emu.send_text(RESIDENT, RESIDENT, f"/start {code}")
    await step("10. 居民扫码 / a resident scans the poster on her building door")
    emu.send_photo(RESIDENT, RESIDENT, _photo("black", _lamp("dimgray")),
                   caption="楼道灯坏了好几天，晚上上楼看不见")
    await step("11a. 居民拍照说明 / she sends a photo and a few words")
    emu.press(RESIDENT, _latest(emu, RESIDENT, "rpt:next"), RESIDENT, "rpt:next")
    await step("11b. 下一步：选类别 / next: the category, pre-selected")
    emu.press(RESIDENT, _latest(emu, RESIDENT, "rpt:c:facility"), RESIDENT, "rpt:c:facility")
    await step("11c. 确认 / she confirms what will be sent")
    emu.press(RESIDENT, _latest(emu, RESIDENT, "rpt:ok"), RESIDENT, "rpt:ok")
    await step("11d. 提交：群里看到她的照片和卡片，只写“居民” / submitted: the group sees her "
               "photo as the card, “resident”, no name")

    card = _card_with(emu, "issue:claim:5")
    emu.send_text(GROUP, GRID_HEAD, "今天下午物业来换灯，请问是几楼的灯？", reply_to=card)
    await step("12. 网格长回复卡片，转给居民 / the grid head replies on the card: relayed")
    relayed = emu.bot_messages(RESIDENT)[-1].message_id
    emu.send_text(RESIDENT, RESIDENT, "三楼和四楼之间那盏", reply_to=relayed)
    await step("13. 居民回复，转回群里 / her answer comes back into the thread")

    emu.press(GROUP, card, GRID_HEAD, "issue:claim:5")
    emu.send_photo(GROUP, GRID_HEAD, _photo("black", _lamp("gold")), caption="灯换好了",
                   reply_to=card)
    await step("14a. 网格长认领并发修好后的照片 / claimed, and the after photo")
    emu.press(GROUP, card, GRID_HEAD, "issue:resolve:5")
    await step("14b. 标记已解决：居民收到前后对比图 / resolved: she gets before/after")
    emu.press(RESIDENT, _latest(emu, RESIDENT, "issue:verify:5:fixed"), RESIDENT,
              "issue:verify:5:fixed")
    await step("15. 居民确认修好，闭环 / she confirms: the loop is closed")


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
            emu.add_user(NEIGHBOUR, "邻居老周")
            config = load_config(_write_config(emu, Path(tmp)), environ={})
            # The day before a meeting, so the demo can end with the 9th's agenda.
            clock = FakeClock(datetime(2026, 12, 8, 9, 0, tzinfo=config.tz))
            runner = Runner(build_application(config, clock=clock))
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
                for user_id in [h[1] for h in HEADS] + [COORDINATOR]:
                    emu.send_text(user_id, user_id, "/start")
                await step("0. 五长和协调员私聊 /start / heads and coordinator start the bot")

                emu.send_photo(GROUP, BUILDING_HEAD, _photo("lightgray", _boxes),
                               caption="3号楼2单元楼道堆满纸箱，堵住了")
                await step("1. 楼长拍照上报 / the building head reports a photo")

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

                emu.press(GROUP, _card_with(emu, "issue:close:1"), BUILDING_HEAD, "issue:close:1")
                await step("6. 上报的楼长确认办结 / the reporter confirms #1 fixed")

                emu.press(GROUP, _card_with(emu, "issue:claim:2"), NEIGHBOUR, "issue:claim:2")
                await step("7. 非五长的群成员想认领 #2 / a member who is no head tries to claim #2")

                emu.send_text(GROUP, GRID_HEAD, "/open")
                await step("8. 网格长查看未办结 / the grid head asks for the open list")

                emu.press(GROUP, _card_with(emu, "issue:fix:3"), GRID_HEAD, "issue:fix:3")
                await step("8b. 网格长用 ✏️ 更正语音 #3 / the grid head opens ✏️ on the voice #3")
                emu.press(GROUP, _card_with(emu, "issue:fixc:3"), GRID_HEAD, "issue:fixc:3")
                await step("8c. 选分类 / the categories to choose from")
                emu.press(GROUP, _card_with(emu, "issue:setc:3:facility"), GRID_HEAD,
                          "issue:setc:3:facility")
                emu.send_text(GROUP, GRID_HEAD, "/place 3 5")
                await step("8d. 分类改为公共设施，位置 5号楼 / category and place fixed")

                await _resident_afternoon(emu, step)

                emu.send_text(GROUP, COORDINATOR, "/decide 4 物业本周内清理消防通道，楼长盯办")
                await step("16. 协调员记录决定 / a coordinator records a decision on #4")
                clock.advance(datetime(2026, 12, 9, 8, 0, tzinfo=config.tz) - clock.now())
                await runner.services.agenda.post_due()
                await step("17. 9日 08:00 例会议程 / the 9th, 08:00: the meeting agenda")

                emu.send_text(GROUP, BUILDING_HEAD, "/visit 3-2 6 14 走访独居老人")
                await step("18. 楼长登记走访 / the building head logs a home visit")
                emu.send_text(COORDINATOR, COORDINATOR, "/stats")
                await step("19. 协调员查看全年数字和图表 / the coordinator's figures and chart")
                emu.send_text(COORDINATOR, COORDINATOR, "/export")
                await step("20. 导出 Excel / the coordinator exports the workbook")
            finally:
                await runner.stop()
    print(f"\n(demo finished in {time.monotonic() - started:.1f} s)")
    return 0
