"""Fixing what the reader got wrong: ✏️ on the card (category, place, priority) and the
commands ``/category N KEY``, ``/place N PLACE``, ``/priority N LEVEL`` (SPEC §3, §6);
and merging a possible duplicate: ``/merge N M`` or the card's ``issue:merge:N:M``.

Both go through ``IssueService.fix``: the same rights, the same event, the same re-routing
and card edit. Buttons: ``issue:fix:N`` opens the menu, ``issue:fix{c,p,r}:N`` one of its
choices, ``issue:set{c,p,r}:N:VALUE`` makes the fix.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.domain.args import category_args, merge_args, place_args, priority_args
from bot.domain.model import Place, Priority
from bot.errors import UserError
from bot.views.menus import (
    category_menu,
    fix_done,
    fix_menu,
    merge_done,
    place_menu,
    priority_menu,
)
from handlers.cards import show_menu
from handlers.common import reply_key, user_language
from handlers.context import Ctx

_MERGE = re.compile(r"issue:merge:([0-9]{1,12}):([0-9]{1,12})")
_BUTTON = re.compile(r"issue:(fix|fixc|fixp|fixr|setc|setp|setr):([0-9]{1,12})(?::(.{1,40}))?")


async def cmd_category(update: Update, ctx: Ctx) -> None:
    number, key = category_args(ctx.args or [])
    await _fixed(update, ctx, number, category=key)


async def cmd_place(update: Update, ctx: Ctx) -> None:
    number, place = place_args(ctx.args or [])
    await _fixed(update, ctx, number, place=place)


async def cmd_priority(update: Update, ctx: Ctx) -> None:
    number, level = priority_args(ctx.args or [])
    await _fixed(update, ctx, number, priority=level)


async def cmd_merge(update: Update, ctx: Ctx) -> None:
    """``/merge N M``: N repeats M (SPEC §3)."""
    number, original = merge_args(ctx.args or [])
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    await ctx.services.issues.merge(
        number, original, user.id, chat_id=message.chat_id, message_id=message.message_id,
        update_id=update.update_id,
    )
    await reply_key(update, ctx, "done.merge", number=number, original=original)


async def on_merge_button(update: Update, ctx: Ctx) -> None:
    """``issue:merge:N:M`` under a card that may repeat an earlier one."""
    query = update.callback_query
    assert query is not None and query.data is not None
    found = _MERGE.fullmatch(query.data)
    if found is None:
        raise UserError("button.unknown")
    number, original = int(found[1]), int(found[2])
    await ctx.services.issues.merge(number, original, query.from_user.id,
                                    update_id=update.update_id)
    await query.answer(merge_done(user_language(ctx, query.from_user), number, original))


async def _fixed(
    update: Update, ctx: Ctx, number: int, *, category: str | None = None,
    place: Place | None = None, priority: Priority | None = None,
) -> None:
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    await ctx.services.issues.fix(
        number, user.id, category=category, place=place, priority=priority,
        chat_id=message.chat_id, message_id=message.message_id, update_id=update.update_id,
    )
    await reply_key(update, ctx, "done.fix", number=number)


async def on_fix_button(update: Update, ctx: Ctx) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    found = _BUTTON.fullmatch(query.data)
    if found is None:
        raise UserError("button.unknown")
    verb, number, value = found[1], int(found[2]), found[3] or ""
    services = ctx.services
    lang = user_language(ctx, query.from_user)
    user_id = query.from_user.id
    # Only heads of the grid and coordinators see the menus; anyone else hears why.
    issue = await services.issues.require_viewer(number, user_id)
    if verb == "fix":
        await show_menu(update, ctx, fix_menu(lang, number))
    elif verb == "fixc":
        await show_menu(update, ctx, category_menu(lang, number, services.categories,
                                               issue.category))
    elif verb == "fixp":
        places = [Place(b, u) for b, u in await services.roster.known_places(issue.grid_key)]
        await show_menu(update, ctx, place_menu(lang, number, places, issue.place))
    elif verb == "fixr":
        await show_menu(update, ctx, priority_menu(lang, number, issue.priority))
    else:
        await services.issues.fix(
            number, user_id, update_id=update.update_id,
            category=value if verb == "setc" else None,
            place=_place(value) if verb == "setp" else None,
            priority=_priority(value) if verb == "setr" else None,
        )
        await query.answer(fix_done(lang, number))


def _place(label: str) -> Place:
    try:
        return Place.parse_label(label)
    except ValueError:
        raise UserError("button.unknown") from None


def _priority(value: str) -> Priority:
    if value not in {p.value for p in Priority}:
        raise UserError("button.unknown")
    return Priority(value)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CallbackQueryHandler(on_fix_button, pattern=r"^issue:(fix[cpr]?|set[cpr]):"),
        CommandHandler("category", cmd_category),
        CommandHandler("place", cmd_place),
        CommandHandler("priority", cmd_priority),
        CallbackQueryHandler(on_merge_button, pattern=r"^issue:merge:"),
        CommandHandler("merge", cmd_merge),
    ]

