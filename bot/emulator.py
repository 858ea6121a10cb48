"""An emulated Telegram Bot API served over HTTP on 127.0.0.1.

Tests and ``fiveheads demo`` run the real ``telegram.ext.Application`` against this server
(through ``base_url``/``base_file_url``) so that request encoding, response parsing, retries
and rate limiting are exercised exactly as in production, without a token or a network.
The emulator hands out scripted updates through ``getUpdates``, records every call, serves
file downloads and enforces Telegram's limits (message sizes, callback data, flood control)
the way Telegram answers them, so a bot that passes here does not hit them for real.

It deliberately imports nothing from the rest of the project: it stands for Telegram.
"""

import asyncio
import contextlib
import copy
import html
import io
import itertools
import json
import math
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from PIL import Image

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
# Thumbnails are only rendered for images this small, so a decompression bomb sent by a test
# costs the emulator nothing (the bot under test has to cope with it, not us).
_THUMBNAIL_PIXEL_LIMIT = 4_000_000
_THUMBNAIL_SIDE = 90
# One request above capacity is tolerated: the client limiter (aiolimiter) and this server
# measure time at slightly different moments, and a well-behaved bot must never be punished
# for that jitter.
_FLOOD_TOLERANCE = 1.0
# Parameters that are strings in the Bot API even when their content looks like JSON
# (a message text "123" or "true" must stay a string).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "file_id",
        "photo",
        "voice",
        "document",
        "parse_mode",
        "title",
        "description",
        "short_description",
        "name",
        "url",
        "inline_message_id",
        "language_code",
        "action",
    }
)
_JSON_LOOKING = re.compile(r"^(?:[\[{].*|true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$", re.S)
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*)?)\s*/?>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_MEDIA_KINDS = ("photo", "voice", "document", "location")
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

Params = dict[str, Any]
JSONDict = dict[str, Any]


@dataclass
class FloodLimits:
    """Telegram's flood limits, made configurable so tests can use short periods."""

    overall_per_second: float = 30
    group_max: float = 20
    group_period: float = 60.0


@dataclass
class Call:
    """One request the bot made; ``result`` is the Bot API result, or the error description."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    result: Any


@dataclass
class Upload:
    """A file the bot uploaded in a multipart request (kept in ``Call.params``)."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file Telegram would keep: downloadable through getFile unless it is too big."""

    file_id: str
    file_unique_id: str
    data: bytes
    size: int
    path: str


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
        return _visible_text(self.text, self.parse_mode)


class _ApiError(Exception):
    """A Bot API error answer; raised by handlers, turned into the JSON error body."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        out: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def _bad_request(what: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {what}")


@dataclass
class _Bucket:
    """A leaky bucket: ``capacity`` requests at once, draining ``rate`` per second."""

    capacity: float
    rate: float
    level: float = 0.0
    updated: float = 0.0

    def _drain(self, now: float) -> None:
        self.level = max(0.0, self.level - (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        self._drain(now)
        excess = self.level + 1 - (self.capacity + _FLOOD_TOLERANCE)
        return max(0.0, excess / self.rate)

    def add(self, now: float) -> None:
        self._drain(now)
        self.level += 1


@dataclass
class _Injection:
    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class _Transcript:
    """Lines of the chat log, kept as they happen so titles and texts read as at that time."""

    lines: list[str] = field(default_factory=list)

    def add(self, prefix: str, text: str, buttons: list[list[str]] | None = None) -> None:
        first, *rest = (text or "").split("\n")
        self.lines.append(f"{prefix}{first}")
        self.lines.extend(f"    {line}" for line in rest)
        for row in buttons or []:
            self.lines.append("   " + " ".join(f"[{label}]" for label in row))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Telegram's HTML parse mode: visible text and entities, or 400 "can't parse entities"."""
    plain: list[str] = []
    entities: list[JSONDict] = []
    stack: list[tuple[str, int, JSONDict]] = []
    offset = 0
    position = 0

    def add_text(chunk: str) -> None:
        nonlocal offset
        if "<" in chunk:
            at = len(source[:position].encode())
            raise _bad_request(f"can't parse entities: unexpected character < at byte offset {at}")
        text = html.unescape(chunk)
        plain.append(text)
        offset += _utf16_len(text)

    for match in _TAG.finditer(source):
        add_text(source[position : match.start()])
        position = match.end()
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name not in _HTML_ENTITY_TYPES:
            raise _bad_request(f'can\'t parse entities: unsupported start tag "{name}"')
        if not closing:
            entity: JSONDict = {"type": _HTML_ENTITY_TYPES[name]}
            href = _HREF.search(attrs)
            if name == "a" and href:
                entity["url"] = next(g for g in href.groups() if g is not None)
            if name == "blockquote" and "expandable" in attrs:
                entity["type"] = "expandable_blockquote"
            stack.append((name, offset, entity))
            continue
        if not stack or stack[-1][0] != name:
            raise _bad_request(f'can\'t parse entities: unmatched end tag "{name}"')
        _, start, entity = stack.pop()
        if offset > start:
            entities.append({**entity, "offset": start, "length": offset - start})
    add_text(source[position:])
    if stack:
        raise _bad_request(f'can\'t parse entities: unclosed start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def _render(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    if parse_mode is not None and parse_mode.lower() == "html":
        return _parse_html(text)
    return text, []


def _visible_text(text: str, parse_mode: str | None) -> str:
    return _render(text, parse_mode)[0]


def _incoming_entities(text: str) -> list[JSONDict]:
    """Entities Telegram attaches to a user's text: the leading command and hashtags."""
    entities: list[JSONDict] = []
    command = _COMMAND.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])})
    for tag in _HASHTAG.finditer(text):
        entities.append(
            {
                "type": "hashtag",
                "offset": _utf16_len(text[: tag.start()]),
                "length": _utf16_len(tag[0]),
            }
        )
    return entities


def _inspect_image(data: bytes) -> tuple[int, int, bytes | None]:
    """Width, height and a JPEG thumbnail; 1x1 and no thumbnail when Pillow cannot decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > _THUMBNAIL_PIXEL_LIMIT:
                    return width, height, None
                image.thumbnail((_THUMBNAIL_SIDE, _THUMBNAIL_SIDE))
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, "JPEG")
                return width, height, buffer.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return 1, 1, None


def _markup_rows(markup: JSONDict | None) -> list[list[str]]:
    """Button labels row by row, for the transcript (inline and reply keyboards alike)."""
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [[b.get("text", "") if isinstance(b, dict) else str(b) for b in row] for row in rows]


def _decode_value(name: str, value: str) -> Any:
    """Undo PTB's form encoding, which JSON-dumps every non-string parameter."""
    if name in _STRING_PARAMS or not _JSON_LOOKING.match(value):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> Params:
    params: Params = {name: _decode_value(name, v) for name, v in request.query.items()}
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            params[name] = Upload(value.filename, value.content_type, value.file.read())
        else:
            params[name] = _decode_value(name, str(value))
    return params


def _int_param(params: Params, name: str) -> int:
    value = params.get(name)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _bad_request(f"{name} is empty" if value is None else f"invalid {name}") from None


def _optional_int(params: Params, name: str) -> int | None:
    return None if params.get(name) is None else _int_param(params, name)


def _without_reply(message: JSONDict) -> JSONDict:
    """Telegram nests replied-to messages one level deep only."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


class BotApiEmulator:
    """The emulated Bot API server with the scripting and inspection helpers tests use."""

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
        self.flood = flood
        self.api_base_url = ""
        self.file_base_url = ""
        self.calls: list[Call] = []
        self.hooks: list[Callable[[str, dict[str, Any]], None]] = []
        self.flood_violations = 0
        self.my_commands: dict[str, list[JSONDict]] = {}
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._admins: set[tuple[int, int]] = set()
        self._left: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._bot_messages: list[BotMessage] = []
        self._bot_index: dict[tuple[int, int], BotMessage] = {}
        self._files: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[JSONDict]] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._media_group_counter = itertools.count(1)
        self._open_callbacks: dict[str, tuple[int, str]] = {}
        self._updates: list[JSONDict] = []
        self._first_unconfirmed = 1
        self._redelivery_pending = False
        self._update_event = asyncio.Event()
        self._poll_generation = 0
        self._stopping = False
        self._failures: dict[str, list[_Injection]] = {}
        self._delays: dict[str, list[float]] = {}
        self._overall_bucket: _Bucket | None = None
        self._group_buckets: dict[int, _Bucket] = {}
        if flood is not None:
            self._overall_bucket = _Bucket(flood.overall_per_second, flood.overall_per_second)
        self._transcript = _Transcript()
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[Params], Any]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendVoice": self._send_voice,
                "sendDocument": self._send_document,
                "sendMediaGroup": self._send_media_group,
                "copyMessage": self._copy_message,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "leaveChat": self._leave_chat,
                "sendChatAction": self._accept,
                "setMyDescription": self._accept,
                "setMyShortDescription": self._accept,
                "setChatMenuButton": self._accept,
            }.items()
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Listen on a random local port and publish the URLs PTB needs."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.api_base_url = f"http://127.0.0.1:{port}/bot"
        self.file_base_url = f"http://127.0.0.1:{port}/file/bot"

    async def stop(self) -> None:
        """Release pending long polls first, so shutdown does not wait for their timeout."""
        self._stopping = True
        self._update_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- people and chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "zh",
    ) -> JSONDict:
        """A person who has started the bot: their private chat exists from now on."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name is not None:
            user["last_name"] = chat["last_name"] = last_name
        if username is not None:
            user["username"] = chat["username"] = username
        user["language_code"] = language_code
        self._users[user_id] = user
        self._chats[user_id] = chat
        return user

    def add_group(self, chat_id: int, title: str, *, is_forum: bool = False) -> JSONDict:
        """A supergroup the bot is a member of."""
        chat: JSONDict = {"id": chat_id, "type": "supergroup", "title": title}
        if is_forum:
            chat["is_forum"] = True
        self._chats[chat_id] = chat
        self._left.discard(chat_id)
        return chat

    def set_admin(self, chat_id: int, user_id: int) -> None:
        """Make getChatMember report this user as an administrator of the chat."""
        self._admins.add((chat_id, user_id))

    # ----------------------------------------------------------------- incoming updates

    def send_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSONDict:
        """A user writes text; commands and hashtags get entities like Telegram adds them."""
        content: JSONDict = {"text": text}
        entities = _incoming_entities(text)
        if entities:
            content["entities"] = entities
        return self._incoming(chat_id, user_id, content, reply_to, thread_id, text)

    def send_photo(
        self,
        chat_id: int,
        user_id: int,
        image: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSONDict:
        """A user sends a photo; its bytes become downloadable through getFile."""
        stored = self._store_file(image, "photos", "jpg")
        content: JSONDict = {"photo": self._photo_sizes_of(stored)}
        content.update(self._incoming_caption(caption))
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        shown = "📷" + (f" {caption}" if caption else "")
        return self._incoming(chat_id, user_id, content, reply_to, thread_id, shown)

    def send_voice(
        self,
        chat_id: int,
        user_id: int,
        audio: bytes,
        *,
        duration: int = 3,
        caption: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSONDict:
        """A user sends a voice note."""
        stored = self._store_file(audio, "voice", "oga")
        content: JSONDict = {
            "voice": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": stored.size,
            }
        }
        content.update(self._incoming_caption(caption))
        shown = f"🎤 voice {duration}s" + (f" {caption}" if caption else "")
        return self._incoming(chat_id, user_id, content, reply_to, thread_id, shown)

    def send_document(
        self,
        chat_id: int,
        user_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        declared_size: int | None = None,
    ) -> JSONDict:
        """A user sends a file; ``declared_size`` claims a huge file without allocating it."""
        stored = self._store_file(data, "documents", "bin", declared_size)
        content: JSONDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": stored.size,
            }
        }
        content.update(self._incoming_caption(caption))
        shown = f"📎 {file_name} ({stored.size} bytes)" + (f" {caption}" if caption else "")
        return self._incoming(chat_id, user_id, content, None, None, shown)

    def send_location(
        self, chat_id: int, user_id: int, latitude: float, longitude: float
    ) -> JSONDict:
        """A user shares a location."""
        content: JSONDict = {"location": {"latitude": latitude, "longitude": longitude}}
        shown = f"📍 {latitude}, {longitude}"
        return self._incoming(chat_id, user_id, content, None, None, shown)

    def edit_text(self, chat_id: int, message_id: int, new_text: str) -> JSONDict:
        """A user edits a message: its caption if it had media, else its text."""
        message = self._messages.get((chat_id, message_id))
        if message is None or "from" not in message or message["from"]["id"] == self.bot_id:
            raise KeyError(f"no user message {message_id} in chat {chat_id}")
        key = "text" if "text" in message else "caption"
        message[key] = new_text
        message.pop("entities" if key == "text" else "caption_entities", None)
        entities = _incoming_entities(new_text)
        if entities:
            message["entities" if key == "text" else "caption_entities"] = entities
        message["edit_date"] = int(time.time())
        name = self._display_name(message["from"]["id"])
        self._transcript.add(
            f"[{self._chat_title(chat_id)}] {name} ✎ edited message {message_id}: ", new_text
        )
        self.add_raw_update({"edited_message": message})
        return message

    def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> JSONDict:
        """A user presses an inline button of a bot message; returns the CallbackQuery."""
        bot_message = self._bot_index.get((chat_id, message_id))
        if bot_message is None:
            raise KeyError(f"no bot message {message_id} in chat {chat_id}")
        query_id = str(next(self._callback_counter) * 1_000_003)
        query: JSONDict = {
            "id": query_id,
            "from": self._users[user_id],
            "message": copy.deepcopy(self._messages[(chat_id, message_id)]),
            "chat_instance": str(abs(chat_id) * 7 + 1),
            "data": data,
        }
        self._open_callbacks[query_id] = (chat_id, self._display_name(user_id))
        label = next((t for t, d in bot_message.buttons() if d == data), data)
        self._transcript.add(
            f"[{self._chat_title(chat_id)}] {self._display_name(user_id)} pressed ", f"[{label}]"
        )
        self.add_raw_update({"callback_query": query})
        return query

    def chat_member_left(self, chat_id: int, *, by_user_id: int | None = None) -> JSONDict:
        """The bot is removed from a group; later sends there answer 403 Forbidden."""
        bot_user = self._bot_user()
        update: JSONDict = {
            "chat": self._chats[chat_id],
            "from": self._actor(by_user_id),
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": bot_user},
            "new_chat_member": {"status": "left", "user": bot_user},
        }
        self._left.add(chat_id)
        self._transcript.add(f"[{self._chat_title(chat_id)}] ", "— the bot was removed —")
        self.add_raw_update({"my_chat_member": update})
        return update

    def migrate(self, chat_id: int, new_chat_id: int, *, by_user_id: int | None = None) -> JSONDict:
        """A group becomes a supergroup with a new id; the old id answers "upgraded" errors."""
        old_chat = {**self._chats[chat_id], "type": "group"}
        message: JSONDict = {
            "message_id": self._allocate_message_id(chat_id),
            "date": int(time.time()),
            "chat": old_chat,
            "from": self._actor(by_user_id),
            "migrate_to_chat_id": new_chat_id,
        }
        self._chats[new_chat_id] = {**self._chats[chat_id], "id": new_chat_id}
        self._migrated[chat_id] = new_chat_id
        self._transcript.add(
            f"[{self._chat_title(chat_id)}] ", f"— migrated to supergroup {new_chat_id} —"
        )
        self.add_raw_update({"message": message})
        return message

    def add_raw_update(self, update: dict[str, Any]) -> int:
        """Queue any update as given; messages in it become known for replies and copies.
        The queue keeps a snapshot, so a redelivered update shows what was first sent even
        after later edits."""
        update_id = (self._updates[-1]["update_id"] + 1) if self._updates else 1
        self._updates.append({**copy.deepcopy(update), "update_id": update_id})
        for key in ("message", "edited_message", "channel_post"):
            message = update.get(key)
            if isinstance(message, dict) and "chat" in message:
                chat_id, message_id = message["chat"]["id"], message["message_id"]
                self._messages[(chat_id, message_id)] = copy.deepcopy(message)
                following = max(self._next_message_id.get(chat_id, 1), message_id + 1)
                self._next_message_id[chat_id] = following
        self._update_event.set()
        return update_id

    def redeliver_from(self, update_id: int) -> None:
        """Pretend Telegram lost a confirmation: the next getUpdates ignores its offset and
        hands out every update from ``update_id`` again, as after a crash between fetch and
        confirm. Offsets confirm normally again once those updates were handed out."""
        self._first_unconfirmed = min(self._first_unconfirmed, update_id)
        self._redelivery_pending = True
        self._update_event.set()

    def pending_updates(self) -> int:
        """Updates not yet confirmed by an offset."""
        return sum(1 for u in self._updates if u["update_id"] >= self._first_unconfirmed)

    # ----------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def bot_messages(self, chat_id: int | None = None) -> list[BotMessage]:
        """Messages the bot sent, in send order, including deleted ones (see ``deleted``)."""
        return [m for m in self._bot_messages if chat_id is None or m.chat_id == chat_id]

    def answered_callbacks(self) -> list[dict[str, Any]]:
        return [c.params for c in self.calls_to("answerCallbackQuery") if c.status == 200]

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind a file id, e.g. to check what the bot uploaded."""
        return self._files[file_id].data

    def fail_next(
        self,
        method: str,
        *,
        retry_after: int | None = None,
        status: int = 429,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error instead of acting.
        A 429 without ``retry_after`` carries retry_after 1, as Telegram always sends one."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = HTTPStatus(status).phrase
        injection = _Injection(status, description, retry_after, times)
        self._failures.setdefault(method.lower(), []).append(injection)

    def clear_failures(self) -> None:
        """Telegram is healthy again: drop every error still waiting to be injected."""
        self._failures.clear()

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next calls slowly. The action still happens at once (the request
        reached Telegram, the answer is late), so a client timeout here is ambiguous as
        it is with the real server."""
        self._delays.setdefault(method.lower(), []).extend([seconds] * times)

    # The public API takes ``timeout`` (it bounds the polling, not a single await).
    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Poll ``predicate`` every 10 ms; fail with what the bot did so far."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                name = getattr(predicate, "__qualname__", repr(predicate))
                recent = "\n".join(f"  {c.method} {c.status} {c.params}" for c in self.calls[-10:])
                log = "\n".join(self._transcript.lines[-20:])
                raise AssertionError(
                    f"condition {name} not met within {timeout}s\n"
                    f"last calls:\n{recent or '  (none)'}\ntranscript tail:\n{log}"
                )
            await asyncio.sleep(0.01)

    def transcript(self) -> str:
        """The chats as a person would have read them, in order."""
        return "\n".join(self._transcript.lines)

    # ----------------------------------------------------------------- helpers

    def _bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_username,
            "username": self.bot_username,
        }

    def _actor(self, user_id: int | None) -> JSONDict:
        """Who performed a service action: the given user or any known one."""
        if user_id is not None:
            return self._users[user_id]
        known = next(iter(self._users.values()), None)
        return known or {"id": 1, "is_bot": False, "first_name": "Admin"}

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

    def _store_file(
        self, data: bytes, folder: str, extension: str, declared_size: int | None = None
    ) -> StoredFile:
        number = next(self._file_counter)
        stored = StoredFile(
            file_id=f"AgAC{number:06d}emu{folder[:3]}",
            file_unique_id=f"AQAD{number:06d}",
            data=data,
            size=len(data) if declared_size is None else declared_size,
            path=f"{folder}/file_{number}.{extension}",
        )
        self._files[stored.file_id] = stored
        return stored

    def _photo_sizes_of(self, stored: StoredFile) -> list[JSONDict]:
        """A small and a full PhotoSize, like Telegram's thumbnails (computed once per file)."""
        cached = self._photo_sizes.get(stored.file_id)
        if cached is not None:
            return cached
        width, height, thumbnail = _inspect_image(stored.data)
        small = stored if thumbnail is None else self._store_file(thumbnail, "photos", "jpg")
        scale = min(1.0, _THUMBNAIL_SIDE / max(width, height))
        sizes = [
            {
                "file_id": small.file_id,
                "file_unique_id": small.file_unique_id,
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": small.size,
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": stored.size,
            },
        ]
        self._photo_sizes[stored.file_id] = sizes
        return sizes

    @staticmethod
    def _incoming_caption(caption: str | None) -> JSONDict:
        if caption is None:
            return {}
        content: JSONDict = {"caption": caption}
        entities = _incoming_entities(caption)
        if entities:
            content["caption_entities"] = entities
        return content

    def _incoming(
        self,
        chat_id: int,
        user_id: int,
        content: JSONDict,
        reply_to: int | None,
        thread_id: int | None,
        shown: str,
    ) -> JSONDict:
        if user_id not in self._users:
            raise KeyError(f"unknown user {user_id}: call add_user first")
        if chat_id > 0 and chat_id != user_id:
            raise ValueError("a private chat's id is the user's id")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}: call add_group first")
        message: JSONDict = {
            "message_id": self._allocate_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": self._users[user_id],
            **content,
        }
        self._thread_and_reply(message, chat, thread_id, reply_to)
        prefix = f"[{self._chat_title(chat_id)}] {self._display_name(user_id)}: "
        self._transcript.add(prefix, shown)
        self.add_raw_update({"message": message})
        return message

    def _thread_and_reply(
        self, message: JSONDict, chat: JSONDict, thread_id: int | None, reply_to: int | None
    ) -> None:
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

    # ----------------------------------------------------------------- HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        params = await _read_params(request)
        for hook in list(self.hooks):
            hook(method, params)
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            result = await self._dispatch(method, params)
            status, body = 200, {"ok": True, "result": result}
            self.calls.append(Call(method, params, at, 200, result))
        except _ApiError as error:
            status, body = error.status, error.body()
            self.calls.append(Call(method, params, at, status, error.description))
        delays = self._delays.get(method.lower())
        if delays:
            await asyncio.sleep(delays.pop(0))
        return web.json_response(
            body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(_ApiError(401, "Unauthorized").body(), status=401)
        path = request.match_info["path"]
        stored = next((f for f in self._files.values() if f.path == path), None)
        if stored is None:
            return web.json_response(_ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _dispatch(self, method: str, params: Params) -> Any:
        injections = self._failures.get(method.lower())
        if injections:
            injection = injections[0]
            injection.times -= 1
            if injection.times <= 0:
                injections.pop(0)
            parameters = None
            if injection.retry_after is not None:
                parameters = {"retry_after": injection.retry_after}
            raise _ApiError(injection.status, injection.description, parameters)
        if method.lower() == "getupdates":
            return await self._get_updates(params)
        handler = self._handlers.get(method.lower())
        if handler is None:
            raise _ApiError(404, "Not Found")
        self._check_flood(params)
        return handler(params)

    def _check_flood(self, params: Params) -> None:
        """Telegram's flood control, applied like PTB's AIORateLimiter: every request with a
        chat_id counts overall, and a group's requests also count for that group."""
        chat_id = params.get("chat_id")
        if self.flood is None or self._overall_bucket is None or not isinstance(chat_id, int):
            return
        now = time.monotonic()
        buckets = [self._overall_bucket]
        if chat_id < 0 and self.flood.group_period > 0:
            rate = self.flood.group_max / self.flood.group_period
            buckets.append(
                self._group_buckets.setdefault(chat_id, _Bucket(self.flood.group_max, rate, 0, now))
            )
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            self.flood_violations += 1
            retry_after = max(1, math.ceil(wait))
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        for bucket in buckets:
            bucket.add(now)

    # ----------------------------------------------------------------- methods: bot and updates

    def _get_me(self, _: Params) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    @staticmethod
    def _accept(_: Params) -> bool:
        return True

    def _delete_webhook(self, params: Params) -> bool:
        if params.get("drop_pending_updates"):
            self._first_unconfirmed = self._updates[-1]["update_id"] + 1 if self._updates else 1
        return True

    def _get_webhook_info(self, _: Params) -> JSONDict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    @staticmethod
    def _commands_key(params: Params) -> str:
        """``default``, ``all_group_chats``, ``chat:-100…`` …, with ``/lang`` when given."""
        scope = params.get("scope") or {"type": "default"}
        key = str(scope.get("type", "default"))
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        if params.get("language_code"):
            key += f"/{params['language_code']}"
        return key

    def _set_my_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("commands not found")
        self.my_commands[self._commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: Params) -> list[JSONDict]:
        return self.my_commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: Params) -> bool:
        self.my_commands.pop(self._commands_key(params), None)
        return True

    async def _get_updates(self, params: Params) -> list[JSONDict]:
        self._poll_generation += 1
        generation = self._poll_generation
        self._update_event.set()  # an older long poll ends with 409, as on Telegram
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0 and not self._redelivery_pending:
            self._first_unconfirmed = max(self._first_unconfirmed, offset)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            batch = [u for u in self._updates if u["update_id"] >= self._first_unconfirmed]
            batch = batch[:limit]
            remaining = deadline - time.monotonic()
            if batch or self._stopping or remaining <= 0:
                break
            self._update_event.clear()
            # Woken by a new update, or the long poll's time is up: the loop checks which.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_event.wait(), remaining)
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        if batch:
            self._redelivery_pending = False
        return batch

    # ----------------------------------------------------------------- methods: sending

    def _require_chat(self, params: Params) -> JSONDict:
        chat_id = _int_param(params, "chat_id")
        if chat_id in self._migrated:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._left:
            raise _ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad_request("chat not found")
        return chat

    @staticmethod
    def _checked_markup(params: Params) -> JSONDict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is None:
                    continue
                if not 0 < len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def _checked_text(params: Params) -> tuple[str, str, list[JSONDict]]:
        """(source, visible text, entities) of a message text within Telegram's limits."""
        source = str(params.get("text") or "")
        visible, entities = _render(source, params.get("parse_mode"))
        if not visible.strip():
            raise _bad_request("message text is empty")
        if len(visible) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        return source, visible, entities

    @staticmethod
    def _checked_caption(params: Params) -> tuple[str, JSONDict]:
        """(source, message fields) of an optional caption within Telegram's limits."""
        source = params.get("caption")
        if source is None:
            return "", {}
        visible, entities = _render(str(source), params.get("parse_mode"))
        if len(visible) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        fields: JSONDict = {"caption": visible} if visible else {}
        if entities:
            fields["caption_entities"] = entities
        return str(source), fields

    def _file_param(self, params: Params, name: str, folder: str, extension: str) -> StoredFile:
        """An uploaded file becomes a new stored file; a string must be a known file id."""
        value = params.get(name)
        if isinstance(value, Upload):
            return self._store_file(value.data, folder, extension)
        stored = self._files.get(str(value))
        if stored is None:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def _post(
        self,
        params: Params,
        chat: JSONDict,
        kind: str,
        content: JSONDict,
        source: str,
        file_id: str | None = None,
    ) -> JSONDict:
        """Create the bot's message in ``chat``: the stored Message and its BotMessage."""
        chat_id = chat["id"]
        markup = self._checked_markup(params)
        reply_to = _optional_int(params, "reply_to_message_id")
        reply_parameters = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply_parameters, dict) and "message_id" in reply_parameters:
            reply_to = int(reply_parameters["message_id"])
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        if reply_to is not None and (chat_id, reply_to) not in self._messages:
            if not allow_missing:
                raise _bad_request("message to be replied not found")
            reply_to = None
        thread_id = _optional_int(params, "message_thread_id")
        message_id = self._allocate_message_id(chat_id)
        message: JSONDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            **content,
        }
        self._thread_and_reply(message, chat, thread_id, reply_to)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._messages[(chat_id, message_id)] = copy.deepcopy(message)
        bot_message = BotMessage(
            chat_id=chat_id,
            message_id=message_id,
            text=source,
            kind=kind,
            reply_markup=markup,
            thread_id=thread_id,
            reply_to=reply_to,
            parse_mode=params.get("parse_mode"),
            file_id=file_id,
        )
        self._bot_messages.append(bot_message)
        self._bot_index[(chat_id, message_id)] = bot_message
        self._log_bot_message(bot_message)
        return message

    def _shown(self, bot_message: BotMessage) -> str:
        text = bot_message.plain()
        icon = {"photo": "📷", "voice": "🎤", "document": "📎", "location": "📍"}.get(
            bot_message.kind
        )
        if bot_message.kind == "media_group_item":
            icon = "🖼"
        return f"{icon} {text}".rstrip() if icon else text

    def _log_bot_message(self, bot_message: BotMessage) -> None:
        self._transcript.add(
            f"[{self._chat_title(bot_message.chat_id)}] 🤖 bot: ",
            self._shown(bot_message),
            _markup_rows(bot_message.reply_markup),
        )

    def _send_message(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        source, visible, entities = self._checked_text(params)
        content: JSONDict = {"text": visible}
        if entities:
            content["entities"] = entities
        return self._post(params, chat, "text", content, source)

    def _send_photo(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        source, caption = self._checked_caption(params)
        stored = self._file_param(params, "photo", "photos", "jpg")
        content = {"photo": self._photo_sizes_of(stored), **caption}
        return self._post(params, chat, "photo", content, source, stored.file_id)

    def _send_voice(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        source, caption = self._checked_caption(params)
        stored = self._file_param(params, "voice", "voice", "oga")
        voice: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": int(params.get("duration") or 1),
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        content = {"voice": voice, **caption}
        return self._post(params, chat, "voice", content, source, stored.file_id)

    def _send_document(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        source, caption = self._checked_caption(params)
        upload = params.get("document")
        stored = self._file_param(params, "document", "documents", "bin")
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if isinstance(upload, Upload):
            document["file_name"] = upload.filename
            document["mime_type"] = upload.content_type
        content = {"document": document, **caption}
        return self._post(params, chat, "document", content, source, stored.file_id)

    def _send_media_group(self, params: Params) -> list[JSONDict]:
        chat = self._require_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad_request("wrong number of media in the group: 2-10 items are needed")
        group_id = f"{next(self._media_group_counter):018d}"
        prepared: list[tuple[JSONDict, JSONDict, str, str]] = []
        for item in media:
            item_type = item.get("type")
            if item_type not in ("photo", "document"):
                raise _bad_request(f"unsupported media type {item_type!r} in the emulator")
            reference = str(item.get("media", ""))
            if reference.startswith("attach://"):
                file_param = {"file": params.get(reference.removeprefix("attach://"))}
            else:
                file_param = {"file": reference}
            stored = self._file_param(file_param, "file", f"{item_type}s", "jpg")
            source, caption = self._checked_caption(item)
            body: JSONDict = {"document": {"file_id": stored.file_id}}
            if item_type == "photo":
                body = {"photo": self._photo_sizes_of(stored)}
            else:
                body["document"]["file_unique_id"] = stored.file_unique_id
            content = {**body, **caption, "media_group_id": group_id}
            prepared.append((item, content, source, stored.file_id))
        shared = {key: value for key, value in params.items() if key != "reply_markup"}
        return [
            self._post(
                {**shared, "parse_mode": item.get("parse_mode")},
                chat,
                "media_group_item",
                content,
                source,
                file_id,
            )
            for item, content, source, file_id in prepared
        ]

    def _copy_message(self, params: Params) -> JSONDict:
        """A copy of any known message; ``caption`` replaces a media message's caption."""
        chat = self._require_chat(params)
        key = (_int_param(params, "from_chat_id"), _int_param(params, "message_id"))
        original = self._messages.get(key)
        if original is None:
            raise _bad_request("message to copy not found")
        kind = next((k for k in _MEDIA_KINDS if k in original), "text")
        plain_params = {**params, "parse_mode": None}
        if kind == "text":
            content: JSONDict = {k: original[k] for k in ("text", "entities") if k in original}
            message = self._post(plain_params, chat, kind, content, original.get("text", ""))
            return {"message_id": message["message_id"]}
        media = original[kind]
        if "caption" in params:
            source, caption = self._checked_caption(params)
            post_params = params
        else:
            source = str(original.get("caption", ""))
            caption = {k: original[k] for k in ("caption", "caption_entities") if k in original}
            post_params = plain_params
        file_id = media[-1]["file_id"] if kind == "photo" else media.get("file_id")
        message = self._post(post_params, chat, kind, {kind: media, **caption}, source, file_id)
        return {"message_id": message["message_id"]}

    # ----------------------------------------------------------------- methods: editing

    def _editable(self, params: Params) -> BotMessage:
        self._require_chat(params)
        key = (_int_param(params, "chat_id"), _int_param(params, "message_id"))
        bot_message = self._bot_index.get(key)
        if bot_message is None or bot_message.deleted:
            raise _bad_request("message to edit not found")
        return bot_message

    def _apply_edit(
        self,
        bot_message: BotMessage,
        source: str,
        fields: JSONDict,
        markup: JSONDict | None,
        parse_mode: str | None,
    ) -> JSONDict:
        """Replace the text or caption fields named by ``fields`` and the inline keyboard."""
        if source == bot_message.text and markup == bot_message.reply_markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message = self._messages[(bot_message.chat_id, bot_message.message_id)]
        for key in fields:
            message.pop(key, None)
        message.pop("reply_markup", None)
        message.update({key: value for key, value in fields.items() if value})
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        if source != bot_message.text:
            bot_message.history.append(bot_message.text)
        bot_message.text = source
        bot_message.parse_mode = parse_mode
        bot_message.reply_markup = markup
        bot_message.edits += 1
        self._transcript.add(
            f"[{self._chat_title(bot_message.chat_id)}] ✎ bot edited message "
            f"{bot_message.message_id}: ",
            self._shown(bot_message),
            _markup_rows(markup),
        )
        return copy.deepcopy(message)

    def _edit_message_text(self, params: Params) -> JSONDict:
        bot_message = self._editable(params)
        if bot_message.kind != "text":
            raise _bad_request("there is no text in the message to edit")
        source, visible, entities = self._checked_text(params)
        fields: JSONDict = {"text": visible, "entities": entities}
        markup = self._checked_markup(params)
        return self._apply_edit(bot_message, source, fields, markup, params.get("parse_mode"))

    def _edit_message_caption(self, params: Params) -> JSONDict:
        bot_message = self._editable(params)
        if bot_message.kind == "text":
            raise _bad_request("there is no caption in the message to edit")
        source, caption = self._checked_caption(params)
        fields: JSONDict = {"caption": None, "caption_entities": None, **caption}
        markup = self._checked_markup(params)
        return self._apply_edit(bot_message, source, fields, markup, params.get("parse_mode"))

    def _edit_message_reply_markup(self, params: Params) -> JSONDict:
        bot_message = self._editable(params)
        markup = self._checked_markup(params)
        return self._apply_edit(bot_message, bot_message.text, {}, markup, bot_message.parse_mode)

    def _delete_message(self, params: Params) -> bool:
        chat = self._require_chat(params)
        key = (chat["id"], _int_param(params, "message_id"))
        bot_message = self._bot_index.get(key)
        if key not in self._messages or (bot_message is not None and bot_message.deleted):
            raise _bad_request("message to delete not found")
        if bot_message is not None:
            bot_message.deleted = True
            self._transcript.add(
                f"[{self._chat_title(chat['id'])}] 🗑 bot deleted message ", str(key[1])
            )
        else:
            del self._messages[key]
        return True

    # ----------------------------------------------------------------- methods: the rest

    def _answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.get("callback_query_id"))
        origin = self._open_callbacks.pop(query_id, None)
        if origin is None:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = str(params.get("text") or "")
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        if text:
            chat_id, name = origin
            how = "alert" if params.get("show_alert") else "toast"
            self._transcript.add(f"[{self._chat_title(chat_id)}] 🤖 {how} to {name}: ", text)
        return True

    def _get_file(self, params: Params) -> JSONDict:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise _bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.path,
        }

    def _get_chat(self, params: Params) -> JSONDict:
        return {
            **self._require_chat(params),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        user_id = _int_param(params, "user_id")
        if user_id == self.bot_id:
            user = self._bot_user()
        else:
            user = self._users.get(user_id) or {
                "id": user_id,
                "is_bot": False,
                "first_name": f"user {user_id}",
            }
        if (chat["id"], user_id) not in self._admins:
            return {"status": "member", "user": user}
        rights = (
            "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
            "can_promote_members can_change_info can_invite_users can_post_stories "
            "can_edit_stories can_delete_stories can_pin_messages"
        ).split()
        member: JSONDict = {"status": "administrator", "user": user, "is_anonymous": False}
        member["can_be_edited"] = False
        member.update(dict.fromkeys(rights, True))
        return member

    def _leave_chat(self, params: Params) -> bool:
        chat = self._require_chat(params)
        self._left.add(chat["id"])
        return True
