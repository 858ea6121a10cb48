"""What heads, groups and coordinators are alerted with: a private ping about an issue, the
climb of an unclaimed one, the resident's "not fixed" or "can't tell", and the bot's own
troubles (downtime, a lost group, an unreadable update, an attachment it could not keep), and
reports kept from a group bound to no grid.

Pure: the services find who is to be told and in which language, and write the outbox; the
words (HTML where a mention must notify) and buttons are chosen here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain.issue import Issue
from bot.domain.lifecycle import Actor
from bot.domain.routing import Head
from bot.i18n import t
from bot.views.card import keyboard
from bot.views.html_text import mention
from bot.views.relay import role_label

# What a coordinator may do with a resolved issue the resident cannot judge: close or reopen.
_COORDINATOR = Actor(user_id=0, is_coordinator=True)


def ping(language: str, kind: str, issue_id: int) -> str:
    """The private nudge to the head an issue is now with; ``kind`` says why (new, assign,
    reopen, escalated)."""
    return t(language, f"ping.{kind}", number=issue_id)


def climbed(language: str, issue: Issue, head: Head) -> str:
    """HTML for the group: the item waited past its acknowledge window and is now ``head``'s,
    who is mentioned so that Telegram notifies them."""
    return t(language, "escalation.climbed", number=issue.id,
             window=t(language, f"escalation.window_{issue.priority.value}"),
             mention=mention(head.user_id, head.name), role=role_label(language, head.role))


def reopened(language: str, issue_id: int, answer: str, assignee: int, name: str) -> str:
    """HTML for the group: the resident says it is not (or only partly) fixed; the head it
    is with is mentioned, so the reopened item is not missed."""
    return t(language, "verify.reopened", number=issue_id, answer=t(language, f"verify.{answer}"),
             mention=mention(assignee, name))


def ask_coordinators(language: str, issue: Issue) -> tuple[str, dict[str, Any]]:
    """The resident cannot tell whether it is fixed: coordinators decide, with the buttons
    to close or reopen it."""
    return (t(language, "verify.ask_coordinator", number=issue.id),
            keyboard(language, issue.id, issue.status, _COORDINATOR))


def downtime(language: str, gone: timedelta) -> str:
    """The bot was away for ``gone`` (in whole minutes): messages of that time may have been
    answered late."""
    hours, minutes = divmod(int(gone.total_seconds()) // 60, 60)
    return t(language, "downtime.notice", hours=hours, minutes=minutes)


def chat_lost(language: str, grid_key: str) -> str:
    """The bot was removed from a grid's group, whose cards can no longer be posted."""
    return t(language, "chat.lost", grid=grid_key)


def update_unreadable(language: str, update_id: int) -> str:
    """An update was set aside unread: someone's message may have gone unanswered."""
    return t(language, "inbox.unreadable", update_id=update_id)


def media_store_failed(language: str, issue_id: int, error: str) -> str:
    """To coordinators, once per spell: photos cannot be written under media_dir (a full
    disk or wrong permissions) — only the operator can fix it, nothing is lost meanwhile."""
    return t(language, "inbox.media_store_failed", number=issue_id, error=error[:200])


def media_rejected(language: str, issue_id: int, reason_key: str) -> str:
    """Under a report: an attachment was not kept, for the reason ``reason_key`` names (a
    ``media.*`` catalog key); the issue itself stands."""
    return t(language, "media.rejected_notice", number=issue_id, reason=t(language, reason_key))


def kept_unbound(language: str) -> str:
    """Under the first report kept in a group bound to no grid: it is not lost, and it
    counts once a coordinator binds the group."""
    return t(language, "intake.kept")


def unbound_group(language: str, title: str, chat_id: int) -> str:
    """To a coordinator in private: a group bound to no grid has reports waiting. Plain
    text, so the group's title (anyone's words) needs no escaping; the id tells two groups
    of the same name apart."""
    return t(language, "intake.kept_coordinator", title=title, chat_id=chat_id)
