"""What a resident reporter reads about their issue: a status change, and on "resolved" the
question "fixed?" with its four answers as buttons (Bot API JSON).

Pure: :class:`~bot.services.notices.ReporterNotices` looks up the reporter's language and
writes the outbox; the words and the buttons are chosen here.
"""

from __future__ import annotations

from typing import Any

from bot.domain.issue import Issue
from bot.domain.lifecycle import Action
from bot.i18n import t
from bot.views.card import button

# The answers to "fixed?"; each is a button, and only these are accepted back.
VERIFY_ANSWERS = ("fixed", "partly", "no", "unsure")


def verify_keyboard(language: str, issue_id: int) -> dict[str, Any]:
    return {"inline_keyboard": [
        [button(t(language, f"verify.{a}"), f"issue:verify:{issue_id}:{a}")]
        for a in VERIFY_ANSWERS
    ]}


def status_notice(
    language: str, issue: Issue, action: Action
) -> tuple[str, dict[str, Any] | None]:
    """The notice of ``action`` done to ``issue`` (already changed), and its keyboard: on
    "resolved" the reporter is asked whether it is fixed, since their answer closes or
    reopens it; a close they never answered is told as such, so silence is not taken for
    their word."""
    if action is Action.RESOLVE:
        return (t(language, "verify.question", number=issue.id),
                verify_keyboard(language, issue.id))
    if action is Action.CLOSE and issue.verified == 0:
        return t(language, "notice.closed_unverified", number=issue.id), None
    status = t(language, f"status.{issue.status}")
    return t(language, "notice.status", number=issue.id, status=status), None


def follower_notice(language: str, issue: Issue) -> str:
    """What a resident whose report was merged into ``issue`` hears of its status."""
    status = t(language, f"status.{issue.status}")
    return t(language, "notice.follower", number=issue.id, status=status)


def before_after_labels(language: str) -> tuple[str, str]:
    """The words over the two halves of the before/after picture sent with "fixed?"."""
    return t(language, "verify.before"), t(language, "verify.after")
