"""Periodic work, in one list: escalation of unclaimed items, the auto-close of unanswered
"fixed?" questions, the meeting agendas, a heartbeat for downtime reports, the sweep of
residents' drafts abandoned half-way (their files would otherwise stay on disk for ever),
and retention (residents' identities leave issues that ended long ago).

Each entry of ``PERIODIC`` is a JobQueue job and, if it says so, a catch-up the Runner runs
once at start-up (a bot that was down catches up there; the jobs repeat it), so new work
cannot be scheduled and forgotten at start-up or the other way round. A late run still runs
(misfire grace) and piled-up runs collapse into one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.clock import iso
from handlers.context import Ctx
from handlers.private_intake import draft_files, stale_draft

log = logging.getLogger(__name__)
AUTO_CLOSE_EVERY = 600  # seconds: a three-day window needs no finer grain
ESCALATE_EVERY = 60  # seconds: the shortest acknowledge window is 30 minutes
MEETING_TICK_EVERY = 60  # seconds: an agenda goes out within a minute of the hour
HEARTBEAT_EVERY = 60  # seconds: downtime is reported to the minute
DRAFT_SWEEP_EVERY = 3600  # seconds
DRAFT_MAX_AGE = timedelta(days=1)  # a draft untouched this long is abandoned
RETENTION_EVERY = 86400  # seconds: identities are kept for months, a day is fine grain
JOB_KWARGS = {"misfire_grace_time": 3600, "coalesce": True}


@dataclass(frozen=True)
class Periodic:
    """One piece of periodic work. ``work`` answers how many things it did, for the log:
    ``done`` after a job run that did something; ``at_start`` (None: it does not run at
    start-up) after the start-up catch-up."""

    name: str  # the JobQueue job's name
    every: int  # seconds
    work: Callable[[Ctx], Awaitable[int]]
    done: str | None = None
    at_start: str | None = None

    async def run(self, ctx: Ctx) -> None:
        """One run of the job."""
        count = await self.work(ctx)
        if count and self.done is not None:
            log.info(self.done, count)


async def _heartbeat(ctx: Ctx) -> int:
    await ctx.services.heartbeat()
    return 0


async def _auto_close(ctx: Ctx) -> int:
    return await ctx.services.residents.auto_close_due()


async def _escalate(ctx: Ctx) -> int:
    return await ctx.services.escalation.escalate_due()


async def _post_agendas(ctx: Ctx) -> int:
    """Post whatever meeting is due and not yet posted (usually nothing); why a tick rather
    than a job per meeting: see handlers.meetings."""
    return await ctx.services.agenda.post_due()


async def _forget_residents(ctx: Ctx) -> int:
    return await ctx.services.retention.forget_due()


async def _sweep_drafts(ctx: Ctx) -> int:
    """Drafts untouched for a day go, with their files; the resident who comes back is told
    the draft expired (see private_intake._recover)."""
    app = ctx.application
    cutoff = iso(ctx.services.clock.now() - DRAFT_MAX_AGE)
    swept = 0
    for data in list(app.user_data.values()):
        if stale_draft(data, cutoff):
            removed = await ctx.services.residents.discard_draft_files(draft_files(data))
            data.pop("draft", None)
            swept += 1
            log.info("swept an abandoned draft (%d files removed)", removed)
    if swept:
        await app.update_persistence()
    return swept


# At start-up, in this order: auto-close, escalation, then the agendas, which list what the
# other two changed. The heartbeat is not run there: Services.report_downtime, which the
# Runner calls before these, reads the last beat and beats.
PERIODIC: tuple[Periodic, ...] = (
    Periodic("heartbeat", HEARTBEAT_EVERY, _heartbeat),
    Periodic(
        "auto-close", AUTO_CLOSE_EVERY, _auto_close,
        done="auto-closed %d resolved issues nobody verified",
        at_start="auto-closed %d issues whose verification window passed",
    ),
    Periodic(
        "escalation", ESCALATE_EVERY, _escalate,
        done="escalated %d unclaimed items",
        at_start="escalated %d items left unclaimed while the bot was down",
    ),
    Periodic(
        "meetings", MEETING_TICK_EVERY, _post_agendas,
        done="posted %d meeting agendas",
        at_start="posted %d meeting agendas that came due while the bot was down",
    ),
    Periodic("draft-sweep", DRAFT_SWEEP_EVERY, _sweep_drafts),
    Periodic(
        "retention", RETENTION_EVERY, _forget_residents,
        done="retention: %d finished issues no longer name their resident reporter",
        at_start="retention: %d finished issues no longer name their resident reporter",
    ),
)


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = app.job_queue
    assert queue is not None
    for entry in PERIODIC:
        queue.run_repeating(
            entry.run, interval=entry.every, first=entry.every, name=entry.name,
            job_kwargs=JOB_KWARGS,
        )


async def catch_up(ctx: Ctx) -> None:
    """At start-up, once: what came due while the bot was down."""
    for entry in PERIODIC:
        if entry.at_start is not None:
            count = await entry.work(ctx)
            if count:
                log.info(entry.at_start, count)
