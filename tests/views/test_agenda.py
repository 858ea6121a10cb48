"""The agenda view alone: an Agenda of plain data into messages under Telegram's limit (fast:
no bot, no database). The end-to-end postings are in tests/test_agenda.py."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.domain.figures import KindCount
from bot.domain.model import DEFAULT_CATEGORIES, Kind, Place
from bot.views.agenda import (
    MESSAGE_LIMIT,
    Agenda,
    AgendaItem,
    ordinal_key,
    pack,
    render,
    sheet_caption,
    summary,
)
from bot.views.html_text import utf16_len

HEADER = "📋 <b>松鹤社区第一网格</b> 2026-03-09 例会议程"


def item(number: int, **changes: Any) -> AgendaItem:
    plain = AgendaItem(
        number=number, category="clutter", kind="public_event", place=Place("3", "2"),
        status="assigned", priority="normal", text=f"3-2 楼道杂物 第{number}处 & <堆放>",
    )
    return replace(plain, **changes)


def agenda(**changes: Any) -> Agenda:
    plain = Agenda(
        grid_key="songhe-1", grid_name="松鹤社区第一网格",
        meeting_at=datetime(2026, 3, 9, 0, 0, tzinfo=UTC), local_date=date(2026, 3, 9),
        local_time="08:00", period_start=date(2026, 2, 28), period_end=date(2026, 3, 9),
        late=False, preview=False, closed=(), new=(), unresolved=(),
        figures=tuple(KindCount(k, 0, 0) for k in Kind),
    )
    return replace(plain, **changes)


def zh(a: Agenda) -> list[str]:
    return render(a, "zh", DEFAULT_CATEGORIES)


@pytest.mark.parametrize("count", [0, 1, 300])
def test_every_item_once_in_order_and_every_message_under_the_limit(count: int) -> None:
    a = agenda(unresolved=tuple(item(n, age_days=10, meeting_no=2) for n in range(1, count + 1)))
    messages = zh(a)
    for text in messages:
        assert utf16_len(text) <= MESSAGE_LIMIT
    numbers = [int(n) for text in messages for n in re.findall(r"^#(\d+)", text, re.M)]
    assert numbers == list(range(1, count + 1))  # once each, oldest first across messages
    assert f"📌 <b>未办结 {count} 件</b>" in messages[0]
    assert "📊 <b>本期分类统计</b>" in messages[-1]
    if count == 300:
        assert len(messages) > 1
        for part, text in enumerate(messages, start=1):
            assert text.splitlines()[0] == f"{HEADER}（{part}/{len(messages)}）"
        assert all(text.splitlines()[1] == "📌 <b>未办结 300 件</b>（最早的在前）（续）"
                   for text in messages[1:-1])
    else:
        assert messages == [messages[0]] and messages[0].splitlines()[0] == HEADER


def test_an_empty_agenda_is_its_headings() -> None:
    (text,) = zh(agenda(period_start=None))
    assert text.splitlines()[:2] == [HEADER, "统计期间：截至 2026-03-09 例会"]
    for heading in ("上次例会后办结 0 件", "上次例会后新增 0 件", "未办结 0 件"):
        assert heading in text
    assert text.splitlines()[-1] == " · ".join(
        f"{kind} 0 / 0" for kind in ("公共事件", "矛盾纠纷", "服务诉求", "微心愿")
    )


def test_the_limit_counts_utf16_units_not_characters() -> None:
    # An emoji is one character but two UTF-16 units: a decision of emoji is twice as long.
    items = tuple(item(n, decision="🔥" * 300) for n in range(1, 60))
    messages = zh(agenda(unresolved=items))
    assert len(messages) > 1
    assert all(utf16_len(text) <= MESSAGE_LIMIT for text in messages)
    # Full by UTF-16 units while barely half full by characters: the units were counted.
    assert all(len(text) < MESSAGE_LIMIT * 0.6 < MESSAGE_LIMIT * 0.95 < utf16_len(text)
               for text in messages[1:-1])
    assert "🔥" * 199 + "…" in messages[0]  # a decision shows its first 200 characters


def test_a_heading_never_stays_alone_at_the_bottom() -> None:
    messages = pack(
        ["intro"], [("A", ["a" * 40, "a" * 40]), ("B", ["b" * 40])],
        lambda part, total: f"H{part}/{total}", continued=lambda s: f"{s} (cont.)", limit=100,
    )
    assert messages == [
        "H1/2\nintro\n\nA\n" + "a" * 40 + "\n" + "a" * 40,
        "H2/2\nB\n" + "b" * 40,
    ]
    assert pack([], [("A", ["a" * 40] * 3)], lambda p, t: f"H{p}/{t}",
                 continued=lambda s: f"{s} (cont.)", limit=100)[1].startswith("H2/2\nA (cont.)\n")


def test_overdue_items_are_marked_and_counted() -> None:
    a = agenda(unresolved=(item(1, overdue=True, age_days=12), item(2, age_days=1)))
    assert a.overdue == 1
    (text,) = zh(a)
    one, two = text.split("\n#2 ")
    assert "无人负责 · 12天 · 一般 · ⚠️超期 · 第1次上会" in one
    assert "超期" not in two
    (line,) = summary("zh", "2026-03-09", [a])
    assert line.splitlines()[1] == "松鹤社区第一网格：未办结 2 · 超期 1 · 上次例会后办结 0"


def test_a_late_agenda_says_so_and_a_preview_says_it_is_one() -> None:
    (late,) = zh(agenda(late=True))
    assert late.splitlines()[1] == "⏰ 例会时间（08:00）机器人不在线，本议程晚发。"
    (preview,) = zh(agenda(preview=True, local_date=date(2026, 3, 19)))
    assert preview.splitlines()[1].startswith("👀 预览：03-19 08:00 例会的议程")
    assert "晚发" not in preview and "预览" not in late


def test_lines_escape_what_people_typed_and_name_who_and_the_decision() -> None:
    a = agenda(
        closed=(item(1, status="closed", decision="周五前清理完毕 <务必>"),),
        new=(item(2, text="#随手拍   a\n b", place=Place()),),
        unresolved=(item(3, assignee="<黄>", place=Place("5"), text="长" * 30),),
    )
    (text,) = zh(a)
    assert "#1 楼道堆物 · 3号楼2单元 · 已办结 · 3-2 楼道杂物 第1处 &amp; &lt;堆放&gt;" in text
    assert "　↳ 会议决定：周五前清理完毕 &lt;务必&gt;" in text
    assert "#2 楼道堆物 · 未注明位置 · 已指派 · a b\n" in text  # the hashtag and spaces go
    assert "#3 楼道堆物 · 5号楼 · " + "长" * 23 + "…\n　&lt;黄&gt; · 0天" in text


def test_english_words_the_same_agenda() -> None:
    (text,) = render(agenda(unresolved=(item(1, meeting_no=2),)), "en", DEFAULT_CATEGORIES)
    assert text.splitlines()[0] == "📋 <b>松鹤社区第一网格</b> meeting agenda, 2026-03-09"
    assert "Stairwell clutter" in text and "2nd meeting" in text


@pytest.mark.parametrize("n,key", [
    (1, "one"), (2, "two"), (3, "few"), (4, "other"), (11, "other"), (12, "other"),
    (13, "other"), (21, "one"), (22, "two"), (23, "few"), (111, "other"), (101, "one"),
])
def test_ordinals_follow_cldr(n: int, key: str) -> None:
    assert ordinal_key(n) == f"agenda.ordinal_{key}"


def test_the_contact_sheet_caption_says_when_it_is_capped() -> None:
    # No icon of its own: it is the caption of a photo, which shows as one.
    assert sheet_caption("zh", 3, 3) == "未办结事件的照片（3 件，图上标有编号）"
    assert sheet_caption("zh", 12, 30) == "未办结事件的照片：最早的 12 件（共 30 件有照片）"
    assert sheet_caption("en", 3, 3).startswith("Photos of the unresolved items (3, ")


def test_a_new_item_already_closed_is_counted_under_new_and_listed_under_closed() -> None:
    done = (item(2, status="closed"), item(4, status="rejected"))
    a = agenda(closed=(item(1, status="closed"), *done),
               new=(*done, item(5), item(6), item(7)),
               unresolved=(item(5), item(6), item(7)))
    (text,) = zh(a)
    closed, new = text.split("🆕")[0], "🆕" + text.split("🆕")[1].split("📌")[0]
    assert re.findall(r"^#(\d+)", closed, re.M) == ["1", "2", "4"]
    assert new.splitlines()[0] == "🆕 <b>上次例会后新增 5 件</b>，其中 2 件已办结（见上）"
    assert re.findall(r"^#(\d+)", new, re.M) == ["5", "6", "7"]
    (english,) = render(a, "en", DEFAULT_CATEGORIES)
    assert ("🆕 <b>New since the last meeting: 5</b>, 2 of them already closed (see above)"
            in english)
    (plain,) = zh(agenda(new=(item(5),)))
    assert "🆕 <b>上次例会后新增 1 件</b>\n#5 " in plain  # none closed: the plain heading


def test_a_voice_report_without_text_says_it_is_one() -> None:
    a = agenda(closed=(item(1, status="closed", text="", has_voice=True),),
               new=(item(2, text="#随手拍", has_voice=True),),
               unresolved=(item(3, text="", has_voice=True),
                           item(4, text="3-2 有杂物", has_voice=True)))
    (text,) = zh(a)
    assert "#1 楼道堆物 · 3号楼2单元 · 已办结 · 🎤 语音上报" in text
    assert "#2 楼道堆物 · 3号楼2单元 · 已指派 · 🎤 语音上报" in text  # a hashtag says nothing
    assert "#3 楼道堆物 · 3号楼2单元 · 🎤 语音上报\n" in text
    assert "#4 楼道堆物 · 3号楼2单元 · 3-2 有杂物\n" in text  # its words say more
    (english,) = render(a, "en", DEFAULT_CATEGORIES)
    assert "· 🎤 voice report\n" in english


def test_the_summary_is_a_line_per_grid_and_splits_between_lines() -> None:
    grids = [agenda(grid_name=f"网格{i}" + "名" * 100) for i in range(100)]
    messages = summary("zh", "2026-03-09", grids)
    assert len(messages) > 1
    assert all(utf16_len(text) <= MESSAGE_LIMIT for text in messages)
    lines = "\n".join(messages).splitlines()
    assert lines[0] == "📋 2026-03-09 例会 · 各网格概况" and len(lines) == 101
