"""Slash commands: /start, /help, /bind, /show, /open."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler, filters

from bot.clock import parse_iso
from bot.domain.args import bind_args, grid_arg, show_args
from bot.errors import UserError
from bot.services.hub import Services
from bot.views.help import greeting, help_text
from bot.views.lists import Happened, Listed, history, open_list
from handlers.common import chat_language, display_name, reply, reply_key, text_key
from handlers.context import Ctx

log = logging.getLogger(__name__)


async def register_commands(app: Application) -> None:  # type: ignore[type-arg]
    """setMyCommands per scope, so each person's menu shows what they may use (the scopes
    are chosen in bot.services.menus); only what changed since the last time is sent."""
    services: Services = app.bot_data.services
    for scope in await services.menus.scopes():
        if not await services.menus.changed(scope):
            continue
        try:
            await app.bot.set_my_commands(
                [BotCommand(c, text) for c, text in scope.commands],
                scope=_scope(scope.kind, scope.chat_id, scope.user_id),
                language_code=scope.language,
            )
        except TelegramError as exc:  # one person's menu must not stop the others'
            log.warning("setMyCommands (%s) failed: %s", scope.key, exc)
            continue
        await services.menus.remember(scope)


def _scope(kind: str, chat_id: int | None, user_id: int | None) -> BotCommandScope:
    if kind == "private":
        return BotCommandScopeAllPrivateChats()
    if kind == "groups":
        return BotCommandScopeAllGroupChats()
    assert chat_id is not None
    if kind == "chat":
        return BotCommandScopeChat(chat_id)
    assert user_id is not None
    return BotCommandScopeChatMember(chat_id, user_id)


async def cmd_start(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    assert user is not None
    await reply(update, ctx, greeting(chat_language(ctx, update), display_name(user), user.id,
                                      as_html=False))


async def cmd_help(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    assert user is not None
    services = ctx.services
    staff = await services.roster.is_staff(user.id)
    await reply(update, ctx, help_text(chat_language(ctx, update), staff=staff,
                                       coordinator=services.roster.is_coordinator(user.id)))


async def cmd_bind(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    services = ctx.services
    services.roster.require_coordinator(user.id)
    if chat.type == "private":
        raise UserError("bind.group_only")
    key = bind_args(ctx.args or [])
    existing = await services.roster.grid(key)
    name = existing.name if existing else (chat.title or key)
    await services.roster.bind(chat.id, key, name)
    await reply_key(update, ctx, "bind.done", grid=name, key=key)
    await services.pending.file(chat.id)  # reports kept while it had no grid: their cards
    await register_commands(ctx.application)  # coordinators' menu in the newly bound group


def _when(services: Services, stamp: str) -> str:
    moment: datetime = parse_iso(stamp).astimezone(services.config.tz)
    return moment.strftime("%m-%d %H:%M")


async def cmd_show(update: Update, ctx: Ctx) -> None:
    """``/show N``: one issue with its history, for the heads of its grid and coordinators.

    The answer never tells someone who may not see issue N whether N exists, or numbers
    would let anyone count a grid's problems and probe other grids. So someone who is a
    head nowhere (and no coordinator) is refused before N is even read, whatever they
    typed; and a head hears of an issue outside their own grids exactly what they would
    hear of a number never used: "issue #N does not exist".
    """
    user = update.effective_user
    assert user is not None
    services = ctx.services
    await services.roster.require_staff(user.id)
    number = show_args(ctx.args or [])
    row = await services.issues.get(number)  # issue.not_found when there is none
    try:
        await services.roster.require_head(row.grid_key, user.id)
    except UserError:
        raise UserError("issue.not_found", number=number) from None
    lang = chat_language(ctx, update)
    card, _ = await services.issues.card(number)
    anonymous = row.reporter_user_id if row.by_resident else None
    events = []
    for event in await services.issues.history(number):
        if event.actor_user_id is None:
            who = text_key(update, ctx, "show.system")
        elif event.actor_user_id == anonymous:
            who = text_key(update, ctx, "show.resident")  # a resident's name never reaches a group
        else:
            who = await services.roster.name_of(row.grid_key, event.actor_user_id)
        said = event.data.get("text") or event.data.get("reason")
        events.append(Happened(_when(services, event.at), who, event.type,
                               said if isinstance(said, str) else None))
    for i, chunk in enumerate(history(lang, card, events)):
        await reply(update, ctx, chunk, part=i, html=True)


async def cmd_open(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    services = ctx.services
    key = grid_arg(ctx.args or [], "open.which_grid")
    grid = await services.roster.grid_named_or_here(key, chat.id, "open.which_grid")
    await services.roster.require_head(grid.key, user.id)
    lang = chat_language(ctx, update)
    items = [
        Listed(row, services.issues.category(row.category).label(lang),
               await services.roster.name_of(row.grid_key, row.assignee_user_id)
               if row.assignee_user_id else None)
        for row in await services.issues.unresolved(grid.key)
    ]
    chunks = open_list(lang, grid.name, items, services.clock.now())
    for i, chunk in enumerate(chunks):
        await reply(update, ctx, chunk, part=i, html=bool(items))


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("start", cmd_start, filters=filters.ChatType.GROUPS),
        CommandHandler("help", cmd_help),
        CommandHandler("bind", cmd_bind),
        CommandHandler("show", cmd_show),
        CommandHandler("open", cmd_open),
    ]

