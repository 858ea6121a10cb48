"""What a resident reads while reporting in private, step by step: the grid, place and
category buttons, the next and confirm buttons, and the messages that name the place or sum
the report up before it is sent.

Pure: the handler keeps the draft and asks the services; the words and the buttons (Bot API
JSON, callback data ``rpt:...``) are made here. The step's single-sentence prompts are
catalog entries the handler sends as they are.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from bot.domain.draft import (
    MAX_BYTES,
    MAX_FILES,
    MAX_RESIDENT_BYTES_PER_DAY,
    Draft,
    DraftFile,
)
from bot.domain.model import Category, Place
from bot.i18n import t
from bot.views.card import button
from bot.views.place import place_label

# Places and categories go two to a row: their labels are short, and a long list of single
# buttons would push the question off a phone's screen.
PER_ROW = 2
QUOTE = 500  # characters of the report the confirmation quotes; all of it is submitted


def _rows(buttons: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    return [buttons[i:i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]


def grid_keyboard(grids: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A button per (key, name) of the active grids, one a row: names are long."""
    return {"inline_keyboard": [[button(name, f"rpt:g:{key}")] for key, name in grids]}


def place_keyboard(lang: str, places: Sequence[Place]) -> dict[str, Any]:
    """The places the grid knows, and last "don't know / elsewhere" for any other."""
    rows = _rows([button(place_label(lang, place), f"rpt:p:{place.label()}")
                  for place in places])
    return {"inline_keyboard": [
        *rows, [button(t(lang, "resident.place_unknown"), "rpt:p:-")],
    ]}


def category_keyboard(
    lang: str, categories: Sequence[Category], chosen: str | None
) -> dict[str, Any]:
    """Every category; the one guessed from the report (or chosen before) is marked ✅."""
    return {"inline_keyboard": _rows([
        button(("✅ " if category.key == chosen else "") + category.label(lang),
               f"rpt:c:{category.key}")
        for category in categories
    ])}


def next_keyboard(lang: str) -> dict[str, Any]:
    return {"inline_keyboard": [[button(t(lang, "button.next"), "rpt:next")]]}


def welcome(lang: str, grid_name: str, place: Place) -> str:
    """The greeting of a resident who scanned a poster: its place is already known."""
    return t(lang, "resident.welcome_place", grid=html.escape(grid_name),
             place=place_label(lang, place))


def describe(lang: str, place: Place) -> str:
    """The place as understood, and what to send next."""
    return t(lang, "resident.describe", place=place_label(lang, place))


def media_refusal(lang: str, key: str) -> str:
    """Why a file was not taken (a ``MediaRejected`` key), with the caps it ran into."""
    return t(lang, key, files=MAX_FILES, mb=MAX_BYTES // 1_000_000,
             day_mb=MAX_RESIDENT_BYTES_PER_DAY // 1_000_000)


def _attached(lang: str, files: list[DraftFile]) -> str:
    """The photos and voice messages a report carries, as the card counts them (a kind
    with none is not mentioned; with neither, no line at all)."""
    counts = [(kind, sum(f.kind == kind for f in files)) for kind in ("photo", "voice")]
    shown = [t(lang, f"card.{kind}s", count=n) for kind, n in counts if n]
    return "\n📎 " + " · ".join(shown) if shown else ""


def confirmation(
    lang: str, grid_name: str, category: Category, draft: Draft
) -> tuple[str, dict[str, Any]]:
    """The report summed up (place, category, the start of the text, how many photos and
    voice messages), with submit, change the category, or cancel."""
    files = draft.files
    text = t(
        lang, "resident.confirm", grid=html.escape(grid_name),
        place=place_label(lang, draft.place), category=category.label(lang),
        text=html.escape(draft.text[:QUOTE]) or "—", attached=_attached(lang, files),
    )
    return text, {"inline_keyboard": [
        [button(t(lang, "button.submit"), "rpt:ok")],
        [button(t(lang, "button.change_category"), "rpt:next"),
         button(t(lang, "button.cancel"), "rpt:cancel")],
    ]}
