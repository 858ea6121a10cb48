"""The per-grid building map of the coordinators' desk (issue #12), as plain data.

One group per building: a tile for the building as a whole (every unresolved issue in it)
and one per unit; issues placed in the grid as a whole get a tile of their own. Each tile is
toned by what is open there: nothing, one or two, three or more, or anything overdue. The
web pages render it; a tile's ``building``/``unit`` are the filter of the list it links to
(``unit`` None: the whole building; ``building`` "": the issues with no building given).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.domain.model import Place

MANY = 3  # open items from which a tile is "many"


class PlaceCounts(Protocol):
    """A place with unresolved issues (``storage.desk.PlaceCount`` is one)."""

    @property
    def building(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def open_count(self) -> int: ...
    @property
    def overdue_count(self) -> int: ...


class Tone(StrEnum):
    """A tile's colour class, the worst first."""

    OVERDUE = "overdue"  # something open is past due
    MANY = "many"  # three or more open
    FEW = "few"  # one or two open
    CLEAR = "clear"  # nothing open


def tone(open_count: int, overdue_count: int) -> Tone:
    if overdue_count > 0:
        return Tone.OVERDUE
    if open_count >= MANY:
        return Tone.MANY
    if open_count > 0:
        return Tone.FEW
    return Tone.CLEAR


@dataclass(frozen=True)
class Tile:
    """One square of the map: a unit, a whole building, or the grid's unplaced issues."""

    building: str
    unit: str | None  # None: the building as a whole (all its units and none)
    open_count: int
    overdue_count: int
    tone: Tone

    @property
    def place(self) -> Place:
        return Place(self.building, self.unit or "")


@dataclass(frozen=True)
class BuildingGroup:
    """A building: its whole-building tile and its units' tiles, in order."""

    building: Tile
    units: tuple[Tile, ...]


@dataclass(frozen=True)
class BuildingMap:
    groups: tuple[BuildingGroup, ...]
    # Unresolved issues that name no building ("somewhere in the grid"); None when none.
    unplaced: Tile | None
    open_count: int
    overdue_count: int

    @property
    def tone(self) -> Tone:
        return tone(self.open_count, self.overdue_count)


_DIGITS = re.compile(r"(\d+)")


def natural_key(label: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "2" before "10" and "3A" after "3": digit runs compare as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _DIGITS.split(label) if part
    )


def _tile(building: str, unit: str | None, counts: tuple[int, int]) -> Tile:
    return Tile(building, unit, counts[0], counts[1], tone(*counts))


def building_map(counts: Iterable[PlaceCounts], known: Iterable[Place]) -> BuildingMap:
    """The map of a grid from its places' unresolved counts and the places it knows of
    (``storage.desk.known_places``): every known building and unit has a tile, clear or not,
    and so does every place with something open."""
    units: dict[str, dict[str, tuple[int, int]]] = {}
    totals: dict[str, tuple[int, int]] = {}
    unplaced = (0, 0)

    def add(into: dict[str, tuple[int, int]], key: str, n: int, late: int) -> None:
        was = into.get(key, (0, 0))
        into[key] = (was[0] + n, was[1] + late)

    for place in known:
        if place.building:
            units.setdefault(place.building, {})
            totals.setdefault(place.building, (0, 0))
            if place.unit:
                units[place.building].setdefault(place.unit, (0, 0))
    for row in counts:
        n, late = row.open_count, row.overdue_count
        if not row.building:
            unplaced = (unplaced[0] + n, unplaced[1] + late)
            continue
        add(totals, row.building, n, late)
        building_units = units.setdefault(row.building, {})
        if row.unit:
            add(building_units, row.unit, n, late)

    groups = tuple(
        BuildingGroup(
            _tile(building, None, totals[building]),
            tuple(
                _tile(building, unit, units[building][unit])
                for unit in sorted(units[building], key=natural_key)
            ),
        )
        for building in sorted(totals, key=natural_key)
    )
    open_total = sum(t[0] for t in totals.values()) + unplaced[0]
    overdue_total = sum(t[1] for t in totals.values()) + unplaced[1]
    return BuildingMap(
        groups=groups,
        unplaced=_tile("", None, unplaced) if unplaced[0] else None,
        open_count=open_total,
        overdue_count=overdue_total,
    )
