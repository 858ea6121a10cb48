"""The meetings of the 9th, 19th and 29th: /agenda and /decide here; the minute tick that
posts is the "meetings" entry of ``handlers.jobs.PERIODIC``.

The agenda is posted by a tick every minute rather than one job per meeting time: the tick
asks "is the latest meeting posted for every grid?", and the ``meetings`` table answers.
That makes exactly-once and catch-up the same code path - a tick after downtime, the
start-up run and a tick racing it all find the row or write it once - and a changed
meeting calendar in config needs no rescheduling.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.domain.args import decide_args, grid_arg
from bot.services.agenda import DECISION_MAX
from handlers.common import chat_language, reply, reply_key
from handlers.context import Ctx


async def cmd_agenda(update: Update, ctx: Ctx) -> None:
    """The next agenda as it stands: this group's grid, or a named one for its heads and
    coordinators anywhere. Nothing is recorded; the real posting still happens."""
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    services = ctx.services
    key = grid_arg(ctx.args or [], "agenda.which_grid")
    grid = await services.roster.grid_named_or_here(key, chat.id, "agenda.which_grid")
    if key is not None:
        # Anyone in the grid's own group may look: the agenda will be posted there anyway.
        await services.roster.require_head(grid.key, user.id)
    chunks = await services.agenda.preview(grid.key, language=chat_language(ctx, update))
    for i, chunk in enumerate(chunks):
        await reply(update, ctx, chunk, part=i, html=True)


async def cmd_decide(update: Update, ctx: Ctx) -> None:
    """``/decide 12 text`` or ``/decide #12 text``: the meeting's decision on an item."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    assert user is not None and chat is not None and message is not None
    services = ctx.services
    services.roster.require_coordinator(user.id)
    number, decision = decide_args(message.text or "", max_length=DECISION_MAX)
    await services.agenda.decide(
        number, user.id, decision, chat_id=chat.id, message_id=message.message_id
    )
    await reply_key(update, ctx, "decide.done", number=number)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("agenda", cmd_agenda),
        CommandHandler("decide", cmd_decide),
    ]
