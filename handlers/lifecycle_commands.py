"""The lifecycle as commands (SPEC §6) — ``/assign N @head|ROLE`` (or as a reply to a
person's message), ``/reject N reason``, ``/close N``, ``/reopen N``, ``/refer N DEPT
[note]`` — and referral's buttons: the card's 📤 (``issue:refer:N`` opens the menu of
departments, ``issue:refer:N:DEPT`` refers) and the claim / resolve buttons under the
message that pings a department's liaisons (``dept:claim:N``, ``dept:resolve:N``).

Each goes through ``IssueService.act`` / ``apply`` (referral and liaisons through
``DepartmentService``, which uses them): the same rights, events, card edits and notices as
the card's buttons.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.domain.lifecycle import Action
from bot.domain.lifecycle_args import assign_args, number_args, refer_args, reject_args
from bot.errors import UserError
from bot.services import messages
from bot.services.hub import Services
from bot.views.departments import LIAISON_VERBS, liaison_keyboard, refer_menu, referred
from bot.views.menus import done
from handlers.cards import show_menu
from handlers.common import chat_language, reply, text_key, user_language
from handlers.context import Ctx

_REFER = re.compile(r"issue:refer:([0-9]{1,12})(?::([a-z0-9][a-z0-9_-]{0,31}))?")
_LIAISON = re.compile(r"dept:(claim|resolve):([0-9]{1,12})")


async def _party(services: Services, number: int, user_id: int) -> None:
    """Someone with no part in issue N hears the same whether or not N exists, so numbers
    cannot be probed; the others go on to the rights the buttons check."""
    if services.roster.is_coordinator(user_id):
        return
    try:
        row = await services.issues.get(number)
    except UserError:
        raise UserError("perm.not_head") from None
    if (user_id in (row.reporter_user_id, row.assignee_user_id)
            or await services.roster.roles_in(row.grid_key, user_id)
            or services.roster.is_liaison(row.department, user_id)):
        return
    raise UserError("perm.not_head")


async def _acted(update: Update, ctx: Ctx, number: int, action: Action, *,
                 target: int | None = None, reason: str | None = None) -> None:
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    await ctx.services.issues.act(
        number, action, user.id, target=target, reason=reason, chat_id=message.chat_id,
        message_id=message.message_id, update_id=update.update_id,
    )
    await reply(update, ctx, done(chat_language(ctx, update), action, number))


async def cmd_assign(update: Update, ctx: Ctx) -> None:
    """``/assign N @username``, ``/assign N ROLE`` (its holder for the issue's place), or
    ``/assign N`` as a reply to the person's message."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    services = ctx.services
    replied = message.reply_to_message
    if replied is not None and (replied.forum_topic_created or replied.from_user is None
                                or replied.from_user.is_bot):
        replied = None  # a topic's first message, or the bot's own: nobody to assign
    number, to = assign_args(ctx.args or [], replying=replied is not None)
    await _party(services, number, user.id)
    row = await services.issues.check(number, Action.ASSIGN, user.id)
    if to.username is not None:
        target = await services.roster.user_by_username(to.username)
        if target is None:
            raise UserError("assign.unknown_user", username=to.username)
    elif to.role is not None:
        head = await services.roster.holder(row.grid_key, to.role, row.place)
        if head is None:
            raise UserError("assign.no_holder", number=number,
                            role=text_key(update, ctx, f"role.{to.role.value}"))
        target = head.user_id
    else:
        assert replied is not None and replied.from_user is not None
        target = replied.from_user.id
    await _acted(update, ctx, number, Action.ASSIGN, target=target)


async def cmd_reject(update: Update, ctx: Ctx) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    number, reason = reject_args(message.text or "")
    await _party(ctx.services, number, user.id)
    await _acted(update, ctx, number, Action.REJECT, reason=reason)


async def cmd_close(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    assert user is not None
    number = number_args(ctx.args or [], "close.usage")
    await _party(ctx.services, number, user.id)
    await _acted(update, ctx, number, Action.CLOSE)


async def cmd_reopen(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    assert user is not None
    number = number_args(ctx.args or [], "reopen.usage")
    await _party(ctx.services, number, user.id)
    await _acted(update, ctx, number, Action.REOPEN)


async def cmd_refer(update: Update, ctx: Ctx) -> None:
    """``/refer N DEPT [note]``: hand N to a department and ping its liaisons."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    number, word, note = refer_args(message.text or "")
    await _party(ctx.services, number, user.id)
    department, reached = await ctx.services.departments.refer(
        number, word, user.id, note=note, chat_id=message.chat_id,
        message_id=message.message_id, update_id=update.update_id,
    )
    await reply(update, ctx, referred(chat_language(ctx, update), number, department, reached))


async def on_refer_button(update: Update, ctx: Ctx) -> None:
    """📤 on the card: the departments as buttons; a department's button refers."""
    query = update.callback_query
    assert query is not None and query.data is not None
    found = _REFER.fullmatch(query.data)
    if found is None:
        raise UserError("button.unknown")
    number, key = int(found[1]), found[2]
    services = ctx.services
    lang = user_language(ctx, query.from_user)
    if key is None:
        await services.departments.check_refer(number, query.from_user.id)
        await show_menu(update, ctx, refer_menu(lang, number, services.departments.departments))
        return
    message = query.message
    department, reached = await services.departments.refer(
        number, key, query.from_user.id, chat_id=message.chat.id if message else None,
        message_id=message.message_id if message else None, update_id=update.update_id,
    )
    await query.answer(referred(lang, number, department, reached)[:200])


async def on_liaison_button(update: Update, ctx: Ctx) -> None:
    """Claim / resolved under the message that told a department of a referred item (in
    its group or a liaison's private chat); that message's buttons follow the item."""
    query = update.callback_query
    assert query is not None and query.data is not None
    found = _LIAISON.fullmatch(query.data)
    if found is None:
        raise UserError("button.unknown")
    action, number = LIAISON_VERBS[found[1]], int(found[2])
    services = ctx.services
    message = query.message
    updated = await services.departments.act(
        number, action, query.from_user.id, chat_id=message.chat.id if message else None,
        message_id=message.message_id if message else None, update_id=update.update_id,
    )
    lang = user_language(ctx, query.from_user)
    await query.answer(done(lang, action, number))
    if message is not None:
        await messages.edit_markup(
            services.store, services.clock, message.chat.id, message.message_id,
            liaison_keyboard(services.config.language if message.chat.type != "private"
                             else lang, number, updated.status),
            dedup_key=f"liaison:{update.update_id}",
        )


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("assign", cmd_assign),
        CommandHandler("reject", cmd_reject),
        CommandHandler("close", cmd_close),
        CommandHandler("reopen", cmd_reopen),
        CommandHandler("refer", cmd_refer),
        CallbackQueryHandler(on_refer_button, pattern=r"^issue:refer:"),
        CallbackQueryHandler(on_liaison_button, pattern=r"^dept:"),
    ]
