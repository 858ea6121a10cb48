"""The closed loop (闭环): which status changes exist and who may make them.

Two separate questions, answered separately so a handler can give the right message:
``transition`` says whether an action makes sense in the issue's status (raising
``IllegalTransition``), ``allowed`` says whether the person pressing may do it, and
``refusal_key`` names why not as an i18n catalog key. The keys it returns are:

- ``perm.not_head``: only a head of the grid (or a coordinator) may claim.
- ``perm.assignee_only``: only the assignee, the grid or community head (or a
  coordinator) may resolve, refer or reject.
- ``perm.grid_head_only``: only the grid or community head (or a coordinator) may assign.
- ``perm.reporter_only``: only the reporter, the grid or community head (or a
  coordinator) may close or reopen a resolved issue (the reporter's verification).
- ``perm.reopen_lead_only``: only the grid or community head (or a coordinator) may reopen
  an issue that was closed or rejected. A reporter, resident or head, answers "fixed?"
  while the issue awaits verification and has no say after it: otherwise a resident whose
  report was rejected could bring it back, and ping its head, without end.
- ``perm.coordinator_only``: only a coordinator may close an issue that was never
  resolved (skipping the reporter's verification).

A liaison of the department an issue is referred to (``Actor.is_liaison``) may claim and
resolve it while it is referred, as an assignee head may; claiming makes them the assignee.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import Role, Status


class Action(StrEnum):
    """What a button or command does to an issue; the value goes into the event log."""

    ASSIGN = "assign"
    CLAIM = "claim"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    REFER = "refer"
    REJECT = "reject"


class IllegalTransition(Exception):
    """The action makes no sense in the issue's current status (e.g. claiming a closed one)."""

    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"cannot {action.value} an issue that is {status.value}")
        self.status = status
        self.action = action


_UNRESOLVED = frozenset(s for s in Status if s.unresolved)
_FINISHED = frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED})
_HANDLED = frozenset({Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.REFERRED})

# (from, action) -> to. Reassigning, re-referring and claiming from a department's hands
# are deliberate: the people do these things, the bot must not stand in the way.
_TRANSITIONS: dict[tuple[Status, Action], Status] = {
    **{(s, Action.ASSIGN): Status.ASSIGNED for s in _HANDLED},
    **{
        (s, Action.CLAIM): Status.IN_PROGRESS
        for s in (Status.OPEN, Status.ASSIGNED, Status.REFERRED)
    },
    **{(s, Action.RESOLVE): Status.RESOLVED for s in _HANDLED},
    **{(s, Action.CLOSE): Status.CLOSED for s in _UNRESOLVED},
    **{(s, Action.REOPEN): Status.ASSIGNED for s in _FINISHED},
    **{(s, Action.REFER): Status.REFERRED for s in _UNRESOLVED},
    **{(s, Action.REJECT): Status.REJECTED for s in _HANDLED},
}


def transition(status: Status, action: Action) -> Status:
    """The status after ``action``; ``IllegalTransition`` if the table has no such move."""
    try:
        return _TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(status, action) from None


@dataclass(frozen=True)
class Actor:
    """The person pressing a button, described relative to one issue.

    ``roles`` are their head roles in the issue's grid; the flags are computed by the
    caller, which knows the issue, so this module needs no storage.
    """

    user_id: int
    is_coordinator: bool = False
    roles: frozenset[Role] = frozenset()
    is_assignee: bool = False
    is_reporter: bool = False
    # Acts for the department the issue is referred to (转办): while the issue is referred,
    # a liaison may claim and resolve it as an assignee head may; once claimed they are its
    # assignee. The caller sets it only for the department the issue names.
    is_liaison: bool = False


_LEADS = frozenset({Role.GRID, Role.COMMUNITY})


def refusal(actor: Actor, action: Action, *, status: Status | None = None) -> str | None:
    """The catalog key naming why ``actor`` may not do ``action``, None if they may.

    ``status`` matters for CLOSE and REOPEN: closing before resolution skips verification,
    so only coordinators may; reopening what is closed or rejected is a lead's decision.
    Without a status a resolved issue is assumed.
    """
    if actor.is_coordinator:
        return None
    lead = bool(actor.roles & _LEADS)
    liaison = actor.is_liaison and status in (None, Status.REFERRED)
    if liaison and action in (Action.CLAIM, Action.RESOLVE):
        return None
    if action is Action.CLAIM:
        return None if actor.roles else "perm.not_head"
    if action is Action.ASSIGN:
        return None if lead else "perm.grid_head_only"
    if action in (Action.RESOLVE, Action.REFER, Action.REJECT):
        return None if lead or actor.is_assignee else "perm.assignee_only"
    if action is Action.CLOSE and status not in (None, Status.RESOLVED):
        return "perm.coordinator_only"
    if action is Action.REOPEN and status not in (None, Status.RESOLVED):
        return None if lead else "perm.reopen_lead_only"
    # CLOSE or REOPEN of a resolved issue: the reporter's verification, or a lead's.
    return None if lead or actor.is_reporter else "perm.reporter_only"


def allowed(actor: Actor, action: Action, *, status: Status | None = None) -> bool:
    """Whether ``actor`` may do ``action`` (see ``refusal`` for the rules)."""
    return refusal(actor, action, status=status) is None


def refusal_key(actor: Actor, action: Action, *, status: Status | None = None) -> str:
    """Why ``actor`` may not do ``action``; ``ValueError`` if they may after all."""
    key = refusal(actor, action, status=status)
    if key is None:
        raise ValueError(f"{action.value} is allowed for user {actor.user_id}")
    return key
