"""Slash commands: /start, /help, /bind, /show, /open."""

from __future__ import annotations

import html
import re
from datetime import datetime

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.ext import Application, BaseHandler, CommandHandler, filters

from bot.clock import parse_iso
from bot.config import GRID_KEY_RE
from bot.errors import UserError
from bot.i18n import LANGUAGES, t
from bot.services import messages
from bot.services.hub import Services
from handlers.cards import place_text, render_card
from handlers.common import chat_language, display_name, reply, reply_key
from handlers.context import Ctx

PRIVATE_COMMANDS = ("start", "my", "cancel", "help", "open", "show", "agenda", "qr")
GROUP_COMMANDS = ("report", "open", "show", "agenda", "decide", "bind", "qr", "help")


async def register_commands(app: Application) -> None:  # type: ignore[type-arg]
    """setMyCommands per scope and language, so the menu matches what works where."""
    for lang in LANGUAGES:
        code = None if lang == "zh" else lang
        await app.bot.set_my_commands(
            [BotCommand(c, t(lang, f"command.{c}")) for c in PRIVATE_COMMANDS],
            scope=BotCommandScopeAllPrivateChats(), language_code=code,
        )
        await app.bot.set_my_commands(
            [BotCommand(c, t(lang, f"command.{c}")) for c in GROUP_COMMANDS],
            scope=BotCommandScopeAllGroupChats(), language_code=code,
        )


async def cmd_start(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    assert user is not None
    await reply_key(update, ctx, "start.greeting", name=display_name(user), user_id=user.id)


async def cmd_help(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    assert user is not None
    services = ctx.services
    lang = chat_language(ctx, update)
    parts = [t(lang, "help.everyone")]
    if await services.roster.is_head_anywhere(user.id) or services.roster.is_coordinator(user.id):
        parts.append(t(lang, "help.heads"))
    if services.roster.is_coordinator(user.id):
        parts.append(t(lang, "help.coordinators"))
    await reply(update, ctx, "\n\n".join(parts))


async def cmd_bind(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    services = ctx.services
    if not services.roster.is_coordinator(user.id):
        raise UserError("perm.coordinator_only")
    if chat.type == "private":
        raise UserError("bind.group_only")
    args = ctx.args or []
    if len(args) != 1 or not GRID_KEY_RE.match(args[0]):
        raise UserError("bind.usage")
    key = args[0]
    existing = await services.roster.grid(key)
    name = existing.name if existing else (chat.title or key)
    await services.roster.bind(chat.id, key, name)
    await reply_key(update, ctx, "bind.done", grid=name, key=key)


def _number(ctx: Ctx) -> int:
    args = ctx.args or []
    if len(args) != 1 or not re.fullmatch(r"#?\d{1,9}", args[0]):
        raise UserError("show.usage")
    return int(args[0].lstrip("#"))


async def _may_see(services: Services, user_id: int, grid_key: str) -> None:
    if services.roster.is_coordinator(user_id):
        return
    if not await services.roster.roles_in(grid_key, user_id):
        raise UserError("perm.not_head")


def _when(services: Services, stamp: str) -> str:
    moment: datetime = parse_iso(stamp).astimezone(services.config.tz)
    return moment.strftime("%m-%d %H:%M")


async def cmd_show(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    assert user is not None
    services = ctx.services
    number = _number(ctx)
    row = await services.issues.get(number)
    await _may_see(services, user.id, row.grid_key)
    lang = chat_language(ctx, update)
    card, _ = await render_card(services, number)
    lines = [card, "", t(lang, "show.history")]
    anonymous = row.reporter_user_id if row.reporter_kind == "resident" else None
    for event in await services.issues.history(number):
        if event.actor_user_id is None:
            who = t(lang, "show.system")
        elif event.actor_user_id == anonymous:
            who = t(lang, "show.resident")  # a resident's name never reaches a group
        else:
            who = await services.roster.name_of(row.grid_key, event.actor_user_id)
        lines.append(t(lang, "show.event", at=_when(services, event.at), who=html.escape(who),
                       what=t(lang, f"event.{event.type}")))
    for i, chunk in enumerate(messages.split_message(lines)):
        await reply(update, ctx, chunk, part=i, html=True)


async def cmd_open(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    services = ctx.services
    args = ctx.args or []
    if args:
        grid = await services.roster.grid(args[0])
        if grid is None:
            raise UserError("grid.unknown", key=args[0][:32])
    else:
        grid = await services.roster.grid_of_chat(chat.id)
        if grid is None:
            raise UserError("open.which_grid")
    await _may_see(services, user.id, grid.key)
    lang = chat_language(ctx, update)
    rows = await services.issues.unresolved(grid.key)
    if not rows:
        await reply_key(update, ctx, "open.none", grid=grid.name)
        return
    now = services.clock.now()
    lines = [t(lang, "open.header", grid=html.escape(grid.name), count=len(rows))]
    for row in rows:
        who = (await services.roster.name_of(row.grid_key, row.assignee_user_id)
               if row.assignee_user_id else t(lang, "open.nobody"))
        age = (now - parse_iso(row.created_at)).days
        lines.append(t(
            lang, "open.line", number=row.id,
            category=html.escape(services.issues.category(row.category).label(lang)),
            place=html.escape(place_text(services, lang, row.building, row.unit)),
            who=html.escape(who),
            status=t(lang, f"status.{row.status}"), days=age,
        ) + (t(lang, "open.overdue") if row.due_at and parse_iso(row.due_at) < now else ""))
    for i, chunk in enumerate(messages.split_message(lines)):
        await reply(update, ctx, chunk, part=i, html=True)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("start", cmd_start, filters=filters.ChatType.GROUPS),
        CommandHandler("help", cmd_help),
        CommandHandler("bind", cmd_bind),
        CommandHandler("show", cmd_show),
        CommandHandler("open", cmd_open),
    ]

