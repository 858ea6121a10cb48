"""Downloads report photos and voice messages after intake, off the update path.

Intake only records Telegram file ids, so a slow or failing download never delays or loses a
report. Photos are re-encoded without EXIF (bot.media, in a worker thread); voice is kept as
sent. Transient failures are retried with backoff; a file Telegram will not give us (over
20 MB) or that is not an image is marked rejected with the reason's catalog key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import Clock, iso, parse_iso
from bot.media import MediaRejected, reencode_image, store_bytes
from storage import issues
from storage.db import Store
from storage.issues import MediaRow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 30  # with the backoff capped at an hour: about a day of trying
# New media rows wake the fetcher (Store.notify); the idle poll only backs that up.
IDLE_POLL = 30.0  # seconds

# Told when a file cannot be kept: (media row, catalog key of the reason).
Rejected = Callable[[MediaRow, str], Awaitable[None]]


class TryLater(Exception):
    """Telegram could not hand the file over just now (flood wait, timeout, network)."""


@dataclass(frozen=True)
class Kept:
    """A file downloaded, checked and stored under media_dir (``path`` relative to it)."""

    path: str
    bytes: int
    sha256: str | None = None
    width: int | None = None
    height: int | None = None


async def keep_file(
    bot: Bot, file_id: str, kind: str, size: int | None, media_dir: Path, max_bytes: int,
) -> Kept:
    """The one download path, for a group's report and a resident's draft alike: fetch the
    file, re-encode a photo without EXIF (in a worker thread), store it by its hash.
    ``MediaRejected`` for a file that will never do, ``TryLater`` for a passing failure."""
    if size is not None and size > max_bytes:
        raise MediaRejected("media.too_big")
    try:
        file = await bot.get_file(file_id)
        if file.file_size is not None and file.file_size > max_bytes:
            raise MediaRejected("media.too_big")
        data = bytes(await file.download_as_bytearray())
    except BadRequest as exc:
        too_big = "too big" in str(exc).lower()
        raise MediaRejected("media.too_big" if too_big else "media.unavailable") from exc
    except (RetryAfter, TimedOut, NetworkError, Forbidden) as exc:
        raise TryLater(type(exc).__name__) from exc
    if kind == "photo":
        image = await asyncio.to_thread(reencode_image, data, max_bytes=max_bytes)
        path = await asyncio.to_thread(store_bytes, media_dir, image.data, ".jpg")
        return Kept(str(path.relative_to(media_dir)), len(image.data), image.sha256,
                    image.width, image.height)
    path = await asyncio.to_thread(store_bytes, media_dir, data, ".ogg")
    return Kept(str(path.relative_to(media_dir)), len(data))


class MediaFetcher:
    def __init__(
        self, bot: Bot, store: Store, clock: Clock, media_dir: str, max_bytes: int,
        on_rejected: Rejected, idle_poll: float = IDLE_POLL,
    ) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.media_dir = Path(media_dir)
        self.max_bytes = max_bytes
        self.on_rejected = on_rejected
        self.idle_poll = idle_poll
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            self._wake.clear()
            try:
                rows = await issues.pending_media(self.store, iso(self.clock.now()))
                for row in rows:
                    self.idle.clear()
                    await self.fetch(row)
            except Exception:  # noqa: BLE001 - a full disk or an odd answer: try again later
                log.exception("fetching media failed; retrying")
                await asyncio.sleep(5.0)
                continue
            if rows:
                continue
            self.idle.set()
            due = await issues.next_media_due(self.store)
            timeout = self.idle_poll
            if due is not None:
                wait = (parse_iso(due) - self.clock.now()).total_seconds()
                timeout = max(0.05, min(timeout, wait))
            # Woken by new media, or the timeout brings the next retry due.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def fetch(self, row: MediaRow) -> None:
        try:
            kept = await keep_file(self.bot, row.file_id, row.kind, row.file_size,
                                   self.media_dir, self.max_bytes)
        except MediaRejected as exc:
            await self._reject(row, exc.key)
            return
        except TryLater as exc:
            await self._retry(row, str(exc))
            return
        await issues.set_media(self.store, row.id, {
            "status": "stored", "path": kept.path, "width": kept.width, "height": kept.height,
            "sha256": kept.sha256, "error": None, "attempts": row.attempts + 1,
        })

    async def _reject(self, row: MediaRow, key: str) -> None:
        log.info("media %s of issue %s rejected: %s", row.id, row.issue_id, key)
        await issues.set_media(
            self.store, row.id, {"status": "rejected", "error": key, "attempts": row.attempts + 1}
        )
        await self.on_rejected(row, key)

    async def _retry(self, row: MediaRow, error: str) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await self._reject(row, "media.unavailable")
            return
        when = self.clock.now() + timedelta(seconds=min(2 ** row.attempts, 3600))
        await issues.set_media(
            self.store, row.id,
            {"attempts": row.attempts + 1, "error": error, "next_attempt_at": iso(when)},
        )
