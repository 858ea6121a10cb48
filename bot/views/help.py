"""What the bot says about itself: ``/help`` as far as this person may act (also the answer
to an unknown command), the ``/start`` greeting, and the command menus Telegram shows under
"/" in private chats and in groups."""

from __future__ import annotations

import html

from bot.i18n import t

# Each menu lists what works where: /my and /cancel only make sense in a private chat,
# /report, /decide and /bind only in a group.
PRIVATE_COMMANDS = ("start", "my", "cancel", "help", "open", "show", "agenda", "qr")
GROUP_COMMANDS = ("report", "open", "show", "category", "place", "priority", "merge", "agenda",
                  "decide", "bind", "qr", "help")


def help_text(lang: str, *, staff: bool, coordinator: bool) -> str:
    """What everyone may do, then what heads may, then what coordinators may: nobody reads
    about commands that would only refuse them."""
    parts = [t(lang, "help.everyone")]
    if staff:
        parts.append(t(lang, "help.heads"))
    if coordinator:
        parts.append(t(lang, "help.coordinators"))
    return "\n\n".join(parts)


def unknown_command(lang: str, *, staff: bool, coordinator: bool) -> str:
    """An unknown command is answered with the help itself: someone guessing a command wants
    to know what works, and is told only what works for them."""
    return t(lang, "error.unknown_command") + "\n\n" + help_text(
        lang, staff=staff, coordinator=coordinator
    )


def greeting(lang: str, name: str, user_id: int, *, as_html: bool) -> str:
    """The greeting shows the user id, which a coordinator needs for the roster. ``as_html``
    when it is sent as HTML (a private chat): the name is the user's own and is escaped."""
    return t(lang, "start.greeting", name=html.escape(name) if as_html else name,
             user_id=user_id)


def command_menu(lang: str, *, private: bool) -> list[tuple[str, str]]:
    """(command, description) pairs of the menu of private chats or of groups."""
    return [(command, t(lang, f"command.{command}"))
            for command in (PRIVATE_COMMANDS if private else GROUP_COMMANDS)]
