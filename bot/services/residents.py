"""Residents close the loop: private reports, relays between them and the heads, status
notices, the "fixed?" question and its answer, and the auto-close of unanswered ones.

A resident's identity never reaches a group: cards say "resident" and the place, relayed
messages are signed "resident, 3-2", and media are copied, never forwarded.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import iso, parse_iso
from bot.domain.issue import Issue
from bot.domain.lifecycle import Action
from bot.domain.model import Place, ReporterKind, Status
from bot.domain.routing import escalate
from bot.errors import UserError
from bot.services.base import IssueWork
from bot.services.issues import IncomingMedia, Report
from bot.services.messages import clip, say_in
from bot.views import alerts, relay
from bot.views.html_text import utf16_len
from bot.views.notices import VERIFY_ANSWERS
from storage import issues, outbox

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Relay:
    """A message to carry across: text is sent fresh, media are copied with a caption."""

    chat_id: int
    message_id: int
    text: str
    has_media: bool
    captioned: bool = True  # a shared location is copied bare: it cannot carry a caption


# Telegram's limits for a message and a caption, in UTF-16 units.
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
# Replies about one issue are passed on at most ``relay_per_minute`` times in this window, in
# each direction: a burst must not fill a group's 20 messages a minute.
RELAY_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class _Leg:
    """One direction of a relay: where it goes, the event that records it, and what a
    sender past the cap is told (in their chat, in their language)."""

    event: str  # relay_to_group | relay_to_resident (past the cap: ..._held)
    to_chat: int
    reply_to: int | None
    thread_id: int | None
    note: str
    note_thread: int | None


class ResidentService(IssueWork):
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

    async def bytes_stored_since(self, user_id: int, since: datetime) -> int:
        """What a resident's reports stored since ``since``: the per-resident storage cap."""
        return await issues.resident_bytes_since(self.store, user_id, iso(since))

    async def discard_draft_files(self, paths: list[str]) -> int:
        """Remove the files of an abandoned draft; a file that an issue also uses (the same
        photo, stored once by its hash) stays."""
        root = Path(self.config.media_dir)
        removed = 0
        for path in paths:
            if await issues.media_path_used(self.store, path):
                continue
            removed += await asyncio.to_thread(_unlink_inside, root, path)
        return removed

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

    async def mine(self, user_id: int) -> list[Issue]:
        return await issues.reported_by(self.store, user_id)

    async def issue_of_message(self, chat_id: int, message_id: int) -> Issue | None:
        """The issue a message is about: its card, or anything the bot sent about it."""
        row = await issues.by_card(self.store, chat_id, message_id)
        if row is not None:
            return row
        issue_id = await outbox.issue_of_sent(self.store, chat_id, message_id)
        return await issues.get(self.store, issue_id) if issue_id is not None else None

    async def answer_in_group(
        self, row: Issue, head_id: int, message: Relay, photos: tuple[IncomingMedia, ...],
        *, to_resident: bool,
    ) -> None:
        """A head replied to an issue in the group: photos become its "after" pictures, and a
        resident reporter receives the reply, signed with the head's role."""
        roles = await self.roster.require_head(row.grid_key, head_id)
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            if await _relayed_before_in(conn, row.id, message):
                return  # the same update, processed again after a restart
            for m in photos:
                await issues.add_media(
                    conn, row.id, "photo", m.file_id, m.file_unique_id, m.file_size,
                    message.message_id, None, now, role="after",
                )
            await issues.link_message(conn, message.chat_id, message.message_id, row.id)
            if to_resident and row.reporter_user_id is not None:
                lang = await self.issues.notices.language(conn, row.reporter_user_id)
                signed = relay.from_head(lang, row, roles, message.text)
                note = relay.held_note(self.config.language, row.id, by_resident=False)
                leg = _Leg("relay_to_resident", row.reporter_user_id, None, None, note,
                           row.card_thread_id)
                passed, data = await self._pass_on(conn, row, head_id, message, leg, signed,
                                                   now)
                await issues.add_event(
                    conn, row.id, now,
                    "relay_to_resident" if passed else "relay_to_resident_held",
                    actor_user_id=head_id, data=data,
                    chat_id=message.chat_id, message_id=message.message_id,
                )
            else:
                await issues.add_event(
                    conn, row.id, now, "comment", actor_user_id=head_id,
                    data={"text": message.text, "media": message.has_media},
                    chat_id=message.chat_id, message_id=message.message_id,
                )

    async def relay_to_group(self, row: Issue, user_id: int, message: Relay) -> None:
        """The resident's answer goes back into the thread, signed "resident" and the place
        (within the per-minute cap, see ``_pass_on``)."""
        if row.reporter_user_id != user_id or not row.by_resident:
            # A head (even one who reported it) answers in the group, under their own name:
            # signed "resident" here it would be passed off as a resident's word.
            if await self.roster.roles_in(row.grid_key, user_id) or not row.by_resident:
                raise UserError("relay.head_in_group", number=row.id)
            raise UserError("relay.not_yours")
        if row.card_chat_id is None:
            raise UserError("relay.no_group")
        now = iso(self.clock.now())
        signed = relay.from_resident(self.config.language, row, message.text)
        async with self.store.transaction() as conn:
            if await _relayed_before_in(conn, row.id, message):
                return  # the same update, processed again after a restart
            note = relay.held_note(await self.issues.notices.language(conn, user_id), row.id,
                                   by_resident=True)
            leg = _Leg("relay_to_group", row.card_chat_id, row.card_message_id,
                       row.card_thread_id, note, None)
            passed, data = await self._pass_on(conn, row, user_id, message, leg, signed, now)
            await issues.add_event(
                conn, row.id, now, "relay_to_group" if passed else "relay_to_group_held",
                actor_user_id=user_id, data=data,
                chat_id=message.chat_id, message_id=message.message_id,
            )

    async def _pass_on(
        self, conn: Any, row: Issue, sender: int, message: Relay, leg: _Leg, signed: str,
        now: str,
    ) -> tuple[bool, dict[str, Any]]:
        """Relay a message unless this direction of the issue is past its cap for the minute;
        past it the message is only kept on the issue (nothing is lost: /show lists it) and
        the sender hears why, once a minute. A burst of texts becomes one message.

        Says whether it was passed on, and the data of the event that records it."""
        since = iso(parse_iso(now) - RELAY_WINDOW)
        relayed, told, last_sender = await _relay_window_in(conn, row.id, leg.event, sender,
                                                            since)
        data: dict[str, Any] = {"text": message.text, "media": message.has_media}
        if relayed < self.config.relay_per_minute:
            # A line from the same sender as the one before needs no second signature.
            line = message.text if last_sender == sender else signed
            await self._carry(conn, leg, message, signed, line, now, row.id)
            return True, data
        if not told:
            data["told"] = True
            await say_in(
                conn, now, message.chat_id, leg.note,
                dedup_key=f"relay-held:{message.chat_id}:{message.message_id}",
                reply_to=message.message_id, thread_id=leg.note_thread, issue_id=row.id,
            )
        return False, data

    async def _carry(
        self, conn: Any, leg: _Leg, message: Relay, signed: str, line: str, now: str,
        issue_id: int,
    ) -> None:
        """Queue the relay. A text joins the one still waiting in this direction when it
        fits; photos and voice are copied, which cannot be merged."""
        merge_key = f"relay:{issue_id}:{leg.event}"
        if not message.has_media and await outbox.append_text_in(
            conn, merge_key, line, lambda text: utf16_len(text) <= TEXT_LIMIT
        ):
            return
        payload: dict[str, Any] = {"chat_id": leg.to_chat}
        if message.has_media:
            method = "copyMessage"
            payload.update(from_chat_id=message.chat_id, message_id=message.message_id)
            if message.captioned:
                payload["caption"] = clip(signed, CAPTION_LIMIT)
        else:
            method = "sendMessage"
            payload["text"] = clip(signed, TEXT_LIMIT)
        if leg.reply_to is not None:
            payload["reply_parameters"] = {"message_id": leg.reply_to,
                                           "allow_sending_without_reply": True}
        if leg.thread_id is not None:
            payload["message_thread_id"] = leg.thread_id
        await outbox.enqueue_call(
            conn, leg.to_chat, method, payload, now,
            dedup_key=f"relay:{message.chat_id}:{message.message_id}", issue_id=issue_id,
            klass=outbox.LOW, merge_key=merge_key,
        )

    @staticmethod
    def require_owner(row: Issue, user_id: int) -> None:
        """The resident who reported it: only they answer "fixed?" or talk through the bot."""
        if row.reporter_user_id != user_id:
            raise UserError("perm.reporter_only")

    async def verify(self, issue_id: int, user_id: int, answer: str) -> Issue:
        """The reporter's answer to "fixed?" (SPEC §3)."""
        if answer not in VERIFY_ANSWERS:
            raise UserError("button.unknown")
        row = await self.issues.get(issue_id)
        self.require_owner(row, user_id)
        if row.status is not Status.RESOLVED:
            lang = await self.issues.notices.language_of(user_id)
            raise UserError("verify.already", number=issue_id,
                            status=relay.status_label(lang, row.status))
        if answer == "fixed":
            return await self.issues.act(issue_id, Action.CLOSE, user_id, verified=True)
        if answer == "unsure":
            await self._ask_coordinators(row)
            return row
        # Partly or not fixed: reopen, and the item climbs one rung up the chain.
        heads = await self.roster.heads(row.grid_key)
        current = next((h for h in heads if h.user_id == row.assignee_user_id), None)
        wanted = row.place if row.place.building else None
        higher = escalate(current, row.wanted_role, wanted, heads)
        reopened = await self.issues.apply(
            issue_id, Action.REOPEN, user_id, new_head=higher or current,
            reason=f"verify:{answer}",
        )
        await self._nudge_group(reopened, answer)
        return reopened

    async def _nudge_group(self, row: Issue, answer: str) -> None:
        """A reopened item is said in the thread with a mention, so it is not missed."""
        if row.card_chat_id is None or row.assignee_user_id is None:
            return
        name = await self.roster.name_of(row.grid_key, row.assignee_user_id)
        text = alerts.reopened(self.config.language, row.id, answer, row.assignee_user_id, name)
        async with self.store.transaction() as conn:
            await say_in(
                conn, iso(self.clock.now()), row.card_chat_id, text, html=True,
                dedup_key=f"reopened:{row.id}:{iso(row.updated_at)}",
                reply_to=row.card_message_id, thread_id=row.card_thread_id, issue_id=row.id,
                klass=await outbox.issue_class_in(conn, row.id),
            )

    async def _ask_coordinators(self, row: Issue) -> None:
        now = iso(self.clock.now())
        text, markup = alerts.ask_coordinators(self.config.language, row)
        async with self.store.transaction() as conn:
            await issues.add_event(conn, row.id, now, "verify_unsure",
                                   actor_user_id=row.reporter_user_id)
            for coordinator in self.config.coordinators:
                await outbox.enqueue_call(
                    conn, coordinator, "sendMessage",
                    {"chat_id": coordinator, "text": text, "reply_markup": markup},
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


def _unlink_inside(root: Path, path: str) -> int:
    """Remove ``root/path`` if it lies under ``root`` (a draft names its files itself)."""
    target = root / path
    if root.resolve() not in target.resolve().parents:
        log.warning("draft file outside media_dir ignored: %s", path)
        return 0
    try:
        target.unlink()
    except FileNotFoundError:
        return 0
    return 1


async def _relayed_before_in(conn: Any, issue_id: int, message: Relay) -> bool:
    """Whether this message was already relayed, held or recorded as a comment: a text
    merged into a waiting relay has no outbox row of its own to deduplicate a replay."""
    async with conn.execute(
        """SELECT 1 FROM events WHERE issue_id = ? AND chat_id = ? AND message_id = ?
             AND type IN ('relay_to_group', 'relay_to_group_held', 'relay_to_resident',
                          'relay_to_resident_held', 'comment')
           LIMIT 1""",
        (issue_id, message.chat_id, message.message_id),
    ) as cur:
        return await cur.fetchone() is not None


async def _relay_window_in(
    conn: Any, issue_id: int, event: str, sender: int, since: str
) -> tuple[int, bool, int | None]:
    """For one direction of an issue: messages relayed since ``since``, whether the sender
    was told of the cap since then, and who sent the last message relayed."""
    async with conn.execute(
        """SELECT
             (SELECT COUNT(*) FROM events
              WHERE issue_id = :issue AND type = :event AND at > :since),
             EXISTS (SELECT 1 FROM events
                     WHERE issue_id = :issue AND type = :held AND at > :since
                       AND actor_user_id = :sender AND json_extract(data, '$.told')),
             (SELECT actor_user_id FROM events
              WHERE issue_id = :issue AND type = :event ORDER BY id DESC LIMIT 1)""",
        {"issue": issue_id, "event": event, "held": f"{event}_held", "sender": sender,
         "since": since},
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]), bool(row[1]), row[2]
