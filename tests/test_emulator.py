"""The emulated Bot API, driven by the real python-telegram-bot client.

Every other end-to-end test trusts this emulator to answer like Telegram, so these tests
check it through PTB's own request encoding and response parsing, not through shortcuts.
"""

import asyncio
import datetime as dtm
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.ext import AIORateLimiter, Application, CommandHandler, ContextTypes

from bot.emulator import BotApiEmulator, FloodLimits

GROUP = -1001
ALICE = 11


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on integer time periods unless opted in, and warnings are errors here."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def _png(color: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


async def _started(flood: FloodLimits | None = None) -> BotApiEmulator:
    emulator = BotApiEmulator(flood=flood)
    await emulator.start()
    emulator.add_user(ALICE, "Alice", username="alice")
    emulator.add_group(GROUP, "Grid 3")
    return emulator


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = await _started()
    yield emulator
    await emulator.stop()


def _bot(emulator: BotApiEmulator) -> Bot:
    return Bot(emulator.token, base_url=emulator.api_base_url, base_file_url=emulator.file_base_url)


async def test_get_me_and_wrong_token(emu: BotApiEmulator) -> None:
    async with _bot(emu) as bot:
        me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (emu.bot_id, "fiveheads_bot", True)
    assert me.can_read_all_group_messages
    wrong = Bot("999:WRONG", base_url=emu.api_base_url, base_file_url=emu.file_base_url)
    with pytest.raises(InvalidToken):
        async with wrong:  # initialising calls getMe, and shuts down again on failure
            pass
    assert [c.status for c in emu.calls_to("getMe")] == [200, 200, 401]


async def test_get_updates_offsets_and_redelivery(emu: BotApiEmulator) -> None:
    emu.send_text(ALICE, ALICE, "/start")
    emu.send_text(GROUP, ALICE, "路灯坏了 #随手拍")
    emu.send_text(GROUP, ALICE, "third")
    async with _bot(emu) as bot:
        first = await bot.get_updates()
        assert [u.update_id for u in first] == [1, 2, 3]
        assert first[0].message is not None and first[0].message.text == "/start"
        tagged = first[1].message
        assert tagged is not None
        assert tagged.parse_entities(["hashtag"]) == {tagged.entities[0]: "#随手拍"}
        assert emu.pending_updates() == 3
        assert await bot.get_updates(offset=4) == ()
        assert emu.pending_updates() == 0
        emu.redeliver_from(2)
        again = await bot.get_updates(offset=4)
        assert [u.update_id for u in again] == [2, 3]
        assert await bot.get_updates(offset=4) == ()
    assert "[private: Alice] Alice: /start\n[Grid 3] Alice: 路灯坏了 #随手拍" in emu.transcript()


async def test_edits_arrive_and_redelivery_shows_the_original(emu: BotApiEmulator) -> None:
    first = emu.send_text(GROUP, ALICE, "路灯坏了")
    emu.edit_text(GROUP, first["message_id"], "路灯坏了 #随手拍")
    async with _bot(emu) as bot:
        original, edit = await bot.get_updates()
        assert original.message is not None and original.message.text == "路灯坏了"
        assert edit.edited_message is not None
        assert edit.edited_message.text == "路灯坏了 #随手拍"
        await bot.get_updates(offset=3)
        emu.redeliver_from(1)
        again = await bot.get_updates(offset=3)
        assert again[0].message is not None and again[0].message.text == "路灯坏了"
    assert "[Grid 3] Alice ✎ edited message 1: 路灯坏了 #随手拍" in emu.transcript()


async def test_long_poll_returns_when_an_update_arrives(emu: BotApiEmulator) -> None:
    async with _bot(emu) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.05)
        emu.send_text(ALICE, ALICE, "hello")
        updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_photo_update_downloads_byte_identical(emu: BotApiEmulator) -> None:
    image = _png()
    emu.send_photo(GROUP, ALICE, image, caption="井盖丢了")
    async with _bot(emu) as bot:
        raw = await bot.get_updates()
        update = Update.de_json(raw[0].to_dict(), bot)
        message = update.message
        assert message is not None and message.caption == "井盖丢了"
        largest = message.photo[-1]
        assert (largest.width, largest.height, largest.file_size) == (40, 30, len(image))
        assert len(message.photo) >= 2
        downloaded = await (await bot.get_file(largest.file_id)).download_as_bytearray()
    assert bytes(downloaded) == image


async def test_too_big_file_is_refused(emu: BotApiEmulator) -> None:
    document = emu.send_document(
        ALICE,
        ALICE,
        b"x",
        file_name="video.mp4",
        mime_type="video/mp4",
        declared_size=25 * 1024 * 1024,
    )
    async with _bot(emu) as bot:
        with pytest.raises(BadRequest, match="(?i)file is too big"):
            await bot.get_file(document["document"]["file_id"])


async def test_keyboard_press_and_edits(emu: BotApiEmulator) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("认领", callback_data="claim:7")]]
        + [[InlineKeyboardButton("拒绝", callback_data="reject:7")]]
    )
    async with _bot(emu) as bot:
        sent = await bot.send_message(
            GROUP, "<b>New issue</b> #7\n路灯 &amp; 井盖", parse_mode="HTML", reply_markup=keyboard
        )
        assert sent.text == "New issue #7\n路灯 & 井盖"
        [shown] = emu.bot_messages(GROUP)
        assert shown.buttons() == [("认领", "claim:7"), ("拒绝", "reject:7")]
        assert shown.plain() == "New issue #7\n路灯 & 井盖"

        query = emu.press(GROUP, sent.message_id, ALICE, "claim:7")
        [update] = await bot.get_updates()
        assert update.callback_query is not None
        assert update.callback_query.data == "claim:7"
        assert update.callback_query.id == query["id"]
        await bot.answer_callback_query(query["id"], text="已认领")
        assert emu.answered_callbacks()[0]["text"] == "已认领"

        edited = await bot.edit_message_text("Claimed by Alice", GROUP, sent.message_id)
        assert isinstance(edited, Message) and edited.text == "Claimed by Alice"
        assert (shown.edits, shown.history, shown.reply_markup) == (
            1,
            ["<b>New issue</b> #7\n路灯 &amp; 井盖"],
            None,
        )
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("Claimed by Alice", GROUP, sent.message_id)

    transcript = emu.transcript()
    assert "[Grid 3] 🤖 bot: New issue #7\n    路灯 & 井盖\n   [认领]\n   [拒绝]" in transcript
    assert "[Grid 3] Alice pressed [认领]" in transcript
    assert "[Grid 3] ✎ bot edited message 1: Claimed by Alice" in transcript


async def test_limits_are_enforced(emu: BotApiEmulator) -> None:
    async with _bot(emu) as bot:
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(ALICE, "字" * 4097)
        await bot.send_message(ALICE, "<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(ALICE, "<b>open", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            too_long = InlineKeyboardButton("x", callback_data="x" * 65)
            await bot.send_message(ALICE, "hi", reply_markup=InlineKeyboardMarkup([[too_long]]))
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await bot.send_message(ALICE, "  ")
    assert [c.status for c in emu.calls_to("sendMessage")] == [400, 200, 400, 400, 400]
    assert len(emu.bot_messages()) == 1


async def test_injected_failures(emu: BotApiEmulator) -> None:
    emu.fail_next("sendMessage", retry_after=7)
    emu.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    async with _bot(emu) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ALICE, "hi")
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
        with pytest.raises(Forbidden, match="(?i)blocked"):
            await bot.send_message(ALICE, "hi")
        await bot.send_message(ALICE, "hi")
    assert [c.status for c in emu.calls_to("sendMessage")] == [429, 403, 200]
    assert emu.flood_violations == 0


async def test_flood_limits_per_group() -> None:
    emulator = await _started(FloodLimits(group_max=20, group_period=60.0))
    try:
        refused = 0
        async with _bot(emulator) as bot:
            for n in range(25):
                try:
                    await bot.send_message(GROUP, f"message {n}")
                except RetryAfter as error:
                    refused += 1
                    assert isinstance(error.retry_after, dtm.timedelta)
                    assert error.retry_after >= dtm.timedelta(seconds=1)
            await bot.send_message(ALICE, "private chats have their own budget")
        assert refused == 4 == emulator.flood_violations
        assert len(emulator.bot_messages(GROUP)) == 21
    finally:
        await emulator.stop()


async def test_uploads_media_groups_and_copies(emu: BotApiEmulator) -> None:
    image = _png("blue")
    async with _bot(emu) as bot:
        sent = await bot.send_photo(GROUP, image, caption="现场")
        [photo] = emu.bot_messages(GROUP)
        assert (photo.kind, photo.text) == ("photo", "现场")
        assert photo.file_id is not None and emu.file_bytes(photo.file_id) == image
        resent = await bot.send_photo(ALICE, sent.photo[-1].file_id)
        assert resent.photo[-1].file_id == sent.photo[-1].file_id

        album = await bot.send_media_group(
            GROUP, [InputMediaPhoto(image, caption="1"), InputMediaPhoto(_png("green"))]
        )
        assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id

        voice = emu.send_voice(ALICE, ALICE, b"OggS fake", duration=4)
        copy = await bot.copy_message(GROUP, ALICE, voice["message_id"])
        copied = emu.bot_messages(GROUP)[-1]
        assert (copied.message_id, copied.kind) == (copy.message_id, "voice")
    assert [m.kind for m in emu.bot_messages()] == [
        "photo",
        "photo",
        "media_group_item",
        "media_group_item",
        "voice",
    ]
    assert "[private: Alice] Alice: 🎤 voice 4s" in emu.transcript()


async def test_chat_changes(emu: BotApiEmulator) -> None:
    emu.add_group(-2002, "Old group")
    emu.migrate(-2002, -1002002)
    emu.chat_member_left(GROUP)
    async with _bot(emu) as bot:
        updates = await bot.get_updates()
        assert updates[0].message is not None
        assert updates[0].message.migrate_to_chat_id == -1002002
        assert updates[1].my_chat_member is not None
        assert updates[1].my_chat_member.new_chat_member.status == "left"
        with pytest.raises(ChatMigrated):
            await bot.send_message(-2002, "hi")
        with pytest.raises(Forbidden):
            await bot.send_message(GROUP, "hi")
        await bot.send_message(-1002002, "hi")


async def test_hooks_delays_and_wait_for(emu: BotApiEmulator) -> None:
    seen: list[str] = []
    emu.hooks.append(lambda method, params: seen.append(method))
    emu.delay_next("sendMessage", 0.2)
    async with _bot(emu) as bot:
        task = asyncio.create_task(bot.send_message(ALICE, "slow"))
        await emu.wait_for(lambda: len(emu.bot_messages()) == 1, timeout=1)
        assert not task.done()
        await task
    assert seen == ["getMe", "sendMessage"]
    with pytest.raises(AssertionError, match="(?i)not met within 0.05s"):
        await emu.wait_for(lambda: False, timeout=0.05)


async def test_application_polls_replies_and_respects_flood_limits() -> None:
    """The real Application with AIORateLimiter, matched to tight flood limits, is never
    refused: the emulator's tolerance absorbs timing jitter but nothing more."""
    emulator = await _started(FloodLimits(group_max=5, group_period=0.5))
    application = (
        Application.builder()
        .token(emulator.token)
        .base_url(emulator.api_base_url)
        .base_file_url(emulator.file_base_url)
        .rate_limiter(AIORateLimiter(group_max_rate=5, group_time_period=0.5))
        .build()
    )

    async def burst(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        for n in range(12):
            await context.bot.send_message(update.effective_chat.id, f"line {n}")

    application.add_handler(CommandHandler("burst", burst))
    try:
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            emulator.send_text(GROUP, ALICE, "/burst@fiveheads_bot")
            await emulator.wait_for(lambda: len(emulator.bot_messages(GROUP)) == 12, timeout=4)
            await application.updater.stop()
            await application.stop()
        assert emulator.flood_violations == 0
        assert emulator.pending_updates() == 0
    finally:
        await emulator.stop()
