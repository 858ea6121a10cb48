"""Residents close the loop, end to end through the emulator: private report in at most four
steps, anonymity in the group, relays both ways, status notices, verification, auto-close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.conftest import (
    BUILDING_HEAD,
    COORDINATOR,
    GROUP,
    NEIGHBOUR,
    RESIDENT,
    UNIT_HEAD,
    Bot,
    jpeg,
)

LEAKS = ("居民老王", "laowang_1956", str(RESIDENT), "居民小李", "xiaoli", str(NEIGHBOUR))


def group_text(bot: Bot) -> str:
    return "\n".join(m.text + "\n" + "\n".join(m.history) for m in bot.emu.bot_messages(GROUP))


async def at_collect(bot: Bot, user: int = RESIDENT) -> None:
    """A resident without a QR code starts and picks 3-2: the bot waits for what happened."""
    bot.emu.send_text(user, user, "/start")
    await bot.settled()
    bot.press(user, user, "rpt:p:3-2")
    await bot.settled()


async def report(bot: Bot, user: int = RESIDENT, text: str = "3号楼2单元楼道堆满纸箱") -> int:
    """A resident without a QR code: /start, place, text, next, category, confirm."""
    emu = bot.emu
    await at_collect(bot, user)
    emu.send_text(user, user, text)
    await bot.settled()
    bot.press(user, user, "rpt:next")
    await bot.settled()
    assert any(b.startswith("rpt:c:") for b in bot.buttons(user))
    bot.press(user, user, "rpt:c:clutter")
    await bot.settled()
    bot.press(user, user, "rpt:ok")
    await bot.settled()
    return int(bot.issues()[-1]["id"])


async def test_a_private_report_reaches_the_group_without_the_residents_identity(
    bot: Bot,
) -> None:
    number = await report(bot)
    issue = bot.issues()[-1]
    assert (issue["reporter_kind"], issue["reporter_user_id"]) == ("resident", RESIDENT)
    assert (issue["building"], issue["unit"], issue["category"]) == ("3", "2", "clutter")
    assert issue["assignee_user_id"] == UNIT_HEAD
    card = bot.card(number)
    assert card.chat_id == GROUP and "上报：居民" in card.plain()
    assert f"tg://user?id={UNIT_HEAD}" in card.text
    bot.emu.send_text(GROUP, BUILDING_HEAD, f"/show {number}")  # the history names no one
    await bot.settled()
    assert "居民：上报" in bot.replies(GROUP)[-1]
    assert not any(leak in group_text(bot) for leak in LEAKS)
    assert any(f"#{number}" in r and "已登记" in r for r in bot.replies(RESIDENT))
    # Four steps at most: place, what happened, category, confirm.
    private_buttons = [m for m in bot.emu.bot_messages(RESIDENT) if m.buttons()]
    assert len(private_buttons) <= 4


async def test_the_category_is_preselected_from_the_text(bot: Bot) -> None:
    emu = bot.emu
    await at_collect(bot)
    emu.send_text(RESIDENT, RESIDENT, "楼下电动车乱停，堵住消防通道")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    chosen = [m for m in bot.emu.bot_messages(RESIDENT) if m.buttons()][-1]
    assert any(text.startswith("✅") and data == "rpt:c:parking" for text, data in chosen.buttons())


async def test_a_resident_who_just_writes_is_asked_for_the_place_and_can_type_it(
    bot: Bot,
) -> None:
    emu = bot.emu
    emu.send_voice(RESIDENT, RESIDENT, b"OggS-voice", duration=5)  # a voice message alone
    await bot.settled()
    assert "rpt:p:-" in bot.buttons(RESIDENT)
    emu.send_text(RESIDENT, RESIDENT, "5号楼1单元")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:c:other")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()
    (issue,) = bot.issues()
    assert (issue["building"], issue["unit"]) == ("5", "1")
    (voice,) = bot.query("SELECT * FROM media")
    assert voice["kind"] == "voice" and voice["status"] == "stored"
    assert "语音 1" in bot.card(issue["id"]).plain()


async def test_an_emergency_hint_comes_first(bot: Bot) -> None:
    emu = bot.emu
    await at_collect(bot)
    before = len(bot.replies(RESIDENT))
    emu.send_text(RESIDENT, RESIDENT, "楼道里一股很浓的煤气味")
    await bot.settled()
    answers = bot.replies(RESIDENT)[before:]
    assert "119" in answers[0] and "煤气" in answers[0]


async def test_cancel_works_anywhere_and_a_draft_survives_a_restart(bot: Bot) -> None:
    emu = bot.emu
    await at_collect(bot)
    emu.send_text(RESIDENT, RESIDENT, "楼道灯不亮")
    await bot.settled()
    await bot.restart()
    bot.press(RESIDENT, RESIDENT, "rpt:next")  # the draft and its step are still there
    await bot.settled()
    assert any(b.startswith("rpt:c:") for b in bot.buttons(RESIDENT))
    emu.send_text(RESIDENT, RESIDENT, "/cancel")
    await bot.settled()
    assert "已取消" in bot.replies(RESIDENT)[-1]
    bot.press(RESIDENT, RESIDENT, "rpt:c:facility")
    await bot.settled()
    assert bot.issues() == []


async def test_relay_both_ways_and_the_whole_loop_to_a_verified_close(bot: Bot) -> None:
    number = await report(bot)
    emu = bot.emu
    card = bot.card(number)
    emu.press(GROUP, card.message_id, UNIT_HEAD, f"issue:claim:{number}")
    await bot.settled()
    assert "处理中" in bot.replies(RESIDENT)[-1]
    emu.send_text(GROUP, UNIT_HEAD, "我下午去清理，请问纸箱是谁家的？", reply_to=card.message_id)
    await bot.settled()
    relayed = bot.emu.bot_messages(RESIDENT)[-1]
    assert relayed.plain() == f"【单元长 · #{number}】我下午去清理，请问纸箱是谁家的？"
    emu.send_text(RESIDENT, RESIDENT, "是502搬家留下的", reply_to=relayed.message_id)
    await bot.settled()
    back = bot.emu.bot_messages(GROUP)[-1]
    assert back.plain() == f"💬 居民（3号楼2单元）回复 #{number}：是502搬家留下的"
    assert back.reply_to == card.message_id
    emu.send_photo(GROUP, UNIT_HEAD, jpeg("green"), caption="清理完了", reply_to=card.message_id)
    await bot.settled()
    assert bot.emu.bot_messages(RESIDENT)[-1].kind != "text"  # the photo was copied
    assert len(bot.issues()) == 1  # a photo answering a card is not a new report
    emu.press(GROUP, card.message_id, UNIT_HEAD, f"issue:resolve:{number}")
    await bot.settled()
    question = bot.emu.bot_messages(RESIDENT)[-1]
    assert "修好了吗" in question.plain()
    assert [d for _, d in question.buttons()] == [
        f"issue:verify:{number}:{a}" for a in ("fixed", "partly", "no", "unsure")
    ]
    emu.press(RESIDENT, question.message_id, RESIDENT, f"issue:verify:{number}:fixed")
    await bot.settled()
    (issue,) = bot.issues()
    assert (issue["status"], issue["verified"]) == ("closed", 1)
    assert "已办结" in bot.card(number).plain()
    types = [r["type"] for r in bot.query("SELECT type FROM events ORDER BY id")]
    assert types.count("relay_to_resident") == 2 and "relay_to_group" in types
    assert not any(leak in group_text(bot) for leak in LEAKS)


async def test_the_before_after_picture_has_both_photos(bot: Bot) -> None:
    emu = bot.emu
    await at_collect(bot)
    emu.send_photo(RESIDENT, RESIDENT, jpeg("red", (400, 300)), caption="楼道杂物")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:c:clutter")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()
    card = bot.card(1)
    emu.send_photo(GROUP, UNIT_HEAD, jpeg("green", (400, 300)), reply_to=card.message_id)
    await bot.settled()
    emu.press(GROUP, card.message_id, UNIT_HEAD, "issue:resolve:1")
    await bot.settled()
    question = bot.emu.bot_messages(RESIDENT)[-1]
    assert question.kind == "photo"
    from io import BytesIO

    from PIL import Image

    assert question.file_id is not None
    with Image.open(BytesIO(bot.emu.file_bytes(question.file_id))) as picture:
        left = picture.getpixel((picture.width // 4, picture.height // 2))
        right = picture.getpixel((3 * picture.width // 4, picture.height // 2))
    assert left[0] > 200 > left[1] and right[1] > 100 > right[0]  # red before, green after


async def test_not_fixed_reopens_and_climbs_one_rung(bot: Bot) -> None:
    number = await report(bot)
    card = bot.card(number)
    bot.emu.press(GROUP, card.message_id, UNIT_HEAD, f"issue:resolve:{number}")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, f"issue:verify:{number}:no")
    await bot.settled()
    (issue,) = bot.issues()
    assert issue["status"] == "assigned" and issue["assignee_user_id"] == BUILDING_HEAD
    nudge = bot.emu.bot_messages(GROUP)[-1]
    assert f"tg://user?id={BUILDING_HEAD}" in nudge.text and "没修好" in nudge.plain()
    assert f"tg://user?id={BUILDING_HEAD}" in bot.card(number).text


async def test_cant_tell_asks_the_coordinators(bot: Bot) -> None:
    number = await report(bot)
    bot.emu.press(GROUP, bot.card(number).message_id, UNIT_HEAD, f"issue:resolve:{number}")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, f"issue:verify:{number}:unsure")
    await bot.settled()
    assert "说不清" in bot.replies(COORDINATOR)[-1]
    bot.press(COORDINATOR, COORDINATOR, f"issue:close:{number}")
    await bot.settled()
    assert bot.issues()[0]["status"] == "closed"


async def test_no_answer_in_three_days_closes_unverified_even_after_downtime(bot: Bot) -> None:
    number = await report(bot)
    bot.emu.press(GROUP, bot.card(number).message_id, UNIT_HEAD, f"issue:resolve:{number}")
    await bot.settled()
    await bot.stop()
    bot.clock.advance(timedelta(days=3, minutes=1))
    await bot.start()  # the job runs at start-up: the downtime is caught up
    await bot.settled()
    (issue,) = bot.issues()
    assert (issue["status"], issue["verified"]) == ("closed", 0)
    assert "自动办结" in bot.replies(RESIDENT)[-1]


async def test_my_shows_only_ones_own_issues(bot: Bot) -> None:
    mine = await report(bot, RESIDENT, "3号楼2单元楼道堆满纸箱")
    theirs = await report(bot, NEIGHBOUR, "3号楼2单元楼道有自行车")
    bot.emu.send_text(RESIDENT, RESIDENT, "/my")
    bot.emu.send_text(NEIGHBOUR, NEIGHBOUR, "/show 1")
    await bot.settled()
    listing = bot.replies(RESIDENT)[-1]
    assert f"#{mine}" in listing and f"#{theirs}" not in listing
    assert "只有本网格的五长" in bot.replies(NEIGHBOUR)[-1]
    bot.press(NEIGHBOUR, NEIGHBOUR, "rpt:")  # a stale button changes nothing
    bot.emu.press(NEIGHBOUR, bot.emu.bot_messages(NEIGHBOUR)[-1].message_id, NEIGHBOUR,
                  f"issue:verify:{mine}:fixed")
    await bot.settled()
    assert bot.issues()[0]["status"] == "assigned"


async def test_the_rate_limit_refuses_politely(make_bot: Callable[..., Bot]) -> None:
    bot = make_bot(extra="[residents]\nmax_per_hour = 2")
    await bot.start()
    try:
        await report(bot)
        await report(bot)
        await report(bot)
        assert len(bot.issues()) == 2
        alert = bot.emu.answered_callbacks()[-1]
        assert alert["show_alert"] and "这一小时已经反映了 2 件" in alert["text"]
    finally:
        await bot.stop()


async def _code(bot: Bot, place: str = "3-2") -> str:
    from bot.domain.model import Place

    assert bot.runner is not None
    return await bot.runner.services.qr.issue("songhe-1", Place.parse_label(place), COORDINATOR)


async def test_a_deep_link_prefills_the_place(bot: Bot) -> None:
    code = await _code(bot)
    bot.emu.send_text(RESIDENT, RESIDENT, f"/start {code}")
    await bot.settled()
    assert "松鹤社区第一网格 · 3号楼2单元" in bot.replies(RESIDENT)[-1]
    bot.emu.send_text(RESIDENT, RESIDENT, "楼道堆满了纸箱")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:c:clutter")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()
    (issue,) = bot.issues()
    assert (issue["building"], issue["unit"]) == ("3", "2")
    # With a QR code: three steps (what, category, confirm); the place was never asked.
    assert not any("rpt:p:" in d for m in bot.emu.bot_messages(RESIDENT) for _, d in m.buttons())


async def test_malformed_forged_and_revoked_codes_get_a_clear_answer(bot: Bot) -> None:
    code = await _code(bot)
    assert bot.runner is not None
    from bot.domain.model import Place

    await bot.runner.services.qr.revoke("songhe-1", Place("3", "2"))
    for payload, expected in (
        ("not a code!", "这个二维码无效"),
        ("q" + "A" * 20, "这个二维码无效"),  # well-formed, but never issued: forged
        (code, "这个二维码已停用"),
    ):
        bot.emu.send_text(RESIDENT, RESIDENT, f"/start {payload}")
        await bot.settled()
        answers = bot.replies(RESIDENT)[-2:]
        assert expected in answers[0], answers
        assert "rpt:p:3-2" in bot.buttons(RESIDENT)  # they can still choose the place
    assert bot.issues() == []


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(bot: Bot) -> None:
    import io
    import struct
    import zlib

    emu = bot.emu
    await at_collect(bot)
    emu.send_text(RESIDENT, RESIDENT, "字" * 4001)
    await bot.settled()
    assert "文字太长了" in bot.replies(RESIDENT)[-1]
    emu.send_document(RESIDENT, RESIDENT, b"%PDF-1.4 not an image", file_name="a.pdf",
                      mime_type="application/pdf")
    await bot.settled()
    assert "这不是图片文件" in bot.replies(RESIDENT)[-1]
    emu.send_document(RESIDENT, RESIDENT, b"garbage", file_name="x.jpg", mime_type="image/jpeg")
    await bot.settled()
    assert "这不是图片文件" in bot.replies(RESIDENT)[-1]
    emu.send_document(RESIDENT, RESIDENT, b"", file_name="huge.jpg", mime_type="image/jpeg",
                      declared_size=25_000_000)
    await bot.settled()
    assert "文件太大" in bot.replies(RESIDENT)[-1]

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 1, 0, 0,
                                                               0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 7501 * 10)) + chunk(b"IEND", b""))
    emu.send_document(RESIDENT, RESIDENT, bomb, file_name="bomb.png", mime_type="image/png")
    await bot.settled()
    assert "图片尺寸过大" in bot.replies(RESIDENT)[-1]
    for i in range(10):
        out = io.BytesIO()
        from PIL import Image

        Image.new("RGB", (20, 20), (i * 20, 0, 0)).save(out, "JPEG")
        emu.send_photo(RESIDENT, RESIDENT, out.getvalue())
    await bot.settled()
    assert "照片最多 9 张" in bot.replies(RESIDENT)[-1]
    bot.press(RESIDENT, RESIDENT, "rpt:next")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:c:other")
    await bot.settled()
    assert "照片 9" in bot.replies(RESIDENT)[-1] and "语音" not in bot.replies(RESIDENT)[-1]
    assert bot.issues() == []  # nothing is recorded until the resident confirms


async def test_an_album_sent_before_the_place_is_kept_whole(bot: Bot) -> None:
    for color in ("red", "green", "blue"):
        bot.emu.send_photo(RESIDENT, RESIDENT, jpeg(color), media_group_id="resident-album",
                           caption="3号楼2单元楼道杂物" if color == "red" else None)
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:p:3-2")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:c:clutter")
    await bot.settled()
    bot.press(RESIDENT, RESIDENT, "rpt:ok")
    await bot.settled()
    (issue,) = bot.issues()
    assert len(bot.query("SELECT * FROM media WHERE issue_id = ?", (issue["id"],))) == 3


async def test_a_reply_to_the_confirmation_reaches_the_heads(bot: Bot) -> None:
    number = await report(bot)
    confirmation = next(m for m in reversed(bot.emu.bot_messages(RESIDENT))
                        if "已登记" in m.plain())
    bot.emu.send_text(RESIDENT, RESIDENT, "补充一下：晚上更严重", reply_to=confirmation.message_id)
    await bot.settled()
    assert f"回复 #{number}：补充一下：晚上更严重" in bot.replies(GROUP)[-1]
    assert len(bot.issues()) == 1


async def test_cancel_with_nothing_to_cancel_is_answered(bot: Bot) -> None:
    bot.emu.send_text(RESIDENT, RESIDENT, "/cancel")
    await bot.settled()
    assert "已取消" in bot.replies(RESIDENT)[-1]


async def test_the_daily_limit_refuses_politely(make_bot: Callable[..., Bot]) -> None:
    bot = make_bot(extra="[residents]\nmax_per_hour = 5\nmax_per_day = 2")
    await bot.start()
    try:
        await report(bot)
        bot.clock.advance(timedelta(hours=2))
        await report(bot)
        bot.clock.advance(timedelta(hours=2))
        await report(bot)
        assert len(bot.issues()) == 2
        assert "今天已经反映了 2 件" in bot.emu.answered_callbacks()[-1]["text"]
    finally:
        await bot.stop()
