"""Scheduled work on PTB's JobQueue: escalation of unclaimed items, the auto-close of
unanswered "fixed?" questions, a heartbeat for downtime reports, and the sweep of residents'
drafts abandoned half-way (their files would otherwise stay on disk for ever).

The Runner runs each catch-up once at start-up (a bot that was down catches up there); the
jobs repeat it. A late run still runs (misfire grace) and piled-up runs collapse into one.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.clock import iso
from handlers.context import Ctx
from handlers.private_intake import draft_files, stale_draft

log = logging.getLogger(__name__)
AUTO_CLOSE_EVERY = 600  # seconds: a three-day window needs no finer grain
ESCALATE_EVERY = 60  # seconds: the shortest acknowledge window is 30 minutes
HEARTBEAT_EVERY = 60  # seconds: downtime is reported to the minute
DRAFT_SWEEP_EVERY = 3600  # seconds
DRAFT_MAX_AGE = timedelta(days=1)  # a draft untouched this long is abandoned
JOB_KWARGS = {"misfire_grace_time": 3600, "coalesce": True}


async def on_auto_close(ctx: Ctx) -> None:
    closed = await ctx.services.residents.auto_close_due()
    if closed:
        log.info("auto-closed %d resolved issues nobody verified", closed)
        ctx.services.wake_outbox()


async def on_escalation_tick(ctx: Ctx) -> None:
    climbed = await ctx.services.escalation.escalate_due()
    if climbed:
        log.info("escalated %d unclaimed items", climbed)
        ctx.services.wake_outbox()


async def on_heartbeat(ctx: Ctx) -> None:
    await ctx.services.heartbeat()


async def on_draft_sweep(ctx: Ctx) -> None:
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


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = app.job_queue
    assert queue is not None
    queue.run_repeating(
        on_auto_close, interval=AUTO_CLOSE_EVERY, first=AUTO_CLOSE_EVERY, name="auto-close",
        job_kwargs=JOB_KWARGS,
    )
    queue.run_repeating(
        on_heartbeat, interval=HEARTBEAT_EVERY, first=HEARTBEAT_EVERY, name="heartbeat",
        job_kwargs=JOB_KWARGS,
    )
    queue.run_repeating(
        on_draft_sweep, interval=DRAFT_SWEEP_EVERY, first=DRAFT_SWEEP_EVERY,
        name="draft-sweep", job_kwargs=JOB_KWARGS,
    )
    queue.run_repeating(
        on_escalation_tick, interval=ESCALATE_EVERY, first=ESCALATE_EVERY, name="escalation",
        job_kwargs=JOB_KWARGS,
    )
