"""The issue card: one message per issue, edited in place, and the buttons on it."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.domain.lifecycle import Action
from bot.errors import UserError
from bot.services import messages
from bot.views.menus import (
    REJECT_REASONS,
    Menu,
    assign_menu,
    done,
    no_buttons,
    reject_menu,
    reject_reason,
    verify_thanks,
)
from handlers.common import user_language
from handlers.context import Ctx

ISSUE_NUMBER = re.compile(r"[0-9]{1,12}")
USER_ID = re.compile(r"[0-9]{1,15}")


_SIMPLE = {
    "claim": Action.CLAIM,
    "resolve": Action.RESOLVE,
    "close": Action.CLOSE,
    "reopen": Action.REOPEN,
}


async def on_button(update: Update, ctx: Ctx) -> None:
    """issue:<verb>:<id>[:<arg>] — each verb checks the presser's right before changing."""
    query = update.callback_query
    assert query is not None and query.data is not None
    services = ctx.services
    lang = user_language(ctx, query.from_user)
    parts = query.data.split(":")
    # Only ASCII digits of a sane length: "²" or a 25-digit id must not reach int() or SQL.
    if len(parts) not in (3, 4) or not ISSUE_NUMBER.fullmatch(parts[2]):
        raise UserError("button.unknown")
    verb, issue_id = parts[1], int(parts[2])
    arg = parts[3] if len(parts) == 4 else ""
    user_id = query.from_user.id
    message = query.message
    chat_id = message.chat.id if message else None
    message_id = message.message_id if message else None
    if verb in _SIMPLE:
        # Through the departments: a liaison of the department the item is referred to may
        # claim and resolve it here too (everyone else goes the usual way, IssueService.act).
        await services.departments.act(
            issue_id, _SIMPLE[verb], user_id, chat_id=chat_id, message_id=message_id,
            update_id=update.update_id,
        )
        await query.answer(done(lang, _SIMPLE[verb], issue_id))
    elif verb == "assign":
        row = await services.issues.check(issue_id, Action.ASSIGN, user_id)
        heads = await services.roster.heads(row.grid_key)
        await show_menu(update, ctx, assign_menu(lang, issue_id, heads, row.assignee_user_id))
    elif verb == "assignto" and USER_ID.fullmatch(arg):
        await services.issues.act(
            issue_id, Action.ASSIGN, user_id, target=int(arg), chat_id=chat_id,
            message_id=message_id, update_id=update.update_id,
        )
        await query.answer(done(lang, Action.ASSIGN, issue_id))
    elif verb == "reject":
        await services.issues.check(issue_id, Action.REJECT, user_id)
        await show_menu(update, ctx, reject_menu(lang, issue_id))
    elif verb == "rejectwhy" and arg in REJECT_REASONS:
        await services.issues.act(
            issue_id, Action.REJECT, user_id, reason=reject_reason(services.config.language, arg),
            chat_id=chat_id, message_id=message_id, update_id=update.update_id,
        )
        await query.answer(done(lang, Action.REJECT, issue_id))
    elif verb == "verify" and arg:
        await services.residents.verify(issue_id, user_id, arg)
        await query.answer(verify_thanks(lang, arg, issue_id))
        if message is not None:
            await messages.edit_markup(
                services.store, services.clock, message.chat.id, message.message_id,
                no_buttons(), dedup_key=f"verified:{update.update_id}",
            )
    elif verb == "back":
        await services.issues.require_viewer(issue_id, user_id)
        await services.issues.refresh_card(issue_id)
        await query.answer()
    else:
        raise UserError("button.unknown")


async def show_menu(update: Update, ctx: Ctx, menu: Menu) -> None:
    """A sub-menu replaces the card's buttons until a choice or «back»; the presser is told
    what to choose."""
    query = update.callback_query
    assert query is not None and query.message is not None
    prompt, keyboard = menu
    services = ctx.services
    await messages.edit_markup(
        services.store, services.clock, query.message.chat.id, query.message.message_id,
        keyboard, dedup_key=f"menu:{update.update_id}",
    )
    await query.answer(prompt)


async def on_unknown_button(update: Update, ctx: Ctx) -> None:
    """Any other button (forged, malformed, of a finished step, ``rpt:`` in a group) is
    answered, so no button spins and nothing changes."""
    raise UserError("button.unknown")


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CallbackQueryHandler(on_button, pattern=r"^issue:")]


def catch_all() -> list[BaseHandler[Update, Ctx, None]]:
    """Registered last, after every handler that takes buttons."""
    return [CallbackQueryHandler(on_unknown_button)]
