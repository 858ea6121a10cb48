"""Downloads report photos and voice messages after intake, off the update path.

Intake only records Telegram file ids, so a slow or failing download never delays or loses a
report. Photos are re-encoded without EXIF (bot.media, in a worker thread); voice is kept as
sent. Transient failures are retried with backoff; a file Telegram will not give us (over
20 MB) or that is not an image is marked rejected with the reason's catalog key.

A disk that is full or not writable under media_dir is a passing failure too (the operator
frees space; Telegram keeps the file): the row is tried again with backoff, an ERROR line
names the directory and the cause, and ``on_store_failed`` (if given) hears of it once per
spell, so coordinators can be told. Any other failure of one file is retried the same way,
never again in a loop on that file that held every later photo back.
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

from bot.clock import Clock, as_timedelta, iso, parse_iso
from bot.media import MediaRejected, reencode_image, store_bytes
from storage import issues
from storage.db import Store
from storage.issues import MediaRow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 30  # with the backoff capped at an hour: about a day of trying
# New media rows wake the fetcher (Store.notify); the idle poll only backs that up.
IDLE_POLL = 30.0  # seconds

# Pauses (seconds) before trying a download again at once after a quick failure.
QUICK_RETRIES = (0.5, 1.0)
QUICK_RETRY_AFTER = 5.0  # a RetryAfter up to this long is waited out at once
# Told when a file cannot be kept: (media row, catalog key of the reason).
Rejected = Callable[[MediaRow, str], Awaitable[None]]
# Told once when files stop being storable under media_dir: (media row, the OS's reason).
StoreTrouble = Callable[[MediaRow, str], Awaitable[None]]
# Photos fetched and re-encoded at once: one per core of a small server (issue #11's bench:
# one at a time left the second core idle while Pillow worked).
FETCH_AT_ONCE = 2


class TryLater(Exception):
    """Telegram could not hand the file over just now (flood wait, timeout, network)."""


class StoreFailed(TryLater):
    """The file was fetched but could not be written under media_dir (disk full, not
    writable, a file where a folder should be): the OS's error, worth another try later."""


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
    data = await _download(bot, file_id, max_bytes)
    if kind == "photo":
        image = await asyncio.to_thread(reencode_image, data, max_bytes=max_bytes)
        path = await _store(media_dir, image.data, ".jpg")
        return Kept(str(path.relative_to(media_dir)), len(image.data), image.sha256,
                    image.width, image.height)
    path = await _store(media_dir, data, ".ogg")
    return Kept(str(path.relative_to(media_dir)), len(data))


async def _download(bot: Bot, file_id: str, max_bytes: int) -> bytes:
    """getFile and the download, tried again at once (after ``QUICK_RETRIES``' pauses) when
    the failure was quick: a reset connection, a 5xx, a short RetryAfter. A resident's photo
    is fetched while they wait, and one dropped connection told them it "cannot be
    downloaded" and lost it. A timeout has waited long enough already: TryLater at once."""
    for pause in (*QUICK_RETRIES, None):
        try:
            file = await bot.get_file(file_id)
            if file.file_size is not None and file.file_size > max_bytes:
                raise MediaRejected("media.too_big")
            return bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            too_big = "too big" in str(exc).lower()
            raise MediaRejected("media.too_big" if too_big else "media.unavailable") from exc
        except RetryAfter as exc:
            wait = as_timedelta(exc.retry_after).total_seconds()
            if pause is None or wait > QUICK_RETRY_AFTER:
                raise TryLater(type(exc).__name__) from exc
            await asyncio.sleep(wait)
        except (TimedOut, Forbidden) as exc:
            raise TryLater(type(exc).__name__) from exc
        except NetworkError as exc:
            if pause is None:
                raise TryLater(type(exc).__name__) from exc
            log.info("downloading %s failed (%s); trying again", file_id, exc)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")  # the last pass returns or raises


async def _store(media_dir: Path, data: bytes, suffix: str) -> Path:
    """store_bytes in a thread; the OS refusing (ENOSPC, EACCES, ENOTDIR...) is StoreFailed,
    not an error escaping to the caller's loop."""
    try:
        return await asyncio.to_thread(store_bytes, media_dir, data, suffix)
    except OSError as exc:
        raise StoreFailed(f"{media_dir}: {exc.strerror or exc}") from exc


class MediaFetcher:
    def __init__(
        self, bot: Bot, store: Store, clock: Clock, media_dir: str, max_bytes: int,
        on_rejected: Rejected, idle_poll: float = IDLE_POLL,
        on_store_failed: StoreTrouble | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.media_dir = Path(media_dir)
        self.max_bytes = max_bytes
        self.on_rejected = on_rejected
        self.idle_poll = idle_poll
        self.on_store_failed = on_store_failed
        # Whether the last attempt to write under media_dir failed (one notice per spell).
        self._store_failing = False
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            self._wake.clear()
            try:
                rows = await issues.pending_media(self.store, iso(self.clock.now()))
                for start in range(0, len(rows), FETCH_AT_ONCE):
                    self.idle.clear()
                    # Each waits for the download, then re-encodes in a thread of its own.
                    done = await asyncio.gather(
                        *(self.fetch(row) for row in rows[start:start + FETCH_AT_ONCE]),
                        return_exceptions=True,
                    )
                    for failure in done:
                        if isinstance(failure, BaseException):
                            raise failure
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
            # asyncio.timeout, not wait_for: 3.11's wait_for can drop a cancellation that
            # arrives with the wake-up, and stopping the bot then waited for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def fetch(self, row: MediaRow) -> None:
        try:
            kept = await keep_file(self.bot, row.file_id, row.kind, row.file_size,
                                   self.media_dir, self.max_bytes)
        except MediaRejected as exc:
            await self._reject(row, exc.key)
            return
        except StoreFailed as exc:
            await self._store_failed(row, str(exc))
            return
        except TryLater as exc:
            await self._retry(row, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - one odd file must not hold the others back
            log.exception("media %s of issue %s: unexpected failure", row.id, row.issue_id)
            await self._retry(row, f"{type(exc).__name__}: {exc}")
            return
        if self._store_failing:
            log.warning("media can be stored under %s again", self.media_dir)
            self._store_failing = False
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

    async def _store_failed(self, row: MediaRow, error: str) -> None:
        log.error("media %s of issue %s could not be stored (%s); it is kept to try again"
                  " - free space or fix the permissions of media_dir",
                  row.id, row.issue_id, error)
        first = not self._store_failing
        self._store_failing = True
        await self._retry(row, error, give_up_key="media.not_stored")
        if first and self.on_store_failed is not None:
            await self.on_store_failed(row, error)

    async def _retry(
        self, row: MediaRow, error: str, give_up_key: str = "media.unavailable"
    ) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            log.error("media %s of issue %s: giving up after %d attempts: %s",
                      row.id, row.issue_id, row.attempts + 1, error)
            await self._reject(row, give_up_key)
            return
        when = self.clock.now() + timedelta(seconds=min(2 ** row.attempts, 3600))
        await issues.set_media(
            self.store, row.id,
            {"attempts": row.attempts + 1, "error": error, "next_attempt_at": iso(when)},
        )
