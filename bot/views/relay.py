"""What a resident and the heads read of each other: relayed messages and their signatures,
the note to a sender past the per-minute cap, and the resident's replies about their issue.

Pure: :class:`~bot.services.residents.ResidentService` decides what is relayed, to whom and
in which language, and writes the outbox; the words are chosen here. A resident's identity
is never in them: the group reads "resident" and the place, never a name.
"""

from __future__ import annotations

from bot.domain.issue import Issue
from bot.domain.model import Role, Status
from bot.i18n import t
from bot.views.place import place_label

# The role a head signs with, nearest the resident first: a unit head who is also grid head
# signs as unit head, since that is who the resident knows.
_NEAREST_FIRST = (Role.UNIT, Role.BUILDING, Role.POLICE, Role.GRID, Role.COMMUNITY)


def role_label(language: str, role: Role | None) -> str:
    """A head's role as a word; ``None`` is a coordinator who holds no role in the grid and
    speaks for the community."""
    return t(language, f"role.{role.value}") if role else t(language, "relay.coordinator")


def status_label(language: str, status: Status) -> str:
    """Where an issue stands, as a word: a resident who answers "fixed?" after it moved on
    is told where it stands now."""
    return t(language, f"status.{status.value}")


def from_head(language: str, issue: Issue, roles: frozenset[Role], text: str) -> str:
    """A head's reply as the resident receives it: signed with a role, never a name."""
    nearest = next((r for r in _NEAREST_FIRST if r in roles), None)
    return t(language, "relay.from_head", role=role_label(language, nearest), number=issue.id,
             text=text)


def from_resident(language: str, issue: Issue, text: str) -> str:
    """The resident's reply as the group reads it: signed "resident" and the place."""
    return t(language, "relay.from_resident", number=issue.id,
             place=place_label(language, issue.place), text=text)


def held_note(language: str, issue_id: int, *, by_resident: bool) -> str:
    """To a sender past the cap: what they sent is kept on the issue but not passed on yet.
    A resident is reassured the heads will see it; heads are pointed to ``/show``."""
    key = "relay.slow_down" if by_resident else "relay.slow_down_head"
    return t(language, key, number=issue_id)
