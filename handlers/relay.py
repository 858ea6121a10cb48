"""Relays between a grid group and a resident, by replies: a head replies to the card (or to
a relayed message) and the resident receives it, signed with the head's role; the resident
replies in private and it comes back into the thread, signed "resident" and the place.

Runs before intake (group -1): a photo replying to a card is an answer about that issue
(the "after" picture), not a new report. Nothing is forwarded: forwarding would show the
sender's name; text is sent fresh and media are copied.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.domain.classify import parse_place
from bot.domain.issue import Issue
from bot.services.issues import IncomingMedia
from bot.services.residents import Relay
from handlers.common import reply_key
from handlers.context import Ctx
from handlers.group_intake import media_of

# A reply this short that names a building is an address, not a message to relay.
PLACE_REPLY = 12
_CONTENT = (filters.TEXT | filters.PHOTO | filters.VOICE | filters.Document.IMAGE | filters.VIDEO
            | filters.LOCATION)


def _relay(message: Message) -> Relay:
    text = message.text or message.caption or ""
    return Relay(message.chat_id, message.message_id, text, has_media=message.text is None,
                 captioned=message.location is None)


async def on_group_reply(update: Update, ctx: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    services = ctx.services
    row = await services.residents.issue_of_message(
        message.chat_id, message.reply_to_message.message_id
    )
    user = message.from_user
    if row is None or user is None:
        return  # an ordinary reply in the group: other handlers decide
    await _told_place(update, ctx, row, user.id)
    photos = tuple(m for m in media_of(message) if m.kind == "photo")
    await services.residents.answer_in_group(
        row, user.id, _relay(message), tuple(
            IncomingMedia(m.kind, m.file_id, m.file_unique_id, m.file_size) for m in photos
        ),
        to_resident=row.by_resident,
    )
    raise ApplicationHandlerStop


async def on_private_reply(update: Update, ctx: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    services = ctx.services
    row = await services.residents.issue_of_message(
        message.chat_id, message.reply_to_message.message_id
    )
    if row is None or message.from_user is None:
        return  # not about an issue: the private conversation takes it
    await _told_place(update, ctx, row, message.from_user.id)
    await services.residents.relay_to_group(row, message.from_user.id, _relay(message))
    raise ApplicationHandlerStop


async def _told_place(update: Update, ctx: Ctx, row: Issue, user_id: int) -> None:
    """A reply that is only an address ("3-2", "3号楼2单元") to a report with no place
    sets the place, as the card invites (the reporter, a head, a coordinator)."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    place = parse_place(text) if row.place.is_empty() and 0 < len(text) <= PLACE_REPLY else None
    if place is None:
        return
    await ctx.services.issues.fix(
        row.id, user_id, place=place, chat_id=message.chat_id,
        message_id=message.message_id, update_id=update.update_id,
    )
    await reply_key(update, ctx, "done.fix", number=row.id)
    raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    replies = filters.REPLY & filters.UpdateType.MESSAGE & _CONTENT & ~filters.COMMAND
    return [
        MessageHandler(filters.ChatType.GROUPS & replies, on_group_reply),
        MessageHandler(filters.ChatType.PRIVATE & replies, on_private_reply),
    ]
