"""Runs last: an unknown command gets a clear answer instead of silence."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from handlers.common import reply_key
from handlers.context import Ctx


async def on_unknown_command(update: Update, ctx: Ctx) -> None:
    """In a group, only commands addressed to this bot: others may belong to other bots."""
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and chat is not None
    addressed = f"@{ctx.bot.username}".lower() in (message.text or "").lower()
    if chat.type != "private" and not addressed:
        return
    await reply_key(update, ctx, "error.unknown_command")


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, on_unknown_command)]
