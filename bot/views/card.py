"""The issue card: what the group reads about an issue, and the buttons under it.

Pure: the service gathers the names and counts, this turns them into Telegram HTML and an
inline keyboard (Bot API JSON). The card's source stays under ``CARD_LIMIT`` whatever
people typed, so ``/show`` (which starts with the card) never cuts it and the status line
always shows; the quoted report is cut after escaping, never inside an entity.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from bot.domain.classify import without_hashtag
from bot.domain.issue import Issue
from bot.domain.lifecycle import Action, Actor, IllegalTransition, refusal, transition
from bot.domain.model import Priority, Role, Status
from bot.i18n import t
from bot.views.html_text import cut_html, escape_within, mention, utf16_len
from bot.views.place import place_label

OTHER = "other"  # the category of what the reader could not place (SPEC §2)
PRIORITY_ICON = {Priority.URGENT: "🔴", Priority.PRIORITY: "🟠", Priority.NORMAL: "🟢",
                 Priority.PLANNED: "🔵"}
TEXT_LIMIT = 800  # the card quotes the report; the whole report stays in the event log
CARD_LIMIT = 3800
QUOTE_MIN = 8  # a quote cut shorter than this says nothing: leave it out
# Where each button sits; which of them show is derived from the lifecycle (below).
LAYOUT: tuple[tuple[Action, ...], ...] = (
    (Action.CLAIM,), (Action.RESOLVE,), (Action.ASSIGN, Action.REFER, Action.REJECT),
    (Action.CLOSE, Action.REOPEN),
)
# The card speaks to the heads of the grid: a lead among them may do what any head may.
_LEAD = Actor(user_id=0, roles=frozenset({Role.GRID}))


@dataclass(frozen=True)
class CardFacts:
    """What the card says beyond the issue itself, looked up by the service."""

    grid_name: str
    category_label: str
    assignee_name: str | None
    fell_back: str | None  # "vacant" | "place" | None: why routing went up the chain
    photos: int
    voices: int
    duplicate_of_candidate: int | None = None  # an earlier issue this may repeat (SPEC §3)
    me_too: int = 0  # reports merged into this one


def button(text: str, data: str) -> dict[str, str]:
    assert len(data.encode()) <= 64, data  # Telegram's callback_data limit
    return {"text": text, "callback_data": data}


def buttons_for(status: Status, viewer: Actor = _LEAD) -> list[list[Action]]:
    """The actions a card offers: legal from ``status`` in the lifecycle table and open to
    ``viewer``; claiming comes before resolving, so an unclaimed card offers the claim."""
    def shown(action: Action) -> bool:
        try:
            transition(status, action)
        except IllegalTransition:
            return False
        if action is Action.RESOLVE and shown(Action.CLAIM):
            return False
        # A resolved item awaits the reporter's word: referring it then would skip that.
        if action is Action.REFER and status is Status.RESOLVED:
            return False
        return refusal(viewer, action, status=status) is None

    rows = [[a for a in row if shown(a)] for row in LAYOUT]
    return [row for row in rows if row]


def keyboard(lang: str, issue_id: int, status: Status, viewer: Actor = _LEAD,
             *, fixable: bool = False) -> dict[str, Any]:
    """The lifecycle's buttons; with ``fixable``, ✏️ too, while the issue is unresolved
    (what the reader got wrong can be corrected until the issue is finished)."""
    rows = [
        [button(t(lang, f"button.{a.value}"), f"issue:{a.value}:{issue_id}") for a in row]
        for row in buttons_for(status, viewer)
    ]
    if fixable and status.unresolved:
        rows.append([button(t(lang, "button.fix"), f"issue:fix:{issue_id}")])
    return {"inline_keyboard": rows}


def render_card(
    lang: str, issue: Issue, facts: CardFacts, limit: int = CARD_LIMIT
) -> tuple[str, dict[str, Any]]:
    """The card as the group reads it now: number, category, place, who, state, buttons.

    Its source stays within ``limit`` UTF-16 units: ``CARD_LIMIT`` for a text card, a
    caption's 1,024 for a card that is a photo's caption (the quote gives way first)."""
    lines = [
        f"{PRIORITY_ICON[issue.priority]} "
        f"<b>#{issue.id} {html.escape(facts.category_label)}</b>"
        f" · {t(lang, f'priority.{issue.priority.value}')}",
        t(lang, "card.place", grid=html.escape(facts.grid_name),
          place=html.escape(place_label(lang, issue.place))),
    ]
    if issue.by_resident:
        lines.append(t(lang, "card.reporter_resident"))
    else:
        lines.append(t(lang, "card.reporter", name=html.escape(issue.reporter_name or "")))
    if issue.status is Status.REFERRED and issue.department:
        # Referred (转办): the department holds it until one of its liaisons claims it.
        lines.append(t(lang, "card.referred", department=html.escape(issue.department[:100])))
    elif issue.assignee_user_id is not None:
        # Someone with no role in the grid: a department's liaison who claimed it, or a
        # coordinator.
        role = (t(lang, f"role.{issue.assignee_role.value}") if issue.assignee_role
                else html.escape(issue.department[:100]) if issue.department
                else t(lang, "relay.coordinator"))
        lines.append(t(lang, "card.assignee", role=role, mention=mention(
            issue.assignee_user_id, facts.assignee_name or str(issue.assignee_user_id))))
        if facts.fell_back is not None:
            key = "card.fell_back" if facts.fell_back == "vacant" else "card.fell_back_place"
            lines.append(t(lang, key, wanted=t(lang, f"role.{issue.wanted_role.value}")))
    else:
        lines.append(t(lang, "card.nobody", wanted=t(lang, f"role.{issue.wanted_role.value}")))
    tail: list[str] = []
    attached = [t(lang, f"card.{kind}s", count=count)
                for kind, count in (("photo", facts.photos), ("voice", facts.voices)) if count]
    if attached:
        tail.append("📎 " + " · ".join(attached))
    status_line = t(lang, "card.status", status=t(lang, f"status.{issue.status.value}"))
    if issue.status is Status.REJECTED and issue.reject_reason:
        status_line += " · " + html.escape(issue.reject_reason[:200])
    if issue.place.is_empty() and issue.unresolved:
        tail.append(t(lang, "card.missing_place", number=issue.id))
    if issue.category == OTHER and issue.unresolved:
        tail.append(t(lang, "card.missing_category"))
    if facts.me_too:
        tail.append(t(lang, "card.me_too", count=facts.me_too))
    candidate = facts.duplicate_of_candidate if issue.unresolved else None
    if candidate is not None:
        tail.append(t(lang, "card.duplicate", original=candidate))
    tail.append(status_line)
    # Names and places are short; the quote takes what is left, measured after escaping.
    lines = [cut_html(line, CARD_LIMIT // 10) for line in lines]
    text = without_hashtag(issue.text)
    room = limit - utf16_len("\n".join([*lines, *tail])) - utf16_len("\n📝 ")
    if text and room > QUOTE_MIN:
        lines.append("📝 " + escape_within(text, min(room, TEXT_LIMIT)))
    markup = keyboard(lang, issue.id, issue.status, fixable=True)
    if candidate is not None:
        markup["inline_keyboard"].append([button(t(lang, "button.merge", original=candidate),
                                                 f"issue:merge:{issue.id}:{candidate}")])
    # Only names and reasons far beyond the usual could still overflow a caption.
    return cut_html("\n".join([*lines, *tail]), limit), markup
