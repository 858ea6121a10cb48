"""The reporter's notices alone: the words of a status change and the "fixed?" buttons (fast:
no bot, no database). Their delivery is in tests/test_residents.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.lifecycle import Action
from bot.domain.model import Status
from bot.views.notices import VERIFY_ANSWERS, before_after_labels, status_notice, verify_keyboard
from tests.domain.test_issue_machine import fresh_issue


def test_resolved_asks_fixed_with_a_button_per_answer() -> None:
    issue = replace(fresh_issue(), id=12, status=Status.RESOLVED)
    text, keyboard = status_notice("zh", issue, Action.RESOLVE)
    assert text == "#12 负责的五长说已经处理好了。请您看看，修好了吗？"
    assert keyboard == verify_keyboard("zh", 12)
    assert keyboard == {"inline_keyboard": [
        [{"text": "👍 修好了", "callback_data": "issue:verify:12:fixed"}],
        [{"text": "🤏 修好一部分", "callback_data": "issue:verify:12:partly"}],
        [{"text": "👎 没修好", "callback_data": "issue:verify:12:no"}],
        [{"text": "🤷 说不清", "callback_data": "issue:verify:12:unsure"}],
    ]}


def test_every_answer_fits_telegrams_callback_data_for_any_number() -> None:
    keyboard = verify_keyboard("en", 10**15)
    data = [row[0]["callback_data"] for row in keyboard["inline_keyboard"]]
    assert [d.rsplit(":", 1)[1] for d in data] == list(VERIFY_ANSWERS)
    assert all(len(d.encode()) <= 64 for d in data)


@pytest.mark.parametrize("action,status,verified,expected", [
    (Action.CLAIM, Status.IN_PROGRESS, None, "您反映的 #1：处理中。"),
    (Action.REJECT, Status.REJECTED, None, "您反映的 #1：已驳回。"),
    (Action.CLOSE, Status.CLOSED, True, "您反映的 #1：已办结。"),
    (Action.CLOSE, Status.CLOSED, None, "您反映的 #1：已办结。"),
])
def test_other_changes_say_the_new_status_without_buttons(
    action: Action, status: Status, verified: bool | None, expected: str,
) -> None:
    issue = replace(fresh_issue(), status=status, verified=verified)
    assert status_notice("zh", issue, action) == (expected, None)


def test_an_unanswered_close_is_told_as_such() -> None:
    issue = replace(fresh_issue(), status=Status.CLOSED, verified=False)
    text, keyboard = status_notice("en", issue, Action.CLOSE)
    assert text.startswith("Your report #1 was handled and, without your answer for some days")
    assert keyboard is None


def test_the_before_after_picture_is_labelled_in_the_reporters_language() -> None:
    assert before_after_labels("zh") == ("之前", "之后")
    assert before_after_labels("en") == ("before", "after")
