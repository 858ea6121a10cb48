"""A hypothesis state machine that drives the real services, not only the pure lifecycle.

``tests/domain/test_lifecycle.py`` checks the transition table and the permission function
on their own; what it cannot see is whether the services *use* them everywhere: the
``act`` path, the resident's verification (which applies its reopen without ``act``), the
bot's own steps (auto-close, escalation), the relays, intake and its idempotency. Here a
``RuleBasedStateMachine`` lets any actor do anything to any issue number (existing or
not) against ``Services`` on a real SQLite file and a ``FakeClock``, and after every step
the database itself is read with ``sqlite3`` and checked against rules written in this
file, independently of ``bot.domain.lifecycle``:

- only ``UserError`` ever escapes a service call, and a refused call changes nothing;
- who may do what (the oracle in ``_may_act``) and which moves exist (``LEGAL``): an
  action the rules forbid is refused, one they allow succeeds with the expected status;
- the stored status is the ``to_status`` of the issue's last status-changing event;
- issue numbers only grow and never repeat;
- a resident receives only their own issues, and their identity never reaches a group;
- time only moves forward, and ``closed_at``/``resolved_at`` agree with the status.

Telegram is not involved: the services only write to the database and the outbox table.
Each machine owns a private event loop (pytest-asyncio is in auto mode, so the test stays a
plain synchronous one) and a fresh database in a temporary directory.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from bot.clock import FakeClock, iso
from bot.config import load_config
from bot.domain.lifecycle import Action
from bot.domain.model import DEFAULT_CATEGORIES, Place
from bot.errors import UserError
from bot.services.hub import Services
from bot.services.issues import IncomingMedia, Report
from bot.services.residents import Relay
from tests.conftest import TEST_START, TOKEN

T = TypeVar("T")

# --- the cast -----------------------------------------------------------------------------
# Ids are long and distinctive so that "the resident's id appears in a group message" is
# a substring test that cannot match a timestamp or a message id by accident.

COORDINATOR = 100
GRID_A, GRID_B = "grid-a", "grid-b"
CHAT = {GRID_A: -1001000000101, GRID_B: -1001000000202}
UNBOUND_CHAT = -1009999999999
ROLES = ("community", "police", "grid", "building", "unit")
HEAD_PLACE = {"building": "3", "unit": "3-2"}
HEADS: dict[str, dict[str, int]] = {
    GRID_A: {role: 311000001 + i for i, role in enumerate(ROLES)},
    GRID_B: {role: 322000001 + i for i, role in enumerate(ROLES)},
}
ALL_HEADS = tuple(uid for grid in HEADS.values() for uid in grid.values())
RESIDENTS: dict[int, tuple[str, str]] = {  # id -> (name, username)
    777000111: ("居民老王", "laowang_1956"),
    777000222: ("居民小李", "xiaoli_resident"),
}
STRANGER = 888000333
ACTORS = (COORDINATOR, *ALL_HEADS, *RESIDENTS, STRANGER)
GROUP_POSTERS = (COORDINATOR, *ALL_HEADS, STRANGER)

VERIFY_DAYS = 3
MAX_PER_HOUR, MAX_PER_DAY = 3, 10
VERIFY_ANSWERS = ("fixed", "partly", "no", "unsure")  # as in bot.views.notices

GROUP_TEXTS = (
    "",
    "#随手拍 3-2 楼道堆满杂物",
    "3号楼 电动车堵住消防通道",
    "#report 5-1 暖气不热",
    "#report 路灯坏了",
    "吵架 噪音 3-2",
)
RELAY_TEXTS = ("修好了吗？", "still broken", "谢谢")
PLACES = (Place(), Place("3"), Place("3", "2"), Place("5", "1"))
CATEGORY_KEYS = tuple(c.key for c in DEFAULT_CATEGORIES)
CLOCK_STEPS = (
    timedelta(minutes=7), timedelta(minutes=50), timedelta(hours=5), timedelta(days=1),
    timedelta(days=4),
)

# --- the rules, written from SPEC §2/§4 and the brief, not imported from the domain ------

HANDLED = frozenset({"open", "assigned", "in_progress", "referred"})
UNRESOLVED = frozenset({"open", "assigned", "in_progress", "resolved", "referred"})
FINISHED = frozenset({"resolved", "closed", "rejected"})

# (action, from status) -> to status; anything missing is an illegal move.
LEGAL: dict[tuple[str, str], str] = {
    **{("assign", s): "assigned" for s in HANDLED},
    **{("claim", s): "in_progress" for s in ("open", "assigned", "referred")},
    **{("resolve", s): "resolved" for s in HANDLED},
    **{("close", s): "closed" for s in UNRESOLVED},
    **{("reopen", s): "assigned" for s in FINISHED},
    **{("refer", s): "referred" for s in UNRESOLVED},
    **{("reject", s): "rejected" for s in HANDLED},
}


def _leads(grid: str) -> frozenset[int]:
    return frozenset({HEADS[grid]["grid"], HEADS[grid]["community"]})


def _may_act(user: int, action: str, issue: dict[str, Any]) -> bool:
    """Whether ``user`` has the right to ``action`` on ``issue`` (its stored row).

    Coordinators may do everything. Heads of another grid have no rights here, residents
    only as the reporter. The status matters for close and reopen only.
    """
    if user == COORDINATOR:
        return True
    grid, status = issue["grid_key"], issue["status"]
    lead = user in _leads(grid)
    if action == "claim":
        return user in HEADS[grid].values()
    if action == "assign":
        return lead
    if action in ("resolve", "refer", "reject"):
        return lead or user == issue["assignee_user_id"]
    reporter = user == issue["reporter_user_id"]
    if action == "close":
        # Closing before resolution skips the reporter's verification: coordinators only.
        return status == "resolved" and (reporter or lead)
    if action == "reopen":
        if status == "resolved":
            return reporter or lead
        # A closed or rejected issue is reopened by the grid's leads (or a coordinator),
        # never by its reporter alone.
        return lead
    raise AssertionError(action)


@dataclass(frozen=True)
class GroupMessage:
    chat_id: int
    message_id: int
    user_id: int
    issue_id: int
    album: str | None


def _config_text(root: Path) -> str:
    lines = [
        "[telegram]", f'token = "{TOKEN}"',
        "[storage]", f'database = "{root / "fiveheads.sqlite3"}"',
        f'media_dir = "{root / "media"}"',
        "[bot]", 'language = "zh"', 'timezone = "Asia/Shanghai"',
        f"coordinators = [{COORDINATOR}]",
        "[residents]", f"max_per_hour = {MAX_PER_HOUR}", f"max_per_day = {MAX_PER_DAY}",
        f"verify_days = {VERIFY_DAYS}",
    ]
    for grid, heads in HEADS.items():
        lines += ["[[grids]]", f'key = "{grid}"', f'name = "{grid} 网格"',
                  f"chat_id = {CHAT[grid]}"]
        for role, user_id in heads.items():
            lines += ["[[grids.heads]]", f'role = "{role}"', f"user_id = {user_id}",
                      f'name = "{role}-{grid}"']
            if role in HEAD_PLACE:
                lines.append(f'place = "{HEAD_PLACE[role]}"')
    return "\n".join(lines) + "\n"


class ServiceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="fiveheads-sm-"))
        config_path = self.root / "config.toml"
        config_path.write_text(_config_text(self.root), encoding="utf-8")
        self.config = load_config(config_path, environ={})
        self.clock = FakeClock(TEST_START)
        self.loop = asyncio.new_event_loop()
        self.services = Services.create(self.config, self.clock)
        self.run(self.services.initialize())
        self.run(self._meet_everyone())
        self.db = sqlite3.connect(self.config.database)
        self.db.row_factory = sqlite3.Row
        self.known: set[int] = set()  # every issue number handed out, in any way
        self.group_messages: list[GroupMessage] = []
        self.submissions: list[tuple[int, int, int]] = []  # (resident, message_id, issue)
        self.next_message = 1000
        self.next_album = 0
        self.last_event_at = ""
        self.updated_at: dict[int, str] = {}

    async def _meet_everyone(self) -> None:
        """Everyone has started the bot, so pings and notices really go to the outbox."""
        roster = self.services.roster
        for user_id in (COORDINATOR, *ALL_HEADS, STRANGER):
            await roster.seen(user_id, f"user{user_id}", None, "zh", started_bot=True)
        for language, (user_id, (name, username)) in zip(("zh", "en"), RESIDENTS.items(),
                                                         strict=True):
            await roster.seen(user_id, name, username, language, started_bot=True)

    def teardown(self) -> None:
        try:
            self.db.close()
            self.run(self.services.shutdown())
        finally:
            self.loop.close()
            shutil.rmtree(self.root, ignore_errors=True)

    # --- plumbing -------------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def attempt(self, call: Callable[[], Coroutine[Any, Any, T]]) -> T | UserError:
        """Only a UserError (a refusal) may escape; anything else fails the test."""
        try:
            return self.run(call())
        except UserError as refused:
            return refused

    def message_id(self) -> int:
        self.next_message += 1
        return self.next_message

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, params))

    def issue(self, issue_id: int) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM issues WHERE id = ?", (issue_id,))
        return dict(rows[0]) if rows else None

    def count(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return int(self.query(sql, params)[0][0])

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a service call could change."""
        return (
            [tuple(r) for r in self.query("SELECT * FROM issues ORDER BY id")],
            self.count("SELECT COUNT(*) FROM events"),
            [tuple(r) for r in self.query(
                "SELECT id, kind, chat_id, method, payload, issue_id, rev FROM outbox ORDER BY id"
            )],
            self.count("SELECT COUNT(*) FROM issue_messages"),
            self.count("SELECT COUNT(*) FROM media"),
            self.count("SELECT COUNT(*) FROM escalations"),
        )

    def refused_cleanly(self, before: tuple[Any, ...], outcome: UserError, what: str) -> None:
        assert self.snapshot() == before, f"refused {what} ({outcome.key}) changed the database"

    def pick_issue(self, data: st.DataObject, prefer: frozenset[str] = frozenset()) -> int:
        """Mostly an existing issue (often one in a ``prefer`` status, so that the rarer
        paths run); sometimes a number that does not exist (yet)."""
        top = max(self.known, default=0)
        candidates = sorted(self.known) or [1]
        preferred = [int(r["id"]) for r in self.query("SELECT id, status FROM issues")
                     if r["status"] in prefer] or candidates
        return data.draw(st.one_of(
            st.sampled_from(candidates), st.sampled_from(candidates),
            st.sampled_from(preferred), st.sampled_from(preferred),
            st.sampled_from((0, -1, top + 1, 10**6)),
        ), label="issue")

    def pick_actor(self, data: st.DataObject, issue: dict[str, Any] | None) -> int:
        """Anyone, but half the time someone the issue is about, so allowed paths run too."""
        who = data.draw(st.one_of(
            st.sampled_from(("reporter", "assignee", "lead", "head")), st.sampled_from(ACTORS),
        ), label="actor")
        if isinstance(who, int):
            return who
        if issue is None:
            return STRANGER
        if who in ("lead", "head"):
            pool = _leads(issue["grid_key"]) if who == "lead" else HEADS[issue["grid_key"]].values()
            return data.draw(st.sampled_from(sorted(pool)), label=who)
        user = issue["reporter_user_id" if who == "reporter" else "assignee_user_id"]
        return int(user) if user is not None else STRANGER

    def new_issue(self, issue_id: int) -> None:
        assert issue_id not in self.known, f"issue number #{issue_id} was handed out twice"
        assert issue_id > max(self.known, default=0), (
            f"issue number #{issue_id} is not above the last one ({max(self.known)})"
        )
        self.known.add(issue_id)

    def outbox_since(self, before_id: int) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM outbox WHERE id > ? ORDER BY id", (before_id,))

    def outbox_payloads(self) -> dict[int, str]:
        return {int(r["id"]): str(r["payload"])
                for r in self.query("SELECT id, payload FROM outbox")}

    def outbox_changed(self, before: dict[int, str]) -> set[tuple[int, int | None]]:
        """(chat, issue) of every outbox row added or rewritten since ``before`` (texts that
        wait in the outbox may take another line instead of a row of their own)."""
        return {(int(r["chat_id"]), r["issue_id"]) for r in self.query(
            "SELECT id, chat_id, issue_id, payload FROM outbox ORDER BY id")
            if before.get(int(r["id"])) != r["payload"]}

    def last_outbox_id(self) -> int:
        return self.count("SELECT COALESCE(MAX(id), 0) FROM outbox")

    def last_event(self, issue_id: int) -> sqlite3.Row:
        return self.query(
            "SELECT * FROM events WHERE issue_id = ? ORDER BY id DESC LIMIT 1", (issue_id,)
        )[0]

    # --- intake ---------------------------------------------------------------------------

    @initialize(seeds=st.lists(st.tuples(
        st.sampled_from((None, *RESIDENTS)), st.sampled_from((GRID_A, GRID_B)),
        st.sampled_from(GROUP_TEXTS[1:]), st.sampled_from(CATEGORY_KEYS),
        st.sampled_from(PLACES)), min_size=2, max_size=5))
    def seed_issues(self, seeds: list[tuple[int | None, str, str, str, Place]]) -> None:
        """A few issues to start from, so the steps act on something (same checks)."""
        for index, (resident, grid, text, category, place) in enumerate(seeds):
            if resident is None:
                poster = HEADS[grid][ROLES[index % len(ROLES)]]
                self.group_report(poster, CHAT[grid], text, photo=True, album=False)
            else:
                self.resident_report(resident, grid, place, category, text)

    @rule(
        user=st.sampled_from(GROUP_POSTERS),
        chat=st.sampled_from((CHAT[GRID_A], CHAT[GRID_B], UNBOUND_CHAT)),
        text=st.sampled_from(GROUP_TEXTS),
        photo=st.booleans(),
        album=st.booleans(),
    )
    def report_in_group(self, user: int, chat: int, text: str, photo: bool, album: bool) -> None:
        """A snap-and-report in a group (an album's first photo defers its card)."""
        self.group_report(user, chat, text, photo, album)

    def group_report(self, user: int, chat: int, text: str, photo: bool, album: bool) -> None:
        message_id = self.message_id()
        album_id: str | None = None
        if album:
            self.next_album += 1
            album_id, photo = f"album-{self.next_album}", True
        if not photo and not text:
            text = "#随手拍"
        media = (IncomingMedia("photo", f"file-{message_id}", f"uniq-{message_id}", 1000),
                 ) if photo else ()
        report = Report(
            chat_id=chat, message_id=message_id, user_id=user, user_name=f"user{user}",
            text=text, media_group_id=album_id, media=media,
            via="photo" if photo else "hashtag",
        )
        before = self.snapshot()
        outcome = self.attempt(lambda: self.services.issues.report(report,
                                                                   defer_card=album))
        if chat == UNBOUND_CHAT:
            assert isinstance(outcome, UserError), "a report in an unbound chat made an issue"
            self.refused_cleanly(before, outcome, "report in an unbound chat")
            return
        assert not isinstance(outcome, UserError), f"group report refused: {outcome.key}"
        assert outcome.created
        self.new_issue(outcome.issue_id)
        row = self.issue(outcome.issue_id)
        assert row is not None
        grid = next(g for g, c in CHAT.items() if c == chat)
        assert (row["grid_key"], row["reporter_kind"], row["reporter_user_id"],
                row["card_chat_id"]) == (grid, "head", user, chat)
        assert row["status"] in ("open", "assigned")
        assert row["assignee_user_id"] in HEADS[grid].values(), "routed outside the grid"
        self.group_messages.append(GroupMessage(chat, message_id, user, outcome.issue_id,
                                                album_id))

    @precondition(lambda self: bool(self.group_messages))
    @rule(data=st.data())
    def redeliver_group_report(self, data: st.DataObject) -> None:
        """The same Telegram message again (a redelivered update) makes no second issue."""
        m = data.draw(st.sampled_from(self.group_messages), label="message")
        before = self.snapshot()
        outcome = self.attempt(lambda: self.services.issues.report(Report(
            chat_id=m.chat_id, message_id=m.message_id, user_id=m.user_id,
            user_name=f"user{m.user_id}", text="#report again", media_group_id=m.album,
        )))
        assert not isinstance(outcome, UserError), f"redelivery refused: {outcome.key}"
        assert (outcome.issue_id, outcome.created) == (m.issue_id, False)
        assert self.snapshot() == before, "a redelivered report changed the database"

    @precondition(lambda self: any(m.album for m in self.group_messages))
    @rule(data=st.data(), text=st.sampled_from(GROUP_TEXTS))
    def album_photo(self, data: st.DataObject, text: str) -> None:
        """A further photo of an album joins its issue (its caption may be read late)."""
        albums = [m for m in self.group_messages if m.album]
        first = data.draw(st.sampled_from(albums), label="album")
        message_id = self.message_id()
        outcome = self.attempt(lambda: self.services.issues.report(Report(
            chat_id=first.chat_id, message_id=message_id, user_id=first.user_id,
            user_name=f"user{first.user_id}", text=text, media_group_id=first.album,
            media=(IncomingMedia("photo", f"file-{message_id}", f"uniq-{message_id}"),),
        ), defer_card=True))
        assert not isinstance(outcome, UserError), f"album photo refused: {outcome.key}"
        assert (outcome.issue_id, outcome.created) == (first.issue_id, False)

    @precondition(lambda self: any(m.album for m in self.group_messages))
    @rule(data=st.data())
    def album_quiet(self, data: st.DataObject) -> None:
        """The album's quiet period ends: its one card is asked for (at most once)."""
        albums = [m for m in self.group_messages if m.album]
        first = data.draw(st.sampled_from(albums), label="album")
        self.run(self.services.issues.release_card(first.issue_id))
        cards = self.count("SELECT COUNT(*) FROM outbox WHERE issue_id = ? AND kind = 'card'",
                           (first.issue_id,))
        assert cards == 1, f"album #{first.issue_id} has {cards} card rows"

    @rule(
        resident=st.sampled_from(tuple(RESIDENTS)),
        grid=st.sampled_from((GRID_A, GRID_A, GRID_B, "nowhere")),
        place=st.sampled_from(PLACES),
        category=st.sampled_from(CATEGORY_KEYS),
        text=st.sampled_from(("", "楼道堆满杂物", "no heating since yesterday")),
    )
    def resident_submits(
        self, resident: int, grid: str, place: Place, category: str, text: str
    ) -> None:
        """A resident confirms a private report; the per-hour and per-day limits hold."""
        self.resident_report(resident, grid, place, category, text)

    def resident_report(
        self, resident: int, grid: str, place: Place, category: str, text: str
    ) -> None:
        now = self.clock.now()
        in_hour, in_day = (self.count(
            """SELECT COUNT(*) FROM issues WHERE reporter_user_id = ?
                 AND reporter_kind = 'resident' AND created_at > ?""",
            (resident, iso(now - window)),
        ) for window in (timedelta(hours=1), timedelta(days=1)))
        expect_ok = grid in HEADS and in_hour < MAX_PER_HOUR and in_day < MAX_PER_DAY
        message_id = self.message_id()
        before = self.snapshot()
        outcome = self.attempt(lambda: self.services.residents.submit(
            user_id=resident, chat_id=resident, message_id=message_id, grid_key=grid,
            place=place, category=category, text=text, media=(), latitude=None,
            longitude=None,
        ))
        what = f"resident {resident} report in {grid} ({in_hour}/h, {in_day}/day)"
        if isinstance(outcome, UserError):
            self.refused_cleanly(before, outcome, what)
            assert not expect_ok, f"{what} was refused: {outcome.key}"
            return
        assert expect_ok, f"{what} was accepted as #{outcome}"
        self.new_issue(outcome)
        row = self.issue(outcome)
        assert row is not None
        assert (row["grid_key"], row["reporter_kind"], row["reporter_user_id"],
                row["card_chat_id"], row["category"]) == (
                    grid, "resident", resident, CHAT[grid], category)
        assert row["reporter_name"] is None, "a resident's name was stored on the issue"
        self.submissions.append((resident, message_id, outcome))

    @precondition(lambda self: bool(self.submissions))
    @rule(data=st.data())
    def resident_confirms_twice(self, data: st.DataObject) -> None:
        """The confirm button pressed again: the same issue, nothing new."""
        resident, message_id, issue_id = data.draw(st.sampled_from(self.submissions),
                                                   label="submission")
        before = self.snapshot()
        outcome = self.attempt(lambda: self.services.residents.submit(
            user_id=resident, chat_id=resident, message_id=message_id, grid_key=GRID_A,
            place=Place(), category="other", text="again", media=(), latitude=None,
            longitude=None,
        ))
        assert outcome == issue_id, f"second confirm of #{issue_id} gave {outcome!r}"
        assert self.snapshot() == before, "a second confirm changed the database"

    # --- the closed loop ------------------------------------------------------------------

    @rule(
        data=st.data(),
        action=st.sampled_from(tuple(Action)),
        to=st.sampled_from((*ALL_HEADS, COORDINATOR, *RESIDENTS)),
        text=st.sampled_from((None, "重复", "property")),
    )
    def act(self, data: st.DataObject, action: Action, to: int, text: str | None) -> None:
        """Anyone does anything to any issue number through ``IssueService.act``.

        ``to`` is the new assignee of an assign (a head of either grid, or nobody's head).
        """
        self.do_act(data, action, to, text)

    # The same, weighted: the loop moves forward more often than a uniform pick would.
    @rule(
        data=st.data(),
        action=st.sampled_from((Action.CLAIM, Action.RESOLVE, Action.ASSIGN, Action.REFER)),
        to=st.sampled_from(ALL_HEADS),
    )
    def act_forward(self, data: st.DataObject, action: Action, to: int) -> None:
        self.do_act(data, action, to, "property")

    @rule(
        data=st.data(),
        action=st.sampled_from((Action.CLOSE, Action.REOPEN, Action.REJECT, Action.RESOLVE)),
    )
    def act_finish(self, data: st.DataObject, action: Action) -> None:
        self.do_act(data, action, COORDINATOR, "重复")

    def do_act(self, data: st.DataObject, action: Action, target: int, text: str | None) -> None:
        legal_from = frozenset(status for (a, status) in LEGAL if a == action.value)
        issue_id = self.pick_issue(data, legal_from)
        row = self.issue(issue_id)
        user = self.pick_actor(data, row)
        if row is None:
            expect_ok, may, legal = False, False, False
        else:
            may = _may_act(user, action.value, row)
            legal = (action.value, row["status"]) in LEGAL
            target_ok = action is not Action.ASSIGN or target in HEADS[row["grid_key"]].values()
            expect_ok = may and legal and target_ok
        what = (f"{action.value} #{issue_id} by {user}"
                + (f" (status {row['status']}, reporter {row['reporter_user_id']}, "
                   f"assignee {row['assignee_user_id']}, grid {row['grid_key']})" if row else ""))
        before = self.snapshot()
        outbox_before = self.last_outbox_id()
        outcome = self.attempt(lambda: self.services.issues.act(
            issue_id, action, user, target=target, reason=text,
            department=text if action is Action.REFER else None,
        ))
        event(f"act {action.value}: {outcome.key if isinstance(outcome, UserError) else 'done'}")
        if isinstance(outcome, UserError):
            self.refused_cleanly(before, outcome, what)
            assert not expect_ok, f"{what} was refused ({outcome.key}) but the rules allow it"
            return
        assert row is not None
        if (action is Action.REOPEN and row["status"] in ("closed", "rejected") and legal
                and not may and user == row["reporter_user_id"]):
            # THE NEW REOPEN RULE (perm.reopen_lead_only in bot/domain/lifecycle.py): a
            # reporter who is neither the grid/community head nor a coordinator may not
            # reopen a closed or rejected issue. Named separately so a regression is plain.
            raise AssertionError(f"REOPEN RULE BROKEN: reporter reopened a finished issue: {what}")
        assert may, f"UNAUTHORISED CHANGE: {what} succeeded"
        assert legal, f"ILLEGAL TRANSITION: {what} succeeded"
        assert expect_ok, f"{what} succeeded with a target ({target}) outside the grid"
        after = self.issue(issue_id)
        assert after is not None
        expected = LEGAL[action.value, row["status"]]
        assert after["status"] == expected, f"{what}: status {after['status']} != {expected}"
        logged = self.last_event(issue_id)
        assert (logged["type"], logged["actor_user_id"], logged["from_status"],
                logged["to_status"]) == (action.value, user, row["status"], expected), what
        if action is Action.ASSIGN:
            assert after["assignee_user_id"] == target, what
        elif action is Action.CLAIM:
            assert after["assignee_user_id"] == user, what
            assert after["claimed_at"] is not None and after["ack_due_at"] is None, what
        elif action is Action.CLOSE:
            assert after["verified"] is None, f"{what}: a plain close claims verification"
        elif action is Action.REOPEN:
            assert after["resolved_at"] is None and after["verified"] is None, what
        elif action is Action.REFER:
            assert after["department"] == (text or ""), what
        if row["reporter_kind"] == "resident":
            told = [m for m in self.outbox_since(outbox_before)
                    if m["chat_id"] == row["reporter_user_id"] and m["issue_id"] == issue_id]
            assert told, f"{what}: the resident reporter was not told"

    @rule(data=st.data(), answer=st.sampled_from((*VERIFY_ANSWERS, "not_fixed")))
    def verify(self, data: st.DataObject, answer: str) -> None:
        """The reporter's answer to "fixed?" (anyone may press; only the reporter counts)."""
        issue_id = self.pick_issue(data, frozenset({"resolved"}))
        row = self.issue(issue_id)
        user = self.pick_actor(data, row)
        expect_ok = (row is not None and answer in VERIFY_ANSWERS
                     and user == row["reporter_user_id"] and row["status"] == "resolved")
        what = f"verify #{issue_id} {answer!r} by {user}" + (
            f" (status {row['status']}, reporter {row['reporter_user_id']})" if row else "")
        before = self.snapshot()
        outcome = self.attempt(lambda: self.services.residents.verify(issue_id, user, answer))
        event(f"verify: {'refused' if isinstance(outcome, UserError) else answer}")
        if isinstance(outcome, UserError):
            self.refused_cleanly(before, outcome, what)
            assert not expect_ok, f"{what} was refused ({outcome.key})"
            return
        assert expect_ok and row is not None, f"UNAUTHORISED CHANGE: {what} succeeded"
        after = self.issue(issue_id)
        assert after is not None
        logged = self.last_event(issue_id)
        if answer == "fixed":
            assert (after["status"], after["verified"]) == ("closed", 1), what
            assert (logged["type"], logged["to_status"]) == ("close", "closed"), what
        elif answer == "unsure":
            assert after == row, f"{what}: 'can't tell' changed the issue"
            assert logged["type"] == "verify_unsure", what
            asked = self.count(
                "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND issue_id = ?",
                (COORDINATOR, issue_id))
            assert asked, f"{what}: no coordinator was asked"
        else:
            assert after["status"] == "assigned", what
            assert (logged["type"], logged["actor_user_id"], logged["to_status"]) == (
                "reopen", user, "assigned"), what
            assert after["assignee_user_id"] in (*HEADS[row["grid_key"]].values(),
                                                 row["assignee_user_id"]), what

    # --- the bot's own steps --------------------------------------------------------------

    @rule(step=st.sampled_from(CLOCK_STEPS), escalate_first=st.booleans())
    def time_passes(self, step: timedelta, escalate_first: bool) -> None:
        """The clock moves on and the periodic jobs run, as the bot's job queue runs them."""
        self.clock.advance(step)
        jobs = [self.auto_close, self.escalate]
        for job in reversed(jobs) if escalate_first else jobs:
            job()

    def auto_close(self) -> None:
        """Residents' resolved issues unanswered for verify_days close as unverified."""
        cutoff = iso(self.clock.now() - timedelta(days=VERIFY_DAYS))
        due = {int(r["id"]) for r in self.query(
            """SELECT id FROM issues WHERE status = 'resolved' AND reporter_kind = 'resident'
                 AND resolved_at < ?""", (cutoff,))}
        resolved = {int(r["id"]) for r in self.query(
            "SELECT id FROM issues WHERE status = 'resolved'")}
        closed = self.run(self.services.residents.auto_close_due())
        now_closed = {int(r["id"]) for r in self.query(
            "SELECT id FROM issues WHERE status = 'closed'") if int(r["id"]) in resolved}
        assert due <= now_closed, f"overdue {sorted(due - now_closed)} not auto-closed"
        assert closed == len(now_closed), f"auto-close said {closed}, closed {now_closed}"
        for issue_id in now_closed:
            row = self.issue(issue_id)
            assert row is not None
            assert row["reporter_kind"] == "resident", f"head's #{issue_id} auto-closed"
            assert row["verified"] == 0, f"auto-closed #{issue_id} is not marked unverified"

    def escalate(self) -> None:
        """Unclaimed items past their acknowledge window climb one head up."""
        moment = self.clock.now()
        events_before = self.count("SELECT COUNT(*) FROM events WHERE type = 'escalated'")
        climbed = self.run(self.services.escalation.escalate_due(moment))
        events_after = self.count("SELECT COUNT(*) FROM events WHERE type = 'escalated'")
        assert climbed == events_after - events_before
        late = self.query(
            """SELECT id FROM issues WHERE status IN ('open', 'assigned')
                 AND ack_due_at IS NOT NULL AND ack_due_at <= ?""", (iso(moment),))
        assert not late, f"still unescalated after the run: {[r['id'] for r in late]}"
        for step in self.query(
            "SELECT e.to_user, i.grid_key FROM escalations e JOIN issues i ON i.id = e.issue_id"
        ):
            assert step["to_user"] is None or step["to_user"] in HEADS[step["grid_key"]].values()

    # --- relays ---------------------------------------------------------------------------

    @rule(data=st.data(), text=st.sampled_from(RELAY_TEXTS), media=st.booleans())
    def relay_to_group(self, data: st.DataObject, text: str, media: bool) -> None:
        """A private reply about an issue goes into the group, only from its reporter, and
        only a resident's (a head answers in the group, under their own name)."""
        issue_id = self.pick_issue(data)
        row = self.issue(issue_id)
        user = self.pick_actor(data, row)
        expect_ok = (row is not None and user == row["reporter_user_id"]
                     and row["reporter_kind"] == "resident"
                     and row["card_chat_id"] is not None)
        what = f"relay of #{issue_id} to the group by {user}"
        relay = Relay(user, self.message_id(), text, has_media=media)
        before = self.snapshot()
        outbox_before = self.outbox_payloads()

        async def call() -> None:
            found = await self.services.issues.get(issue_id)
            await self.services.residents.relay_to_group(found, user, relay)

        outcome = self.attempt(call)
        if isinstance(outcome, UserError):
            self.refused_cleanly(before, outcome, what)
            assert not expect_ok, f"{what} was refused ({outcome.key})"
            return
        assert expect_ok and row is not None, f"UNAUTHORISED CHANGE: {what} succeeded"
        # Passed on into the thread, or held past the per-minute cap (the sender is told).
        logged = self.last_event(issue_id)["type"]
        assert logged in ("relay_to_group", "relay_to_group_held"), f"{what}: {logged}"
        changed = self.outbox_changed(outbox_before)
        assert changed <= {(row["card_chat_id"], issue_id), (user, issue_id)}, (
            f"{what}: wrote to {changed}")
        if logged == "relay_to_group":
            assert (row["card_chat_id"], issue_id) in changed, f"{what}: nothing for the group"

    @rule(data=st.data(), text=st.sampled_from(RELAY_TEXTS))
    def answer_in_group(self, data: st.DataObject, text: str) -> None:
        """A reply to the card in the group: heads of the grid and coordinators only."""
        issue_id = self.pick_issue(data)
        row = self.issue(issue_id)
        user = self.pick_actor(data, row)
        expect_ok = row is not None and (
            user == COORDINATOR or user in HEADS[row["grid_key"]].values())
        what = f"answer in the group about #{issue_id} by {user}"
        chat = CHAT[row["grid_key"]] if row else CHAT[GRID_A]
        relay = Relay(chat, self.message_id(), text, has_media=False)
        before = self.snapshot()
        outbox_before = self.outbox_payloads()

        async def call() -> None:
            found = await self.services.issues.get(issue_id)
            await self.services.residents.answer_in_group(
                found, user, relay, (), to_resident=found.reporter_kind == "resident")

        outcome = self.attempt(call)
        if isinstance(outcome, UserError):
            self.refused_cleanly(before, outcome, what)
            assert not expect_ok, f"{what} was refused ({outcome.key})"
            return
        assert expect_ok and row is not None, f"UNAUTHORISED CHANGE: {what} succeeded"
        changed = self.outbox_changed(outbox_before)
        logged = self.last_event(issue_id)["type"]
        if row["reporter_kind"] == "resident":
            # Passed on to the resident, or held past the per-minute cap (the group is told).
            assert logged in ("relay_to_resident", "relay_to_resident_held"), f"{what}: {logged}"
            assert changed <= {(row["reporter_user_id"], issue_id), (chat, issue_id)}, (
                f"{what}: wrote to {changed}")
            if logged == "relay_to_resident":
                assert (row["reporter_user_id"], issue_id) in changed, f"{what}: not relayed"
        else:
            assert (logged, changed) == ("comment", set()), f"{what}: {logged}, {changed}"

    # --- what must always hold ------------------------------------------------------------

    @invariant()
    def status_follows_events(self) -> None:
        for row in self.query(
            """SELECT i.id, i.status,
                      (SELECT e.to_status FROM events e WHERE e.issue_id = i.id
                         AND e.to_status IS NOT NULL ORDER BY e.id DESC LIMIT 1) AS last
               FROM issues i"""
        ):
            assert row["status"] == row["last"], (
                f"#{row['id']} is stored {row['status']} but its events end at {row['last']}"
            )

    @invariant()
    def numbers_are_the_ones_handed_out(self) -> None:
        stored = {int(r["id"]) for r in self.query("SELECT id FROM issues")}
        assert stored == self.known, f"stored {sorted(stored)} != handed out {sorted(self.known)}"

    @invariant()
    def residents_see_only_their_own(self) -> None:
        reporter = {int(r["id"]): (r["reporter_kind"], r["reporter_user_id"])
                    for r in self.query("SELECT id, reporter_kind, reporter_user_id FROM issues")}
        for m in self.query("SELECT id, chat_id, issue_id, payload FROM outbox"):
            chat, issue_id = int(m["chat_id"]), m["issue_id"]
            if chat in RESIDENTS and issue_id is not None:
                assert reporter[issue_id] == ("resident", chat), (
                    f"outbox {m['id']}: resident {chat} was sent issue #{issue_id}")
            if chat > 0 and chat in ALL_HEADS and issue_id is not None:
                grid = self.issue(issue_id)["grid_key"]  # type: ignore[index]
                assert chat in HEADS[grid].values(), (
                    f"outbox {m['id']}: head {chat} of another grid was sent #{issue_id}")
            if chat < 0 and issue_id is not None:
                card_chat = self.issue(issue_id)["card_chat_id"]  # type: ignore[index]
                assert chat == card_chat, f"outbox {m['id']}: #{issue_id} went to group {chat}"

    @invariant()
    def residents_stay_out_of_groups(self) -> None:
        for m in self.query("SELECT id, chat_id, method, payload FROM outbox WHERE chat_id < 0"):
            payload = json.loads(m["payload"])
            if m["method"] == "copyMessage":
                # Where Telegram copies a resident's photo from: a parameter of the call that
                # the group never sees (a copy carries no link to its source).
                payload.pop("from_chat_id", None)
            text = json.dumps(payload, ensure_ascii=False)
            for user_id, (name, username) in RESIDENTS.items():
                for secret in (str(user_id), name, username):
                    assert secret not in text, (
                        f"outbox {m['id']} to group {m['chat_id']} names resident {user_id}")

    @invariant()
    def time_moves_forward(self) -> None:
        events = self.query("SELECT id, issue_id, at FROM events WHERE at > ? ORDER BY id",
                            (self.last_event_at,))
        at = self.last_event_at
        for e in events:
            assert e["at"] >= at, f"event {e['id']} of #{e['issue_id']} goes back in time"
            at = e["at"]
        self.last_event_at = at
        for row in self.query("SELECT * FROM issues"):
            issue_id, status = int(row["id"]), row["status"]
            assert row["created_at"] <= row["updated_at"], f"#{issue_id} updated before created"
            assert row["updated_at"] >= self.updated_at.get(issue_id, ""), (
                f"#{issue_id} updated_at went back")
            self.updated_at[issue_id] = row["updated_at"]
            for stamp in ("claimed_at", "resolved_at", "closed_at"):
                if row[stamp] is not None:
                    assert row["created_at"] <= row[stamp] <= row["updated_at"], (
                        f"#{issue_id} {stamp} outside its life")
            if status in ("closed", "rejected"):
                assert row["closed_at"] is not None, f"#{issue_id} is {status} without closed_at"
            else:
                assert row["closed_at"] is None, f"#{issue_id} is {status} with a closed_at"
            if status in ("resolved", "closed") and row["resolved_at"] is None:
                # A close straight from an unresolved status (a coordinator) has no
                # resolved_at; a resolved issue must.
                assert status == "closed", f"#{issue_id} is resolved without resolved_at"
            if row["verified"] is not None:
                assert status == "closed", f"#{issue_id} is {status} but marked verified"


ServiceMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestServiceStateMachine = ServiceMachine.TestCase
