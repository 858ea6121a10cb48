"""Runs last: an unknown command is answered with the help, instead of silence."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.views.help import unknown_command
from handlers.common import chat_language, reply
from handlers.context import Ctx


async def on_unknown_command(update: Update, ctx: Ctx) -> None:
    """In a group, only commands addressed to this bot: others may belong to other bots.
    The help is in the chat's language and lists what this sender may do."""
    message = update.effective_message
    chat = update.effective_chat
    user = update.effective_user
    assert message is not None and chat is not None
    addressed = f"@{ctx.bot.username}".lower() in (message.text or "").lower()
    if chat.type != "private" and not addressed:
        return
    roster = ctx.services.roster
    staff = user is not None and await roster.is_staff(user.id)
    coordinator = user is not None and roster.is_coordinator(user.id)
    await reply(update, ctx, unknown_command(chat_language(ctx, update), staff=staff,
                                             coordinator=coordinator))


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, on_unknown_command)]
