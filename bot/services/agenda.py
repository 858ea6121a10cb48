"""The meetings of the 9th, 19th and 29th (SPEC §5): each bound grid's agenda, posted once.

Exactly once, also across restarts: a posting is its outbox rows plus a ``meetings`` row
whose primary key (grid, local date) refuses a second one, written in one transaction.
Whatever runs :meth:`AgendaService.post_due` - the minute tick, the start-up catch-up, both
at once - the second writer finds the row and posts nothing. A bot that was down at the
hour posts the latest missed meeting when it comes back, marked late; older missed
meetings are never posted as a backlog (their lists are stale; the latest one covers them).

Reading is here, rendering is not: :meth:`AgendaService.build` reads everything into an
:class:`~bot.views.agenda.Agenda` of plain data, and :mod:`bot.views.agenda` turns it into
messages under Telegram's limit.
"""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_left
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.domain.deadlines import is_overdue, resolution_due
from bot.domain.issue import Issue
from bot.domain.meetings import last_meeting, next_meeting
from bot.errors import UserError
from bot.i18n import language_for
from bot.images import MAX_TILES, contact_sheet
from bot.media import store_bytes
from bot.services.base import IssueWork
from bot.services.issues import IssueService
from bot.services.roster import RosterService
from bot.views.agenda import Agenda, AgendaItem, render, sheet_caption, summary
from storage import issues, meetings, outbox
from storage.db import Store
from storage.grids import GridRow

log = logging.getLogger(__name__)

# Past this, an agenda says it is late: a tick a minute or two after the hour is on time.
LATE_AFTER = timedelta(minutes=15)
# The coordinators' summary is still sent this long after the last posting (a crash between
# the agendas and the summary), never days later to someone who just started the bot.
SUMMARY_WINDOW = timedelta(hours=1)
# /decide refuses a longer decision; the agenda shows only its start (bot.views.agenda).
DECISION_MAX = 1000


def _read_all(paths: list[Path]) -> list[bytes]:
    """A missing or unreadable file becomes empty bytes: a grey tile that keeps its number."""
    out: list[bytes] = []
    for path in paths:
        try:
            out.append(path.read_bytes())
        except OSError:
            out.append(b"")
    return out


class AgendaService(IssueWork):
    def __init__(
        self, config: Config, store: Store, clock: Clock, roster: RosterService,
        issues_service: IssueService,
    ) -> None:
        super().__init__(config, store, clock, roster, issues_service)
        self.meeting_time = time.fromisoformat(config.meeting_time)

    # ------------------------------------------------------------------ calendar

    def _last(self, at_or_before: datetime) -> datetime | None:
        return last_meeting(
            at_or_before, self.config.meeting_days, self.meeting_time, self.config.tz,
            skip_holidays=self.config.meeting_skip_holidays,
        )

    def _next(self, after: datetime) -> datetime:
        return next_meeting(
            after, self.config.meeting_days, self.meeting_time, self.config.tz,
            skip_holidays=self.config.meeting_skip_holidays,
        )

    # ------------------------------------------------------------------ reading

    async def build(
        self,
        grid_key: str,
        meeting_at: datetime,
        *,
        previous: datetime | None,
        late: bool = False,
        preview: bool = False,
    ) -> Agenda:
        """Read one grid's agenda for the meeting at ``meeting_at``.

        The period is (previous meeting, this meeting]: every item is "new" on exactly one
        agenda and "closed" on exactly one. Unresolved are the items open now and created
        by the meeting time; ages and overdue marks are as of now (a late agenda tells the
        truth at the moment it is read).
        """
        grid = await self.roster.grid(grid_key)
        if grid is None:
            raise UserError("grid.unknown", key=grid_key)
        tz = self.config.tz
        now = self.clock.now()
        start, end = (iso(previous) if previous else ""), iso(meeting_at)
        local = meeting_at.astimezone(tz)
        closed = await meetings.closed_between(self.store, grid_key, start, end)
        new = await meetings.created_between(self.store, grid_key, start, end)
        open_rows = await meetings.unresolved_by(self.store, grid_key, end)
        decisions = await meetings.last_decisions(self.store, grid_key)
        listed = sorted(
            s for s, _ in await meetings.times_listed(
                self.store, grid_key, local.date().isoformat()
            )
        )
        photos = await meetings.first_photos(self.store, [r.id for r in open_rows])
        voiced = await issues.with_voice(
            self.store, sorted({r.id for r in (*closed, *new, *open_rows)})
        )
        figures = await meetings.figures_by_kind(self.store, grid_key, start, end)
        names = {h.user_id: h.name for h in await self.roster.heads(grid_key)}

        async def who(user_id: int | None) -> str | None:
            if user_id is None:
                return None
            if user_id not in names:  # a coordinator who claimed: one lookup, then cached
                names[user_id] = await self.roster.name_of(grid_key, user_id)
            return names[user_id]

        unresolved = []
        for row in open_rows:
            created = row.created_at
            due = row.due_at or resolution_due(created, row.priority, tz)
            unresolved.append(AgendaItem(
                **self._basics(row, voiced), assignee=await who(row.assignee_user_id),
                age_days=max((now - created).days, 0), overdue=is_overdue(due, now),
                # Earlier agendas scheduled at or after its creation listed it.
                meeting_no=1 + len(listed) - bisect_left(listed, iso(row.created_at)),
                decision=decisions.get(row.id), photo=photos.get(row.id),
            ))
        return Agenda(
            grid_key=grid.key,
            grid_name=grid.name,
            meeting_at=meeting_at,
            local_date=local.date(),
            local_time=local.strftime("%H:%M"),
            period_start=previous.astimezone(tz).date() if previous else None,
            period_end=local.date(),
            late=late,
            preview=preview,
            closed=tuple(AgendaItem(**self._basics(r, voiced), decision=decisions.get(r.id))
                         for r in closed),
            new=tuple(AgendaItem(**self._basics(r, voiced)) for r in new),
            unresolved=tuple(unresolved),
            figures=figures,
        )

    @staticmethod
    def _basics(row: Issue, voiced: set[int]) -> dict[str, Any]:
        """What every section says of an item; ``voiced`` are the items reported by voice."""
        return {
            "number": row.id, "category": row.category, "kind": row.kind, "place": row.place,
            "status": row.status, "priority": row.priority, "text": row.text,
            "has_voice": row.id in voiced, "department": row.department,
        }

    # ------------------------------------------------------------------ posting

    async def preview(self, grid_key: str, *, language: str | None = None) -> list[str]:
        """The next meeting's agenda as it stands now (for /agenda); nothing is recorded."""
        now = self.clock.now()
        agenda = await self.build(
            grid_key, self._next(now), previous=self._last(now), preview=True
        )
        return render(agenda, language or self.config.language, self.issues.categories)

    async def post_due(self, now: datetime | None = None) -> int:
        """Post the latest meeting's agenda to every bound grid that has not had it.

        Returns how many grids were posted. Run every minute and once at start-up; a run
        with nothing due reads one row per grid and writes nothing.
        """
        now = now or self.clock.now()
        meeting_at = self._last(now)
        if meeting_at is None:
            return 0
        local_date = meeting_at.astimezone(self.config.tz).date().isoformat()
        late = now - meeting_at > LATE_AFTER
        previous = self._last(meeting_at - timedelta(microseconds=1))
        built: dict[str, Agenda] = {}
        for grid in await self.roster.all_grids():
            if not grid.active or grid.chat_id is None:
                continue
            if await meetings.is_posted(self.store, grid.key, local_date):
                continue
            bound = await meetings.bound_at(self.store, grid.key)
            if bound is not None and bound > iso(meeting_at):
                # Bound (or first configured) after that meeting: it was never this
                # group's meeting, and a fresh install must not open with a stale agenda.
                continue
            try:
                agenda = await self._post(grid, meeting_at, previous, local_date, late, now)
            except Exception:  # noqa: BLE001 - one grid's failure must not silence the others
                log.exception("agenda of %s for %s failed", grid.key, local_date)
                continue
            if agenda is not None:
                built[grid.key] = agenda
        await self._summaries(now, meeting_at, previous, local_date, built)
        return len(built)

    async def _post(
        self, grid: GridRow, meeting_at: datetime, previous: datetime | None, local_date: str,
        late: bool, now: datetime,
    ) -> Agenda | None:
        assert grid.chat_id is not None
        lang = self.config.language
        agenda = await self.build(grid.key, meeting_at, previous=previous, late=late)
        chunks = render(agenda, lang, self.issues.categories)
        # Pillow work happens before the transaction: the write lock is held briefly.
        sheet = await self._contact_sheet(agenda, lang)
        stamp = iso(now)
        async with self.store.transaction() as conn:
            if not await meetings.record_in(
                conn, grid.key, local_date, scheduled_at=iso(meeting_at), posted_at=stamp,
                late=late, messages=len(chunks) + (1 if sheet else 0),
                unresolved=len(agenda.unresolved),
            ):
                return None  # another run posted it first
            for i, chunk in enumerate(chunks):
                await outbox.enqueue_call(
                    conn, grid.chat_id, "sendMessage",
                    {"chat_id": grid.chat_id, "text": chunk, "parse_mode": "HTML",
                     "link_preview_options": {"is_disabled": True}},
                    stamp, dedup_key=f"agenda:{grid.key}:{local_date}:{i}",
                )
            if sheet is not None:
                path, caption = sheet
                await outbox.enqueue_call(
                    conn, grid.chat_id, "sendPhoto",
                    {"chat_id": grid.chat_id, "photo_file": path, "caption": caption},
                    stamp, dedup_key=f"agenda:{grid.key}:{local_date}:sheet",
                )
        log.info("agenda of %s for %s posted (%d messages%s)", grid.key, local_date,
                 len(chunks), ", late" if late else "")
        return agenda

    async def _contact_sheet(self, agenda: Agenda, lang: str) -> tuple[str, str] | None:
        """The unresolved items' first photos, numbered, stored under media_dir; None when
        no item has a photo. The image work runs in a thread, off the event loop."""
        with_photo = [(i.number, i.photo) for i in agenda.unresolved if i.photo]
        if not with_photo:
            return None
        shown = with_photo[:MAX_TILES]
        root = Path(self.config.media_dir)
        data = await asyncio.to_thread(_read_all, [root / p for _, p in shown])
        image = await asyncio.to_thread(
            contact_sheet, [(n, d) for (n, _), d in zip(shown, data, strict=True)]
        )
        path = await asyncio.to_thread(store_bytes, root, image, ".jpg")
        return str(path.relative_to(root)), sheet_caption(lang, len(shown), len(with_photo))

    async def _summaries(
        self, now: datetime, meeting_at: datetime, previous: datetime | None, local_date: str,
        built: dict[str, Agenda],
    ) -> None:
        """One message per coordinator: a line per grid posted for this meeting.

        Sent once per meeting date (dedup key); also after a crash between the agendas and
        the summary, as long as the postings are recent.
        """
        postings = await meetings.posted_on(self.store, local_date)
        if not postings or parse_iso(max(p.posted_at for p in postings)) < now - SUMMARY_WINDOW:
            return
        agendas: list[Agenda] | None = None
        for coordinator in self.config.coordinators:
            key = f"agenda-summary:{local_date}:{coordinator}"
            if await meetings.outbox_has(self.store, f"{key}:0"):
                continue
            started, language = await meetings.reachable(self.store, coordinator)
            if not started:
                continue  # a bot cannot write first
            if agendas is None:
                agendas = [
                    built.get(p.grid_key) or await self.build(
                        p.grid_key, meeting_at, previous=previous
                    )
                    for p in postings
                ]
            chunks = summary(language_for(language, self.config.language), local_date, agendas)
            stamp = iso(now)
            async with self.store.transaction() as conn:
                for i, chunk in enumerate(chunks):
                    await outbox.enqueue_call(
                        conn, coordinator, "sendMessage",
                        {"chat_id": coordinator, "text": chunk, "parse_mode": "HTML"},
                        stamp, dedup_key=f"{key}:{i}",
                    )

    # ------------------------------------------------------------------ decisions

    async def decide(
        self, issue_id: int, user_id: int, text: str, *, chat_id: int | None = None,
        message_id: int | None = None,
    ) -> None:
        """Record a meeting decision on an item; later agendas show the latest one.

        Coordinators only: they chair the meeting. A command delivered twice (the inbox
        retries a failed update) records one decision.
        """
        self.roster.require_coordinator(user_id)
        text = text.strip()
        if not 1 <= len(text) <= DECISION_MAX:
            raise UserError("decide.usage")
        await self.issues.get(issue_id)  # issue.not_found for a wrong number
        async with self.store.transaction() as conn:
            if message_id is not None and await meetings.decision_from_in(
                conn, chat_id, message_id
            ):
                return
            await issues.add_event(
                conn, issue_id, iso(self.clock.now()), "decision", actor_user_id=user_id,
                data={"text": text}, chat_id=chat_id, message_id=message_id,
            )

