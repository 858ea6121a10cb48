"""The coordinators' desk from the chat: ``/desk`` in a private chat answers with a
one-time sign-in link; the chat menu button of coordinators and heads opens the desk as a
Mini App (``setChatMenuButton``), when ``[web] public_url`` is set."""

from __future__ import annotations

import logging
from typing import Any

from telegram import MenuButtonWebApp, Update, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler

from bot.i18n import t
from bot.services.desk import LINK_MINUTES
from bot.services.hub import Services
from handlers.common import chat_language, reply, reply_key
from handlers.context import Ctx

log = logging.getLogger(__name__)


async def cmd_desk(update: Update, ctx: Ctx) -> None:
    """``/desk``: a sign-in link for a browser, good once for a few minutes. Only in a
    private chat: a link posted in a group would sign in whoever taps it first."""
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    if chat.type != "private":
        await reply_key(update, ctx, "desk.private_only")
        return
    services = ctx.services
    url = await services.desk.new_link(user.id)  # heads and coordinators only (UserError)
    lang = chat_language(ctx, update)
    await reply(update, ctx, t(lang, "desk.link", url=url, minutes=LINK_MINUTES))
    await set_menu_button(ctx.application, services, user.id, lang)


async def set_menu_button(
    app: Application[Any, Any, Any, Any, Any, Any], services: Services, user_id: int,
    lang: str,
) -> None:
    """The menu button of this person's private chat opens the desk as a Mini App; set
    once per address (remembered in meta), so restarts send nothing new."""
    url = services.config.web_public_url
    if url is None:
        return
    key = f"deskmenu:{user_id}"
    if await services.desk.menu_remembered(key) == url:
        return
    try:
        await app.bot.set_chat_menu_button(
            chat_id=user_id,
            menu_button=MenuButtonWebApp(t(lang, "desk.menu_button"), WebAppInfo(url + "/")),
        )
    except TelegramError as exc:  # a menu button is a convenience, never a reason to stop
        log.warning("setChatMenuButton for %s failed: %s", user_id, exc)
        return
    await services.desk.remember_menu(key, url)


async def set_menu_buttons(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start-up: coordinators and heads who started the bot get the desk's button."""
    services: Services = app.bot_data.services
    if services.config.web_public_url is None:
        return
    for user_id in await services.desk.menu_users():
        lang = await services.issues.notices.language_of(user_id)
        await set_menu_button(app, services, user_id, lang)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CommandHandler("desk", cmd_desk)]
