"""Referral (转办, SPEC §2, §4): an item the five heads cannot fix is handed to a department
(the property company, heating, water...). The department's liaisons are pinged, in the
department's own group when it has one, else privately where they started the bot; while
the item is referred, a liaison may claim and resolve it as an assignee head may, from
their message's buttons or the card's; a referred item nobody claims within its
acknowledge window climbs the chain like any other (``EscalationService``).

Every change goes through ``IssueService.apply``: the same rights (checked by the domain's
``decide`` with the liaison as an ``Actor``), events, card edits and notices as any other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.domain.args import echo
from bot.domain.departments import Department, find
from bot.domain.issue import Issue
from bot.domain.lifecycle import Action, IllegalTransition, allowed, transition
from bot.domain.model import Role, Status
from bot.domain.routing import Head
from bot.errors import UserError
from bot.i18n import language_for
from bot.services.issues import IssueService
from bot.services.messages import say_in
from bot.services.roster import RosterService
from bot.views import relay
from bot.views.departments import liaison_ping
from storage import outbox, people
from storage.db import Store

_ECHO = 32


class DepartmentService:
    def __init__(
        self, config: Config, store: Store, clock: Clock, roster: RosterService,
        issues: IssueService,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.roster = roster
        self.issues = issues

    @property
    def departments(self) -> tuple[Department, ...]:
        return self.config.departments

    def named(self, word: str) -> Department:
        """The department a command or button names; a clear refusal otherwise."""
        if not self.departments:
            raise UserError("refer.none")
        found = find(self.departments, word)
        if found is None:
            raise UserError("refer.unknown", department=echo(word, _ECHO),
                            keys=", ".join(d.key for d in self.departments))
        return found

    async def check_refer(self, issue_id: int, user_id: int) -> Issue:
        """May this person refer the issue (before the menu of departments is shown)?"""
        row = await self.issues.check(issue_id, Action.REFER, user_id)
        if not self.departments:
            raise UserError("refer.none")
        return row

    async def refer(
        self, issue_id: int, word: str, user_id: int, *, note: str | None = None,
        chat_id: int | None = None, message_id: int | None = None,
        update_id: int | None = None,
    ) -> tuple[Department, bool]:
        """Hand the issue to a department: status ``referred``, the department's name on
        it, its liaisons pinged in the same transaction. Returns the department and whether
        anyone could be told (its group, or a liaison who started the bot)."""
        row = await self.issues.check(issue_id, Action.REFER, user_id)
        department = self.named(word)
        who = await self.issues.actor(row, user_id)
        grid = await self.roster.grid(row.grid_key)  # read before: the transaction holds the store
        grid_name = grid.name if grid else row.grid_key
        reached: list[bool] = []

        async def ping(conn: Any, updated: Issue, stamp: str) -> None:
            reached.append(
                await self._ping_in(conn, updated, department, note, stamp, grid_name)
            )

        await self.issues.apply(
            issue_id, Action.REFER, user_id, actor=who,
            department=department.label(self.config.language), reason=note,
            chat_id=chat_id, message_id=message_id, update_id=update_id, linked=ping,
        )
        return department, any(reached) if reached else True

    async def act(
        self, issue_id: int, action: Action, user_id: int, *, chat_id: int | None = None,
        message_id: int | None = None, update_id: int | None = None,
    ) -> Issue:
        """A press of claim, resolve, close or reopen (on the card, or a liaison's message).
        Whoever may do it as a head, assignee, reporter or coordinator goes the usual way;
        a liaison of the department the issue is referred to acts for the department."""
        row = await self.issues.get(issue_id)
        who = await self.issues.actor(row, user_id)
        if (allowed(who, action, status=row.status)
                or not self.roster.is_liaison(row.department, user_id)):
            return await self.issues.act(issue_id, action, user_id, chat_id=chat_id,
                                         message_id=message_id, update_id=update_id)
        try:
            transition(row.status, action)
        except IllegalTransition:
            raise UserError("lifecycle.illegal", number=issue_id,
                            status=relay.status_label(self.config.language, row.status)) from None
        liaison = replace(who, is_liaison=True)
        new_head = None
        if action is Action.CLAIM:
            # The liaison becomes the assignee; holding no role in the grid, none is stored.
            new_head = Head(user_id, Role.GRID, await self.roster.name_of(row.grid_key, user_id))
        attachment = None
        if action is Action.RESOLVE and row.by_resident:
            notices = self.issues.notices
            attachment = await notices.before_after(
                issue_id, await notices.language_of(row.reporter_user_id))
        return await self.issues.apply(
            issue_id, action, user_id, actor=liaison, new_head=new_head, attachment=attachment,
            chat_id=chat_id, message_id=message_id, update_id=update_id,
        )

    async def _ping_in(
        self, conn: Any, issue: Issue, department: Department, note: str | None, stamp: str,
        grid_name: str,
    ) -> bool:
        """Tell the department: in its group (mentioning each liaison) or else privately,
        to each liaison who started the bot. False if nobody could be told. Inside the
        change's transaction: only ``conn`` may be used."""
        klass = await outbox.issue_class_in(conn, issue.id)

        def words(lang: str, liaisons: list[tuple[int, str]]) -> tuple[str, dict[str, Any]]:
            return liaison_ping(
                lang, issue, department, grid_name=grid_name,
                category_label=self.issues.category(issue.category).label(lang), note=note,
                liaisons=liaisons,
            )

        if department.chat_id is not None:
            names = []
            for user_id in department.liaisons:
                person = await people.person_in(conn, user_id)
                names.append((user_id, str(person["name"]) if person and person["name"]
                              else str(user_id)))
            text, markup = words(self.config.language, names)
            await say_in(conn, stamp, department.chat_id, text, html=True, markup=markup,
                         dedup_key=f"refer:{issue.id}:{department.key}:{stamp}",
                         issue_id=issue.id, klass=klass)
            return True
        told = False
        for user_id in department.liaisons:
            person = await people.person_in(conn, user_id)
            if not person or not person["started_bot"]:
                continue
            text, markup = words(language_for(person["language"], self.config.language), [])
            await say_in(conn, stamp, user_id, text, html=True, markup=markup,
                         dedup_key=f"refer:{issue.id}:{department.key}:{stamp}:{user_id}",
                         issue_id=issue.id, klass=klass)
            told = True
        return told

    def holder(self, issue: Issue) -> Department | None:
        """The department a referred issue is with (None if it is not referred)."""
        if issue.status is not Status.REFERRED:
            return None
        return self.roster.department_of(issue.department)
