"""Residents close the loop: private reports, relays between them and the heads, status
notices, the "fixed?" question and its answer, and the auto-close of unanswered ones.

A resident's identity never reaches a group: cards say "resident" and the place, relayed
messages are signed "resident, 3-2", and media are copied, never forwarded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock, iso
from bot.config import Config
from bot.domain.lifecycle import Action
from bot.domain.model import Place, ReporterKind, Role, Status
from bot.domain.routing import escalate
from bot.errors import UserError
from bot.i18n import t
from bot.services.issues import IncomingMedia, IssueService, Report
from bot.services.messages import mention
from bot.services.notices import VERIFY_ANSWERS
from bot.services.roster import RosterService
from storage import issues, outbox
from storage.db import Store
from storage.issues import IssueRow

log = logging.getLogger(__name__)

def place_label(language: str, building: str, unit: str) -> str:
    if building and unit:
        return t(language, "place.building_unit", building=building, unit=unit)
    if building:
        return t(language, "place.building", building=building)
    return t(language, "place.unknown")


@dataclass(frozen=True)
class Relay:
    """A message to carry across: text is sent fresh, media are copied with a caption."""

    chat_id: int
    message_id: int
    text: str
    has_media: bool


class ResidentService:
    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Clock,
        roster: RosterService,
        issues_service: IssueService,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.roster = roster
        self.issues = issues_service

    async def check_rate(self, user_id: int) -> None:
        """At most N new issues per resident per hour and per day (SPEC §3 anti-spam)."""
        now = self.clock.now()
        for window, limit, key in (
            (timedelta(hours=1), self.config.resident_max_per_hour, "resident.rate_hour"),
            (timedelta(days=1), self.config.resident_max_per_day, "resident.rate_day"),
        ):
            row = await self.store.fetchone(
                """SELECT COUNT(*) FROM issues WHERE reporter_user_id = ?
                     AND reporter_kind = 'resident' AND created_at > ?""",
                (user_id, iso(now - window)),
            )
            if row and int(row[0]) >= limit:
                raise UserError(key, limit=limit)

    async def submit(
        self,
        *,
        user_id: int,
        chat_id: int,
        message_id: int,
        grid_key: str,
        place: Place,
        category: str,
        text: str,
        media: tuple[IncomingMedia, ...],
        latitude: float | None,
        longitude: float | None,
    ) -> int:
        """The resident confirmed: one issue, even if the confirm button is pressed twice."""
        if await self.issues.existing(chat_id, message_id) is None:
            await self.check_rate(user_id)
        result = await self.issues.report(Report(
            chat_id=chat_id, message_id=message_id, user_id=user_id, user_name="",
            text=text, media=media, latitude=latitude, longitude=longitude, via="private",
            reporter_kind=ReporterKind.RESIDENT, grid_key=grid_key, place=place,
            category=category,
        ))
        return result.issue_id

    async def mine(self, user_id: int) -> list[IssueRow]:
        return await issues.reported_by(self.store, user_id)

    async def issue_of_message(self, chat_id: int, message_id: int) -> IssueRow | None:
        """The issue a message is about: its card, or anything the bot sent about it."""
        row = await issues.by_card(self.store, chat_id, message_id)
        if row is not None:
            return row
        issue_id = await outbox.issue_of_sent(self.store, chat_id, message_id)
        return await issues.get(self.store, issue_id) if issue_id is not None else None

    async def answer_in_group(
        self, row: IssueRow, head_id: int, message: Relay, photos: tuple[IncomingMedia, ...],
        *, to_resident: bool,
    ) -> None:
        """A head replied to an issue in the group: photos become its "after" pictures, and a
        resident reporter receives the reply, signed with the head's role."""
        roles = await self.roster.roles_in(row.grid_key, head_id)
        if not roles and not self.roster.is_coordinator(head_id):
            raise UserError("perm.not_head")
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            for m in photos:
                await issues.add_media(
                    conn, row.id, "photo", m.file_id, m.file_unique_id, m.file_size,
                    message.message_id, None, now, role="after",
                )
            await issues.link_message(conn, message.chat_id, message.message_id, row.id)
            if to_resident and row.reporter_user_id is not None:
                lang = await self.issues.notices.language(conn, row.reporter_user_id)
                signer = (t(lang, f"role.{_closest(roles).value}") if roles
                          else t(lang, "relay.coordinator"))
                signed = t(lang, "relay.from_head", role=signer, number=row.id,
                           text=message.text)
                await self._carry(conn, row.reporter_user_id, message, signed, now, row.id,
                                  None, None)
            await issues.add_event(
                conn, row.id, now, "relay_to_resident" if to_resident else "comment",
                actor_user_id=head_id, data={"text": message.text, "media": message.has_media},
                chat_id=message.chat_id, message_id=message.message_id,
            )

    async def relay_to_group(self, row: IssueRow, user_id: int, message: Relay) -> None:
        """The resident's answer goes back into the thread, signed "resident" and the place."""
        if row.reporter_user_id != user_id:
            if await self.roster.roles_in(row.grid_key, user_id):
                raise UserError("relay.head_in_group", number=row.id)
            raise UserError("relay.not_yours")
        if row.card_chat_id is None:
            raise UserError("relay.no_group")
        now = iso(self.clock.now())
        lang = self.config.language
        signed = t(lang, "relay.from_resident", number=row.id,
                   place=place_label(lang, row.building, row.unit), text=message.text)
        async with self.store.transaction() as conn:
            await self._carry(conn, row.card_chat_id, message, signed, now, row.id,
                              row.card_message_id, row.card_thread_id)
            await issues.add_event(
                conn, row.id, now, "relay_to_group", actor_user_id=user_id,
                data={"text": message.text, "media": message.has_media},
                chat_id=message.chat_id, message_id=message.message_id,
            )

    async def _carry(
        self, conn: Any, to_chat: int, message: Relay, signed: str, now: str, issue_id: int,
        reply_to: int | None, thread_id: int | None,
    ) -> None:
        payload: dict[str, Any] = {"chat_id": to_chat}
        if message.has_media:
            method = "copyMessage"
            payload.update(from_chat_id=message.chat_id, message_id=message.message_id,
                           caption=signed[:1024])
        else:
            method = "sendMessage"
            payload["text"] = signed[:4096]
        if reply_to is not None:
            payload["reply_parameters"] = {"message_id": reply_to,
                                           "allow_sending_without_reply": True}
        if thread_id is not None:
            payload["message_thread_id"] = thread_id
        await outbox.enqueue_call(
            conn, to_chat, method, payload, now,
            dedup_key=f"relay:{message.chat_id}:{message.message_id}", issue_id=issue_id,
        )

    async def verify(self, issue_id: int, user_id: int, answer: str) -> IssueRow:
        """The reporter's answer to "fixed?" (SPEC §3)."""
        if answer not in VERIFY_ANSWERS:
            raise UserError("button.unknown")
        row = await self.issues.get(issue_id)
        if row.reporter_user_id != user_id:
            raise UserError("perm.reporter_only")
        if row.status != Status.RESOLVED.value:
            lang = await self.issues.notices.language_of(user_id)
            raise UserError("verify.already", number=issue_id,
                            status=t(lang, f"status.{row.status}"))
        if answer == "fixed":
            return await self.issues.act(issue_id, Action.CLOSE, user_id, verified=True)
        if answer == "unsure":
            await self._ask_coordinators(row)
            return row
        # Partly or not fixed: reopen, and the item climbs one rung up the chain.
        heads = await self.roster.heads(row.grid_key)
        current = next((h for h in heads if h.user_id == row.assignee_user_id), None)
        wanted = Place(row.building, row.unit) if row.building else None
        higher = escalate(current, Role(row.wanted_role), wanted, heads)
        reopened = await self.issues.apply(
            issue_id, Action.REOPEN, user_id, new_head=higher or current,
            reason=f"verify:{answer}",
        )
        await self._nudge_group(reopened, answer)
        return reopened

    async def _nudge_group(self, row: IssueRow, answer: str) -> None:
        """A reopened item is said in the thread with a mention, so it is not missed."""
        if row.card_chat_id is None or row.assignee_user_id is None:
            return
        name = await self.roster.name_of(row.grid_key, row.assignee_user_id)
        lang = self.config.language
        text = t(lang, "verify.reopened", number=row.id, answer=t(lang, f"verify.{answer}"),
                 mention=mention(row.assignee_user_id, name))
        async with self.store.transaction() as conn:
            await outbox.enqueue_call(
                conn, row.card_chat_id, "sendMessage",
                {"chat_id": row.card_chat_id, "text": text, "parse_mode": "HTML",
                 "reply_parameters": {"message_id": row.card_message_id,
                                      "allow_sending_without_reply": True}
                 if row.card_message_id else None,
                 "message_thread_id": row.card_thread_id},
                iso(self.clock.now()), dedup_key=f"reopened:{row.id}:{row.updated_at}",
                issue_id=row.id,
            )

    async def _ask_coordinators(self, row: IssueRow) -> None:
        lang = self.config.language
        now = iso(self.clock.now())
        markup = {"inline_keyboard": [[
            {"text": t(lang, "button.close"), "callback_data": f"issue:close:{row.id}"},
            {"text": t(lang, "button.reopen"), "callback_data": f"issue:reopen:{row.id}"},
        ]]}
        async with self.store.transaction() as conn:
            await issues.add_event(conn, row.id, now, "verify_unsure",
                                   actor_user_id=row.reporter_user_id)
            for coordinator in self.config.coordinators:
                await outbox.enqueue_call(
                    conn, coordinator, "sendMessage",
                    {"chat_id": coordinator, "text": t(lang, "verify.ask_coordinator",
                                                       number=row.id),
                     "reply_markup": markup},
                    now, dedup_key=f"unsure:{row.id}:{row.resolved_at}:{coordinator}",
                    issue_id=row.id,
                )

    async def auto_close_due(self) -> int:
        """Resolved and unanswered for verify_days: closed as unverified, reporter told.
        Run periodically and at start-up, so a bot that was down catches up."""
        cutoff = iso(self.clock.now() - timedelta(days=self.config.verify_days))
        closed = 0
        for row in await issues.resolved_before(self.store, cutoff):
            try:
                await self.issues.apply(row.id, Action.CLOSE, None, verified=False)
            except UserError as changed:
                # Changed meanwhile (the resident's answer won the race): nothing to close.
                log.info("auto-close of #%s skipped: %s", row.id, changed.key)
                continue
            closed += 1
        return closed


def _closest(roles: frozenset[Role]) -> Role:
    """Sign with the role nearest the resident (a unit head who is also grid head signs as
    unit head: that is who they know)."""
    order = (Role.UNIT, Role.BUILDING, Role.POLICE, Role.GRID, Role.COMMUNITY)
    return next(r for r in order if r in roles)
