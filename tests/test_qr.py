"""/qr through the emulator and ``fiveheads qr``: posters scan back to a deep link whose
opaque code the database resolves to its grid and place; codes are reused until revoked."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import zxingcpp
from PIL import Image

from bot.cli import main
from bot.domain.model import Place
from bot.errors import UserError
from bot.services.qr import CODE_RE
from tests.conftest import COORDINATOR, GRID, GRID_HEAD, GROUP, Bot, write_config

LINK = re.compile(r"^https://t\.me/fiveheads_bot\?start=(q[A-Za-z0-9_-]+)$")


def decode(png: bytes) -> str:
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def posters(bot: Bot, chat_id: int = GROUP) -> list[tuple[str, str]]:
    """(decoded link, caption) of every poster the bot sent to the chat."""
    sent = []
    for call in bot.emu.calls_to("sendDocument"):
        if call.status == 200 and int(call.params["chat_id"]) == chat_id:
            upload = call.params["document"]
            assert upload.filename.endswith(".png")
            sent.append((decode(upload.data), str(call.params.get("caption", ""))))
    return sent


def code_of(link: str) -> str:
    match = LINK.fullmatch(link)
    assert match, link
    assert CODE_RE.fullmatch(match.group(1))
    return match.group(1)


async def test_a_coordinator_gets_a_poster_that_scans_to_the_places_code(bot: Bot) -> None:
    bot.emu.send_text(GROUP, COORDINATOR, "/qr 3-2")
    await bot.settled()
    ((link, caption),) = posters(bot)
    code = code_of(link)
    assert link in caption and "3号楼2单元" in caption
    assert 16 <= len(code) <= 24
    (row,) = bot.query("SELECT * FROM qr_codes")
    assert (row["code"], row["grid_key"], row["building"], row["unit"]) == (code, GRID, "3", "2")
    assert row["created_by"] == COORDINATOR and row["revoked_at"] is None
    assert bot.runner is not None
    qr = bot.runner.services.qr
    assert await qr.resolve(code) == (GRID, Place("3", "2"))

    # Printing again gives the same code, so posters already up keep working.
    bot.emu.send_text(GROUP, COORDINATOR, "/qr 3-2")
    await bot.settled()
    assert [code_of(link) for link, _ in posters(bot)] == [code, code]
    assert len(bot.query("SELECT * FROM qr_codes")) == 1

    bot.emu.send_text(GROUP, COORDINATOR, "/qr 3-2 revoke")
    await bot.settled()
    assert any("已停用" in r and "3号楼2单元" in r for r in bot.replies(GROUP))
    with pytest.raises(UserError) as refused:
        await qr.resolve(code)
    assert refused.value.key == "qr.revoked"

    # A new poster gets a new code; revoking when nothing is in force says so.
    bot.emu.send_text(GROUP, COORDINATOR, "/qr 3-2")
    await bot.settled()
    fresh = code_of(posters(bot)[-1][0])
    assert fresh != code and await qr.resolve(fresh) == (GRID, Place("3", "2"))
    bot.emu.send_text(GROUP, COORDINATOR, "/qr 5 revoke")
    await bot.settled()
    assert any("没有在用的二维码" in r for r in bot.replies(GROUP))


async def test_malformed_and_forged_codes_are_invalid(bot: Bot) -> None:
    assert bot.runner is not None
    qr = bot.runner.services.qr
    malformed = ("3-2", "songhe-1:3-2", "q" + "A" * 40, "", "q短码" * 8)
    forged = ("q" + "A" * 20,)
    for code in (*malformed, *forged):
        with pytest.raises(UserError) as refused:
            await qr.resolve(code)
        assert refused.value.key == "qr.invalid", code


async def test_only_coordinators_make_posters_and_places_must_parse(bot: Bot) -> None:
    bot.emu.send_text(GROUP, GRID_HEAD, "/qr 3-2")
    await bot.settled()
    assert any("只有协调员" in r for r in bot.replies(GROUP))
    for text in ("/qr", "/qr 3-2 4-1", "/qr 3-2-1", "/qr 三号楼", "/qr -2"):
        bot.emu.send_text(GROUP, COORDINATOR, text)
    await bot.settled()
    replies = bot.replies(GROUP)
    assert sum("用法：/qr" in r for r in replies) == 2
    assert sum("看不懂位置" in r for r in replies) == 3
    assert posters(bot) == [] and bot.query("SELECT * FROM qr_codes") == []


async def test_in_private_the_grid_is_named(bot: Bot) -> None:
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/qr songhe-1 3")
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/qr songhe-9 3")
    bot.emu.send_text(COORDINATOR, COORDINATOR, "/qr 3")
    await bot.settled()
    ((link, caption),) = posters(bot, COORDINATOR)
    assert "3号楼" in caption
    (row,) = bot.query("SELECT grid_key, building, unit FROM qr_codes WHERE code = ?",
                       (code_of(link),))
    assert tuple(row) == (GRID, "3", "")
    replies = bot.replies(COORDINATOR)
    assert any("songhe-9" in r for r in replies)
    assert any("用法：/qr 网格" in r for r in replies)


def test_the_command_line_writes_a_poster_and_prints_its_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No bot runs here: the config only needs URLs, never contacted.
    telegram = SimpleNamespace(api_base_url="http://127.0.0.1:9/bot",
                               file_base_url="http://127.0.0.1:9/file/bot")
    config = str(write_config(tmp_path, telegram))  # type: ignore[arg-type]
    out = tmp_path / "poster.png"
    args = ["qr", "--config", config, "--grid", GRID, "--place", "3-2",
            "--bot-username", "@fiveheads_bot", str(out)]
    assert main(args) == 0
    link = capsys.readouterr().out.strip()
    assert decode(out.read_bytes()) == link
    code = code_of(link)
    # Run again: the same code, as /qr would give.
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == link
    assert main([*args[:6], "3-2-1", *args[7:]]) == 2
    assert "--place" in capsys.readouterr().err
    assert main([*args[:4], "songhe-9", *args[5:]]) == 2
    assert "songhe-9" in capsys.readouterr().err
    assert len(code) <= 24
