"""The resident's private report, step by step, alone: buttons and texts (fast: no bot, no
database). The conversation itself is in tests/test_residents.py."""

from __future__ import annotations

from bot.domain.draft import Draft, DraftFile
from bot.domain.model import DEFAULT_CATEGORIES, Place
from bot.views.resident import (
    category_keyboard,
    confirmation,
    describe,
    grid_keyboard,
    media_refusal,
    next_keyboard,
    place_keyboard,
    welcome,
)


def _file(kind: str) -> DraftFile:
    return DraftFile(kind=kind, file_id="f", file_unique_id="u", file_size=1, path="p", bytes=1)


def test_grids_one_a_row() -> None:
    assert grid_keyboard([("songhe-1", "松鹤一网格"), ("songhe-2", "松鹤二网格")]) == {
        "inline_keyboard": [
            [{"text": "松鹤一网格", "callback_data": "rpt:g:songhe-1"}],
            [{"text": "松鹤二网格", "callback_data": "rpt:g:songhe-2"}],
        ]}
    assert grid_keyboard([]) == {"inline_keyboard": []}


def test_places_two_a_row_then_dont_know() -> None:
    places = [Place("3", "2"), Place("3"), Place("5", "1")]
    assert place_keyboard("zh", places) == {"inline_keyboard": [
        [{"text": "3号楼2单元", "callback_data": "rpt:p:3-2"},
         {"text": "3号楼", "callback_data": "rpt:p:3"}],
        [{"text": "5号楼1单元", "callback_data": "rpt:p:5-1"}],
        [{"text": "不清楚 / 其他地方", "callback_data": "rpt:p:-"}],
    ]}
    assert place_keyboard("en", []) == {"inline_keyboard": [
        [{"text": "Not sure / elsewhere", "callback_data": "rpt:p:-"}],
    ]}


def test_categories_two_a_row_with_the_guess_marked() -> None:
    rows = category_keyboard("zh", DEFAULT_CATEGORIES[:3], "parking")["inline_keyboard"]
    assert rows == [
        [{"text": "楼道堆物", "callback_data": "rpt:c:clutter"},
         {"text": "✅ 车辆乱停", "callback_data": "rpt:c:parking"}],
        [{"text": "邻里纠纷", "callback_data": "rpt:c:dispute"}],
    ]
    english = category_keyboard("en", DEFAULT_CATEGORIES, None)["inline_keyboard"]
    labels = [b["text"] for row in english for b in row]
    assert labels == [c.en for c in DEFAULT_CATEGORIES]
    assert all(len(row) <= 2 for row in english)


def test_next() -> None:
    assert next_keyboard("en") == {"inline_keyboard": [
        [{"text": "Next ➡️", "callback_data": "rpt:next"}]]}


def test_the_place_named_back() -> None:
    assert welcome("zh", "松鹤<一>", Place("3", "2")).startswith(
        "您好！您在反映 <b>松鹤&lt;一&gt; · 3号楼2单元</b> 的问题。")
    assert describe("en", Place("3")).startswith("Place: building 3.\n")
    assert describe("zh", Place()).startswith("地点：未注明位置。\n")


def test_a_refused_file_names_the_cap() -> None:
    assert media_refusal("en", "resident.draft_full").startswith(
        "This report already holds enough files (at most 12)")
    assert media_refusal("zh", "resident.draft_too_big") == (
        "这份反映里的文件太大了（合计最多 40 MB），这个没有收下。")
    assert "100 MB" in media_refusal("en", "resident.storage_full")
    assert media_refusal("zh", "media.not_image") == "这不是图片文件。"


def test_the_confirmation_sums_up_escaped_and_counted() -> None:
    draft = Draft({})
    draft.place = Place("3", "2")
    draft.add_text("楼道里<有>纸箱 & 旧家具")
    for kind in ("photo", "photo", "voice"):
        draft.add_file(_file(kind))
    text, keyboard = confirmation("zh", "松鹤&一", DEFAULT_CATEGORIES[0], draft)
    assert text == ("请确认：\n📍 松鹤&amp;一 · 3号楼2单元\n🏷 楼道堆物\n"
                    "📝 楼道里&lt;有&gt;纸箱 &amp; 旧家具\n📎 照片 2 · 语音 1")
    assert keyboard == {"inline_keyboard": [
        [{"text": "✅ 提交", "callback_data": "rpt:ok"}],
        [{"text": "✏️ 改类别", "callback_data": "rpt:next"},
         {"text": "❌ 取消", "callback_data": "rpt:cancel"}],
    ]}


def test_the_confirmation_of_a_photo_alone_in_english() -> None:
    draft = Draft({})
    draft.add_file(_file("photo"))
    text, keyboard = confirmation("en", "Pine 1", DEFAULT_CATEGORIES[1], draft)
    assert text == ("Please confirm:\n📍 Pine 1 · place not given\n🏷 Bad parking\n📝 —\n"
                    "📎 photos 1")
    assert [b["text"] for row in keyboard["inline_keyboard"] for b in row] == [
        "✅ Submit", "✏️ Change category", "❌ Cancel"]


def test_the_confirmation_quotes_only_the_start() -> None:
    draft = Draft({})
    draft.add_text("a" * 600)
    text, _ = confirmation("en", "g", DEFAULT_CATEGORIES[0], draft)
    assert text.endswith("📝 " + "a" * 500) and "a" * 501 not in text
    assert "📎" not in text  # nothing attached: no line for it
