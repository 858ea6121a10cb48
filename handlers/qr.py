"""/qr: printable QR posters for residents, and revoking a poster's code."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.config import GRID_KEY_RE
from bot.domain.model import Place
from bot.errors import UserError
from bot.i18n import t
from bot.services.qr import deep_link
from handlers.common import chat_language, reply_key, thread_of
from handlers.context import Ctx

REVOKE = "revoke"


def _place(label: str) -> Place:
    try:
        place = Place.parse_label(label)
    except ValueError:
        raise UserError("qr.bad_place", place=label[:16]) from None
    if place.is_empty():
        raise UserError("qr.bad_place", place=label[:16])
    return place


async def cmd_qr(update: Update, ctx: Ctx) -> None:
    """``/qr PLACE [revoke]`` in a bound group, ``/qr GRID PLACE [revoke]`` in private."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    assert user is not None and chat is not None and message is not None
    services = ctx.services
    if not services.roster.is_coordinator(user.id):
        raise UserError("perm.coordinator_only")
    args = list(ctx.args or [])
    revoke = bool(args) and args[-1].lower() == REVOKE
    if revoke:
        args.pop()
    if chat.type == "private":
        if len(args) != 2 or not GRID_KEY_RE.match(args[0]):
            raise UserError("qr.usage_private")
        grid = await services.roster.grid(args[0])
        if grid is None:
            raise UserError("qr.unknown_grid", grid=args[0])
    else:
        if len(args) != 1:
            raise UserError("qr.usage")
        grid = await services.roster.grid_of_chat(chat.id)
        if grid is None:
            raise UserError("qr.which_grid")
    place = _place(args[-1])
    title = services.qr.title(grid.name, place)
    if revoke:
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
        chat.id, code, png, t(chat_language(ctx, update), "qr.caption", place=title, link=link),
        dedup_key=f"reply:{update.update_id}:poster",
        reply_to=message.message_id, thread_id=thread_of(message),
    )
    services.wake_outbox()


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CommandHandler("qr", cmd_qr)]
