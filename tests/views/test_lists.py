"""Issue lists alone: /open, /my and the /show history as pure text (fast, no bot)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.views.html_text import utf16_len
from bot.views.lists import Happened, Listed, history, my_list, open_list
from tests.domain.test_issue_machine import START, fresh_issue


def test_open_marks_age_and_overdue_and_splits_under_the_limit() -> None:
    overdue = replace(fresh_issue(), due_at=START + timedelta(days=1))
    items = [Listed(replace(overdue, id=n), "楼道堆物", None if n % 2 else "黄福军")
             for n in range(1, 301)]
    chunks = open_list("zh", "第一网格", items, START + timedelta(days=3))
    assert chunks[0].startswith("📋 <b>第一网格</b> 未办结事件 300 件")
    assert "#1 楼道堆物 · 3号楼2单元 · 无人负责 · 已指派 · 3天 · ⏰逾期" in chunks[0]
    assert "#2 楼道堆物 · 3号楼2单元 · 黄福军" in chunks[0]
    assert len(chunks) > 1 and all(utf16_len(c) <= 4000 for c in chunks)
    assert open_list("zh", "第一网格", [], START) == ["✅「第一网格」目前没有未办结事件。"]


def test_my_lists_only_what_it_is_given_in_the_residents_language() -> None:
    assert my_list("en", [Listed(fresh_issue(), "Stairwell clutter")]) == [
        "Your reports (1, newest first):\n#1 Stairwell clutter · building 3, unit 2 · assigned"
    ]


def test_the_history_quotes_what_was_said_but_not_the_report_twice() -> None:
    [text] = history("zh", "CARD", [
        Happened("11-10 10:00", "居民", "reported", "楼道堆满纸箱"),
        Happened("11-10 10:05", "黄福军", "relay_to_resident", "马上<来>"),
    ])
    assert text.splitlines()[-2] == "11-10 10:00 居民：上报"
    assert text.splitlines()[-1] == "11-10 10:05 黄福军：回复居民：马上&lt;来&gt;"
