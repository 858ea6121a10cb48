"""Who handles an issue: the category names a role, the place picks the person.

A vacant role must never lose an issue, so each role has a fallback chain climbing
towards the community head (SPEC §4), and the same chain drives escalation of items
nobody claimed in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Place, Role


@dataclass(frozen=True)
class Head:
    """One role assignment of one person in a grid; a person with two roles is two Heads.

    ``place`` is the building (building heads) or building-unit (unit heads) they cover;
    the other roles cover the whole grid and leave it empty.
    """

    user_id: int
    role: Role
    name: str
    place: Place = Place()


FALLBACK: dict[Role, tuple[Role, ...]] = {
    Role.UNIT: (Role.UNIT, Role.BUILDING, Role.GRID, Role.COMMUNITY),
    Role.BUILDING: (Role.BUILDING, Role.GRID, Role.COMMUNITY),
    Role.GRID: (Role.GRID, Role.COMMUNITY),
    Role.POLICE: (Role.POLICE, Role.GRID, Role.COMMUNITY),
    Role.COMMUNITY: (Role.COMMUNITY,),
}

# Last resort when a whole chain is vacant: the most senior head of the grid.
_SENIORITY: tuple[Role, ...] = (Role.COMMUNITY, Role.GRID, Role.POLICE, Role.BUILDING, Role.UNIT)


@dataclass(frozen=True)
class Route:
    """The chosen head for a wanted role; ``fell_back`` when it is not that role's holder.

    ``head`` is None only when the grid roster is empty.
    """

    head: Head | None
    wanted: Role
    fell_back: bool


def _covers(head: Head, place: Place | None) -> bool:
    """Whether ``head`` is responsible for ``place`` in its own role.

    Unit and building heads cover only their door, so without a known place they cover
    nothing and the issue falls back to a grid-wide role.
    """
    if head.role is Role.UNIT:
        return place is not None and bool(place.unit) and head.place == place
    if head.role is Role.BUILDING:
        return (
            place is not None and not place.is_empty() and (head.place.building == place.building)
        )
    return True


def _holder(role: Role, place: Place | None, heads: Sequence[Head]) -> Head | None:
    """The holder of ``role`` covering ``place``; the lowest user id, so retries agree."""
    matching = [h for h in heads if h.role is role and _covers(h, place)]
    return min(matching, key=lambda h: h.user_id, default=None)


def route(role: Role, place: Place | None, heads: Sequence[Head]) -> Route:
    """The head who should handle an issue wanting ``role`` at ``place``.

    Walks ``FALLBACK[role]``; if the whole chain is vacant, the most senior head of the
    grid gets it anyway (fell_back), so an issue is never left without a name.
    """
    for rung in FALLBACK[role]:
        head = _holder(rung, place, heads)
        if head is not None:
            return Route(head, role, fell_back=rung is not role)
    anyone = min(heads, key=lambda h: (_SENIORITY.index(h.role), h.user_id), default=None)
    return Route(anyone, role, fell_back=True)


def next_up(current: Role, wanted: Role) -> Role | None:
    """The rung after ``current`` in ``FALLBACK[wanted]``; None at the top or off-chain."""
    chain = FALLBACK[wanted]
    if current not in chain:
        return None
    index = chain.index(current) + 1
    return chain[index] if index < len(chain) else None


def escalate(
    current_head: Head | None, wanted: Role, place: Place | None, heads: Sequence[Head]
) -> Head | None:
    """The next head to ping when ``current_head`` left an item unclaimed.

    The first holder strictly above the current head's role in ``FALLBACK[wanted]``.
    Nobody assigned: the first holder of the whole chain. A head outside that chain
    (reassigned by hand, or a last-resort pick) climbs its own role's chain instead.
    A person holding the next role too is skipped: pinging them again achieves nothing.
    None at the top.
    """
    if current_head is None:
        return route(wanted, place, heads).head
    chain = FALLBACK[wanted]
    if current_head.role not in chain:
        chain = FALLBACK[current_head.role]
    for rung in chain[chain.index(current_head.role) + 1 :]:
        head = _holder(rung, place, [h for h in heads if h.user_id != current_head.user_id])
        if head is not None:
            return head
    return None
