"""What pressing a button shows the presser: a card's sub-menus (assign: a button per head,
"name · role"; reject: a button per reason), each closed by «back», and the short answers
Telegram shows over the chat (done, what to choose, thanks, a refusal).

Pure: the handler checks the presser's right and changes the issue; the words and the
buttons (Bot API JSON) are chosen here, in the presser's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.lifecycle import Action
from bot.domain.model import Category, Place, Priority
from bot.domain.routing import Head
from bot.errors import UserError
from bot.i18n import t
from bot.views.card import button
from bot.views.place import place_label

# Why an issue is rejected; each is a button, and only these are accepted back.
REJECT_REASONS = ("duplicate", "not_actionable", "out_of_scope")
# Telegram shows at most 200 characters of an answer to a button.
ANSWER_LIMIT = 200

# What the presser is told, and the keyboard that takes the place of the card's buttons.
Menu = tuple[str, dict[str, Any]]


def _menu(lang: str, issue_id: int, prompt: str, rows: list[list[dict[str, str]]]) -> Menu:
    """Every sub-menu ends with «back»: a head who opened it by mistake gets the card's own
    buttons again without changing anything."""
    back = [button(t(lang, "button.back"), f"issue:back:{issue_id}")]
    return t(lang, prompt), {"inline_keyboard": [*rows, back]}


def assign_menu(lang: str, issue_id: int, heads: Sequence[Head], assignee: int | None) -> Menu:
    """A button per head of the grid, named with their role (a person with two roles has
    two); the one who has the issue now is not offered it again."""
    return _menu(lang, issue_id, "menu.assign", [
        [button(f"{head.name} · {t(lang, f'role.{head.role.value}')}",
                f"issue:assignto:{issue_id}:{head.user_id}")]
        for head in heads if head.user_id != assignee
    ])


def reject_menu(lang: str, issue_id: int) -> Menu:
    return _menu(lang, issue_id, "menu.reject", [
        [button(t(lang, f"reject.{reason}"), f"issue:rejectwhy:{issue_id}:{reason}")]
        for reason in REJECT_REASONS
    ])


def reject_reason(language: str, reason: str) -> str:
    """The reason as the issue records it: the card and ``/show`` quote it to everyone, so
    it is worded in the community's language, not the presser's."""
    return t(language, f"reject.{reason}")


def done(lang: str, action: Action, issue_id: int) -> str:
    """The presser's confirmation that ``action`` was done (the card changes for all)."""
    return t(lang, f"done.{action.value}", number=issue_id)


def fix_done(lang: str, issue_id: int) -> str:
    """The presser's confirmation of a fix (the card changes for all)."""
    return t(lang, "done.fix", number=issue_id)


def merge_done(lang: str, issue_id: int, original: int) -> str:
    """The presser's confirmation of a merge (both cards change for all)."""
    return t(lang, "done.merge", number=issue_id, original=original)


def verify_thanks(lang: str, answer: str, issue_id: int) -> str:
    """The reporter's answer to "fixed?" acknowledged, saying what it did to the issue."""
    return t(lang, f"verify.thanks_{answer}", number=issue_id)


def refused(lang: str, error: UserError) -> str:
    """Why a button press was refused, cut to what Telegram shows (it refuses more)."""
    return t(lang, error.key, **error.params)[:ANSWER_LIMIT]


def no_buttons() -> dict[str, Any]:
    """The keyboard of a question answered: none, so it cannot be answered twice."""
    return {"inline_keyboard": []}


def fix_menu(lang: str, issue_id: int) -> Menu:
    """✏️ on the card: which reading to correct."""
    return _menu(lang, issue_id, "menu.fix", [[
        button(t(lang, f"button.fix_{what}"), f"issue:fix{what[0]}:{issue_id}")
        for what in ("category", "place")
    ], [button(t(lang, "button.fix_priority"), f"issue:fixr:{issue_id}")]])


def category_menu(lang: str, issue_id: int, categories: Sequence[Category], current: str) -> Menu:
    """The grid's categories, two a row, the current one marked."""
    choices = [button(("✅ " if c.key == current else "") + c.label(lang),
                      f"issue:setc:{issue_id}:{c.key}") for c in categories]
    return _menu(lang, issue_id, "menu.fix_category",
                 [choices[i:i + 2] for i in range(0, len(choices), 2)])


def place_menu(lang: str, issue_id: int, places: Sequence[Place], current: Place) -> Menu:
    """The buildings and units the roster knows, two a row, the current one marked."""
    choices = [button(("✅ " if p == current else "") + place_label(lang, p),
                      f"issue:setp:{issue_id}:{p.label()}") for p in places]
    return _menu(lang, issue_id, "menu.fix_place",
                 [choices[i:i + 2] for i in range(0, len(choices), 2)])


def priority_menu(lang: str, issue_id: int, current: Priority) -> Menu:
    return _menu(lang, issue_id, "menu.fix_priority", [[
        button(("✅ " if p is current else "") + t(lang, f"priority.{p.value}"),
               f"issue:setr:{issue_id}:{p.value}")
    ] for p in Priority])


def merge_reason(language: str, original_id: int) -> str:
    """Why a merged duplicate is rejected, as the issue records it (community's language)."""
    return t(language, "merge.reason", original=original_id)
