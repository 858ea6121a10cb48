"""A resident's photos, voice and location reach the group thread under (or as) the card,
end to end through the emulator, and nothing in the group names the resident (issue #9)."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image

from bot.emulator import BotMessage
from tests.conftest import GRID, GROUP, RESIDENT, UNIT_HEAD, Bot, jpeg
from tests.test_residents import LEAKS, at_collect

LAT, LON = 45.75, 126.65


async def _confirm(bot: Bot, category: str = "clutter") -> int:
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, f"rpt:c:{category}")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()
    return int(bot.issues()[-1]["id"])


def _under(bot: Bot, card: BotMessage) -> list[BotMessage]:
    return [m for m in bot.emu.bot_messages(GROUP) if m.reply_to == card.message_id]


def _no_identity(bot: Bot) -> None:
    """No name, username or user id of the resident in any group message, nor in a caption
    or file the bot sent there (a copy, never a forward)."""
    for message in bot.emu.bot_messages(GROUP):
        seen = message.text + "\n" + "\n".join(message.history)
        assert not any(leak in seen for leak in LEAKS), seen
    assert not bot.emu.calls_to("forwardMessage")


async def test_one_photo_is_the_card_and_its_caption_is_edited_in_place(bot: Bot) -> None:
    await at_collect(bot)
    bot.emu.send_photo(RESIDENT, RESIDENT, jpeg("blue", (800, 600), exif=True),
                       caption="3号楼2单元楼道堆满纸箱")
    await bot.settled()
    number = await _confirm(bot)
    card = bot.card(number)
    assert card.kind == "photo"
    assert f"#{number}" in card.plain() and "上报：居民" in card.plain()
    assert f"tg://user?id={UNIT_HEAD}" in card.text  # the head is still mentioned
    # The photo is our stored copy: re-encoded, without the resident's EXIF.
    sent = Image.open(io.BytesIO(bot.emu.file_bytes(card.file_id or "")))
    assert not sent.getexif()
    bot.press(GROUP, UNIT_HEAD, f"issue:claim:{number}")
    await bot.settled()
    card = bot.card(number)
    assert card.kind == "photo" and card.edits == 1 and "处理中" in card.plain()
    assert len([m for m in bot.emu.bot_messages(GROUP) if m.kind == "photo"]) == 1
    _no_identity(bot)


async def test_an_album_replies_to_the_card(bot: Bot) -> None:
    await at_collect(bot)
    for colour in ("red", "green", "blue"):
        bot.emu.send_photo(RESIDENT, RESIDENT, jpeg(colour), media_group_id="a1")
    bot.emu.send_text(RESIDENT, RESIDENT, "楼道堆满纸箱")
    await bot.settled()
    number = await _confirm(bot)
    card = bot.card(number)
    assert card.kind == "text" and "📎 照片 3" in card.plain()
    album = [m for m in _under(bot, card) if m.kind == "media_group_item"]
    assert len(album) == 3
    assert f"#{number} 的照片" in album[0].plain()
    _no_identity(bot)


async def test_voice_and_location_reply_to_the_card(bot: Bot) -> None:
    await at_collect(bot)
    bot.emu.send_voice(RESIDENT, RESIDENT, b"OggS-voice", duration=4)
    bot.emu.send_location(RESIDENT, RESIDENT, LAT, LON)
    await bot.settled()
    number = await _confirm(bot, "water")
    card = bot.card(number)
    under = _under(bot, card)
    voice = next(m for m in under if m.kind == "voice")
    assert f"#{number} 的语音" in voice.plain()
    voiced = bot.query("SELECT file_id FROM media WHERE issue_id = ? AND kind = 'voice'",
                       (number,))
    assert voice.file_id == voiced[0]["file_id"]
    (where,) = [c for c in bot.emu.calls_to("sendLocation") if c.params.get("chat_id") == GROUP]
    assert (float(where.params["latitude"]), float(where.params["longitude"])) == (LAT, LON)
    assert any(m.kind == "location" for m in under)
    _no_identity(bot)


async def test_a_card_too_long_for_a_caption_is_text_with_the_photo_under_it(
    make_bot: Callable[..., Bot],
) -> None:
    """A card beyond a caption's 1,024 characters (a long grid name and a long report) stays
    text, and the photo replies to it."""
    bot = make_bot(grids=[(GRID, "松鹤社区第一网格" + "（老城区南片家属院）" * 20, GROUP)])
    await bot.start()
    try:
        await at_collect(bot)
        bot.emu.send_photo(RESIDENT, RESIDENT, jpeg(), caption="楼道里堆满了纸箱和旧家具，" * 70)
        await bot.settled()
        number = await _confirm(bot)
        card = bot.card(number)
        assert card.kind == "text" and len(card.plain()) > 1024
        (photo,) = [m for m in _under(bot, card) if m.kind == "photo"]
        assert f"#{number} 的照片" in photo.plain()
        _no_identity(bot)
    finally:
        await bot.stop()


async def test_a_residents_later_photo_and_voice_reach_the_thread(bot: Bot) -> None:
    await at_collect(bot)
    bot.emu.send_text(RESIDENT, RESIDENT, "3号楼2单元楼道堆满纸箱")
    await bot.settled()
    number = await _confirm(bot)
    card = bot.card(number)
    confirmation = [m for m in bot.emu.bot_messages(RESIDENT) if f"#{number}" in m.plain()][-1]
    bot.emu.send_photo(RESIDENT, RESIDENT, jpeg("green"), caption="又多了",
                       reply_to=confirmation.message_id)
    bot.emu.send_voice(RESIDENT, RESIDENT, b"OggS-more", reply_to=confirmation.message_id)
    await bot.settled()
    under = _under(bot, card)
    assert {m.kind for m in under} >= {"photo", "voice"}
    assert all("居民" in m.plain() for m in under if m.kind in ("photo", "voice"))
    for message in bot.emu.bot_messages(GROUP):
        assert not any(leak in message.text for leak in LEAKS)
    assert not bot.emu.calls_to("forwardMessage")


async def test_a_residents_later_location_reaches_the_thread_bare(bot: Bot) -> None:
    await at_collect(bot)
    bot.emu.send_text(RESIDENT, RESIDENT, "3号楼2单元楼道堆满纸箱")
    await bot.settled()
    number = await _confirm(bot)
    card = bot.card(number)
    confirmation = [m for m in bot.emu.bot_messages(RESIDENT) if f"#{number}" in m.plain()][-1]
    bot.emu.send_location(RESIDENT, RESIDENT, LAT, LON, reply_to=confirmation.message_id)
    await bot.settled()
    (where,) = [m for m in _under(bot, card) if m.kind == "location"]
    assert where.text == ""  # a location carries no caption, and so no name either
    _no_identity(bot)
