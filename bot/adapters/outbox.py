"""Delivers the outbox: every stored message is sent, retried, and survives a restart.

Rows of one chat go out one at a time, urgent cards and pings first and relays last, in
order within a class (``storage.outbox.ready``): under a group's 20 messages a minute, a
fire report must not queue behind a resident's chatter. Different chats go out
concurrently, paced by PTB's AIORateLimiter (30/s overall, 20/min per group; a chat waiting
for its group limit holds one of many slots, so other chats keep moving; rows are taken
only as slots free up, so the chat with the most to send takes the next one). RetryAfter,
timeouts and network errors put the row back with a delay (after RetryAfter the whole chat
waits, whatever the class); a group that became a supergroup is followed to its new id; a
permanent refusal marks the row failed and is logged.

Telegram being unreachable, slow or refusing for a while is never a reason to give up: those
rows wait (at most ``MAX_BACKOFF`` between tries) for as long as it takes, as SPEC §8 asks
of RetryAfter, timeouts and network errors. Only a failure the sender does not understand
(a bug, a stored file gone) gives up after ``MAX_ATTEMPTS``, logged. A failure of our own
database (locked by a backup beyond the store's patience) never stops the sender either:
its loop logs it and tries again, and the row stays pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LinkPreviewOptions,
    Message,
    MessageId,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.clock import Clock, as_timedelta, iso, parse_iso
from bot.views.card import CARD_LIMIT
from bot.views.html_text import utf16_len
from bot.views.thread import CAPTION_LIMIT, CardThread
from storage import issues, outbox
from storage.db import Store
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

# Renders an issue's card as (HTML text, inline keyboard as Bot API JSON) within a length.
CardRenderer = Callable[[int, int], Awaitable[tuple[str, dict[str, Any]]]]
# What a resident's report brings under its card: photos, voice, location.
ThreadPlanner = Callable[[int], Awaitable[CardThread]]
ChatLost = Callable[[int], Awaitable[None]]
ChatMoved = Callable[[int, int], Awaitable[None]]

_OBJECTS: dict[str, Any] = {
    "reply_markup": InlineKeyboardMarkup,
    "reply_parameters": ReplyParameters,
    "link_preview_options": LinkPreviewOptions,
}
MAX_ATTEMPTS = 12  # tries of a row that fails in a way the sender does not understand
MAX_BACKOFF = 300.0  # seconds between tries of a row Telegram could not take just now
DB_RETRY = 1.0  # seconds before the loop tries again after our database failed it
# Committed rows wake the sender (Store.notify); the idle poll only backs that up.
IDLE_POLL = 5.0  # seconds
READY_AT_ONCE = 50  # rows taken by one look at the outbox, at most


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        store: Store,
        clock: Clock,
        render_card: CardRenderer,
        card_thread: ThreadPlanner,
        on_chat_lost: ChatLost,
        on_chat_moved: ChatMoved,
        media_dir: str,
        concurrency: int = 64,
        idle_poll: float = IDLE_POLL,
    ) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.render_card = render_card
        self.card_thread = card_thread
        self.on_chat_lost = on_chat_lost
        self.on_chat_moved = on_chat_moved
        self.media_dir = Path(media_dir)
        self.idle_poll = idle_poll
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        """Take due rows and deliver them, for ever. A failure of the database here (locked
        by a backup, full) once ended this task, and with it every send until a restart:
        now it is logged and the loop tries again."""
        try:
            while True:
                self._wake.clear()
                # Rows are taken only for free slots, each time afresh: taken early, they
                # queued in order of taking, so the chat that most needed to start (a burst
                # to one group, slowed by its own limit) waited behind every other chat.
                free = self.concurrency - len(self._tasks)
                if free <= 0:
                    await self._wake.wait()  # a delivery finishing frees a slot
                    continue
                try:
                    rows = await outbox.ready(self.store, iso(self.clock.now()), self._busy,
                                              limit=min(free, READY_AT_ONCE))
                except Exception:  # noqa: BLE001 - the rows stay pending; try again shortly
                    log.exception("outbox: reading due messages failed; retrying")
                    await asyncio.sleep(DB_RETRY)
                    continue
                for row in rows:
                    self._busy.add(row.chat_id)
                    task = asyncio.create_task(self._deliver(row), name=f"outbox:{row.id}")
                    self._tasks.add(task)
                    task.add_done_callback(self._done)
                try:
                    await self._sleep_until_due()
                except Exception:  # noqa: BLE001 - as above
                    log.exception("outbox: reading the next due time failed; retrying")
                    await asyncio.sleep(DB_RETRY)
        finally:
            for task in list(self._tasks):
                task.cancel()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()

    async def _sleep_until_due(self) -> None:
        due = await outbox.next_due(self.store)
        timeout = self.idle_poll
        if due is not None:
            wait = (parse_iso(due) - self.clock.now()).total_seconds()
            timeout = min(timeout, max(wait, 0.05))
        # asyncio.timeout, not wait_for: Python 3.11's wait_for drops a cancellation that
        # arrives as the wake-up does (a delivery finishing as the bot stops), and the loop
        # then ran on for ever under a Runner.stop() waiting for it.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()

    async def _deliver(self, row: OutboxRow) -> None:
        try:
            await self._attempt(row)
        except Exception:  # noqa: BLE001 - only our database can fail here: the row stays
            # pending and is tried again; a message that did go out may then go twice.
            log.exception("outbox %s: recording the outcome failed; it stays pending", row.id)
        finally:
            self._busy.discard(row.chat_id)

    async def _attempt(self, row: OutboxRow) -> None:
        now = self.clock.now()
        try:
            message_id = await (self._card(row) if row.kind == "card" else self._call(row))
        except RetryAfter as exc:
            await outbox.retry_later(
                self.store, row, iso(now + as_timedelta(exc.retry_after)), "RetryAfter"
            )
        except BadRequest as exc:  # a subclass of NetworkError, but permanent
            await self._refused(row, exc)
        except (TimedOut, NetworkError) as exc:  # timeouts, refused connections, 5xx answers
            await self._backoff(row, f"{type(exc).__name__}: {exc}", transient=True)
        except ChatMigrated as exc:
            # The group became a supergroup: move everything to the new id and send again.
            await self.on_chat_moved(row.chat_id, exc.new_chat_id)
            await outbox.retry_later(self.store, row, iso(now), "ChatMigrated")
        except Forbidden as exc:
            await outbox.mark_failed(self.store, row, iso(now), f"Forbidden: {exc}")
            log.warning("outbox %s: chat %s refused the bot: %s", row.id, row.chat_id, exc)
            if row.chat_id < 0:
                await self.on_chat_lost(row.chat_id)
        except Exception as exc:  # noqa: BLE001 - unknown failures are retried, never dropped
            log.exception("outbox %s: unexpected failure", row.id)
            await self._backoff(row, f"{type(exc).__name__}: {exc}")
        else:
            await outbox.mark_sent(self.store, row, iso(self.clock.now()), message_id)

    async def _backoff(self, row: OutboxRow, error: str, *, transient: bool = False) -> None:
        """Try the row again later. A ``transient`` failure (Telegram unreachable, slow or
        answering 5xx) is tried until it goes through: giving up after twelve tries, as
        every failure once did, dropped every card of a half-hour outage; and ``attempts``
        also counts RetryAfter answers, so a 429 storm followed by one 502 dropped it."""
        now = self.clock.now()
        if not transient and row.attempts + 1 >= MAX_ATTEMPTS:
            log.error("outbox %s: giving up after %s attempts: %s", row.id, row.attempts + 1, error)
            await outbox.mark_failed(self.store, row, iso(now), error)
            return
        delay = timedelta(seconds=min(2.0 ** min(row.attempts, 16), MAX_BACKOFF))
        # Warned once per row; later tries of the same row (an outage) only at INFO.
        log.log(logging.WARNING if row.attempts == 0 else logging.INFO,
                "outbox %s: %s; trying again in %.0f s", row.id, error, delay.total_seconds())
        await outbox.retry_later(self.store, row, iso(now + delay), error)

    async def _refused(self, row: OutboxRow, exc: BadRequest) -> None:
        text = str(exc).lower()
        if "message is not modified" in text:
            await outbox.mark_sent(self.store, row, iso(self.clock.now()), None)
            return
        if row.kind == "card" and row.issue_id is not None and "message to edit not found" in text:
            # Someone deleted the card: forget it, so the next attempt posts a fresh one.
            async with self.store.transaction() as conn:
                await issues.set_card_in(conn, row.issue_id, None)
            await self._backoff(row, "card was deleted")
            return
        log.error("outbox %s (%s): refused: %s", row.id, row.method or row.kind, exc)
        await outbox.mark_failed(self.store, row, iso(self.clock.now()), f"BadRequest: {exc}")

    async def _call(self, row: OutboxRow) -> int | None:
        kwargs: dict[str, Any] = {}
        for key, value in row.payload.items():
            if key in _OBJECTS and isinstance(value, dict):
                kwargs[key] = _OBJECTS[key].de_json(value, self.bot)
            elif key.endswith("_file"):
                kwargs[key.removesuffix("_file")] = await self._read(value)
            elif key == "media" and isinstance(value, list):
                kwargs[key] = [await self._album_item(item) for item in value]
            else:
                kwargs[key] = value
        result = await getattr(self.bot, _snake(row.method))(**kwargs)
        if isinstance(result, tuple) and result:
            result = result[0]  # an album: its first message stands for it
        # copyMessage answers a MessageId, the send* methods a Message: both carry the id.
        return result.message_id if isinstance(result, Message | MessageId) else None

    async def _read(self, path: str) -> bytes:
        """A file cannot live in JSON: a row names our own copy under media_dir."""
        return await asyncio.to_thread((self.media_dir / path).read_bytes)

    async def _album_item(self, item: dict[str, Any]) -> InputMediaPhoto:
        media = await self._read(item["media_file"]) if "media_file" in item else item["media"]
        return InputMediaPhoto(media=media, caption=item.get("caption"))

    async def _card(self, row: OutboxRow) -> int | None:
        assert row.issue_id is not None
        issue = await issues.get(self.store, row.issue_id)
        if issue is None or issue.card_chat_id is None:
            return None
        if issue.card_message_id is not None:
            await self._edit_card(row.issue_id, issue.card_chat_id, issue.card_message_id)
            return issue.card_message_id
        text, markup = await self.render_card(row.issue_id, CARD_LIMIT)
        keyboard = InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None
        reply = (
            ReplyParameters(issue.source_message_id, allow_sending_without_reply=True)
            if issue.source_message_id is not None and issue.source_chat_id == issue.card_chat_id
            else None
        )
        thread = await self.card_thread(row.issue_id)
        photo = thread.card_photo
        # A card too long for a caption stays text, and its photo replies to it.
        if photo is not None and utf16_len(text) <= CAPTION_LIMIT:
            sent = await self.bot.send_photo(
                chat_id=issue.card_chat_id,
                photo=await self._read(photo.path) if photo.path else photo.file_id,
                caption=text, parse_mode="HTML", reply_markup=keyboard,
                reply_parameters=reply, message_thread_id=issue.card_thread_id,
            )
            form = "photo"
        else:
            sent = await self.bot.send_message(
                chat_id=issue.card_chat_id, text=text, parse_mode="HTML", reply_markup=keyboard,
                reply_parameters=reply, message_thread_id=issue.card_thread_id,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
            form = "text"
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            await issues.set_card_in(conn, row.issue_id, sent.message_id, form)
            # Queued with the card's id, in the card's class: they follow it in its chat.
            for call in thread.follow(photo_card=form == "photo"):
                payload: dict[str, Any] = {
                    "chat_id": issue.card_chat_id, **call.payload,
                    "reply_parameters": {"message_id": sent.message_id,
                                         "allow_sending_without_reply": True},
                }
                if issue.card_thread_id is not None:
                    payload["message_thread_id"] = issue.card_thread_id
                await outbox.enqueue_call(
                    conn, issue.card_chat_id, call.method, payload, now,
                    dedup_key=call.dedup_key, issue_id=row.issue_id,
                    klass=await outbox.issue_class_in(conn, row.issue_id),
                )
        return sent.message_id

    async def _edit_card(self, issue_id: int, chat_id: int, message_id: int) -> None:
        """Edit the card in place: its text, or the caption of the photo that carries it."""
        if await issues.card_form(self.store, issue_id) == "photo":
            text, markup = await self.render_card(issue_id, CAPTION_LIMIT)
            await self.bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=text, parse_mode="HTML",
                reply_markup=InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None,
            )
            return
        text, markup = await self.render_card(issue_id, CARD_LIMIT)
        await self.bot.edit_message_text(
            chat_id=chat_id, message_id=message_id, text=text, parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
