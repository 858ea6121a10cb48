"""``decide`` driven by any sequence of actions by any actors (hypothesis state machine).

Whatever happens, the issue's status agrees with the events it produced, times only move
forward, a finished issue has its closing time and an unresolved one has none, and an
action that is refused or makes no sense changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bot.domain.issue import Assignee, Event, Issue, Refused, climbed, decide
from bot.domain.lifecycle import Action, Actor, IllegalTransition
from bot.domain.model import Kind, Place, Priority, ReporterKind, Role, Status

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
REPORTER, ASSIGNEE, GRID_HEAD, UNIT_HEAD, STRANGER, COORDINATOR = 1, 2, 3, 4, 5, 6


def fresh_issue() -> Issue:
    return Issue(
        id=1, grid_key="songhe-1", place=Place("3", "2"), category="clutter",
        kind=Kind.PUBLIC_EVENT, priority=Priority.NORMAL, status=Status.ASSIGNED,
        reporter_kind=ReporterKind.RESIDENT, reporter_user_id=REPORTER, reporter_name=None,
        assignee_user_id=ASSIGNEE, assignee_role=Role.UNIT, wanted_role=Role.UNIT,
        department=None, reject_reason=None, text="楼道堆物", latitude=None, longitude=None,
        source_chat_id=REPORTER, source_message_id=1, source_thread_id=None,
        media_group_id=None, card_chat_id=-100, card_message_id=None, card_thread_id=None,
        created_at=START, updated_at=START, claimed_at=None, resolved_at=None, closed_at=None,
        verified=None, ack_due_at=START + timedelta(hours=24), due_at=None,
    )


def actor(who: int, issue: Issue) -> Actor | None:
    """The person as the issue sees them; None is the bot's own step."""
    if who == 0:
        return None
    roles = {GRID_HEAD: frozenset({Role.GRID}), UNIT_HEAD: frozenset({Role.UNIT}),
             ASSIGNEE: frozenset({Role.UNIT})}.get(who, frozenset())
    return Actor(
        user_id=who, is_coordinator=who == COORDINATOR, roles=roles,
        is_assignee=issue.assignee_user_id == who, is_reporter=issue.reporter_user_id == who,
    )


class IssueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.issue = fresh_issue()
        self.events: list[Event] = []
        self.now = START
        self.history: list[Issue] = [self.issue]

    @rule(
        action=st.sampled_from(list(Action)),
        who=st.sampled_from([0, REPORTER, ASSIGNEE, GRID_HEAD, UNIT_HEAD, STRANGER, COORDINATOR]),
        minutes=st.integers(min_value=0, max_value=60 * 24 * 5),
        to=st.none() | st.sampled_from([Assignee(UNIT_HEAD, Role.UNIT),
                                        Assignee(COORDINATOR, None)]),
        priority=st.none() | st.sampled_from(list(Priority)),
        verified=st.none() | st.booleans(),
        reason=st.none() | st.text(max_size=5),
    )
    def act(self, action: Action, who: int, minutes: int, to: Assignee | None,
            priority: Priority | None, verified: bool | None, reason: str | None) -> None:
        self.now += timedelta(minutes=minutes)
        before = self.issue
        try:
            after, event = decide(
                before, action, self.now, TZ, actor=actor(who, before), to=to,
                priority=priority, verified=verified, reason=reason, department="property",
            )
        except (Refused, IllegalTransition):
            assert self.issue == before  # nothing changed
            return
        assert event.from_status is before.status and event.to_status is after.status
        assert event.type == action.value
        assert event.actor_user_id == (None if who == 0 else who)
        self.issue = after
        self.events.append(event)
        self.history.append(after)

    @invariant()
    def status_agrees_with_the_events(self) -> None:
        status = Status.ASSIGNED
        for event in self.events:
            assert event.from_status is status
            assert event.to_status is not None
            status = event.to_status
        assert self.issue.status is status

    @invariant()
    def times_only_move_forward(self) -> None:
        stamps = [i.updated_at for i in self.history]
        assert stamps == sorted(stamps)
        issue = self.issue
        for moment in (issue.claimed_at, issue.resolved_at, issue.closed_at):
            assert moment is None or START <= moment <= issue.updated_at

    @invariant()
    def finished_means_a_closing_time(self) -> None:
        issue = self.issue
        if issue.status in (Status.CLOSED, Status.REJECTED):
            assert issue.closed_at is not None
        else:
            assert issue.closed_at is None
        if issue.status is Status.RESOLVED:
            assert issue.resolved_at is not None
        if issue.status is Status.REJECTED:
            assert issue.reject_reason is not None
        if issue.status is not Status.CLOSED:
            assert issue.verified is None

    @invariant()
    def only_unclaimed_items_have_an_acknowledge_clock(self) -> None:
        issue = self.issue
        # A referred item waits for the department's claim on the same clock (issue #10).
        if issue.status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED,
                            Status.REJECTED):
            assert issue.ack_due_at is None


IssueMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=25,
                                          deadline=None)
TestIssueMachine = IssueMachine.TestCase


def test_a_resident_may_not_undo_a_rejection() -> None:
    """Hole 2 of issue #7, held in the domain: the reporter's reopen of a rejected issue."""
    rejected, _ = decide(fresh_issue(), Action.REJECT, START, TZ,
                         actor=actor(GRID_HEAD, fresh_issue()), reason="重复事件")
    try:
        decide(rejected, Action.REOPEN, START, TZ, actor=actor(REPORTER, rejected))
    except Refused as refused:
        assert refused.key == "perm.reopen_lead_only"
    else:
        raise AssertionError("a resident reopened a rejected issue")


def test_an_unclaimed_item_climbs_with_a_fresh_window_or_stops_at_the_top() -> None:
    later = START + timedelta(days=2)
    up, event = climbed(fresh_issue(), later, 1, Assignee(GRID_HEAD, Role.GRID))
    assert (up.assignee_user_id, up.assignee_role, up.status) == (GRID_HEAD, Role.GRID,
                                                                  Status.ASSIGNED)
    assert up.ack_due_at == later + timedelta(hours=24)
    assert event.data == {"step": 1, "from": ASSIGNEE, "to": GRID_HEAD}
    top, _ = climbed(up, later, 2, None)
    assert top.assignee_user_id == GRID_HEAD and top.ack_due_at is None
