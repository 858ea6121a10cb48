"""Issue lists as people read them: ``/open`` (a grid's unresolved issues), ``/my`` (a
resident's own) and the history under ``/show``; each cut into messages under the limit."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.issue import Issue
from bot.i18n import t
from bot.views.html_text import escape_within, split_message
from bot.views.place import place_label

SHOW_QUOTE = 300  # UTF-16 units of what was said, per line of the history


@dataclass(frozen=True)
class Listed:
    """One issue on a list, with the names the list shows."""

    issue: Issue
    category_label: str
    assignee_name: str | None = None


@dataclass(frozen=True)
class Happened:
    """One event of an issue's history: when (local), who (already anonymised), what."""

    at: str
    who: str
    type: str
    said: str | None = None


def open_list(lang: str, grid_name: str, items: Sequence[Listed], now: datetime) -> list[str]:
    if not items:
        return [t(lang, "open.none", grid=grid_name)]
    lines = [t(lang, "open.header", grid=html.escape(grid_name), count=len(items))]
    for item in items:
        issue = item.issue
        lines.append(t(
            lang, "open.line", number=issue.id,
            category=html.escape(item.category_label),
            place=html.escape(place_label(lang, issue.place)),
            who=html.escape(item.assignee_name or t(lang, "open.nobody")),
            status=t(lang, f"status.{issue.status.value}"), days=(now - issue.created_at).days,
        ) + (t(lang, "open.overdue") if issue.overdue(now) else ""))
    return split_message(lines)


def my_list(lang: str, items: Sequence[Listed]) -> list[str]:
    """A resident's own issues, newest first; nobody else's ever reach this list."""
    if not items:
        return [t(lang, "my.none")]
    lines = [t(lang, "my.header", count=len(items))]
    lines += [t(lang, "my.line", number=item.issue.id,
                category=html.escape(item.category_label),
                place=place_label(lang, item.issue.place),
                status=t(lang, f"status.{item.issue.status.value}"))
              for item in items]
    return split_message(lines)


def history(lang: str, card: str, events: Sequence[Happened]) -> list[str]:
    """``/show``: the card, then every event; relayed and held replies, edits and
    decisions quote what was said (the report itself is on the card above)."""
    lines = [card, "", t(lang, "show.history")]
    for event in events:
        what = t(lang, f"event.{event.type}")
        if event.type != "reported" and event.said and event.said.strip():
            what = t(lang, "show.said", what=what,
                     text=escape_within(" ".join(event.said.split()), SHOW_QUOTE))
        lines.append(t(lang, "show.event", at=event.at, who=html.escape(event.who),
                       what=what))
    return split_message(lines)
