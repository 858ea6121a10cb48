"""Scheduled work on PTB's JobQueue: escalation of unclaimed items, the auto-close of
unanswered "fixed?" questions, and a heartbeat for downtime reports.

The Runner runs each catch-up once at start-up (a bot that was down catches up there); the
jobs repeat it. A late run still runs (misfire grace) and piled-up runs collapse into one.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from handlers.context import Ctx

log = logging.getLogger(__name__)
AUTO_CLOSE_EVERY = 600  # seconds: a three-day window needs no finer grain
ESCALATE_EVERY = 60  # seconds: the shortest acknowledge window is 30 minutes
HEARTBEAT_EVERY = 60  # seconds: downtime is reported to the minute
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
        on_escalation_tick, interval=ESCALATE_EVERY, first=ESCALATE_EVERY, name="escalation",
        job_kwargs=JOB_KWARGS,
    )
