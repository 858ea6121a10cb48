"""Tests for bot.domain.lifecycle: the status table and the permission matrix."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import lifecycle
from bot.domain.lifecycle import (
    Action,
    Actor,
    IllegalTransition,
    allowed,
    refusal_key,
    transition,
)
from bot.domain.model import Role, Status

S, A = Status, Action

LEGAL = {
    (S.OPEN, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.ASSIGN): S.ASSIGNED,
    (S.IN_PROGRESS, A.ASSIGN): S.ASSIGNED,
    (S.REFERRED, A.ASSIGN): S.ASSIGNED,
    (S.OPEN, A.CLAIM): S.IN_PROGRESS,
    (S.ASSIGNED, A.CLAIM): S.IN_PROGRESS,
    (S.REFERRED, A.CLAIM): S.IN_PROGRESS,
    (S.OPEN, A.RESOLVE): S.RESOLVED,
    (S.ASSIGNED, A.RESOLVE): S.RESOLVED,
    (S.IN_PROGRESS, A.RESOLVE): S.RESOLVED,
    (S.REFERRED, A.RESOLVE): S.RESOLVED,
    (S.RESOLVED, A.CLOSE): S.CLOSED,
    (S.OPEN, A.CLOSE): S.CLOSED,
    (S.ASSIGNED, A.CLOSE): S.CLOSED,
    (S.IN_PROGRESS, A.CLOSE): S.CLOSED,
    (S.REFERRED, A.CLOSE): S.CLOSED,
    (S.RESOLVED, A.REOPEN): S.ASSIGNED,
    (S.CLOSED, A.REOPEN): S.ASSIGNED,
    (S.REJECTED, A.REOPEN): S.ASSIGNED,
    (S.OPEN, A.REFER): S.REFERRED,
    (S.ASSIGNED, A.REFER): S.REFERRED,
    (S.IN_PROGRESS, A.REFER): S.REFERRED,
    (S.RESOLVED, A.REFER): S.REFERRED,
    (S.REFERRED, A.REFER): S.REFERRED,
    (S.OPEN, A.REJECT): S.REJECTED,
    (S.ASSIGNED, A.REJECT): S.REJECTED,
    (S.IN_PROGRESS, A.REJECT): S.REJECTED,
    (S.REFERRED, A.REJECT): S.REJECTED,
}


@pytest.mark.parametrize(("move", "after"), LEGAL.items(), ids=str)
def test_every_legal_transition(move: tuple[Status, Action], after: Status) -> None:
    assert transition(*move) is after


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.CLOSED, A.CLAIM),
        (S.CLOSED, A.RESOLVE),
        (S.CLOSED, A.CLOSE),
        (S.CLOSED, A.ASSIGN),
        (S.REJECTED, A.REJECT),
        (S.REJECTED, A.REFER),
        (S.RESOLVED, A.REJECT),
        (S.RESOLVED, A.CLAIM),
        (S.RESOLVED, A.RESOLVE),
        (S.IN_PROGRESS, A.CLAIM),
        (S.OPEN, A.REOPEN),
        (S.IN_PROGRESS, A.REOPEN),
    ],
)
def test_illegal_transitions_raise(status: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(status, action)
    assert caught.value.status is status
    assert caught.value.action is action
    assert status.value in str(caught.value)


@given(st.sampled_from(Status), st.sampled_from(Action))
def test_transition_is_total_over_the_table(status: Status, action: Action) -> None:
    try:
        after = transition(status, action)
    except IllegalTransition:
        assert (status, action) not in LEGAL
    else:
        assert isinstance(after, Status)
        assert LEGAL[status, action] is after


def test_finished_issues_only_reopen() -> None:
    for status in (S.CLOSED, S.REJECTED):
        legal = {a for a in Action if (status, a) in LEGAL}
        assert legal == {A.REOPEN}


COORDINATOR = Actor(1, is_coordinator=True)
STRANGER = Actor(2)
RESIDENT_REPORTER = Actor(3, is_reporter=True)
UNIT_HEAD = Actor(4, roles=frozenset({Role.UNIT}))
ASSIGNEE = Actor(5, roles=frozenset({Role.BUILDING}), is_assignee=True)
POLICE_HEAD = Actor(6, roles=frozenset({Role.POLICE}))
GRID_HEAD = Actor(7, roles=frozenset({Role.GRID}))
COMMUNITY_HEAD = Actor(8, roles=frozenset({Role.COMMUNITY, Role.UNIT}))
HEAD_REPORTER = Actor(9, roles=frozenset({Role.UNIT}), is_reporter=True)

ACTORS = {
    "coordinator": COORDINATOR,
    "stranger": STRANGER,
    "resident_reporter": RESIDENT_REPORTER,
    "unit_head": UNIT_HEAD,
    "assignee": ASSIGNEE,
    "police_head": POLICE_HEAD,
    "grid_head": GRID_HEAD,
    "community_head": COMMUNITY_HEAD,
    "head_reporter": HEAD_REPORTER,
}

# Who may do what (with a resolved issue for CLOSE); everyone else is refused.
MATRIX: dict[Action, set[str]] = {
    A.CLAIM: {
        "coordinator",
        "unit_head",
        "assignee",
        "police_head",
        "grid_head",
        "community_head",
        "head_reporter",
    },
    A.RESOLVE: {"coordinator", "assignee", "grid_head", "community_head"},
    A.ASSIGN: {"coordinator", "grid_head", "community_head"},
    A.REJECT: {"coordinator", "assignee", "grid_head", "community_head"},
    A.REFER: {"coordinator", "assignee", "grid_head", "community_head"},
    A.CLOSE: {
        "coordinator",
        "resident_reporter",
        "grid_head",
        "community_head",
        "head_reporter",
    },
    A.REOPEN: {
        "coordinator",
        "resident_reporter",
        "grid_head",
        "community_head",
        "head_reporter",
    },
}

REFUSAL = {
    A.CLAIM: "perm.not_head",
    A.RESOLVE: "perm.assignee_only",
    A.ASSIGN: "perm.grid_head_only",
    A.REJECT: "perm.assignee_only",
    A.REFER: "perm.assignee_only",
    A.CLOSE: "perm.reporter_only",
    A.REOPEN: "perm.reporter_only",
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("name", list(ACTORS))
def test_permission_matrix(name: str, action: Action) -> None:
    actor = ACTORS[name]
    expected = name in MATRIX[action]
    assert allowed(actor, action) is expected
    assert allowed(actor, action, status=Status.RESOLVED) is expected
    if expected:
        with pytest.raises(ValueError):
            refusal_key(actor, action)
    else:
        assert refusal_key(actor, action) == REFUSAL[action]


@pytest.mark.parametrize("status", [S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.REFERRED])
def test_closing_before_resolution_is_for_coordinators(status: Status) -> None:
    assert allowed(COORDINATOR, A.CLOSE, status=status)
    for actor in (GRID_HEAD, COMMUNITY_HEAD, RESIDENT_REPORTER, ASSIGNEE):
        assert not allowed(actor, A.CLOSE, status=status)
        assert refusal_key(actor, A.CLOSE, status=status) == "perm.coordinator_only"


def test_every_refusal_key_is_documented() -> None:
    assert lifecycle.__doc__ is not None
    for key in {*REFUSAL.values(), "perm.coordinator_only", "perm.reopen_lead_only"}:
        assert f"``{key}``" in lifecycle.__doc__


@pytest.mark.parametrize("status", [S.CLOSED, S.REJECTED])
def test_reopening_what_is_finished_is_for_leads(status: Status) -> None:
    """A reporter's say ends with verification: a rejected or closed report stays so."""
    for actor in (COORDINATOR, GRID_HEAD, COMMUNITY_HEAD):
        assert allowed(actor, A.REOPEN, status=status)
    for actor in (RESIDENT_REPORTER, HEAD_REPORTER, ASSIGNEE):
        assert refusal_key(actor, A.REOPEN, status=status) == "perm.reopen_lead_only"
    assert allowed(RESIDENT_REPORTER, A.REOPEN, status=S.RESOLVED)
