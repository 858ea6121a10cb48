"""The building map on its own: a tile per known building and unit, clear or not; tones by
open items (0 / 1–2 / 3+ / any overdue); buildings and units in natural order; issues with
no building on a tile of their own; a building's tile counts all of it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Place
from bot.views.building_map import BuildingMap, Tone, building_map, natural_key, tone


@dataclass(frozen=True)
class Count:
    building: str
    unit: str
    open_count: int
    overdue_count: int = 0


def units(view: BuildingMap, building: str) -> list[tuple[str | None, int, int, Tone]]:
    (group,) = [g for g in view.groups if g.building.building == building]
    return [(t.unit, t.open_count, t.overdue_count, t.tone) for t in group.units]


def test_tones() -> None:
    assert tone(0, 0) is Tone.CLEAR
    assert tone(1, 0) is Tone.FEW
    assert tone(2, 0) is Tone.FEW
    assert tone(3, 0) is Tone.MANY
    assert tone(40, 0) is Tone.MANY
    assert tone(1, 1) is Tone.OVERDUE
    assert tone(5, 1) is Tone.OVERDUE
    assert [t.value for t in Tone] == ["overdue", "many", "few", "clear"]


def test_an_empty_grid() -> None:
    view = building_map([], [])
    assert view.groups == () and view.unplaced is None
    assert (view.open_count, view.overdue_count, view.tone) == (0, 0, Tone.CLEAR)


def test_known_places_without_issues_are_clear_tiles() -> None:
    view = building_map([], [Place("2", "1"), Place("2", "2"), Place("4")])
    assert [g.building.building for g in view.groups] == ["2", "4"]
    assert units(view, "2") == [("1", 0, 0, Tone.CLEAR), ("2", 0, 0, Tone.CLEAR)]
    assert units(view, "4") == []
    assert all(g.building.tone is Tone.CLEAR and g.building.unit is None for g in view.groups)


def test_counts_tones_and_the_whole_building() -> None:
    counts = [
        Count("3", "", 1),  # in building 3, no unit given
        Count("3", "1", 2),
        Count("3", "2", 3),
        Count("5", "1", 1, 1),
        Count("", "", 2),  # somewhere in the grid
    ]
    view = building_map(counts, [Place("3", "1"), Place("3", "2"), Place("3", "3")])
    assert units(view, "3") == [
        ("1", 2, 0, Tone.FEW), ("2", 3, 0, Tone.MANY), ("3", 0, 0, Tone.CLEAR),
    ]
    three = view.groups[0].building
    assert (three.building, three.unit, three.open_count, three.tone) == ("3", None, 6, Tone.MANY)
    assert three.place == Place("3")
    # A place with issues is on the map even if nobody listed it.
    assert units(view, "5") == [("1", 1, 1, Tone.OVERDUE)]
    assert view.groups[1].building.tone is Tone.OVERDUE
    assert view.groups[1].units[0].place == Place("5", "1")
    assert view.unplaced is not None
    assert (view.unplaced.building, view.unplaced.unit, view.unplaced.open_count,
            view.unplaced.tone) == ("", None, 2, Tone.FEW)
    assert view.unplaced.place == Place()
    assert (view.open_count, view.overdue_count, view.tone) == (9, 1, Tone.OVERDUE)


def test_natural_order() -> None:
    counts = [Count("10", "", 1), Count("2", "12", 1), Count("2", "3", 1)]
    view = building_map(counts, [Place("1"), Place("3A"), Place("3"), Place("2", "10")])
    assert [g.building.building for g in view.groups] == ["1", "2", "3", "3A", "10"]
    assert [u.unit for u in view.groups[1].units] == ["3", "10", "12"]
    assert sorted(["b", "A", "a1", "a10", "a2"], key=natural_key) == [
        "A", "a1", "a2", "a10", "b",
    ]


def test_storage_rows_fit() -> None:
    """``storage.desk.PlaceCount`` is what the web server hands the view."""
    from storage.desk import PlaceCount

    view = building_map([PlaceCount("1", "1", 1, 0)], [])
    assert units(view, "1") == [("1", 1, 0, Tone.FEW)]
