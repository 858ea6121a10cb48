"""What the bot says about itself: ``/help`` as far as this person may act (also the answer
to an unknown command), the ``/start`` greeting, and the command menus Telegram shows under
"/" in private chats and in groups."""

from __future__ import annotations

import html

from bot.i18n import t

# Each menu lists what works where and for whom (Telegram shows the most specific scope a
# person has): /my and /cancel only make sense in a private chat, /report and /bind only in
# a group; residents see only their own few, heads theirs, coordinators everything.
RESIDENT_COMMANDS = ("start", "my", "cancel", "help")
HEAD_PRIVATE_COMMANDS = ("start", "open", "show", "agenda", "visit", "visits", "desk", "my",
                         "cancel", "help")
COORDINATOR_PRIVATE_COMMANDS = ("start", "open", "show", "agenda", "stats", "export", "visits",
                                "roster", "qr", "desk", "my", "cancel", "help")
GROUP_COMMANDS = ("report", "open", "show", "category", "place", "priority", "merge", "assign",
                  "refer", "reject", "close", "reopen", "agenda", "visit", "visits", "help")
COORDINATOR_GROUP_COMMANDS = (*GROUP_COMMANDS[:-1], "decide", "bind", "roster", "sethead", "qr",
                              "stats", "export", "help")
MENUS = {
    "resident": RESIDENT_COMMANDS, "head": HEAD_PRIVATE_COMMANDS,
    "coordinator": COORDINATOR_PRIVATE_COMMANDS, "group": GROUP_COMMANDS,
    "coordinator_group": COORDINATOR_GROUP_COMMANDS,
}


def help_text(lang: str, *, staff: bool, coordinator: bool) -> str:
    """What everyone may do, then what heads may, then what coordinators may: nobody reads
    about commands that would only refuse them."""
    parts = [t(lang, "help.everyone")]
    if staff:
        parts.append(t(lang, "help.heads"))
        parts.append(t(lang, "help.lifecycle"))
    if coordinator:
        parts.append(t(lang, "help.coordinators"))
        parts.append(t(lang, "help.roster"))
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


def command_menu(lang: str, menu: str) -> list[tuple[str, str]]:
    """(command, description) pairs of one of ``MENUS``: ``resident`` (every private chat),
    ``head`` and ``coordinator`` (their own private chats), ``group`` (every group) and
    ``coordinator_group`` (a coordinator in a bound group)."""
    return [(command, t(lang, f"command.{command}")) for command in MENUS[menu]]
