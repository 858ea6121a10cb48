"""Feeds the Application from our own fetch loop, through the durable inbox.

PTB's Updater confirms an update (by asking for the next offset) whether or not a handler has
run, so a crash with a backlog loses it. Here an update is committed to the inbox first; only
then does the next getUpdates carry an offset that confirms it; and a row is marked processed
only after the Application has handled it. Rows left by a crash are handled at the next start.

Updates are fetched as raw JSON and stored before anything parses them: one update the
library cannot read (a field a newer or older Bot API server spells differently) would
otherwise fail the whole batch, and every later update in every chat would wait behind it
until Telegram dropped them. Each stored update is parsed on its own; one that cannot be is
set aside (kept in the inbox with its error), logged, and the coordinators are told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.clock import Clock, as_timedelta, iso
from storage import inbox
from storage.db import Store

log = logging.getLogger(__name__)
App = Application[Any, Any, Any, Any, Any, Any]
ATTEMPTS = 3  # tries of an update whose handler failed unexpectedly
# How much longer than its long-poll timeout a getUpdates answer may take before the call
# counts as timed out (and is made again with the same offset: nothing confirmed is lost).
POLL_GRACE = 10.0  # seconds
# How long one store batch of updates may run before it commits (seconds): the outbox and
# the jobs wait for the lock meanwhile.
BATCH_SECONDS = 0.25
Unreadable = Callable[[int], Awaitable[None]]


def _raw_updates(result: object) -> list[dict[str, Any]]:
    """The updates of a getUpdates answer that can be stored: objects with an integer id
    (anything else cannot be confirmed or kept, and is logged)."""
    if not isinstance(result, list):
        log.error("getUpdates answered something that is not a list; ignored")
        return []
    kept = [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
    if len(kept) != len(result):
        log.error("getUpdates gave %d items without an update id; ignored",
                  len(result) - len(kept))
    return kept



@dataclass(frozen=True)
class Handled:
    """An update the handlers have seen: ``error`` is what failed (None: nothing), and
    whether a handler failed in a way worth another try."""

    error: str | None
    retry: bool = False

class InboxFeeder:
    def __init__(
        self, app: App, store: Store, clock: Clock, poll_timeout: int, failed: set[int],
        on_unreadable: Unreadable,
    ) -> None:
        self.app = app
        self.on_unreadable = on_unreadable
        self.store = store
        self.clock = clock
        self.poll_timeout = poll_timeout
        # Update ids whose handler failed unexpectedly, noted by the error handler.
        self.failed = failed
        self._arrived = asyncio.Event()

    async def fetch_forever(self) -> None:
        offset = await inbox.next_offset(self.store)
        backoff = 1.0
        while True:
            try:
                # Raw JSON, parsed later one by one. The Bot API's method names are
                # case-insensitive; the lower-case name keeps PTB from suggesting its own
                # get_updates, which parses (and fails) the whole batch at once.
                result = await self.app.bot.do_api_request(
                    "getupdates",
                    api_kwargs={"offset": offset, "timeout": self.poll_timeout,
                                "allowed_updates": list(Update.ALL_TYPES)},
                    read_timeout=self.poll_timeout + POLL_GRACE,
                )
                updates = _raw_updates(result)
                if updates:
                    # Commit before the next call confirms them through its offset.
                    await inbox.store_updates(self.store, updates, iso(self.clock.now()))
                    offset = max(int(u["update_id"]) for u in updates) + 1
                    self._arrived.set()
                backoff = 1.0
            except RetryAfter as exc:
                await asyncio.sleep(as_timedelta(exc.retry_after).total_seconds())
            except (TimedOut, NetworkError) as exc:
                log.warning(
                    "getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            except Exception:  # noqa: BLE001 - a 409, a bad token, a full disk: keep trying
                log.exception("fetching updates failed; retrying in %.0f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)

    async def process_forever(self) -> None:
        while True:
            self._arrived.clear()
            try:
                rows = await inbox.pending(self.store)
                await self.process_batch(rows)
            except Exception:  # noqa: BLE001 - the database hiccuped: the rows stay pending
                log.exception("processing the inbox failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if not rows:
                await self._arrived.wait()

    async def process_backlog(self) -> int:
        """What waited in the inbox from before a crash, handled before anything new."""
        done = 0
        while rows := await inbox.pending(self.store):
            await self.process_batch(rows)
            done += len(rows)
        return done

    async def process_batch(self, rows: list[tuple[int, dict[str, object]]]) -> None:
        """Handle the updates in order, in as few commits as possible: updates share one
        store batch (each handler's transaction a savepoint in it) with their marks as
        processed, so a crash keeps an update's effects and its mark together or neither.
        A batch commits after ``BATCH_SECONDS``, so other writers (the outbox noting what it
        sent) wait only briefly; an update whose handler failed is tried again outside the
        batch, once what came before it is committed, so its pauses hold up nobody."""
        loop = asyncio.get_running_loop()
        queue = list(rows)
        while queue:
            retry: tuple[int, Update] | None = None
            async with self.store.batch():
                started = loop.time()
                done: list[tuple[int, str | None]] = []
                while queue and loop.time() - started < BATCH_SECONDS:
                    update_id, payload = queue.pop(0)
                    update = await self._read(update_id, payload)
                    if update is None:
                        continue
                    outcome = await self._try(update_id, update)
                    if outcome.retry:
                        retry = (update_id, update)
                        break
                    done.append((update_id, outcome.error))
                if done:  # in the batch, so committed with what the updates did
                    await inbox.mark_processed_many(self.store, done, iso(self.clock.now()))
            if retry is not None:
                await self._try_again(*retry)

    async def _read(self, update_id: int, payload: dict[str, object]) -> Update | None:
        """The update, or None when the library cannot read it: then it is set aside
        (marked with its error) and the coordinators are told."""
        try:
            return Update.de_json(payload, self.app.bot)
        except Exception as exc:  # noqa: BLE001 - whatever the library cannot read is set aside
            log.error("update %s cannot be read and is set aside: %s: %s",
                      update_id, type(exc).__name__, exc)
            await inbox.mark_processed(
                self.store, update_id, iso(self.clock.now()),
                f"unreadable: {type(exc).__name__}: {exc}"[:500],
            )
            await self.on_unreadable(update_id)
            return None

    async def _try(self, update_id: int, update: Update) -> Handled:
        """One go at an update. Handler errors are caught by the Application and go to our
        error handler, which notes the update in ``failed`` unless it was the user's
        mistake: those are worth another try (a busy or full disk); every step is
        idempotent."""
        failed = self.failed
        failed.discard(update_id)
        try:
            await self.app.process_update(update)
            # A conversation step is durable before its update counts as processed.
            await self.app.update_persistence()
        except Exception as exc:  # noqa: BLE001 - one update must not stop the others
            log.exception("update %s could not be processed", update_id)
            return Handled(f"{type(exc).__name__}: {exc}"[:500])
        finally:
            retry = update_id in failed
            failed.discard(update_id)
        return Handled("a handler failed", retry=True) if retry else Handled(None)

    async def _try_again(self, update_id: int, update: Update) -> None:
        """The later tries of an update whose handler failed, then its mark."""
        outcome = Handled("a handler failed", retry=True)
        for attempt in range(2, ATTEMPTS + 1):
            await asyncio.sleep(0.5 * (attempt - 1))
            outcome = await self._try(update_id, update)
            if not outcome.retry:
                break
        else:
            log.error("update %s failed %d times; recorded as failed", update_id, ATTEMPTS)
        await inbox.mark_processed(self.store, update_id, iso(self.clock.now()), outcome.error)
