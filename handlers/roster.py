"""The roster in chat (SPEC §6): ``/roster [GRID]`` shows the five heads of a grid with the
vacancies and the latest changes; ``/sethead ROLE [PLACE]`` as a reply to a person's message
puts them in that seat, ``/sethead ROLE [PLACE] none`` leaves it vacant. For coordinators.

Changes are logged with who and when, and outlive restarts: the config file's heads load at
start without undoing them until the file's entry for that seat changes (README, Roster).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.domain.args import grid_arg
from bot.domain.roster import sethead_args
from bot.errors import UserError
from bot.views.roster import head_set, roster_text
from handlers.commands import register_commands
from handlers.common import chat_language, display_name, reply
from handlers.context import Ctx


async def cmd_roster(update: Update, ctx: Ctx) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = ctx.services
    services.roster.require_coordinator(user.id)
    key = grid_arg(ctx.args or [], "roster.which_grid")
    grid = await services.roster.grid_named_or_here(key, chat.id, "roster.which_grid")
    chunks = roster_text(chat_language(ctx, update), grid.name,
                         await services.roster.seats(grid.key),
                         await services.roster.recent_changes(grid.key))
    for i, chunk in enumerate(chunks):
        await reply(update, ctx, chunk, part=i, html=True)


async def cmd_sethead(update: Update, ctx: Ctx) -> None:
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None and chat is not None and message is not None
    services = ctx.services
    services.roster.require_coordinator(user.id)
    if chat.type == "private":
        raise UserError("roster.group_only")
    grid = await services.roster.grid_of_chat(chat.id)
    if grid is None or not grid.active:
        raise UserError("intake.unbound")
    wanted = sethead_args(ctx.args or [])
    target = None
    if not wanted.vacate:
        replied = message.reply_to_message
        # In a forum topic every message "replies" to the topic's first message.
        if replied is None or replied.forum_topic_created or replied.from_user is None:
            raise UserError("roster.need_reply")
        if replied.from_user.is_bot:
            raise UserError("roster.not_a_person")
        target = replied.from_user
        await services.roster.seen(target.id, display_name(target), target.username,
                                   target.language_code)
    names = {h.user_id: h.name for h in await services.roster.heads(grid.key)}
    name = display_name(target) if target is not None else None
    before = await services.roster.set_head(
        grid.key, wanted.slot, target.id if target else None, name or "", user.id
    )
    await reply(update, ctx, head_set(chat_language(ctx, update), wanted.slot, name,
                                      [names.get(uid, str(uid)) for uid in before]))
    await register_commands(ctx.application)  # the new head's own menu


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("roster", cmd_roster),
        CommandHandler("sethead", cmd_sethead),
    ]
