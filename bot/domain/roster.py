"""The roster of a grid as commands change it (SPEC §6: ``/roster``, ``/sethead``).

A *slot* is one of the five heads' seats: a grid-wide role (community, police, grid), the
building head of one building, or the unit head of one unit. ``/sethead`` puts a person in
a slot or leaves it vacant; the config file fills slots too, at every start.

Which wins (README, "Roster"): a slot changed by command keeps the command's holder across
restarts for as long as the file's entry for that slot stays what it was when the command
was given. Once the file's entry for the slot changes (another person, another name, added
or removed), the file is newer than the command and wins. ``config_entry`` is what is
remembered of the file's entry, ``command_wins`` the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Place, Role, normalize_forms
from bot.domain.routing import Head
from bot.errors import UserError

# The roles as typed: keys as in the config file, and the Chinese names.
ROLE_WORDS: dict[str, Role] = {
    **{role.value: role for role in Role},
    "社区长": Role.COMMUNITY, "警长": Role.POLICE, "网格长": Role.GRID, "楼长": Role.BUILDING,
    "单元长": Role.UNIT,
}
# The last word of ``/sethead ROLE [PLACE] none`` that leaves the slot vacant.
VACATE_WORDS = frozenset({"none", "vacant", "空缺", "无"})
# Roles that answer for a place, and how many parts the place has (building; building-unit).
PLACE_PARTS: dict[Role, int] = {Role.BUILDING: 1, Role.UNIT: 2}
ROLE_ORDER: tuple[Role, ...] = (Role.COMMUNITY, Role.POLICE, Role.GRID, Role.BUILDING, Role.UNIT)


def role_word(token: str) -> Role | None:
    """A role as typed ("unit", "Unit", "单元长"), None if it names none."""
    return ROLE_WORDS.get(normalize_forms(token).strip().casefold())


@dataclass(frozen=True)
class Slot:
    """One seat of the roster: a role and, for building and unit heads, their door."""

    role: Role
    place: Place = Place()

    @classmethod
    def of(cls, head: Head) -> Slot:
        return cls(head.role, head.place)


@dataclass(frozen=True)
class SetHead:
    """What ``/sethead`` was asked: fill ``slot`` (with the replied-to person) or vacate it."""

    slot: Slot
    vacate: bool


def sethead_args(args: Sequence[str]) -> SetHead:
    """``/sethead ROLE [PLACE] [none]``: building heads need a building ("3"), unit heads a
    unit ("3-2"); the grid-wide roles take no place."""
    words = [normalize_forms(w).strip() for w in args]
    vacate = bool(words) and words[-1].casefold() in VACATE_WORDS
    if vacate:
        words.pop()
    role = role_word(words[0]) if words else None
    if role is None or len(words) > 2:
        raise UserError("roster.usage")
    parts = PLACE_PARTS.get(role, 0)
    if parts == 0:
        if len(words) != 1:
            raise UserError("roster.no_place", role=role.value)
        return SetHead(Slot(role), vacate)
    if len(words) != 2:
        raise UserError(f"roster.need_place_{role.value}")
    try:
        place = Place.parse_label(words[1])
    except ValueError:
        place = Place()
    if place.is_empty() or (2 if place.unit else 1) != parts or len(place.label()) > 16:
        raise UserError(f"roster.need_place_{role.value}")
    return SetHead(Slot(role, place), vacate)


def config_entry(head: Head | None) -> str:
    """What is remembered of the file's entry for a slot when a command changes the slot:
    enough to notice any change to it later ("" when the file has none)."""
    return "" if head is None else f"{head.user_id}|{head.name}"


def command_wins(entry_when_changed: str, entry_now: str) -> bool:
    """A change made by command stands until the file's entry for its slot changes."""
    return entry_when_changed == entry_now
