"""The issue (诉求/事件) as the domain sees it, and every rule of a change in one place.

Storage turns rows into ``Issue`` at its edge; services hand ``decide`` an issue, an action
and who acts, and store what comes back: the changed issue and the event that says why.
``decide`` is pure (no clock, no database), so its rules are tested by driving it with any
sequence of actions (tests/domain/test_issue_machine.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from bot.domain.deadlines import ACK_WINDOWS, resolution_due
from bot.domain.lifecycle import Action, Actor, refusal, transition
from bot.domain.model import Category, Kind, Place, Priority, ReporterKind, Role, Status


@dataclass(frozen=True)
class Issue:
    """One issue with its place, people, state and clocks; immutable, compared by value."""

    id: int
    grid_key: str
    place: Place
    category: str
    kind: Kind
    priority: Priority
    status: Status
    reporter_kind: ReporterKind
    reporter_user_id: int | None
    reporter_name: str | None
    assignee_user_id: int | None
    assignee_role: Role | None
    wanted_role: Role
    department: str | None
    reject_reason: str | None
    text: str
    latitude: float | None
    longitude: float | None
    source_chat_id: int | None
    source_message_id: int | None
    source_thread_id: int | None
    media_group_id: str | None
    card_chat_id: int | None
    card_message_id: int | None
    card_thread_id: int | None
    created_at: datetime
    updated_at: datetime
    claimed_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    verified: bool | None
    ack_due_at: datetime | None
    due_at: datetime | None

    @property
    def by_resident(self) -> bool:
        return self.reporter_kind is ReporterKind.RESIDENT

    @property
    def unresolved(self) -> bool:
        return self.status.unresolved

    def overdue(self, now: datetime) -> bool:
        """Past its resolution target and still not done (⏰ on lists and agendas)."""
        return self.unresolved and self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class Assignee:
    """Who an action hands the issue to; ``role`` is None for someone holding no role in
    the grid (a coordinator who claims)."""

    user_id: int
    role: Role | None


@dataclass(frozen=True)
class Event:
    """One entry of the append-only log: what happened, who did it, the status change."""

    type: str
    actor_user_id: int | None
    from_status: Status | None
    to_status: Status | None
    data: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """The person may not do this (``key`` names why, as an i18n catalog key)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def decide(
    issue: Issue,
    action: Action,
    now: datetime,
    tz: tzinfo,
    *,
    actor: Actor | None = None,
    by: int | None = None,
    to: Assignee | None = None,
    reason: str | None = None,
    department: str | None = None,
    priority: Priority | None = None,
    verified: bool | None = None,
) -> tuple[Issue, Event]:
    """The issue after ``action`` and its event.

    ``actor`` is the person whose right is checked; without one the step is the bot's own
    (auto-close, escalation) or a right settled elsewhere (the reporter's answer to
    "fixed?"), and ``by`` names who the event is from. Raises ``Refused`` when the actor
    may not, ``IllegalTransition`` when the status has    no such move; either way nothing changed.
    """
    if actor is not None:
        key = refusal(actor, action, status=issue.status)
        if key is not None:
            raise Refused(key)
    status = transition(issue.status, action)
    data: dict[str, Any] = {}
    changes: dict[str, Any] = {"status": status, "updated_at": now}
    if to is not None:
        changes.update(assignee_user_id=to.user_id, assignee_role=to.role)
        data["to"] = to.user_id
    # The acknowledge clock runs while nobody has claimed the item (SPEC §4).
    window = ACK_WINDOWS[priority or issue.priority]
    # A referred item waits for the department to claim it, on the same clock (SPEC §4).
    changes["ack_due_at"] = (now + window if action in (Action.ASSIGN, Action.REOPEN, Action.REFER)
                             else None)
    if priority is not None:
        changes["priority"] = priority
        changes["due_at"] = resolution_due(issue.created_at, priority, tz)
    if action is Action.CLAIM:
        changes["claimed_at"] = now
    elif action is Action.RESOLVE:
        changes["resolved_at"] = now
    elif action is Action.CLOSE:
        changes.update(closed_at=now, verified=verified)
        if verified is not None:
            data["verified"] = verified
    elif action is Action.REOPEN:
        changes.update(resolved_at=None, closed_at=None, verified=None)
    elif action is Action.REJECT:
        changes.update(reject_reason=reason or "", closed_at=now)
        data["reason"] = reason or ""
    elif action is Action.REFER:
        changes["department"] = department or ""
        data["department"] = department or ""
    if reason and action is not Action.REJECT:
        data["note"] = reason
    who = by if by is not None else actor.user_id if actor is not None else None
    event = Event(action.value, who, issue.status, status, data)
    return replace(issue, **changes), event


def climbed(issue: Issue, now: datetime, step: int, to: Assignee | None) -> tuple[Issue, Event]:
    """An unclaimed item whose acknowledge window passed goes one rung up the chain (SPEC §4):
    to the next head, with a fresh window; at the top of the chain, with nobody left to
    ping, the clock stops and the item stays where it is."""
    changes: dict[str, Any] = {"updated_at": now, "ack_due_at": None}
    if to is not None:
        changes.update(status=Status.ASSIGNED, assignee_user_id=to.user_id,
                       assignee_role=to.role, ack_due_at=now + ACK_WINDOWS[issue.priority])
    after = replace(issue, **changes)
    event = Event("escalated", None, issue.status, after.status,
                  {"step": step, "from": issue.assignee_user_id,
                   "to": to.user_id if to else None})
    return after, event


# Fixing what the reader got wrong is for the heads of the grid and coordinators.
FIX_REFUSAL = "perm.not_head"


def fixed(
    issue: Issue,
    now: datetime,
    tz: tzinfo,
    *,
    actor: Actor,
    category: Category | None = None,
    place: Place | None = None,
    priority: Priority | None = None,
    to: Assignee | None = None,
) -> tuple[Issue, Event]:
    """A head corrects what was misread: category (and so kind and the role wanted), place,
    or priority (and so both clocks); ``to`` is who the corrected reading routes to, for an
    item nobody has claimed yet. Raises ``Refused`` for someone who may not, or when the
    issue is finished or nothing would change."""
    # The reporter may say where it is, once, when the report did not.
    tells_place = (actor.is_reporter and issue.place.is_empty() and place is not None
                   and category is None and priority is None)
    if not actor.is_coordinator and not actor.roles and not tells_place:
        raise Refused(FIX_REFUSAL)
    if not issue.unresolved:
        raise Refused("fix.finished")
    changes: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if category is not None and category.key != issue.category:
        changes.update(category=category.key, kind=category.kind, wanted_role=category.role)
        data["category"] = [issue.category, category.key]
    if place is not None and place != issue.place:
        changes["place"] = place
        data["place"] = [issue.place.label(), place.label()]
    if priority is not None and priority is not issue.priority:
        changes.update(priority=priority, due_at=resolution_due(issue.created_at, priority, tz))
        if issue.ack_due_at is not None:
            changes["ack_due_at"] = now + ACK_WINDOWS[priority]
        data["priority"] = [issue.priority.value, priority.value]
    if not changes:
        raise Refused("fix.unchanged")
    unclaimed = issue.status in (Status.OPEN, Status.ASSIGNED)
    if to is not None and unclaimed and to.user_id != issue.assignee_user_id:
        changes.update(status=Status.ASSIGNED, assignee_user_id=to.user_id,
                       assignee_role=to.role, ack_due_at=now + ACK_WINDOWS[
                           changes.get("priority", issue.priority)])
        data["to"] = to.user_id
    after = replace(issue, updated_at=now, **changes)
    return after, Event("fixed", actor.user_id, issue.status, after.status, data)


def me_too_raised(issue: Issue, now: datetime, tz: tzinfo, count: int) -> tuple[Issue, Event]:
    """Enough reports were merged into an unresolved issue ("me too", SPEC §3): its priority
    goes one rung up, and so do both clocks; an urgent issue stays as it is (None changes)."""
    priority = issue.priority.raised()
    changes: dict[str, Any] = {"updated_at": now}
    if issue.unresolved and priority is not issue.priority:
        changes.update(priority=priority, due_at=resolution_due(issue.created_at, priority, tz))
        if issue.ack_due_at is not None:
            changes["ack_due_at"] = now + ACK_WINDOWS[priority]
    after = replace(issue, **changes)
    return after, Event("me_too_raised", None, issue.status, issue.status,
                        {"count": count, "priority": [issue.priority.value,
                                                      after.priority.value]})
