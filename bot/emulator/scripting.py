"""The scripting API: what tests and the demo do as Telegram's users, and what they check.

A test adds users and groups, makes users write, send media, edit, press buttons, remove
the bot or migrate a group; each of these becomes the update Telegram would queue and a
line in the transcript. It can then inspect the bot's calls and messages, inject errors,
delays and connection resets into the next calls, and wait for a condition with a failure
message that shows what the bot did so far. None of this is reachable over HTTP: the bot
cannot script itself.
"""

import asyncio
import copy
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from bot.emulator.core import BotMessage, Call, EmulatorCore, Injection
from bot.emulator.protocol import JSONDict
from bot.emulator.rendering import incoming_caption, incoming_entities


class Scripting(EmulatorCore):
    """Users' actions become updates; the bot's requests and messages can be inspected."""

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
        entities = incoming_entities(text)
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
        stored = self._files.store(image, "photos", "jpg")
        content: JSONDict = {"photo": self._files.photo_sizes(stored)}
        content.update(incoming_caption(caption))
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
        declared_size: int | None = None,
    ) -> JSONDict:
        """A user sends a voice note; ``declared_size`` claims a size without allocating it."""
        stored = self._files.store(audio, "voice", "oga", declared_size)
        content: JSONDict = {
            "voice": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": stored.size,
            }
        }
        content.update(incoming_caption(caption))
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
        stored = self._files.store(data, "documents", "bin", declared_size)
        content: JSONDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": stored.size,
            }
        }
        content.update(incoming_caption(caption))
        shown = f"📎 {file_name} ({stored.size} bytes)" + (f" {caption}" if caption else "")
        return self._incoming(chat_id, user_id, content, None, None, shown)

    def send_content(
        self,
        chat_id: int,
        user_id: int,
        content: JSONDict,
        *,
        shown: str,
        reply_to: int | None = None,
    ) -> JSONDict:
        """A user sends any other kind of message (a sticker, contact, poll…), given as the
        Bot API's JSON fields of the Message; ``shown`` is its line in the transcript."""
        return self._incoming(chat_id, user_id, content, reply_to, None, shown)

    def send_location(
        self, chat_id: int, user_id: int, latitude: float, longitude: float,
        *, reply_to: int | None = None,
    ) -> JSONDict:
        """A user shares a location."""
        content: JSONDict = {"location": {"latitude": latitude, "longitude": longitude}}
        shown = f"📍 {latitude}, {longitude}"
        return self._incoming(chat_id, user_id, content, reply_to, None, shown)

    def edit_text(self, chat_id: int, message_id: int, new_text: str) -> JSONDict:
        """A user edits a message: its caption if it had media, else its text."""
        message = self._messages.get((chat_id, message_id))
        if message is None or "from" not in message or message["from"]["id"] == self.bot_id:
            raise KeyError(f"no user message {message_id} in chat {chat_id}")
        key = "text" if "text" in message else "caption"
        message[key] = new_text
        message.pop("entities" if key == "text" else "caption_entities", None)
        entities = incoming_entities(new_text)
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

    def _actor(self, user_id: int | None) -> JSONDict:
        """Who performed a service action: the given user or any known one."""
        if user_id is not None:
            return self._users[user_id]
        known = next(iter(self._users.values()), None)
        return known or {"id": 1, "is_bot": False, "first_name": "Admin"}

    def _incoming(
        self,
        chat_id: int,
        user_id: int,
        content: JSONDict,
        reply_to: int | None,
        thread_id: int | None,
        shown: str,
    ) -> JSONDict:
        """Queue a user's message with ``content``; ``shown`` is its line in the transcript."""
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

    def transcript(self) -> str:
        """The chats as a person would have read them, in order."""
        return "\n".join(self._transcript.lines)

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

    # ----------------------------------------------------------------- injected trouble

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
        injection = Injection(status, description, retry_after, times)
        self._failures.setdefault(method.lower(), []).append(injection)

    def clear_failures(self) -> None:
        """Telegram is healthy again: drop every error, reset and delay still waiting."""
        self._failures.clear()
        self._resets.clear()
        self._delays.clear()

    def reset_next(self, method: str, *, times: int = 1, after_acting: bool = False) -> None:
        """Drop the connection of the next ``times`` calls of ``method`` without an answer,
        as a reset on the way does. By default the request never reached Telegram (nothing
        happens); ``after_acting`` makes it act first, so only the answer is lost, and the
        client cannot tell which it was (as with a timeout). ``method`` "file" stands for
        a file download."""
        self._resets.setdefault(method.lower(), []).extend([after_acting] * times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next calls slowly. The action still happens at once (the request
        reached Telegram, the answer is late), so a client timeout here is ambiguous as
        it is with the real server."""
        self._delays.setdefault(method.lower(), []).extend([seconds] * times)
