"""Thin Telegram glue, one module per area, registered here in one ordered list."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    cards,
    chat_changes,
    commands,
    coordinators,
    desk,
    errors,
    fallback,
    fixes,
    group_intake,
    guard,
    jobs,
    lifecycle_commands,
    meetings,
    private_intake,
    qr,
    relay,
    roster,
)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Order matters: in group 0 the first matching handler wins, so the catch-all is last."""
    # Group -2 sees every update first: remember people's names and languages.
    app.add_handlers(guard.handlers(), group=-2)
    # Group -1: replies about an issue are relayed (and stop there); others go on.
    app.add_handlers(relay.handlers(), group=-1)
    app.add_handlers(
        [
            # A resident's private report (it owns /start in private chats).
            *private_intake.handlers(),
            # Commands before intake, so "/report" as a reply is a command, not a message.
            *commands.handlers(),
            # The roster in chat (/roster, /sethead); the lifecycle as commands (/assign,
            # /reject, /close, /reopen, /refer) and referral's buttons (the card's 📤 menu,
            # a department liaison's claim / resolved), before the card's own buttons.
            *roster.handlers(),
            *lifecycle_commands.handlers(),
            *qr.handlers(),
            # /agenda and /decide for the meetings of the 9th, 19th and 29th.
            *meetings.handlers(),
            # /stats and /export for coordinators, /visit and /visits (home visits) for heads.
            *coordinators.handlers(),
            # /desk: a one-time sign-in link to the coordinators' desk (bot.web).
            *desk.handlers(),
            *group_intake.handlers(),
            # Fixing what the reader got wrong (✏️ and /category, /place, /priority), then
            # the other buttons on issue cards.
            *fixes.handlers(),
            *cards.handlers(),
            # Group upgraded, bot removed.
            *chat_changes.handlers(),
            # Last: an unknown command gets an answer, and so does an unknown button.
            *fallback.handlers(),
            *cards.catch_all(),
        ],
        group=0,
    )
    app.add_error_handler(errors.on_error)
    jobs.schedule(app)
