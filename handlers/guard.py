"""Runs first for every update: remember who people are (name, language) for later replies."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from handlers.common import display_name
from handlers.context import Ctx


async def on_any_update(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    await ctx.services.roster.seen(
        user.id, display_name(user), user.username, user.language_code
    )


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [TypeHandler(Update, on_any_update)]
