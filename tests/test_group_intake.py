"""Group intake through the emulator: every form of report makes exactly one issue."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.conftest import (
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    POLICE,
    UNIT_HEAD,
    Bot,
    jpeg,
)


async def test_photo_with_caption_makes_one_issue_and_a_card(bot: Bot) -> None:
    sent = bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3号楼2单元楼道堆满杂物")
    await bot.settled()
    rows = bot.issues()
    assert len(rows) == 1
    issue = rows[0]
    assert (issue["category"], issue["building"], issue["unit"]) == ("clutter", "3", "2")
    assert issue["assignee_user_id"] == UNIT_HEAD
    assert issue["status"] == "assigned"
    card = bot.card(issue["id"])
    assert card.reply_to == sent["message_id"]
    assert "#1" in card.plain() and "楼道堆物" in card.plain()
    assert f"tg://user?id={UNIT_HEAD}" in card.text
    assert card.buttons()[0][1] == "issue:claim:1"
    assert len(bot.cards()) == 1


async def test_each_form_makes_exactly_one_issue(bot: Bot) -> None:
    emu = bot.emu
    emu.send_photo(GROUP, GRID_HEAD, jpeg())  # a photo alone
    emu.send_voice(GROUP, GRID_HEAD, b"OggS-voice", duration=4)  # a voice message alone
    emu.send_text(GROUP, GRID_HEAD, "#随手拍 5号楼门口路灯不亮")
    emu.send_text(GROUP, GRID_HEAD, "#report streetlight out at building 5")
    emu.send_document(GROUP, GRID_HEAD, jpeg(), file_name="p.jpg", mime_type="image/jpeg")
    chatter = emu.send_text(GROUP, GRID_HEAD, "今天大家辛苦了")  # plain chat: not a report
    await bot.settled()
    assert len(bot.issues()) == 5
    assert [r["category"] for r in bot.issues()][2:4] == ["facility", "facility"]
    voice = bot.query("SELECT * FROM media WHERE kind = 'voice'")
    assert len(voice) == 1 and voice[0]["status"] == "stored" and voice[0]["duration"] == 4
    # /report as a reply turns the plain message into an issue, once.
    emu.send_text(GROUP, GRID_HEAD, "/report", reply_to=chatter["message_id"])
    emu.send_text(GROUP, GRID_HEAD, "/report", reply_to=chatter["message_id"])
    await bot.settled()
    rows = bot.issues()
    assert len(rows) == 6
    assert rows[5]["source_message_id"] == chatter["message_id"]
    assert len(bot.cards()) == 6
    assert bot.replies(GROUP).count("这条消息已经登记为 #6。") == 1
    # /report on the bot's own card is refused: the reporter would be the bot.
    emu.send_text(GROUP, GRID_HEAD, "/report", reply_to=bot.card(1).message_id)
    await bot.settled()
    assert len(bot.issues()) == 6 and "请先回复" in bot.replies(GROUP)[-1]


async def test_report_command_needs_a_reply_and_a_head(bot: Bot) -> None:
    emu = bot.emu
    target = emu.send_text(GROUP, OUTSIDER, "楼道里有纸箱")
    emu.send_text(GROUP, OUTSIDER, "/report", reply_to=target["message_id"])
    emu.send_text(GROUP, GRID_HEAD, "/report")
    await bot.settled()
    assert bot.issues() == []
    replies = bot.replies(GROUP)
    assert any("只有本网格的五长" in r for r in replies)
    assert any("请先回复" in r for r in replies)


async def test_album_of_three_photos_is_one_issue_with_three_photos(bot: Bot) -> None:
    for color in ("red", "green", "blue"):
        bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(color), media_group_id="album-1",
                           caption="3-2 楼道杂物" if color == "red" else None)
    await bot.settled()
    rows = bot.issues()
    assert len(rows) == 1
    photos = bot.query("SELECT * FROM media WHERE issue_id = ? AND status = 'stored'",
                       (rows[0]["id"],))
    assert len(photos) == 3
    assert len(bot.cards()) == 1
    assert "照片 3" in bot.card(rows[0]["id"]).plain()


async def test_an_album_caption_on_a_later_photo_is_read(bot: Bot) -> None:
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg("red"), media_group_id="album-2")
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg("blue"), media_group_id="album-2",
                       caption="3号楼2单元楼道杂物")
    await bot.settled()
    (issue,) = bot.issues()
    assert (issue["category"], issue["unit"], issue["assignee_user_id"]) == ("clutter", "2",
                                                                              UNIT_HEAD)
    assert "楼道堆物" in bot.card(issue["id"]).plain()


async def test_stored_photo_has_no_exif(bot: Bot) -> None:
    original = jpeg(exif=True)
    assert b"PhoneMaker" in original
    bot.emu.send_photo(GROUP, UNIT_HEAD, original, caption="3-2 杂物")
    await bot.settled()
    (row,) = bot.query("SELECT path FROM media")
    stored = Path(bot.config.media_dir) / row["path"]
    data = stored.read_bytes()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(stored) as image:
        assert not image.getexif()


async def test_edit_is_logged_and_the_snapshot_kept(bot: Bot) -> None:
    sent = bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    bot.emu.edit_text(GROUP, sent["message_id"], "3-2 楼道杂物已经有人搬走一半")
    await bot.settled()
    (issue,) = bot.issues()
    assert issue["text"] == "3-2 楼道杂物"
    events = bot.query("SELECT type, data FROM events WHERE issue_id = ? ORDER BY id",
                       (issue["id"],))
    assert events[-1]["type"] == "edited" and "搬走一半" in events[-1]["data"]


async def test_forum_topic_replies_stay_in_their_thread(bot: Bot) -> None:
    bot.emu.add_group(GROUP, "松鹤社区第一网格工作群", is_forum=True)
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 杂物", thread_id=77)
    await bot.settled()
    (issue,) = bot.issues()
    assert bot.card(issue["id"]).thread_id == 77


async def test_unbound_group_is_told_how_to_bind_and_the_report_is_kept(bot: Bot) -> None:
    """More on reports kept in a group bound to no grid: tests/test_unbound.py."""
    other = -1009999
    bot.emu.add_group(other, "未绑定的群")
    kept = bot.emu.send_photo(other, GRID_HEAD, jpeg(), caption="#随手拍 垃圾")
    await bot.settled()
    assert bot.issues() == []
    assert any("/bind" in r for r in bot.replies(other))
    bot.emu.send_text(other, COORDINATOR, "/bind songhe-2")
    await bot.settled()
    bot.emu.send_photo(other, GRID_HEAD, jpeg(), caption="#随手拍 垃圾")
    await bot.settled()
    first, issue = bot.issues()
    assert first["source_message_id"] == kept["message_id"]  # kept, filed at the /bind
    assert issue["grid_key"] == "songhe-2"
    assert issue["status"] == "open"  # the new grid has no roster yet
    assert "没有网格长" in bot.card(issue["id"]).plain()


async def test_files_that_cannot_be_kept_get_a_clear_answer_and_the_issue_stands(
    bot: Bot,
) -> None:
    emu = bot.emu
    emu.send_document(GROUP, GRID_HEAD, b"", file_name="big.jpg", mime_type="image/jpeg",
                      caption="#随手拍 垃圾", declared_size=25_000_000)
    emu.send_document(GROUP, GRID_HEAD, b"this is not a picture", file_name="fake.jpg",
                      mime_type="image/jpeg", caption="#随手拍 路灯")
    await bot.settled()
    assert len(bot.issues()) == 2
    errors = [r["error"] for r in bot.query("SELECT error FROM media ORDER BY id")]
    assert errors == ["media.too_big", "media.not_image"]
    replies = bot.replies(GROUP)
    assert any("#1 的附件未能保存：文件太大" in r for r in replies)
    assert any("#2 的附件未能保存：这不是图片文件" in r for r in replies)


async def test_a_gas_smell_in_the_stairwell_goes_to_the_police_head_at_once(bot: Bot) -> None:
    """Not stairwell clutter: the danger decides the role and the urgency (issue #9)."""
    bot.emu.send_text(GROUP, UNIT_HEAD, "#随手拍 3号楼2单元楼道里煤气味很重")
    await bot.settled()
    issue = bot.issues()[-1]
    assert (issue["priority"], issue["wanted_role"], issue["assignee_user_id"]) == (
        "urgent", "police", POLICE)
    replies = bot.replies(GROUP)
    assert "119" in replies[0]  # whom to call comes before the card
    assert f"tg://user?id={POLICE}" in bot.card(issue["id"]).text
