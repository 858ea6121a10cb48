"""The roster as people read it (``/roster``): each seat of the five heads with its holder or
"vacant", then the latest changes with who made them and when; and the answers to
``/sethead``. The roster is HTML (names escaped), the answers plain text."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Place, Role
from bot.domain.roster import Slot
from bot.domain.routing import Head
from bot.i18n import t
from bot.views.html_text import split_message
from bot.views.place import place_label

NAME = 40  # a name longer than this says no more on a list


@dataclass(frozen=True)
class RosterChange:
    """One logged change, named already: when (local "MM-DD HH:MM"), by whom (None: the
    config file), the seat and its new holder (None: vacant)."""

    at: str
    by: str | None
    slot: Slot
    holder: str | None


def _place(lang: str, place: Place) -> str:
    return t(lang, "roster.place", place=place_label(lang, place)) if place.building else ""


def _role(lang: str, role: Role) -> str:
    return t(lang, f"role.{role.value}")


def _names(heads: Sequence[Head] | Sequence[str]) -> str:
    return "、".join((h.name if isinstance(h, Head) else h)[:NAME] for h in heads)


def roster_text(
    lang: str, grid_name: str, seats: Sequence[tuple[Slot, Sequence[Head]]],
    changes: Sequence[RosterChange] = (),
) -> list[str]:
    """Messages under Telegram's limit: the seats in the roles' order, then the changes."""
    lines = [t(lang, "roster.header", grid=html.escape(grid_name))]
    for slot, heads in seats:
        lines.append(t(lang, "roster.line", role=_role(lang, slot.role),
                       place=_place(lang, slot.place),
                       who=html.escape(_names(heads)) if heads
                       else t(lang, "roster.vacant")))
    if changes:
        lines.append("")
        lines.append(t(lang, "roster.changes"))
        for change in changes:
            lines.append(t(lang, "roster.change", at=change.at,
                           who=html.escape((change.by or t(lang, "roster.by_config"))[:NAME]),
                           role=_role(lang, change.slot.role),
                           place=_place(lang, change.slot.place),
                           holder=html.escape((change.holder or t(lang, "roster.vacant"))[:NAME])))
    return split_message(lines)


def head_set(lang: str, slot: Slot, name: str | None, before: Sequence[str]) -> str:
    """The answer to ``/sethead``: who holds the seat now (None: vacant), and who did."""
    params = {"role": _role(lang, slot.role), "place": _place(lang, slot.place),
              "before": _names(before) if before else t(lang, "roster.vacant")}
    if name is None:
        return t(lang, "roster.vacated", **params)
    return t(lang, "roster.set_replaced" if before else "roster.set", name=name[:NAME], **params)
