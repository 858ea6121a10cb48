"""Home visits (走访): reading ``/visit PLACE HOUSEHOLDS PEOPLE [note]``.

Like every reader of ``bot.domain.args``, it accepts any text and either returns a valid
visit or raises ``UserError`` naming what to fix; numbers are bounded so that a slip of the
thumb (15660 for 15) cannot swell the community's yearly figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.classify import parse_place
from bot.domain.model import Place, normalize_forms
from bot.errors import UserError

# One visit is a door or a stairwell, not the whole community in one line.
MAX_HOUSEHOLDS = 500
MAX_PEOPLE = 2000
NOTE_MAX = 500
_ECHO = 16


@dataclass(frozen=True)
class VisitArgs:
    place: Place
    households: int
    people: int
    note: str


def _place(word: str) -> Place | None:
    try:
        place = Place.parse_label(word)
    except ValueError:
        place = parse_place(word) or Place()
    return None if place.is_empty() else place


def _count(word: str, high: int) -> int | None:
    text = normalize_forms(word).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if value <= high else None


def visit_args(text: str) -> VisitArgs:
    """The command's whole text (``/visit 3-2 5 12 送去慰问品``): the note keeps its spaces."""
    words = text.split(maxsplit=4)[1:]  # the command itself is the first word
    if len(words) < 3:
        raise UserError("visit.usage")
    place = _place(words[0])
    if place is None:
        raise UserError("visit.bad_place", place=normalize_forms(words[0])[:_ECHO])
    households = _count(words[1], MAX_HOUSEHOLDS)
    people = _count(words[2], MAX_PEOPLE)
    if households is None or households < 1 or people is None:
        raise UserError("visit.bad_numbers", households=MAX_HOUSEHOLDS, people=MAX_PEOPLE)
    note = words[3].strip() if len(words) > 3 else ""
    if len(note) > NOTE_MAX:
        raise UserError("visit.note_too_long", limit=NOTE_MAX)
    return VisitArgs(place, households, people, note)

