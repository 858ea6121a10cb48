"""The composition root: builds the Application and runs it, for production and tests alike.

PTB's Updater is not used (see bot.adapters.inbox); ``Runner`` plays the part of
``run_polling``: initialize, post_init, start, our loops, then stop, shutdown, post_shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.adapters.inbox import InboxFeeder
from bot.adapters.media import IDLE_POLL as MEDIA_IDLE_POLL
from bot.adapters.media import MediaFetcher
from bot.adapters.outbox import IDLE_POLL as OUTBOX_IDLE_POLL
from bot.adapters.outbox import OutboxSender
from bot.adapters.persistence import SqlitePersistence
from bot.clock import Clock, SystemClock, iso
from bot.config import Config
from bot.logmask import protect
from bot.services.hub import Services
from bot.web.server import DeskServer
from handlers.commands import register_commands
from handlers.context import BotData, Ctx
from handlers.desk import set_menu_buttons
from handlers.jobs import catch_up
from storage import inbox, outbox

log = logging.getLogger(__name__)

App = Application[Any, Ctx, Any, Any, BotData, Any]


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits (SPEC §8); tests shrink the periods to run fast."""

    overall_max: float = 30
    overall_period: float = 1
    group_max: float = 20
    group_period: float = 60


def build_application(
    config: Config,
    *,
    clock: Clock | None = None,
    limits: RateLimits | None = None,
    request_timeout: float = 30.0,
) -> App:
    limits = limits or RateLimits()
    protect(config.token.reveal())
    services = Services.create(config, clock or SystemClock())
    app: App = (
        ApplicationBuilder()
        .token(config.token.reveal())
        .base_url(config.api_base_url)
        .base_file_url(config.file_base_url)
        .updater(None)
        # A send that gets no answer in time is retried by the outbox (at-least-once), so
        # the timeout is generous: a retry after a slow answer would post a second copy.
        .read_timeout(request_timeout)
        .context_types(ContextTypes(context=Ctx, bot_data=BotData))
        .defaults(Defaults(tzinfo=config.tz))
        .rate_limiter(AIORateLimiter(
            overall_max_rate=limits.overall_max, overall_time_period=limits.overall_period,
            group_max_rate=limits.group_max, group_time_period=limits.group_period,
            # RetryAfter comes back to the outbox, which reschedules the row durably.
            max_retries=0,
        ))
        # Half-finished private reports (conversation state and draft) live in our database.
        .persistence(SqlitePersistence(services.store))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data.services = services
    handlers.register(app)
    return app


async def _post_init(app: App) -> None:
    await app.bot_data.services.initialize()


async def _post_shutdown(app: App) -> None:
    await app.bot_data.services.shutdown()


class Runner:
    """Plays ``run_polling``'s part: starts the application and our loops (fetch, inbox,
    outbox, media), catches up on what was missed, and stops it all cleanly.

    The outbox and media loops wake when a transaction that left them work commits (the
    store's after-commit signal); ``idle_poll`` (seconds; None keeps their defaults) is how
    long they sleep with nothing due, a backstop that tests stretch to an hour to prove no
    send waits for it."""

    def __init__(self, app: App, *, idle_poll: float | None = None) -> None:
        self.app = app
        services = app.bot_data.services
        self.services = services
        config = services.config
        self.feeder = InboxFeeder(
            app, services.store, services.clock, config.poll_timeout, services.failed_updates,
            on_unreadable=services.update_unreadable,
        )
        self.sender = OutboxSender(
            app.bot, services.store, services.clock,
            render_card=services.issues.card, card_thread=services.issues.thread,
            on_chat_lost=services.chat_lost, on_chat_moved=services.roster.chat_migrated,
            media_dir=config.media_dir,
            idle_poll=OUTBOX_IDLE_POLL if idle_poll is None else idle_poll,
        )
        self.media = MediaFetcher(
            app.bot, services.store, services.clock, config.media_dir, config.max_photo_bytes,
            on_rejected=lambda row, key: services.media_rejected(row.issue_id, row.message_id, key),
            on_store_failed=lambda row, error: services.media_not_stored(row.issue_id, error),
            idle_poll=MEDIA_IDLE_POLL if idle_poll is None else idle_poll,
        )
        services.store.subscribe("outbox", self.sender.wake)
        services.store.subscribe("media", self.media.wake)
        self._tasks: list[asyncio.Task[None]] = []
        # The coordinators' desk, in this process and loop, when [web] public_url is set.
        self.web = DeskServer(services) if config.web_public_url is not None else None

    async def start(self) -> None:
        app = self.app
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        # getUpdates is refused while a webhook is set; keep whatever updates wait.
        await app.bot.delete_webhook(drop_pending_updates=False)
        self._spawn(self.sender.run_forever(), "outbox")
        self._spawn(self.media.run_forever(), "media")
        backlog = await self.feeder.process_backlog()
        if backlog:
            log.info("processed %d updates left from before the restart", backlog)
        released = await self.services.issues.release_forgotten_cards()
        if released:
            log.info("posted %d cards that a restart had held back", released)
        # Before the catch-ups: coordinators hear of the downtime before what it held back.
        gone = await self.services.report_downtime()
        if gone is not None:
            log.warning("the bot was down for %s", gone)
        # What came due while the bot was down runs once now; the JobQueue takes it from here.
        await catch_up(Ctx(app))
        self._spawn(self.feeder.process_forever(), "inbox")
        self._spawn(self.feeder.fetch_forever(), "fetch")
        try:
            await register_commands(app)
        except Exception:  # noqa: BLE001 - the command menu is a convenience, not a reason to stop
            log.warning("setMyCommands failed", exc_info=True)
        if self.web is not None:
            await self.web.start()
            try:
                await set_menu_buttons(app)
            except Exception:  # noqa: BLE001 - the menu button is a convenience too
                log.warning("setChatMenuButton failed", exc_info=True)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(self._crashed)
        self._tasks.append(task)

    def _crashed(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.critical("loop %s stopped", task.get_name(), exc_info=task.exception())

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
        for task in self._tasks:
            task.cancel()
        # A loop that had stopped with an error was logged by _crashed; stop the rest anyway.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        app = self.app
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    async def settled(self, timeout: float = 20.0) -> None:
        """Wait until inbox, outbox and media have nothing left to do (tests and the demo)."""
        store = self.services.store
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet = 0
        while loop.time() < deadline:
            busy = (
                await inbox.count_pending(store) or await outbox.count_pending(store)
                or not self.media.idle.is_set() or self.app.job_queue is not None and any(
                    job.name and job.name.startswith("album:")
                    for job in self.app.job_queue.jobs()
                )
            )
            quiet = 0 if busy else quiet + 1
            if quiet >= 3:
                return
            await asyncio.sleep(0.05)
        left = await store.fetchall(
            "SELECT id, kind, method, chat_id, attempts, next_attempt_at, last_error"
            " FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 5"
        )
        raise TimeoutError(
            f"the bot did not settle: {await inbox.count_pending(store)} updates and "
            f"{await outbox.count_pending(store)} messages pending, the first "
            f"{[tuple(r) for r in left]}; now {iso(self.services.clock.now())}"
        )
