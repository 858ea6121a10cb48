"""Reports sent in a group bound to no grid: kept, not lost, and filed once the group is bound.

A report needs a grid (its heads, its routing), so one from a group nobody has bound yet
cannot be an issue. It is kept instead, with what rebuilds it (text, author, thread, photos
and voice by file id), and the people who can fix that hear of it once: the group under its
first kept report, every coordinator in private. When a coordinator binds the group, every
kept report becomes an issue with its card and ping through :meth:`IssueService.report`,
which knows a message it filed before: a repeated /bind, or one redone after a crash, files
nothing twice.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.clock import iso
from bot.i18n import language_for
from bot.services.base import IssueWork
from bot.services.issues import IncomingMedia, Report
from bot.services.messages import say_in
from bot.views import alerts
from storage import outbox, pending, people
from storage.pending import PendingRow


def _stored(r: Report) -> dict[str, Any]:
    """What a group report is made of besides its chat, message and album (the row's keys);
    a group report names no grid, place or category of its own."""
    return {
        "user_id": r.user_id, "user_name": r.user_name, "text": r.text,
        "thread_id": r.thread_id, "media": [asdict(m) for m in r.media],
        "latitude": r.latitude, "longitude": r.longitude, "via": r.via,
    }


def _rebuilt(row: PendingRow) -> Report:
    data = row.report
    return Report(
        chat_id=row.chat_id, message_id=row.message_id, media_group_id=row.media_group_id,
        user_id=data["user_id"], user_name=data["user_name"], text=data["text"],
        thread_id=data["thread_id"], media=tuple(IncomingMedia(**m) for m in data["media"]),
        latitude=data["latitude"], longitude=data["longitude"], via=data["via"],
    )


class PendingService(IssueWork):
    async def keep(self, r: Report, chat_title: str) -> None:
        """Keep a report from a group bound to no grid. A bare photo is kept only beside a
        kept photo of its album (alone, in a group that is no grid's, it is not necessarily
        a report). The first kept report of the group is answered with what to do, and
        every coordinator who can be written to hears of the group (title and id), in the
        same transaction: once per group, however many reports follow or are redelivered."""
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            if not r.text.strip() and not (
                r.media_group_id
                and await pending.album_waiting_in(conn, r.chat_id, r.media_group_id)
            ):
                return
            if not await pending.keep_in(
                conn, r.chat_id, r.message_id, r.media_group_id, _stored(r), now
            ):
                return  # kept before: a redelivered message
            if await pending.waiting_count_in(conn, r.chat_id) > 1:
                return  # the group and the coordinators heard at its first kept report
            await say_in(
                conn, now, r.chat_id, alerts.kept_unbound(self.config.language),
                dedup_key=f"kept:{r.chat_id}:{r.message_id}", reply_to=r.message_id,
                thread_id=r.thread_id,
            )
            for coordinator in self.config.coordinators:
                person = await people.person_in(conn, coordinator)
                if not person or not person["started_bot"]:
                    continue  # a bot cannot write first
                lang = language_for(person["language"], self.config.language)
                await outbox.enqueue_call(
                    conn, coordinator, "sendMessage",
                    {"chat_id": coordinator,
                     "text": alerts.unbound_group(lang, chat_title, r.chat_id)},
                    now, dedup_key=f"kept:{r.chat_id}:{r.message_id}:{coordinator}",
                )

    async def file(self, chat_id: int) -> int:
        """The group is bound now: every report kept from it becomes an issue, oldest first
        (an album's photos join its one issue). Returns how many issues this made."""
        made = 0
        for row in await pending.waiting(self.store, chat_id):
            result = await self.issues.report(_rebuilt(row))
            async with self.store.transaction() as conn:
                await pending.filed_in(conn, row.chat_id, row.message_id, result.issue_id)
            made += int(result.created)
        return made

    async def file_bound(self) -> int:
        """At start-up: a group bound while reports waited (in the config file, or by a
        /bind whose filing a crash cut short) has them filed now."""
        made = 0
        for chat_id in await pending.chats_waiting(self.store):
            grid = await self.roster.grid_of_chat(chat_id)
            if grid is not None and grid.active:
                made += await self.file(chat_id)
        return made
