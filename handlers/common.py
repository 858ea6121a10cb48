"""Small helpers every handler area shares: the user's language and replying via the outbox.

Handlers compose no text: what joins, escapes, counts or lays out is a view's (``bot.views``).
A one-line answer that is a single catalog entry is looked up here, by ``text_key``."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update, User

from bot.i18n import language_for, t
from bot.services import messages
from handlers.context import Ctx


def user_language(ctx: Ctx, user: User | None) -> str:
    return language_for(user.language_code if user else None, ctx.services.config.language)


def chat_language(ctx: Ctx, update: Update) -> str:
    """Groups hear the configured language; a private chat hears the user's own."""
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        return user_language(ctx, update.effective_user)
    return ctx.services.config.language


def thread_of(message: Message) -> int | None:
    """Replies stay in the forum topic they came from."""
    return message.message_thread_id if message.is_topic_message else None


async def reply(
    update: Update, ctx: Ctx, text: str, *, part: int | str = 0, html: bool = False,
    markup: dict[str, Any] | None = None, quote: bool = True, issue_id: int | None = None,
    urgent: bool = False,
) -> None:
    """Answer the message of this update, once even if the update is processed again.
    ``urgent`` sends it ahead of everything but other urgent messages (whom to call)."""
    message = update.effective_message
    chat = update.effective_chat
    if chat is None:
        return
    services = ctx.services
    await messages.say(
        services.store, services.clock, chat.id, text,
        dedup_key=f"reply:{update.update_id}:{part}",
        reply_to=message.message_id if message and quote else None,
        thread_id=thread_of(message) if message else None,
        html=html, markup=markup, issue_id=issue_id,
        klass=messages.URGENT if urgent else messages.NORMAL,
    )


def text_key(update: Update, ctx: Ctx, key: str, /, **params: Any) -> str:
    """One catalog entry in the chat's language, as it stands (nothing joined or escaped)."""
    return t(chat_language(ctx, update), key, **params)


async def reply_key(update: Update, ctx: Ctx, key: str, /, **params: Any) -> None:
    await reply(update, ctx, text_key(update, ctx, key, **params))


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or (user.username or str(user.id))
