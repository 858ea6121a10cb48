"""A resident's private report, at most four steps: place (skipped with a QR code), what
happened (text, photos, voice, location), category (pre-selected), confirm. ``/cancel``
always works; the draft lives in persisted user data, so it survives a restart."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.adapters.media import TryLater, keep_file
from bot.clock import iso
from bot.domain.classify import classify
from bot.domain.draft import MAX_TEXT, Draft, DraftFile
from bot.domain.emergency import emergencies
from bot.domain.model import Place
from bot.errors import UserError
from bot.media import MediaRejected
from bot.services.issues import IncomingMedia
from bot.views.help import greeting
from bot.views.lists import Listed, my_list
from bot.views.resident import (
    category_keyboard,
    confirmation,
    describe,
    grid_keyboard,
    media_refusal,
    next_keyboard,
    place_keyboard,
    welcome,
)
from handlers.commands import register_commands
from handlers.common import display_name, reply, text_key, user_language
from handlers.context import Ctx
from handlers.group_intake import seconds

PLACE, COLLECT, CATEGORY, CONFIRM = "place", "collect", "category", "confirm"
_CONTENT = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VOICE | filters.LOCATION \
    | filters.Document.ALL
# What a report cannot carry; the resident hears what can be sent instead of silence.
_UNSUPPORTED = filters.Sticker.ALL | filters.CONTACT | filters.POLL | filters.VIDEO \
    | filters.VIDEO_NOTE | filters.AUDIO | filters.ANIMATION | filters.Dice.ALL


def _draft(ctx: Ctx) -> Draft:
    assert ctx.user_data is not None
    draft = Draft(ctx.user_data.setdefault("draft", {}))
    # When the resident last touched it: drafts abandoned for a day are swept with their files.
    draft.touched = iso(ctx.services.clock.now())
    return draft


def _clear(ctx: Ctx) -> None:
    assert ctx.user_data is not None
    ctx.user_data.pop("draft", None)


async def _say(update: Update, ctx: Ctx, text: str, keyboard: dict[str, Any] | None = None,
               *, part: str, issue_id: int | None = None) -> None:
    """Through the outbox like every send; one answer per part (the catalog key) and update,
    so a reprocessed update says nothing twice. With ``issue_id`` a reply to it reaches the
    heads."""
    await reply(update, ctx, text, part=part, html=True, markup=keyboard, quote=False,
                issue_id=issue_id)


async def _say_key(update: Update, ctx: Ctx, key: str, keyboard: dict[str, Any] | None = None,
                   /, *, issue_id: int | None = None, **params: Any) -> None:
    """A step's message that is one catalog entry (its buttons, if any, come from a view)."""
    await _say(update, ctx, text_key(update, ctx, key, **params), keyboard, part=key,
               issue_id=issue_id)


async def on_start(update: Update, ctx: Ctx) -> str | int:
    user = update.effective_user
    assert user is not None
    services = ctx.services
    await services.roster.seen(
        user.id, display_name(user), user.username, user.language_code, started_bot=True
    )
    _clear(ctx)
    code = ctx.args[0] if ctx.args else None
    if code is None and await services.roster.is_staff(user.id):
        await _say(update, ctx, greeting(user_language(ctx, user), display_name(user), user.id,
                                         as_html=True), part="start.greeting")
        # Now that the chat exists, the head's or coordinator's own menu can be set in it.
        await register_commands(ctx.application)
        return ConversationHandler.END
    if code is not None:
        try:
            grid_key, place = await services.qr.resolve(code)
        except UserError as refused:
            await _say_key(update, ctx, refused.key)
        else:
            grid = await services.roster.grid(grid_key)
            draft = _draft(ctx)
            draft.grid, draft.place = grid_key, place
            await _say(update, ctx, welcome(user_language(ctx, user),
                                            grid.name if grid else grid_key, place),
                       part="resident.welcome_place")
            return COLLECT
    return await _ask_place(update, ctx)


async def on_first_message(update: Update, ctx: Ctx) -> str:
    """A resident who simply writes to the bot starts a report; what they sent is kept."""
    _clear(ctx)
    await _take(update, ctx)
    return await _ask_place(update, ctx)


async def _ask_place(update: Update, ctx: Ctx) -> str:
    draft = _draft(ctx)
    if draft.grid is None and not await _only_grid(ctx, draft):
        await _grid_buttons(update, ctx, "resident.choose_grid")
        return PLACE
    assert draft.grid is not None
    await _place_buttons(update, ctx, draft.grid)
    return PLACE


async def _only_grid(ctx: Ctx, draft: Draft) -> bool:
    """With one active grid there is nothing to ask: it goes into the draft."""
    active = [g for g in await ctx.services.roster.all_grids() if g.active]
    if len(active) == 1:
        draft.grid = active[0].key
        return True
    return False


async def _grid_buttons(update: Update, ctx: Ctx, key: str) -> None:
    grids = [(g.key, g.name) for g in await ctx.services.roster.all_grids() if g.active]
    await _say_key(update, ctx, key, grid_keyboard(grids))


async def _place_buttons(update: Update, ctx: Ctx, grid_key: str) -> None:
    lang = user_language(ctx, update.effective_user)
    places = [Place(building, unit)
              for building, unit in await ctx.services.roster.known_places(grid_key)]
    await _say_key(update, ctx, "resident.choose_place", place_keyboard(lang, places))


async def on_grid(update: Update, ctx: Ctx) -> str:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    key = query.data.split(":", 2)[2]
    if await ctx.services.roster.grid(key) is None:
        raise UserError("grid.unknown", key=key[:32])
    draft = _draft(ctx)
    draft.grid = key
    if draft.place_typed_first:
        draft.place_typed_first = False
        return await _placed(update, ctx, draft.place)
    await _place_buttons(update, ctx, key)
    return PLACE


async def on_place(update: Update, ctx: Ctx) -> str:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    label = query.data.split(":", 2)[2]
    place = Place() if label == "-" else Place.parse_label(label)
    return await _placed(update, ctx, place)


async def on_place_text(update: Update, ctx: Ctx) -> str:
    """A place typed as "3-2" or "3号楼2单元" works as well as the buttons."""
    message = update.effective_message
    assert message is not None
    place = classify(message.text or "", ctx.services.categories).place
    if place is None:
        await _say_key(update, ctx, "resident.place_again")
        return PLACE
    return await _placed(update, ctx, place)


async def _placed(update: Update, ctx: Ctx, place: Place) -> str:
    draft = _draft(ctx)
    draft.place = place
    if draft.grid is None and not await _only_grid(ctx, draft):
        # Typed "3-2" while the grid buttons waited: keep the place, ask for the grid.
        draft.place_typed_first = True
        await _grid_buttons(update, ctx, "resident.grid_first")
        return PLACE
    await _say(update, ctx, describe(user_language(ctx, update.effective_user), place),
               part="resident.describe")
    if draft.has_content:
        return await _ask_category(update, ctx)
    return COLLECT


async def on_content(update: Update, ctx: Ctx) -> str:
    first = not _draft(ctx).has_content
    if await _take(update, ctx) and first:
        await _say_key(update, ctx, "resident.received",
                       next_keyboard(user_language(ctx, update.effective_user)))
    return COLLECT


async def _take(update: Update, ctx: Ctx) -> bool:
    """Add one message to the draft; refuse clearly what cannot be taken (and keep going)."""
    message = update.effective_message
    assert message is not None
    draft = _draft(ctx)
    text = message.text or message.caption or ""
    if text:
        if not draft.add_text(text):
            await _say_key(update, ctx, "resident.too_long", limit=MAX_TEXT)
            return False
        for key in emergencies(text):
            if draft.warn_once(key):
                await _say_key(update, ctx, key)
    if message.location:
        draft.location = (message.location.latitude, message.location.longitude)
    if message.photo or message.document or message.voice:
        try:
            draft.add_file(await _keep_file(message, ctx, draft))
        except MediaRejected as rejected:
            await _say(update, ctx,
                       media_refusal(user_language(ctx, update.effective_user), rejected.key),
                       part=rejected.key)
            return bool(text)
    return True


async def _keep_file(message: Message, ctx: Ctx, draft: Draft) -> DraftFile:
    """Download and check the file now (the same path as a group's photos), so a resident
    hears at once if it cannot be used."""
    services = ctx.services
    config = services.config
    if message.voice:
        item: Any = message.voice
        kind = "voice"
    elif message.photo:
        item, kind = message.photo[-1], "photo"
    else:
        assert message.document is not None
        if not (message.document.mime_type or "").startswith("image/"):
            raise MediaRejected("media.not_image")
        item, kind = message.document, "photo"
    assert message.from_user is not None
    stored = await services.residents.bytes_stored_since(
        message.from_user.id, services.clock.now() - timedelta(days=1))
    refused = draft.refusal(kind, item.file_size, stored)
    if refused is not None:
        raise MediaRejected(refused)
    try:
        kept = await keep_file(ctx.bot, item.file_id, kind, item.file_size,
                               Path(config.media_dir), config.max_photo_bytes)
    except TryLater as exc:
        raise MediaRejected("media.unavailable") from exc
    return DraftFile(
        kind=kind, file_id=item.file_id, file_unique_id=item.file_unique_id,
        file_size=item.file_size, path=kept.path, bytes=kept.bytes,
        duration=seconds(message.voice.duration) if message.voice else None,
        sha256=kept.sha256, width=kept.width, height=kept.height,
    )


async def on_late_content(update: Update, ctx: Ctx) -> str | None:
    """A photo or voice message arriving while the bot waits for a button (the rest of an
    album, an afterthought) is kept, not dropped; the step stays where it was."""
    await _take(update, ctx)
    return None


async def on_next(update: Update, ctx: Ctx) -> str | int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = _draft(ctx)
    if draft.grid is None:
        return await _recover(update, ctx)
    if not draft.has_content:
        await _say_key(update, ctx, "resident.empty")
        return COLLECT
    return await _ask_category(update, ctx)


async def _ask_category(update: Update, ctx: Ctx) -> str:
    services = ctx.services
    lang = user_language(ctx, update.effective_user)
    draft = _draft(ctx)
    if draft.category is None:
        draft.category = classify(draft.text, services.categories).category.key
    await _say_key(update, ctx, "resident.choose_category",
                   category_keyboard(lang, services.categories, draft.category))
    return CATEGORY


async def on_category(update: Update, ctx: Ctx) -> str | int:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    key = query.data.split(":", 2)[2]
    services = ctx.services
    try:
        category = services.issues.category(key)
    except KeyError:
        raise UserError("button.unknown") from None
    draft = _draft(ctx)
    if draft.grid is None:
        return await _recover(update, ctx)
    draft.category = category.key
    lang = user_language(ctx, update.effective_user)
    if category.emergency_hint(lang):
        await reply(update, ctx, category.emergency_hint(lang), part="category-hint",
                    quote=False)
    grid = await services.roster.grid(draft.grid)
    text, keyboard = confirmation(lang, grid.name if grid else draft.grid, category, draft)
    await _say(update, ctx, text, keyboard, part="resident.confirm")
    return CONFIRM


async def on_submit(update: Update, ctx: Ctx) -> str | int:
    query = update.callback_query
    assert query is not None and query.message is not None
    user = query.from_user
    draft = _draft(ctx)
    services = ctx.services
    if draft.grid is None or draft.category is None:
        await query.answer()
        return await _recover(update, ctx)
    where = draft.location
    number = await services.residents.submit(
        user_id=user.id, chat_id=query.message.chat.id, message_id=query.message.message_id,
        grid_key=draft.grid, place=draft.place, category=draft.category, text=draft.text,
        media=tuple(
            IncomingMedia(f.kind, f.file_id, f.file_unique_id, f.file_size, f.duration,
                          f.path, f.sha256, f.width, f.height)
            for f in draft.files
        ),
        latitude=where[0] if where else None, longitude=where[1] if where else None,
    )
    await query.answer()
    _clear(ctx)
    await _say_key(update, ctx, "resident.submitted", issue_id=number, number=number)
    return ConversationHandler.END


async def _recover(update: Update, ctx: Ctx) -> str | int:
    """A step whose draft lacks what earlier steps gave: a draft swept after a day away
    ends with a word, one with content but no place asks for the place again."""
    if not _draft(ctx).has_content:
        _clear(ctx)
        await _say_key(update, ctx, "resident.draft_expired")
        return ConversationHandler.END
    return await _ask_place(update, ctx)


def draft_files(user_data: dict[Any, Any]) -> list[str]:
    """The stored files of one resident's draft (relative to media_dir)."""
    return [f.path for f in Draft(user_data.get("draft") or {}).files]


def stale_draft(user_data: dict[Any, Any], cutoff: str) -> bool:
    """A draft nobody touched since ``cutoff`` (a report abandoned half-way)."""
    data: dict[str, Any] = user_data.get("draft") or {}
    return bool(data) and Draft(data).touched < cutoff


async def on_cancel(update: Update, ctx: Ctx) -> int:
    if update.callback_query is not None:
        await update.callback_query.answer()
    _clear(ctx)
    await _say_key(update, ctx, "resident.cancelled")
    return ConversationHandler.END


async def on_unsupported(update: Update, ctx: Ctx) -> None:
    """A sticker, contact, poll or video: say what a report can carry; the step stays."""
    await _say_key(update, ctx, "resident.unsupported")


async def on_stray_button(update: Update, ctx: Ctx) -> None:
    """A button of an earlier step pressed later: say where we are instead of silence."""
    query = update.callback_query
    assert query is not None
    await query.answer(text_key(update, ctx, "resident.stale_button"), show_alert=True)


def conversation() -> ConversationHandler[Ctx]:
    private = filters.ChatType.PRIVATE
    cancel: list[BaseHandler[Update, Ctx, Any]] = [
        CommandHandler("cancel", on_cancel, filters=private),
        CallbackQueryHandler(on_cancel, pattern=r"^rpt:cancel$"),
        CommandHandler("start", on_start, filters=private),
    ]
    # PTB warns that per_message=False cannot track buttons per message: here each step's
    # buttons are checked against the step itself, which is what we want.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("start", on_start, filters=private),
                MessageHandler(private & _CONTENT, on_first_message),
            ],
            states={
                PLACE: [CallbackQueryHandler(on_grid, pattern=r"^rpt:g:"),
                        CallbackQueryHandler(on_place, pattern=r"^rpt:p:"),
                        MessageHandler(private & filters.TEXT & ~filters.COMMAND,
                                       on_place_text),
                        MessageHandler(private & _CONTENT, on_late_content)],
                COLLECT: [MessageHandler(private & _CONTENT, on_content),
                          CallbackQueryHandler(on_next, pattern=r"^rpt:next$")],
                CATEGORY: [CallbackQueryHandler(on_category, pattern=r"^rpt:c:"),
                           MessageHandler(private & _CONTENT, on_content)],
                CONFIRM: [CallbackQueryHandler(on_submit, pattern=r"^rpt:ok$"),
                          CallbackQueryHandler(on_next, pattern=r"^rpt:next$"),
                          MessageHandler(private & _CONTENT, on_late_content)],
            },
            fallbacks=[*cancel, CallbackQueryHandler(on_stray_button, pattern=r"^rpt:"),
                       MessageHandler(private & _UNSUPPORTED, on_unsupported)],
            name="resident_report",
            persistent=True,
            allow_reentry=False,  # content mid-report belongs to the report; /start is a fallback
        )


async def cmd_my(update: Update, ctx: Ctx) -> None:
    """A resident's own issues; nobody sees anyone else's here."""
    user = update.effective_user
    assert user is not None
    services = ctx.services
    lang = user_language(ctx, user)
    items = [Listed(row, services.issues.category(row.category).label(lang))
             for row in await services.residents.mine(user.id)]
    for i, chunk in enumerate(my_list(lang, items)):
        await reply(update, ctx, chunk, part=i, html=True, quote=False)


def handlers() -> list[BaseHandler[Update, Ctx, Any]]:
    private = filters.ChatType.PRIVATE
    return [
        conversation(),
        CommandHandler("my", cmd_my, filters=private),
        # /cancel with nothing being written still gets an answer.
        CommandHandler("cancel", on_cancel, filters=private),
        MessageHandler(private & _UNSUPPORTED, on_unsupported),
    ]
