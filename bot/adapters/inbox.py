"""Feeds the Application from our own fetch loop, through the durable inbox.

PTB's Updater confirms an update (by asking for the next offset) whether or not a handler has
run, so a crash with a backlog loses it. Here an update is committed to the inbox first; only
then does the next getUpdates carry an offset that confirms it; and a row is marked processed
only after the Application has handled it. Rows left by a crash are handled at the next start.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.clock import Clock, iso
from storage import inbox
from storage.db import Store

log = logging.getLogger(__name__)


class InboxFeeder:
    def __init__(
        self, app: Application, store: Store, clock: Clock, poll_timeout: int  # type: ignore[type-arg]
    ) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self.poll_timeout = poll_timeout
        self._arrived = asyncio.Event()
        self.idle = asyncio.Event()

    async def fetch_forever(self) -> None:
        offset = await inbox.next_offset(self.store)
        backoff = 1.0
        while True:
            try:
                updates = await self.app.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    read_timeout=self.poll_timeout + 10,
                    allowed_updates=Update.ALL_TYPES,
                )
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning(
                    "getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if not updates:
                continue
            # Commit before the next call confirms them through its offset.
            await inbox.store_updates(
                self.store, [u.to_dict() for u in updates], iso(self.clock.now())
            )
            offset = max(u.update_id for u in updates) + 1
            self._arrived.set()

    async def process_forever(self) -> None:
        while True:
            self._arrived.clear()
            rows = await inbox.pending(self.store)
            if not rows:
                self.idle.set()
                await self._arrived.wait()
                continue
            self.idle.clear()
            for update_id, payload in rows:
                await self.process_one(update_id, payload)

    async def process_backlog(self) -> int:
        """What waited in the inbox from before a crash, handled before anything new."""
        done = 0
        while rows := await inbox.pending(self.store):
            for update_id, payload in rows:
                await self.process_one(update_id, payload)
                done += 1
        return done

    async def process_one(self, update_id: int, payload: dict[str, object]) -> None:
        error: str | None = None
        try:
            update = Update.de_json(payload, self.app.bot)
            # Handler errors are caught by the Application and go to our error handler.
            await self.app.process_update(update)
            # A conversation step is durable before its update counts as processed.
            await self.app.update_persistence()
        except Exception as exc:  # noqa: BLE001 - an unparsable update must not stop the loop
            log.exception("update %s could not be processed", update_id)
            error = f"{type(exc).__name__}: {exc}"[:500]
        await inbox.mark_processed(self.store, update_id, iso(self.clock.now()), error)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
