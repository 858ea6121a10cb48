"""Putting a message in the outbox, so every send is stored and retried (SPEC §8)."""

from __future__ import annotations

import html
from typing import Any

from bot.clock import Clock, iso
from bot.views.html_text import cut_html
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
    async with store.transaction() as conn:
        await outbox.enqueue_call(
            conn, chat_id, "sendMessage", payload, iso(clock.now()),
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


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


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


def split_message(lines: list[str], limit: int = 4000) -> list[str]:
    """Join lines into messages under Telegram's 4,096 UTF-16 units without splitting a line
    across two messages (a single line longer than the limit is shortened with "…", whole
    entities and tags only)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = cut_html(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if current and utf16_len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def mention(user_id: int, name: str) -> str:
    """An HTML mention that notifies, as telegram.helpers.mention_html writes it (services
    do not import telegram)."""
    return f'<a href="tg://user?id={user_id}">{html.escape(name)}</a>'
