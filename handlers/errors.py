"""One error handler: a UserError becomes an answer in the user's language; anything else
is logged first (with the update id, never the token) and the bot carries on.

Either way the update has had its one outcome: no later handler group sees it, so a
stranger's photo reply to a card is refused, not refused and then filed as a new report."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.errors import UserError
from bot.views.menus import refused
from handlers.common import reply, text_key, user_language
from handlers.context import Ctx

log = logging.getLogger(__name__)


async def on_error(update: object, ctx: Ctx) -> None:
    error = ctx.error
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    if not isinstance(error, UserError):
        log.error("update %s failed", update.update_id, exc_info=error)
        # The inbox tries it again; the user is told once (the reply is keyed by update).
        ctx.services.failed_updates.add(update.update_id)
        error = UserError("error.internal")
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(refused(user_language(ctx, query.from_user), error),
                               show_alert=True)
        except TelegramError as exc:  # an expired query cannot be answered; nothing to undo
            log.info("callback answer for update %s failed: %s", update.update_id, exc)
    elif update.effective_chat is not None:
        await reply(update, ctx, text_key(update, ctx, error.key, **error.params), part=99)
    raise ApplicationHandlerStop
