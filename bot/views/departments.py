"""What referral (转办) looks like: the card's menu of departments, the message that pings a
department's liaisons (in its group, or privately) with its claim and resolve buttons, and
the answers to ``/refer``.

Pure, like the other views: the service gathers the names, this words them in a language.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from bot.domain.classify import without_hashtag
from bot.domain.departments import Department
from bot.domain.issue import Issue
from bot.domain.lifecycle import Action
from bot.domain.model import Status
from bot.i18n import t
from bot.views.card import button
from bot.views.html_text import cut_html, mention
from bot.views.place import place_label

# The report as the liaisons read it: enough to act on; the card has the rest.
EXCERPT = 300
NOTE = 500
# Buttons under a liaison's message: dept:<verb>:<issue>.
LIAISON_VERBS = {"claim": Action.CLAIM, "resolve": Action.RESOLVE}

Menu = tuple[str, dict[str, Any]]


def refer_menu(lang: str, issue_id: int, departments: Sequence[Department]) -> Menu:
    """A button per department, two a row, then «back» (the card's own buttons again)."""
    choices = [button(d.label(lang), f"issue:refer:{issue_id}:{d.key}") for d in departments]
    rows = [choices[i:i + 2] for i in range(0, len(choices), 2)]
    back = [button(t(lang, "button.back"), f"issue:back:{issue_id}")]
    return t(lang, "refer.choose"), {"inline_keyboard": [*rows, back]}


def liaison_keyboard(lang: str, issue_id: int, status: Status) -> dict[str, Any]:
    """Claim while it waits for the department, resolve until it is resolved; nothing after."""
    rows: list[list[dict[str, str]]] = []
    if status is Status.REFERRED:
        rows.append([button(t(lang, "button.claim"), f"dept:claim:{issue_id}")])
    if status in (Status.REFERRED, Status.IN_PROGRESS):
        rows.append([button(t(lang, "button.resolve"), f"dept:resolve:{issue_id}")])
    return {"inline_keyboard": rows}


def liaison_ping(
    lang: str, issue: Issue, department: Department, *, grid_name: str, category_label: str,
    note: str | None, liaisons: Sequence[tuple[int, str]] = (),
) -> tuple[str, dict[str, Any]]:
    """HTML for the department: what is referred to it, where, the note, and (in its group)
    a mention of each liaison so Telegram notifies them. A resident is never named."""
    lines = [
        t(lang, "refer.ping", number=issue.id, department=html.escape(department.label(lang))),
        t(lang, "refer.ping_what", category=html.escape(category_label),
          grid=html.escape(grid_name), place=html.escape(place_label(lang, issue.place))),
    ]
    text = " ".join(without_hashtag(issue.text).split())
    if text:
        lines.append("📝 " + cut_html(html.escape(text), EXCERPT))
    if note:
        lines.append(t(lang, "refer.ping_note", note=cut_html(html.escape(note), NOTE)))
    if liaisons:
        lines.append(t(lang, "refer.ping_liaisons",
                       mentions=" ".join(mention(uid, name) for uid, name in liaisons)))
    lines.append(t(lang, "refer.ping_how"))
    return "\n".join(lines), liaison_keyboard(lang, issue.id, Status.REFERRED)


def referred(lang: str, issue_id: int, department: Department, reached: bool) -> str:
    """The answer to ``/refer`` (or the menu's choice): done, and whether anyone was told."""
    key = "refer.done" if reached else "refer.done_unreached"
    return t(lang, key, number=issue_id, department=department.label(lang))

