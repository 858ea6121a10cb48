"""The emulated Telegram's state, shared by the Bot API methods, the scripting API and the
server, and the few helpers all three need.

Telegram is one world: the chats and users scripted by a test, the messages in them (the
users' and the bot's), the queue of updates, the files, and what was injected to go wrong.
``EmulatorCore`` holds all of it so that each mixin composed into ``BotApiEmulator`` reads
and changes the same world, and so that the whole state is visible in one place.
"""

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.emulator.files import FileStore
from bot.emulator.flood import FloodControl, FloodLimits
from bot.emulator.protocol import JSONDict
from bot.emulator.rendering import visible_text


@dataclass
class Call:
    """One request the bot made; ``result`` is the Bot API result, or the error description
    (status 0: the connection was reset before Telegram saw the request)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    result: Any


@dataclass
class BotMessage:
    """A message the bot sent, in its current state after edits (what users now see)."""

    chat_id: int
    message_id: int
    text: str
    kind: str
    reply_markup: dict[str, Any] | None
    thread_id: int | None
    reply_to: int | None
    edits: int = 0
    history: list[str] = field(default_factory=list)
    parse_mode: str | None = None
    file_id: str | None = None
    deleted: bool = False

    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button; URL buttons give their URL instead."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            (str(b.get("text", "")), str(b.get("callback_data") or b.get("url") or ""))
            for row in rows
            for b in row
        ]

    def plain(self) -> str:
        """The text as a person reads it: HTML tags stripped and entities unescaped."""
        return visible_text(self.text, self.parse_mode)


@dataclass
class Injection:
    """An error ``fail_next`` queued for a method: answered ``times`` more times."""

    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class Transcript:
    """Lines of the chat log, kept as they happen so titles and texts read as at that time."""

    lines: list[str] = field(default_factory=list)

    def add(self, prefix: str, text: str, buttons: list[list[str]] | None = None) -> None:
        first, *rest = (text or "").split("\n")
        self.lines.append(f"{prefix}{first}")
        self.lines.extend(f"    {line}" for line in rest)
        for row in buttons or []:
            self.lines.append("   " + " ".join(f"[{label}]" for label in row))


def _without_reply(message: JSONDict) -> JSONDict:
    """Telegram nests replied-to messages one level deep only."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


class EmulatorCore:
    """Everything the emulated Telegram knows, and the helpers that read it the same way
    for every caller (names, titles, message ids, replies)."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "fiveheads_bot",
        flood: FloodLimits | None = None,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.api_base_url = ""
        self.file_base_url = ""
        self.calls: list[Call] = []
        self.hooks: list[Callable[[str, dict[str, Any]], None]] = []
        self.my_commands: dict[str, list[JSONDict]] = {}
        # People, chats and messages.
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._admins: set[tuple[int, int]] = set()
        self._left: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._bot_messages: list[BotMessage] = []
        self._bot_index: dict[tuple[int, int], BotMessage] = {}
        self._files = FileStore()
        self._callback_counter = itertools.count(1)
        self._media_group_counter = itertools.count(1)
        self._open_callbacks: dict[str, tuple[int, str]] = {}
        self._transcript = Transcript()
        # The update queue and its long polls.
        self._updates: list[JSONDict] = []
        self._first_unconfirmed = 1
        self._redelivery_pending = False
        self._update_event = asyncio.Event()
        self._poll_generation = 0
        self._stopping = False
        self._runner: web.AppRunner | None = None
        # What is made to go wrong.
        self._flood = FloodControl(flood)
        self._failures: dict[str, list[Injection]] = {}
        self._delays: dict[str, list[float]] = {}
        # Per method, queued connection resets: True drops it after acting, False before.
        self._resets: dict[str, list[bool]] = {}

    @property
    def flood(self) -> FloodLimits | None:
        """The flood limits enforced, or None (no limits)."""
        return self._flood.limits

    @flood.setter
    def flood(self, limits: FloodLimits | None) -> None:
        self._flood.limits = limits

    @property
    def flood_violations(self) -> int:
        """Requests refused with 429 by flood control (injected failures do not count)."""
        return self._flood.violations

    def _bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_username,
            "username": self.bot_username,
        }

    def _display_name(self, user_id: int) -> str:
        user = self._users.get(user_id)
        if user is None:
            return f"user {user_id}"
        return " ".join(filter(None, [user["first_name"], user.get("last_name")]))

    def _chat_title(self, chat_id: int) -> str:
        chat = self._chats.get(chat_id, {})
        if chat.get("type") == "private":
            return f"private: {self._display_name(chat_id)}"
        return str(chat.get("title", chat_id))

    def _allocate_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _thread_and_reply(
        self, message: JSONDict, chat: JSONDict, thread_id: int | None, reply_to: int | None
    ) -> None:
        """Put a new message in its forum thread and nest the message it replies to."""
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        if reply_to is not None:
            replied = self._messages.get((chat["id"], reply_to))
            message["reply_to_message"] = (
                _without_reply(replied)
                if replied is not None
                else {"message_id": reply_to, "date": message["date"], "chat": chat}
            )
