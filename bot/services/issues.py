"""The closed loop: reports become issues, routed to a head, moved through their states.

Every change happens in one transaction that also appends its event and asks for the card to
be refreshed through the outbox, so a crash can never leave a change without its card or a
card without its change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.clock import Clock, iso
from bot.config import Config
from bot.domain.classify import Classification, classify
from bot.domain.deadlines import ACK_WINDOWS, resolution_due
from bot.domain.issue import Assignee, Issue, Refused, decide, fixed, me_too_raised
from bot.domain.lifecycle import Action, Actor, IllegalTransition, allowed, refusal_key, transition
from bot.domain.model import Category, Place, Priority, ReporterKind, Role, Status, category_by_key
from bot.domain.routing import Head, route
from bot.errors import UserError
from bot.i18n import language_for
from bot.services.notices import ReporterNotices
from bot.services.roster import RosterService
from bot.views import alerts, menus, relay
from bot.views.card import CARD_LIMIT, CardFacts, render_card
from bot.views.thread import Attachment, CardThread
from storage import duplicates, issues, outbox, people
from storage.db import Store


@dataclass(frozen=True)
class IncomingMedia:
    kind: str  # photo | voice
    file_id: str
    file_unique_id: str
    file_size: int | None = None
    duration: int | None = None
    # Set when the file was already checked and stored (a resident's draft): no download.
    path: str | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Report:
    """A report as read from a Telegram message, before it is an issue."""

    chat_id: int
    message_id: int
    user_id: int
    user_name: str
    text: str = ""
    thread_id: int | None = None
    media_group_id: str | None = None
    media: tuple[IncomingMedia, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    via: str = "photo"  # photo | voice | hashtag | command | private
    reported_by: int | None = None  # who ran /report, when not the author
    # A resident's private report names its grid, place and category itself.
    reporter_kind: ReporterKind = ReporterKind.HEAD
    grid_key: str | None = None
    place: Place | None = None
    category: str | None = None


@dataclass(frozen=True)
class IntakeResult:
    issue_id: int
    created: bool


class IssueService:
    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Clock,
        roster: RosterService,
        categories: tuple[Category, ...],
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.roster = roster
        self.categories = categories
        self.care_places = config.care_places
        self.notices = ReporterNotices(config, store)

    def category(self, key: str) -> Category:
        return category_by_key(self.categories, key)

    async def get(self, issue_id: int) -> Issue:
        row = await issues.get(self.store, issue_id)
        if row is None:
            raise UserError("issue.not_found", number=issue_id)
        return row

    async def report(self, r: Report, *, defer_card: bool = False) -> IntakeResult:
        """Turn a report into an issue exactly once (a redelivered message changes nothing)."""
        if r.grid_key is not None:
            grid = await self.roster.grid(r.grid_key)
            if grid is None:
                raise UserError("grid.unknown", key=r.grid_key)
        else:
            grid = await self.roster.grid_of_chat(r.chat_id)
            if grid is None or not grid.active:
                raise UserError("intake.unbound")
        heads = await self.roster.heads(grid.key)
        found = classify(r.text, self.categories, care_places=self.care_places)
        category = self.category(r.category) if r.category else found.category
        place = r.place or found.place or Place()
        priority = found.priority
        if r.category and category.priority.rank < priority.rank:
            priority = category.priority
        # A danger goes to the role that acts on it (gas, fire, violence: police), whatever
        # category the words or the resident chose.
        wanted = found.urgent_role or category.role
        chosen = route(wanted, place, heads)
        card_chat = r.chat_id if r.reporter_kind is ReporterKind.HEAD else grid.chat_id
        created = self.clock.now()
        card_thread = r.thread_id if r.reporter_kind is ReporterKind.HEAD else None
        now = iso(created)
        async with self.store.transaction() as conn:
            existing = await issues.by_message_in(conn, r.chat_id, r.message_id)
            if existing is not None:
                return IntakeResult(existing, created=False)
            if r.media_group_id:
                album = await issues.by_album_in(conn, r.chat_id, r.media_group_id)
                if album is not None:
                    await issues.link_message(conn, r.chat_id, r.message_id, album)
                    await self._add_media(conn, album, r, now)
                    await self._album_caption(conn, album, r, found, heads, now)
                    await issues.add_event(
                        conn, album, now, "media_added", actor_user_id=r.user_id,
                        data={"count": len(r.media)}, chat_id=r.chat_id, message_id=r.message_id,
                    )
                    if await outbox.card_requested_in(conn, album):
                        await outbox.enqueue_card(conn, album, r.chat_id, now)
                    return IntakeResult(album, created=False)
            head = chosen.head
            status = Status.ASSIGNED if head else Status.OPEN
            issue_id = await issues.insert_new(conn, Issue(
                id=0, grid_key=grid.key, place=place, category=category.key,
                kind=category.kind, priority=priority, status=status,
                reporter_kind=r.reporter_kind, reporter_user_id=r.user_id,
                reporter_name=r.user_name or None,
                assignee_user_id=head.user_id if head else None,
                assignee_role=head.role if head else None, wanted_role=wanted,
                department=None, reject_reason=None, text=r.text, latitude=r.latitude,
                longitude=r.longitude, source_chat_id=r.chat_id, source_message_id=r.message_id,
                source_thread_id=r.thread_id, media_group_id=r.media_group_id,
                card_chat_id=card_chat, card_message_id=None, card_thread_id=card_thread,
                created_at=created, updated_at=created, claimed_at=None, resolved_at=None,
                closed_at=None, verified=None, ack_due_at=created + ACK_WINDOWS[priority],
                due_at=resolution_due(created, priority, self.config.tz),
            ))
            await issues.link_message(conn, r.chat_id, r.message_id, issue_id)
            await self._add_media(conn, issue_id, r, now)
            await issues.add_event(
                conn, issue_id, now, "reported", actor_user_id=r.reported_by or r.user_id,
                to_status=Status.OPEN.value,
                data={"via": r.via, "text": r.text, "author": r.user_id,
                      "category": category.key, "place": place.label(),
                      "priority": priority.value},
                chat_id=r.chat_id, message_id=r.message_id,
            )
            if head is not None:
                await issues.add_event(
                    conn, issue_id, now, "assigned", from_status=Status.OPEN.value,
                    to_status=status.value,
                    data={"to": head.user_id, "role": head.role.value,
                          "wanted": wanted.value, "fell_back": chosen.fell_back,
                          "vacant": not any(h.role is wanted for h in heads)},
                )
            if not defer_card and card_chat is not None:
                await self._announce(conn, issue_id, card_chat, head, r.user_id, now)
        return IntakeResult(issue_id, created=True)

    async def existing(self, chat_id: int, message_id: int) -> int | None:
        async with self.store.transaction() as conn:
            return await issues.by_message_in(conn, chat_id, message_id)

    async def _album_caption(
        self, conn: Any, issue_id: int, r: Report, found: Classification, heads: list[Head],
        now: str,
    ) -> None:
        """The caption of an album may ride on any of its photos: if the issue has no text
        yet and its card is not out, read category, place and priority from this one."""
        current = await issues.get_in(conn, issue_id)
        if current is None or current.text or not r.text:
            return
        values: dict[str, Any] = {"text": r.text, "updated_at": now}
        if not await outbox.card_requested_in(conn, issue_id):
            place = found.place or Place()
            chosen = route(found.role, place, heads)
            values.update(
                category=found.category.key, kind=found.category.kind.value,
                priority=found.priority.value, building=place.building, unit=place.unit,
                wanted_role=found.role.value,
                assignee_user_id=chosen.head.user_id if chosen.head else None,
                assignee_role=chosen.head.role.value if chosen.head else None,
                status=(Status.ASSIGNED if chosen.head else Status.OPEN).value,
            )
        await issues.update_issue(conn, issue_id, values)
        await issues.add_event(
            conn, issue_id, now, "caption", actor_user_id=r.user_id,
            data={"text": r.text, "category": values.get("category"),
                  "to": values.get("assignee_user_id")},
            chat_id=r.chat_id, message_id=r.message_id,
        )

    async def release_card(self, issue_id: int) -> None:
        """An album's quiet period ended: post its one card (at most once)."""
        row = await self.get(issue_id)
        head = await self._head(row.grid_key, row.assignee_user_id)
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            if not await outbox.card_requested_in(conn, issue_id) and row.card_chat_id is not None:
                await self._announce(
                    conn, issue_id, row.card_chat_id, head, row.reporter_user_id, now
                )

    async def release_forgotten_cards(self) -> int:
        """At start-up: cards of albums whose quiet period a crash cut short."""
        rows = await issues.without_card(self.store)
        for row in rows:
            await self.release_card(row.id)
        return len(rows)

    async def log_edit(self, chat_id: int, message_id: int, text: str, user_id: int) -> int | None:
        """The report stays as snapshotted at intake; a later edit is only logged."""
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            issue_id = await issues.by_message_in(conn, chat_id, message_id)
            if issue_id is None:
                return None
            await issues.add_event(
                conn, issue_id, now, "edited", actor_user_id=user_id, data={"text": text},
                chat_id=chat_id, message_id=message_id,
            )
            return issue_id

    async def actor(self, row: Issue, user_id: int) -> Actor:
        return Actor(
            user_id=user_id,
            is_coordinator=self.roster.is_coordinator(user_id),
            roles=await self.roster.roles_in(row.grid_key, user_id),
            is_assignee=row.assignee_user_id == user_id,
            is_reporter=row.reporter_user_id == user_id,
        )

    async def require_viewer(self, issue_id: int, user_id: int) -> Issue:
        """A head of the issue's grid or a coordinator; anyone else hears the same refusal
        whether or not the number exists, so numbers cannot be probed."""
        row = await issues.get(self.store, issue_id)
        if row is None:
            if self.roster.is_coordinator(user_id):
                raise UserError("issue.not_found", number=issue_id)
            raise UserError("perm.not_head")
        await self.roster.require_head(row.grid_key, user_id)
        return row

    async def check(self, issue_id: int, action: Action, user_id: int) -> Issue:
        """Refuse early (before showing a sub-menu) with the reason the user will read."""
        row, _ = await self._checked(issue_id, action, user_id)
        return row

    async def _checked(self, issue_id: int, action: Action, user_id: int) -> tuple[Issue, Actor]:
        row = await self.get(issue_id)
        who = await self.actor(row, user_id)
        if not allowed(who, action, status=row.status):
            raise UserError(refusal_key(who, action, status=row.status), number=issue_id)
        try:
            transition(row.status, action)
        except IllegalTransition:
            raise UserError(
                "lifecycle.illegal", number=issue_id, status=self._status_label(row.status),
            ) from None
        return row, who

    async def act(
        self,
        issue_id: int,
        action: Action,
        user_id: int,
        *,
        target: int | None = None,
        reason: str | None = None,
        department: str | None = None,
        priority: Priority | None = None,
        verified: bool | None = None,
        chat_id: int | None = None,
        message_id: int | None = None,
        update_id: int | None = None,
    ) -> Issue:
        """A person's action: their right is checked first (before a sub-menu or a download
        is wasted on it), then again with the change, where the issue cannot move meanwhile."""
        row, who = await self._checked(issue_id, action, user_id)
        new_head: Head | None = None
        if action is Action.ASSIGN:
            new_head = await self._head(row.grid_key, target)
            if new_head is None:
                raise UserError("assign.not_a_head", number=issue_id)
        elif action is Action.CLAIM:
            # A coordinator may claim too; they hold no role in the grid, so none is shown.
            new_head = await self._head(row.grid_key, user_id) or Head(
                user_id, Role.GRID, await self.roster.name_of(row.grid_key, user_id)
            )
        elif action is Action.REOPEN:
            new_head = await self._head(row.grid_key, row.assignee_user_id)
        attachment = None
        if action is Action.RESOLVE and row.by_resident:
            attachment = await self.notices.before_after(
                issue_id, await self.notices.language_of(row.reporter_user_id)
            )
        return await self.apply(
            issue_id, action, user_id, actor=who, new_head=new_head,
            reason=reason,
            department=department, priority=priority, verified=verified,
            attachment=attachment, chat_id=chat_id, message_id=message_id, update_id=update_id,
        )

    async def apply(
        self,
        issue_id: int,
        action: Action,
        by: int | None,
        *,
        actor: Actor | None = None,
        new_head: Head | None = None,
        reason: str | None = None,
        department: str | None = None,
        priority: Priority | None = None,
        verified: bool | None = None,
        attachment: str | None = None,
        chat_id: int | None = None,
        message_id: int | None = None,
        update_id: int | None = None,
        linked: Callable[[Any, Issue, str], Awaitable[None]] | None = None,
    ) -> Issue:
        """Apply a change with its event, card refresh and notices, atomically. The domain's
        ``decide`` holds every rule; ``actor`` (a person's press) has its right checked there,
        against the issue as it is inside the transaction; without one the change is the
        bot's own step (auto-close) or a right settled before (a reporter's verification),
        made in the name of ``by``. ``linked`` does more in the same transaction, given the
        connection, the changed issue and the time (a merge links the duplicate)."""
        now = self.clock.now()
        stamp = iso(now)
        async with self.store.transaction() as conn:
            current = await issues.get_in(conn, issue_id)
            if current is None:
                raise UserError("issue.not_found", number=issue_id)
            if update_id is not None and await issues.has_update_in(conn, issue_id, update_id):
                return current  # the same press, replayed after a crash: already done
            to = None
            if new_head is not None:
                holds_role = await people.holds_role_in(
                    conn, current.grid_key, new_head.user_id, new_head.role.value
                )
                to = Assignee(new_head.user_id, new_head.role if holds_role else None)
            try:
                updated, event = decide(
                    current, action, now, self.config.tz, actor=actor, by=by, to=to,
                    reason=reason, department=department, priority=priority, verified=verified,
                )
            except Refused as refused:
                raise UserError(refused.key, number=issue_id) from None
            except IllegalTransition:
                raise UserError(
                    "lifecycle.illegal", number=issue_id,
                    status=self._status_label(current.status),
                ) from None
            if update_id is not None:
                event = replace(event, data={**event.data, "update": update_id})
            await issues.save_in(conn, current, updated)
            await issues.record_in(conn, issue_id, stamp, event, chat_id=chat_id,
                                   message_id=message_id)
            if current.card_chat_id is not None:
                await outbox.enqueue_card(conn, issue_id, current.card_chat_id, stamp)
            who = event.actor_user_id
            if new_head is not None and new_head.user_id != who and action is not Action.CLAIM:
                await self.ping_in(conn, issue_id, new_head, stamp, f"{action.value}:{stamp}")
            # The resident reporter and resident followers (merged duplicates) hear it.
            await self.notices.status_changed(conn, updated, action, stamp, attachment)
            if linked is not None:
                await linked(conn, updated, stamp)
        return updated

    async def merge(
        self, issue_id: int, original_id: int, user_id: int, *,
        chat_id: int | None = None, message_id: int | None = None,
        update_id: int | None = None,
    ) -> Issue:
        """Issue N repeats M (SPEC §3): N is rejected as "duplicate of #M", its reporter
        follows M, and the merge is a "me too" of M that raises M's priority one rung at
        ``intake.me_too_raise``. For the heads of the grid and coordinators."""
        row = await self.require_viewer(issue_id, user_id)
        original = await self.require_viewer(original_id, user_id)
        if issue_id == original_id or row.grid_key != original.grid_key:
            raise UserError("merge.same", number=issue_id, original=original_id)
        if not original.unresolved:
            raise UserError("merge.finished", number=issue_id, original=original_id)
        if await duplicates.original_of(self.store, issue_id) is not None:
            raise UserError("merge.already", number=issue_id, original=original_id)

        async def link(conn: Any, duplicate: Issue, stamp: str) -> None:
            count = await duplicates.merge_in(conn, duplicate, original_id, user_id, stamp)
            if count is None:
                return
            await issues.add_event(conn, original_id, stamp, "merged", actor_user_id=user_id,
                                   data={"duplicate": issue_id, "count": count})
            current = await issues.get_in(conn, original_id)
            assert current is not None
            if count == self.config.me_too_raise and current.unresolved:
                after, event = me_too_raised(current, self.clock.now(), self.config.tz, count)
                await issues.save_in(conn, current, after)
                await issues.record_in(conn, original_id, stamp, event)
            if current.card_chat_id is not None:
                await outbox.enqueue_card(conn, original_id, current.card_chat_id, stamp)

        return await self.apply(
            issue_id, Action.REJECT, user_id,
            reason=menus.merge_reason(self.config.language, original_id),
            chat_id=chat_id, message_id=message_id, update_id=update_id, linked=link,
        )

    async def fix(
        self,
        issue_id: int,
        user_id: int,
        *,
        category: str | None = None,
        place: Place | None = None,
        priority: Priority | None = None,
        chat_id: int | None = None,
        message_id: int | None = None,
        update_id: int | None = None,
    ) -> Issue:
        """A head corrects the category, place or priority the reader got wrong: the change
        is an event, an unclaimed item goes to the head the corrected reading names (with
        the ping), and the card is edited. The reporter may give the place of a report
        that had none. Strangers hear the same whether or not the number exists."""
        mine = await issues.get(self.store, issue_id)
        # A reporter may tell the place of their own report (the domain says when);
        # anyone else must be a head of the grid, and strangers learn nothing.
        row = (mine if mine is not None and mine.reporter_user_id == user_id
               else await self.require_viewer(issue_id, user_id))
        who = await self.actor(row, user_id)
        wanted = None
        if category is not None:
            try:
                wanted = self.category(category)
            except KeyError:
                raise UserError("fix.unknown_category", key=category[:32],
                                keys=", ".join(c.key for c in self.categories)) from None
        head = None
        if wanted is not None or place is not None:
            reading = wanted or self.category(row.category)
            heads = await self.roster.heads(row.grid_key)
            head = route(reading.role, place or row.place, heads).head
        now = self.clock.now()
        stamp = iso(now)
        async with self.store.transaction() as conn:
            current = await issues.get_in(conn, issue_id)
            assert current is not None
            if update_id is not None and await issues.has_update_in(conn, issue_id, update_id):
                return current  # the same press or command, replayed after a crash
            try:
                after, event = fixed(
                    current, now, self.config.tz, actor=who, category=wanted, place=place,
                    priority=priority, to=Assignee(head.user_id, head.role) if head else None,
                )
            except Refused as refused:
                raise UserError(refused.key, number=issue_id) from None
            if update_id is not None:
                event = replace(event, data={**event.data, "update": update_id})
            await issues.save_in(conn, current, after)
            await issues.record_in(conn, issue_id, stamp, event, chat_id=chat_id,
                                   message_id=message_id)
            if current.card_chat_id is not None:
                await outbox.enqueue_card(conn, issue_id, current.card_chat_id, stamp)
            if head is not None and "to" in event.data and head.user_id != user_id:
                await self.ping_in(conn, issue_id, head, stamp, f"assign:fix:{stamp}")
        return after

    async def card(self, issue_id: int, limit: int = CARD_LIMIT) -> tuple[str, dict[str, Any]]:
        """The card of an issue as it stands now (text and keyboard), for the outbox and
        ``/show``, within ``limit`` (a photo's caption is shorter than a message)."""
        issue = await self.get(issue_id)
        grid = await self.roster.grid(issue.grid_key)
        counts = await issues.media_counts(self.store, issue_id)
        assignee = issue.assignee_user_id
        facts = CardFacts(
            grid_name=grid.name if grid else issue.grid_key,
            category_label=self.category(issue.category).label(self.config.language),
            assignee_name=(await self.roster.name_of(issue.grid_key, assignee)
                           if assignee is not None else None),
            fell_back=(await self.fell_back(issue_id) if issue.status is Status.ASSIGNED
                       else None),
            photos=counts.get("photo", 0), voices=counts.get("voice", 0),
            duplicate_of_candidate=await duplicates.candidate(self.store, issue),
            me_too=await duplicates.me_too(self.store, issue_id),
        )
        return render_card(self.config.language, issue, facts, limit)

    async def thread(self, issue_id: int) -> CardThread:
        """What a resident's report brings into the group under its card: photos, voice,
        location. A head's report is already in the group, above its card."""
        issue = await self.get(issue_id)
        lang = self.config.language
        if not issue.by_resident:
            return CardThread(lang, issue_id)
        kept = [m for m in await issues.media_of(self.store, issue_id)
                if m.role == "report" and m.status != "rejected"]
        attached = [Attachment(m.id, m.kind, m.file_id, m.path) for m in kept]
        location = None
        if issue.latitude is not None and issue.longitude is not None:
            location = (issue.latitude, issue.longitude)
        return CardThread(
            lang, issue_id,
            photos=tuple(a for a in attached if a.kind == "photo"),
            voices=tuple(a for a in attached if a.kind == "voice"),
            location=location,
        )

    async def refresh_card(self, issue_id: int) -> None:
        row = await self.get(issue_id)
        if row.card_chat_id is not None:
            async with self.store.transaction() as conn:
                await outbox.enqueue_card(conn, issue_id, row.card_chat_id, iso(self.clock.now()))

    async def fell_back(self, issue_id: int) -> str | None:
        """Why the routing went up the chain, if it did: "vacant" (nobody holds the role in
        the grid) or "place" (the report did not say which building or unit)."""
        events = await issues.events(self.store, issue_id)
        last = next((e for e in reversed(events) if e.type in ("assigned", "assign", "claim",
                                                                "reopen")), None)
        if not (last and last.type == "assigned" and last.data.get("fell_back")):
            return None
        return "vacant" if last.data.get("vacant", True) else "place"

    async def unresolved(self, grid_key: str) -> list[Issue]:
        return await issues.unresolved_in_grid(self.store, grid_key)

    async def history(self, issue_id: int) -> list[issues.EventRow]:
        return await issues.events(self.store, issue_id)

    async def media_counts(self, issue_id: int) -> dict[str, int]:
        return await issues.media_counts(self.store, issue_id)

    async def _head(self, grid_key: str, user_id: int | None) -> Head | None:
        if user_id is None:
            return None
        return next((h for h in await self.roster.heads(grid_key) if h.user_id == user_id), None)

    async def _add_media(self, conn: Any, issue_id: int, r: Report, now: str) -> None:
        for m in r.media:
            await issues.add_media(
                conn, issue_id, m.kind, m.file_id, m.file_unique_id, m.file_size,
                r.message_id, m.duration, now,
                stored={"path": m.path, "sha256": m.sha256, "width": m.width,
                        "height": m.height} if m.path else None,
            )

    async def _announce(
        self, conn: Any, issue_id: int, chat_id: int, head: Head | None,
        reporter: int | None, now: str,
    ) -> None:
        await outbox.enqueue_card(conn, issue_id, chat_id, now)
        if head is not None and head.user_id != reporter:  # nobody is nudged about their own
            await self.ping_in(conn, issue_id, head, now, "new")

    async def ping_in(
        self, conn: Any, issue_id: int, head: Head, now: str, reason: str
    ) -> None:
        """A private nudge, where the head has started the bot (a bot cannot write first)."""
        person = await people.person_in(conn, head.user_id)
        if not person or not person["started_bot"]:
            return
        lang = language_for(person["language"], self.config.language)
        kind = reason.split(":", 1)[0]
        await outbox.enqueue_call(
            conn, head.user_id, "sendMessage",
            {"chat_id": head.user_id, "text": alerts.ping(lang, kind, issue_id)},
            now, dedup_key=f"ping:{issue_id}:{head.user_id}:{reason}", issue_id=issue_id,
            klass=await outbox.issue_class_in(conn, issue_id),
        )

    def _status_label(self, status: Status) -> str:
        return relay.status_label(self.config.language, status)

