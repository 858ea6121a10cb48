"""What coordinators run the community with: /stats (the figures and their chart) and
/export (the period as a workbook); and what heads log for those figures: /visit and
/visits (home visits, 走访)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.domain.model import Place
from bot.domain.visits import visit_args
from bot.i18n import t
from bot.views.place import place_label
from bot.views.stats import ListedVisit, stats_text, visits_text
from handlers.common import chat_language, reply, reply_key, thread_of
from handlers.context import Ctx


async def cmd_stats(update: Update, ctx: Ctx) -> None:
    """``/stats [FROM] [TO]``: the community's figures as text, then the chart."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    assert user is not None and chat is not None and message is not None
    services = ctx.services
    services.roster.require_coordinator(user.id)
    stats = services.stats
    period = stats.period(ctx.args or [], "stats.usage")
    lang = chat_language(ctx, update)
    figures = await stats.figures(period)
    for i, chunk in enumerate(stats_text(lang, figures, await stats.grid_names())):
        await reply(update, ctx, chunk, part=i, html=True)
    png = await stats.chart(figures, lang)
    await stats.send_chart(
        chat.id, png, lang, figures, folder=str(update.update_id),
        dedup_key=f"reply:{update.update_id}:chart", reply_to=message.message_id,
        thread_id=thread_of(message),
    )


async def cmd_export(update: Update, ctx: Ctx) -> None:
    """``/export [FROM] [TO]``: the period's issues, visits and figures as an .xlsx."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    assert user is not None and chat is not None and message is not None
    services = ctx.services
    services.roster.require_coordinator(user.id)
    period = services.stats.period(ctx.args or [], "export.usage")
    await services.export.send_xlsx(
        chat.id, period, chat_language(ctx, update), folder=str(update.update_id),
        dedup_key=f"reply:{update.update_id}:export", reply_to=message.message_id,
        thread_id=thread_of(message),
    )


async def cmd_visit(update: Update, ctx: Ctx) -> None:
    """``/visit PLACE HOUSEHOLDS PEOPLE [note]`` by a head: in their grid's group, or in
    private when they head exactly one grid."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    assert user is not None and chat is not None and message is not None
    visits = ctx.services.visits
    grid = await visits.grid_for(user.id, chat.id, private=chat.type == "private")
    asked = visit_args(message.text or "")
    logged = await visits.log(grid, user.id, chat.id, message.message_id, asked)
    lang = chat_language(ctx, update)
    await reply_key(update, ctx, "visit.done", grid=logged.grid_name,
                    place=place_label(lang, logged.place), households=logged.households,
                    people=logged.people)


async def cmd_visits(update: Update, ctx: Ctx) -> None:
    """``/visits [FROM] [TO]``: heads see their grids' visits, coordinators every grid's."""
    user = update.effective_user
    assert user is not None
    services = ctx.services
    await services.roster.require_staff(user.id)
    period = services.stats.period(ctx.args or [], "visits.usage")
    visits = services.visits
    found = await visits.listed(user.id, period)
    lang = chat_language(ctx, update)
    names = found.grid_names
    if found.grid_keys is None:
        scope = t(lang, "visits.scope_all")
    else:
        scope = t(lang, "visits.scope_separator").join(names.get(k, k) for k in found.grid_keys)
    listed = [
        ListedVisit(visits.local_day(row.at), names.get(row.grid_key, row.grid_key),
                    Place(row.building, row.unit), row.households, row.people, row.name,
                    row.note)
        for row in found.rows
    ]
    chunks = visits_text(
        lang, scope, period.start.isoformat(), period.end.isoformat(), listed, found.totals,
        show_grid=found.grid_keys is None or len(found.grid_keys) > 1,
    )
    for i, chunk in enumerate(chunks):
        await reply(update, ctx, chunk, part=i, html=True)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("stats", cmd_stats),
        CommandHandler("export", cmd_export),
        CommandHandler("visit", cmd_visit),
        CommandHandler("visits", cmd_visits),
    ]
