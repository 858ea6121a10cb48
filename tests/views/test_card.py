"""The card view alone: pure text and buttons from an issue and its facts (fast, no bot)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.domain.lifecycle import Action, Actor
from bot.domain.model import Place, Priority, ReporterKind, Status
from bot.views.card import CardFacts, buttons_for, keyboard, render_card
from bot.views.html_text import utf16_len
from bot.views.place import place_label
from tests.domain.test_issue_machine import fresh_issue

FACTS = CardFacts(grid_name="松鹤社区第一网格", category_label="楼道堆物",
                  assignee_name="黄福军", fell_back=None, photos=2, voices=1)


def test_a_residents_card_names_no_resident_and_mentions_the_assignee() -> None:
    text, _ = render_card("zh", fresh_issue(), FACTS)
    assert text.splitlines()[0] == "🟢 <b>#1 楼道堆物</b> · 一般"
    assert "上报：居民" in text and "3号楼2单元" in text
    assert '<a href="tg://user?id=2">黄福军</a>' in text
    assert "📎 照片 2 · 语音 1" in text
    assert text.splitlines()[-1] == "状态：已指派"


@pytest.mark.parametrize("status,rows", [
    (Status.OPEN, [[Action.CLAIM], [Action.ASSIGN, Action.REFER, Action.REJECT]]),
    (Status.ASSIGNED, [[Action.CLAIM], [Action.ASSIGN, Action.REFER, Action.REJECT]]),
    (Status.REFERRED, [[Action.CLAIM], [Action.ASSIGN, Action.REFER, Action.REJECT]]),
    (Status.IN_PROGRESS, [[Action.RESOLVE], [Action.ASSIGN, Action.REFER, Action.REJECT]]),
    (Status.RESOLVED, [[Action.CLOSE, Action.REOPEN]]),
    (Status.CLOSED, [[Action.REOPEN]]),
    (Status.REJECTED, [[Action.REOPEN]]),
])
def test_the_buttons_follow_the_lifecycle(status: Status, rows: list[list[Action]]) -> None:
    assert buttons_for(status) == rows


def test_a_resident_reporter_sees_only_verification_buttons() -> None:
    resident = Actor(1, is_reporter=True)
    assert buttons_for(Status.RESOLVED, resident) == [[Action.CLOSE, Action.REOPEN]]
    assert buttons_for(Status.REJECTED, resident) == []
    assert keyboard("zh", 7, Status.CLOSED, resident) == {"inline_keyboard": []}


@pytest.mark.parametrize("text", ['"' * 5000, "<&>" * 3000, "🔥" * 5000])
def test_a_long_report_is_cut_after_escaping_and_the_status_stays(text: str) -> None:
    issue = replace(fresh_issue(), text=text, priority=Priority.URGENT,
                    reporter_kind=ReporterKind.HEAD, reporter_name="王" * 200)
    card, _ = render_card("zh", issue, FACTS)
    assert utf16_len(card) <= 3800
    assert card.splitlines()[-1] == "状态：已指派"
    assert not re.search(r"&[#A-Za-z0-9]*…", card)


def test_the_place_label_is_written_once() -> None:
    assert place_label("zh", Place("3", "2")) == "3号楼2单元"
    assert place_label("en", Place("3")) == "building 3"
    assert place_label("zh", Place()) == "未注明位置"


@pytest.mark.parametrize("text", ["楼道杂物" * 300, "<&>" * 600])
def test_a_card_that_is_a_caption_keeps_within_a_caption_and_its_status(text: str) -> None:
    """A photo card that grows (a long reject reason) still fits a caption: the quote gives
    way, the status line stays."""
    issue = replace(fresh_issue(), text=text, status=Status.REJECTED, reject_reason="不是" * 100)
    card, _ = render_card("zh", issue, FACTS, limit=1024)
    assert utf16_len(card) <= 1024
    assert card.splitlines()[-1].startswith("状态：已驳回")
    assert "📝 " in card  # some of the quote is left
    full, _ = render_card("zh", issue, FACTS)
    assert utf16_len(full) > 1024
