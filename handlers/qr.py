"""/qr: printable QR posters for residents, and revoking a poster's code."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.domain.args import qr_args
from bot.errors import UserError
from bot.services.qr import deep_link
from handlers.common import reply_key, text_key, thread_of
from handlers.context import Ctx


async def cmd_qr(update: Update, ctx: Ctx) -> None:
    """``/qr PLACE [revoke]`` in a bound group, ``/qr GRID PLACE [revoke]`` in private."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    assert user is not None and chat is not None and message is not None
    services = ctx.services
    services.roster.require_coordinator(user.id)
    asked = qr_args(ctx.args or [], private=chat.type == "private")
    if asked.grid_key is not None:
        grid = await services.roster.grid(asked.grid_key)
        if grid is None:
            raise UserError("qr.unknown_grid", grid=asked.grid_key)
    else:
        grid = await services.roster.grid_of_chat(chat.id)
        if grid is None:
            raise UserError("qr.which_grid")
    place = asked.place
    title = services.qr.title(grid.name, place)
    if asked.revoke:
        count = await services.qr.revoke(grid.key, place)
        if count:
            await reply_key(update, ctx, "qr.revoked_done", place=title, count=count)
        else:
            await reply_key(update, ctx, "qr.none_active", place=title)
        return
    code = await services.qr.issue(grid.key, place, user.id)
    link = deep_link(ctx.bot.username, code)
    png = await services.qr.poster(grid.name, place, link)
    await services.qr.send_poster(
        chat.id, code, png, text_key(update, ctx, "qr.caption", place=title, link=link),
        dedup_key=f"reply:{update.update_id}:poster",
        reply_to=message.message_id, thread_id=thread_of(message),
    )


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CommandHandler("qr", cmd_qr)]
