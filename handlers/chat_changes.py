"""Chat changes: an upgraded group keeps its grid; a removal deactivates the binding."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from handlers.context import Ctx


async def on_migrate(update: Update, ctx: Ctx) -> None:
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        await ctx.services.roster.chat_migrated(message.chat_id, message.migrate_to_chat_id)


async def on_my_membership(update: Update, ctx: Ctx) -> None:
    change = update.my_chat_member
    assert change is not None
    if change.new_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED):
        return
    await ctx.services.chat_lost(change.chat.id)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate),
        ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
