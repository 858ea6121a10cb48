"""Group intake: snap-and-report photos, voice, #随手拍/#report, albums, /report as a reply."""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update
from telegram.ext import BaseHandler, CommandHandler, JobQueue, MessageHandler, filters

from bot.domain.classify import REPORT_HASHTAG, classify
from bot.domain.emergency import hints
from bot.errors import UserError
from bot.services.issues import IncomingMedia, Report
from handlers.common import chat_language, display_name, reply, text_key, thread_of
from handlers.context import Ctx


def seconds(duration: int | timedelta) -> int:
    """PTB is moving durations from int to timedelta (we opt in); accept both."""
    return int(duration.total_seconds()) if isinstance(duration, timedelta) else int(duration)


def media_of(message: Message) -> tuple[IncomingMedia, ...]:
    found: list[IncomingMedia] = []
    if message.photo:
        best = message.photo[-1]  # Telegram lists sizes smallest first
        found.append(IncomingMedia("photo", best.file_id, best.file_unique_id, best.file_size))
    if message.document and (message.document.mime_type or "").startswith("image/"):
        doc = message.document
        found.append(IncomingMedia("photo", doc.file_id, doc.file_unique_id, doc.file_size))
    if message.voice:
        voice = message.voice
        found.append(IncomingMedia(
            "voice", voice.file_id, voice.file_unique_id, voice.file_size,
            seconds(voice.duration),
        ))
    return tuple(found)


def report_from(message: Message, via: str, *, reported_by: int | None = None) -> Report:
    author = message.from_user
    location = message.location
    return Report(
        chat_id=message.chat_id,
        message_id=message.message_id,
        user_id=author.id if author else 0,
        user_name=display_name(author),
        text=message.text or message.caption or "",
        thread_id=thread_of(message),
        media_group_id=message.media_group_id,
        media=media_of(message),
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        via=via,
        reported_by=reported_by,
    )


def _via(message: Message) -> str:
    if message.photo or message.document:
        return "photo"
    if message.voice:
        return "voice"
    return "hashtag"


async def warn_emergencies(update: Update, ctx: Ctx, text: str) -> None:
    """Gas, fire, violence, a medical emergency: say whom to call at once, before anything."""
    services = ctx.services
    lang = chat_language(ctx, update)
    category = classify(text, services.categories).category
    keys, category_hint = hints(text, category, lang)
    for key in keys:
        await reply(update, ctx, text_key(update, ctx, key), part=key, urgent=True)
    if category_hint:
        await reply(update, ctx, category_hint, part="category-hint", urgent=True)


async def on_group_report(update: Update, ctx: Ctx) -> None:
    message = update.effective_message
    assert message is not None
    services = ctx.services
    grid = await services.roster.grid_of_chat(message.chat_id)
    text = message.text or message.caption or ""
    if grid is None and not text.strip() and not message.media_group_id:
        return  # a bare photo in a group that is no grid's: not necessarily a report
    await warn_emergencies(update, ctx, text)
    report = report_from(message, _via(message))
    if grid is None or not grid.active:
        # No grid to file it in yet: kept, and filed when a coordinator binds the group.
        await services.pending.keep(report, message.chat.title or "")
        return
    result = await services.issues.report(report, defer_card=bool(message.media_group_id))
    if message.media_group_id:
        _schedule_album(ctx, message.chat_id, message.media_group_id, result.issue_id)


def _schedule_album(ctx: Ctx, chat_id: int, album: str, issue_id: int) -> None:
    """Telegram sends no "album complete": the card goes out after a quiet period."""
    queue: JobQueue[Ctx] | None = ctx.job_queue  # type: ignore[assignment]
    assert queue is not None
    name = f"album:{chat_id}:{album}"
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_once(
        on_album_quiet, when=ctx.services.config.album_quiet_seconds, data=issue_id, name=name
    )


async def on_album_quiet(ctx: Ctx) -> None:
    assert ctx.job is not None and isinstance(ctx.job.data, int)
    await ctx.services.issues.release_card(ctx.job.data)


async def cmd_report(update: Update, ctx: Ctx) -> None:
    """A head or coordinator turns any message of the group into an issue."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None
    target = message.reply_to_message
    if target is None:
        raise UserError("report.need_reply")
    services = ctx.services
    grid = await services.roster.grid_of_chat(message.chat_id)
    if grid is None:
        raise UserError("intake.unbound")
    await services.roster.require_head(grid.key, user.id)
    if (target.from_user is None or target.from_user.is_bot or target.forum_topic_created
            or target.message_id == message.message_thread_id):
        # In a forum topic a bare /report "replies" to the topic's opening service message.
        raise UserError("report.need_reply")
    result = await services.issues.report(report_from(target, "command", reported_by=user.id))
    if not result.created:
        raise UserError("report.already", number=result.issue_id)


async def on_group_edit(update: Update, ctx: Ctx) -> None:
    """The issue keeps the report as it was at intake; the edit is logged as an event."""
    message = update.edited_message
    assert message is not None
    user = message.from_user
    await ctx.services.issues.log_edit(
        message.chat_id, message.message_id, message.text or message.caption or "",
        user.id if user else 0,
    )


_REPORTS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & (
    filters.PHOTO | filters.VOICE | filters.Document.IMAGE
    | filters.Regex(REPORT_HASHTAG) | filters.CaptionRegex(REPORT_HASHTAG)
)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("report", cmd_report, filters=filters.ChatType.GROUPS),
        MessageHandler(_REPORTS & ~filters.COMMAND, on_group_report),
        MessageHandler(
            filters.ChatType.GROUPS & filters.UpdateType.EDITED_MESSAGE, on_group_edit
        ),
    ]
