"""The issue card: one message per issue, edited in place, and the buttons on it."""

from __future__ import annotations

import html
import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler
from telegram.helpers import mention_html

from bot.domain.classify import without_hashtag
from bot.domain.lifecycle import Action
from bot.domain.model import Status
from bot.errors import UserError
from bot.i18n import t
from bot.services import messages
from bot.services.hub import Services
from bot.views.html_text import cut_html, escape_within, utf16_len
from bot.views.place import place_label
from handlers.common import user_language
from handlers.context import Ctx

PRIORITY_ICON = {"urgent": "🔴", "priority": "🟠", "normal": "🟢", "planned": "🔵"}
TEXT_LIMIT = 800  # the card quotes the report; the whole report stays in the event log
# A card's HTML source stays under Telegram's 4,096 units whatever people typed, so /show
# (which starts with the card) never has to cut it and the status line always shows.
CARD_LIMIT = 3800
REJECT_REASONS = ("duplicate", "not_actionable", "out_of_scope")
ISSUE_NUMBER = re.compile(r"[0-9]{1,12}")
USER_ID = re.compile(r"[0-9]{1,15}")


def button(text: str, data: str) -> dict[str, str]:
    assert len(data.encode()) <= 64, data  # Telegram's callback_data limit
    return {"text": text, "callback_data": data}


async def render_card(services: Services, issue_id: int) -> tuple[str, dict[str, Any]]:
    """The card as the group reads it now: number, category, place, who, state, buttons."""
    lang = services.config.language
    row = await services.issues.get(issue_id)
    grid = await services.roster.grid(row.grid_key)
    category = services.issues.category(row.category)
    lines = [
        f"{PRIORITY_ICON.get(row.priority, '')} "
        f"<b>#{row.id} {html.escape(category.label(lang))}</b>"
        f" · {t(lang, f'priority.{row.priority}')}",
        t(lang, "card.place", grid=html.escape(grid.name if grid else row.grid_key),
          place=html.escape(place_label(lang, row.place))),
    ]
    if row.by_resident:
        lines.append(t(lang, "card.reporter_resident"))
    else:
        lines.append(t(lang, "card.reporter", name=html.escape(row.reporter_name or "")))
    if row.assignee_user_id is not None:
        name = await services.roster.name_of(row.grid_key, row.assignee_user_id)
        role = t(lang, f"role.{row.assignee_role}") if row.assignee_role else t(
            lang, "relay.coordinator")
        lines.append(t(lang, "card.assignee", mention=mention_html(row.assignee_user_id, name),
                       role=role))
        why = (await services.issues.fell_back(row.id) if row.status is Status.ASSIGNED
               else None)
        if why is not None:
            key = "card.fell_back" if why == "vacant" else "card.fell_back_place"
            lines.append(t(lang, key, wanted=t(lang, f"role.{row.wanted_role}")))
    else:
        lines.append(t(lang, "card.nobody", wanted=t(lang, f"role.{row.wanted_role}")))
    tail: list[str] = []
    counts = await services.issues.media_counts(issue_id)
    attached = [t(lang, f"card.{kind}s", count=counts[kind]) for kind in ("photo", "voice")
                if counts.get(kind)]
    if attached:
        tail.append("📎 " + " · ".join(attached))
    status_line = t(lang, "card.status", status=t(lang, f"status.{row.status}"))
    if row.status is Status.REJECTED and row.reject_reason:
        status_line += " · " + html.escape(row.reject_reason[:200])
    if row.status is Status.REFERRED and row.department:
        status_line += " · " + html.escape(row.department[:200])
    tail.append(status_line)
    # Names and places are short; the quote takes what is left, measured after escaping.
    lines = [cut_html(line, CARD_LIMIT // 10) for line in lines]
    text = without_hashtag(row.text)
    if text:
        room = CARD_LIMIT - utf16_len("\n".join([*lines, *tail])) - utf16_len("\n📝 ")
        lines.append("📝 " + escape_within(text, min(room, TEXT_LIMIT)))
    return "\n".join([*lines, *tail]), keyboard(lang, row.id, row.status)


def keyboard(lang: str, issue_id: int, status: Status) -> dict[str, Any]:
    def b(verb: str) -> dict[str, str]:
        return button(t(lang, f"button.{verb}"), f"issue:{verb}:{issue_id}")

    rows: list[list[dict[str, str]]]
    if status in (Status.OPEN, Status.ASSIGNED, Status.REFERRED):
        rows = [[b("claim")], [b("assign"), b("reject")]]
    elif status is Status.IN_PROGRESS:
        rows = [[b("resolve")], [b("assign"), b("reject")]]
    elif status is Status.RESOLVED:
        rows = [[b("close"), b("reopen")]]
    else:
        rows = [[b("reopen")]]
    return {"inline_keyboard": rows}


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
        await services.issues.act(
            issue_id, _SIMPLE[verb], user_id, chat_id=chat_id, message_id=message_id,
            update_id=update.update_id,
        )
        await query.answer(t(lang, f"done.{verb}", number=issue_id))
    elif verb == "assign":
        row = await services.issues.check(issue_id, Action.ASSIGN, user_id)
        heads = await services.roster.heads(row.grid_key)
        choices = [
            [button(f"{h.name} · {t(lang, f'role.{h.role.value}')}",
                    f"issue:assignto:{issue_id}:{h.user_id}")]
            for h in heads if h.user_id != row.assignee_user_id
        ]
        await _menu(services, update, issue_id, choices, lang)
        await query.answer(t(lang, "menu.assign"))
    elif verb == "assignto" and USER_ID.fullmatch(arg):
        await services.issues.act(
            issue_id, Action.ASSIGN, user_id, target=int(arg), chat_id=chat_id,
            message_id=message_id, update_id=update.update_id,
        )
        await query.answer(t(lang, "done.assign", number=issue_id))
    elif verb == "reject":
        await services.issues.check(issue_id, Action.REJECT, user_id)
        choices = [[button(t(lang, f"reject.{r}"), f"issue:rejectwhy:{issue_id}:{r}")]
                   for r in REJECT_REASONS]
        await _menu(services, update, issue_id, choices, lang)
        await query.answer(t(lang, "menu.reject"))
    elif verb == "rejectwhy" and arg in REJECT_REASONS:
        await services.issues.act(
            issue_id, Action.REJECT, user_id, reason=t(services.config.language, f"reject.{arg}"),
            chat_id=chat_id, message_id=message_id, update_id=update.update_id,
        )
        await query.answer(t(lang, "done.reject", number=issue_id))
    elif verb == "verify" and arg:
        await services.residents.verify(issue_id, user_id, arg)
        await query.answer(t(lang, f"verify.thanks_{arg}", number=issue_id))
        if message is not None:
            await messages.edit_markup(
                services.store, services.clock, message.chat.id, message.message_id,
                {"inline_keyboard": []}, dedup_key=f"verified:{update.update_id}",
            )
    elif verb == "back":
        await services.issues.require_viewer(issue_id, user_id)
        await services.issues.refresh_card(issue_id)
        await query.answer()
    else:
        raise UserError("button.unknown")
    services.wake_outbox()


async def _menu(
    services: Services, update: Update, issue_id: int, choices: list[list[dict[str, str]]],
    lang: str,
) -> None:
    """A sub-menu replaces the card's buttons until a choice or «back»."""
    query = update.callback_query
    assert query is not None and query.message is not None
    choices.append([button(t(lang, "button.back"), f"issue:back:{issue_id}")])
    await messages.edit_markup(
        services.store, services.clock, query.message.chat.id, query.message.message_id,
        {"inline_keyboard": choices}, dedup_key=f"menu:{update.update_id}",
    )


async def on_unknown_button(update: Update, ctx: Ctx) -> None:
    """Any other button (forged, malformed, of a finished step, ``rpt:`` in a group) is
    answered, so no button spins and nothing changes."""
    raise UserError("button.unknown")


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CallbackQueryHandler(on_button, pattern=r"^issue:")]


def catch_all() -> list[BaseHandler[Update, Ctx, None]]:
    """Registered last, after every handler that takes buttons."""
    return [CallbackQueryHandler(on_unknown_button)]
