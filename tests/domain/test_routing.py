"""Tests for bot.domain.routing: who gets an issue, fallback and escalation."""

from __future__ import annotations

import pytest

from bot.domain.model import Place, Role
from bot.domain.routing import FALLBACK, Head, Route, escalate, next_up, route

UNIT_32 = Head(1, Role.UNIT, "单元长 3-2", Place("3", "2"))
UNIT_31 = Head(2, Role.UNIT, "单元长 3-1", Place("3", "1"))
BUILDING_3 = Head(3, Role.BUILDING, "楼长 3", Place("3"))
BUILDING_5 = Head(4, Role.BUILDING, "楼长 5", Place("5"))
GRID = Head(5, Role.GRID, "网格长")
POLICE = Head(6, Role.POLICE, "警长")
COMMUNITY = Head(7, Role.COMMUNITY, "社区长")
ROSTER = (UNIT_32, UNIT_31, BUILDING_3, BUILDING_5, GRID, POLICE, COMMUNITY)


def without(*gone: Head) -> list[Head]:
    return [h for h in ROSTER if h not in gone]


def test_fallback_chains() -> None:
    assert FALLBACK == {
        Role.UNIT: (Role.UNIT, Role.BUILDING, Role.GRID, Role.COMMUNITY),
        Role.BUILDING: (Role.BUILDING, Role.GRID, Role.COMMUNITY),
        Role.GRID: (Role.GRID, Role.COMMUNITY),
        Role.POLICE: (Role.POLICE, Role.GRID, Role.COMMUNITY),
        Role.COMMUNITY: (Role.COMMUNITY,),
    }


@pytest.mark.parametrize(
    ("role", "place", "head"),
    [
        (Role.UNIT, Place("3", "2"), UNIT_32),
        (Role.UNIT, Place("3", "1"), UNIT_31),
        (Role.BUILDING, Place("3", "2"), BUILDING_3),
        (Role.BUILDING, Place("5"), BUILDING_5),
        (Role.GRID, Place("3", "2"), GRID),
        (Role.GRID, None, GRID),
        (Role.POLICE, None, POLICE),
        (Role.COMMUNITY, Place("9"), COMMUNITY),
    ],
)
def test_route_finds_the_holder(role: Role, place: Place | None, head: Head) -> None:
    assert route(role, place, ROSTER) == Route(head, role, fell_back=False)


@pytest.mark.parametrize(
    ("role", "place", "heads", "head"),
    [
        # vacant unit head: building head, then grid, then community
        (Role.UNIT, Place("3", "2"), without(UNIT_32), BUILDING_3),
        (Role.UNIT, Place("3", "2"), without(UNIT_32, BUILDING_3), GRID),
        (Role.UNIT, Place("3", "2"), without(UNIT_32, BUILDING_3, GRID), COMMUNITY),
        # unit known only by building, or not at all
        (Role.UNIT, Place("3"), ROSTER, BUILDING_3),
        (Role.UNIT, None, ROSTER, GRID),
        (Role.UNIT, Place("4", "2"), ROSTER, GRID),
        # vacant building head
        (Role.BUILDING, Place("3", "2"), without(BUILDING_3), GRID),
        (Role.BUILDING, Place("3"), without(BUILDING_3, GRID), COMMUNITY),
        (Role.BUILDING, None, ROSTER, GRID),
        # vacant grid head
        (Role.GRID, None, without(GRID), COMMUNITY),
        # vacant police head
        (Role.POLICE, None, without(POLICE), GRID),
        (Role.POLICE, Place("3"), without(POLICE, GRID), COMMUNITY),
    ],
)
def test_route_falls_back(role: Role, place: Place | None, heads: list[Head], head: Head) -> None:
    assert route(role, place, heads) == Route(head, role, fell_back=True)


def test_route_last_resort_is_the_most_senior_head_left() -> None:
    assert route(Role.COMMUNITY, None, [UNIT_32, POLICE]) == Route(
        POLICE, Role.COMMUNITY, fell_back=True
    )
    assert route(Role.UNIT, Place("5", "1"), [UNIT_32, BUILDING_3]).head == BUILDING_3


def test_route_with_an_empty_roster_has_no_head() -> None:
    assert route(Role.UNIT, Place("3", "2"), []) == Route(None, Role.UNIT, fell_back=True)


def test_route_is_deterministic_among_several_holders() -> None:
    second_grid = Head(0, Role.GRID, "副网格长")
    assert route(Role.GRID, None, [GRID, second_grid]).head == second_grid
    assert route(Role.GRID, None, [second_grid, GRID]).head == second_grid


@pytest.mark.parametrize(
    ("current", "wanted", "expected"),
    [
        (Role.UNIT, Role.UNIT, Role.BUILDING),
        (Role.BUILDING, Role.UNIT, Role.GRID),
        (Role.GRID, Role.UNIT, Role.COMMUNITY),
        (Role.COMMUNITY, Role.UNIT, None),
        (Role.POLICE, Role.POLICE, Role.GRID),
        (Role.GRID, Role.POLICE, Role.COMMUNITY),
        (Role.COMMUNITY, Role.COMMUNITY, None),
        (Role.POLICE, Role.UNIT, None),
    ],
)
def test_next_up(current: Role, wanted: Role, expected: Role | None) -> None:
    assert next_up(current, wanted) == expected


def test_escalate_climbs_the_chain() -> None:
    place = Place("3", "2")
    assert escalate(UNIT_32, Role.UNIT, place, ROSTER) == BUILDING_3
    assert escalate(BUILDING_3, Role.UNIT, place, ROSTER) == GRID
    assert escalate(GRID, Role.UNIT, place, ROSTER) == COMMUNITY
    assert escalate(COMMUNITY, Role.UNIT, place, ROSTER) is None
    assert escalate(POLICE, Role.POLICE, None, ROSTER) == GRID


def test_escalate_skips_vacant_rungs() -> None:
    assert escalate(UNIT_32, Role.UNIT, Place("3", "2"), without(BUILDING_3, GRID)) == COMMUNITY
    assert escalate(POLICE, Role.POLICE, None, without(GRID)) == COMMUNITY
    assert escalate(GRID, Role.GRID, None, without(COMMUNITY)) is None


def test_escalate_without_a_current_head_routes_from_the_start() -> None:
    assert escalate(None, Role.UNIT, Place("3", "2"), ROSTER) == UNIT_32
    assert escalate(None, Role.UNIT, Place("3", "2"), []) is None


def test_escalate_from_outside_the_chain_climbs_the_heads_own_chain() -> None:
    assert escalate(POLICE, Role.UNIT, Place("3", "2"), ROSTER) == GRID
    assert escalate(UNIT_32, Role.POLICE, Place("3", "2"), ROSTER) == BUILDING_3


def test_escalate_skips_the_same_person_in_a_higher_role() -> None:
    both = Head(GRID.user_id, Role.COMMUNITY, GRID.name)
    assert escalate(GRID, Role.GRID, None, [GRID, both]) is None
    assert escalate(BUILDING_3, Role.BUILDING, Place("3"), [BUILDING_3, GRID, both]) == GRID
