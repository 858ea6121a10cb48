"""Putting a message in the outbox, so every send is stored and retried (SPEC §8)."""

from __future__ import annotations

from typing import Any

from bot.clock import Clock, iso
from bot.views.html_text import utf16_len
from storage import outbox
from storage.db import Store
from storage.outbox import NORMAL as NORMAL
from storage.outbox import URGENT as URGENT


async def say(
    store: Store,
    clock: Clock,
    chat_id: int,
    text: str,
    *,
    dedup_key: str,
    reply_to: int | None = None,
    thread_id: int | None = None,
    markup: dict[str, Any] | None = None,
    html: bool = False,
    issue_id: int | None = None,
    klass: int = outbox.NORMAL,
) -> None:
    """Queue a sendMessage; the dedup key makes a reprocessed update say nothing twice.

    An answer to a person goes in the middle class of ``storage.outbox`` (after urgent cards
    and pings, before relays and notices) unless ``klass`` says otherwise."""
    async with store.transaction() as conn:
        await say_in(conn, iso(clock.now()), chat_id, text, dedup_key=dedup_key,
                     reply_to=reply_to, thread_id=thread_id, markup=markup, html=html,
                     issue_id=issue_id, klass=klass)


async def say_in(
    conn: Any,
    now: str,
    chat_id: int,
    text: str,
    *,
    dedup_key: str,
    reply_to: int | None = None,
    thread_id: int | None = None,
    markup: dict[str, Any] | None = None,
    html: bool = False,
    issue_id: int | None = None,
    klass: int = outbox.NORMAL,
) -> None:
    """``say`` inside a transaction the caller holds (the message goes with its change)."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if html:
        payload["parse_mode"] = "HTML"
    if reply_to is not None:
        payload["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    if thread_id is not None:
        payload["message_thread_id"] = thread_id
    if markup is not None:
        payload["reply_markup"] = markup
    payload["link_preview_options"] = {"is_disabled": True}
    await outbox.enqueue_call(
        conn, chat_id, "sendMessage", payload, now,
        dedup_key=dedup_key, issue_id=issue_id, klass=klass,
    )


async def edit_markup(
    store: Store, clock: Clock, chat_id: int, message_id: int, markup: dict[str, Any],
    *, dedup_key: str,
) -> None:
    async with store.transaction() as conn:
        await outbox.enqueue_call(
            conn, chat_id, "editMessageReplyMarkup",
            {"chat_id": chat_id, "message_id": message_id, "reply_markup": markup},
            iso(clock.now()), dedup_key=dedup_key,
        )


def clip(text: str, limit: int) -> str:
    """Plain text cut to at most ``limit`` UTF-16 units, ending in "…" when cut (cutting by
    characters would let a text of emoji run to twice Telegram's limit)."""
    if utf16_len(text) <= limit:
        return text
    budget, end = limit - 1, 0  # room for the "…"
    while budget >= (width := 2 if ord(text[end]) > 0xFFFF else 1):
        budget -= width
        end += 1
    return text[:end] + "…"


