"""The Bot API methods the bot calls, answered the way Telegram answers them.

Each method takes the decoded parameters and returns the Bot API ``result`` or raises
``ApiError`` with Telegram's own description. The limits Telegram enforces (text and
caption lengths, callback data size, answer length, download size) and the state checks
(unknown chat, left chat, migrated group, message to reply to or edit not found, edits that
change nothing) are all here, because a bot that passes them here must not fail them live.
Sent and edited messages are recorded as ``BotMessage`` and written to the transcript.
"""

import copy
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from bot.emulator.core import BotMessage, EmulatorCore
from bot.emulator.files import StoredFile
from bot.emulator.protocol import (
    ApiError,
    JSONDict,
    Params,
    Upload,
    bad_request,
    int_param,
    optional_int,
)
from bot.emulator.rendering import markup_rows, render

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
_MEDIA_KINDS = ("photo", "voice", "document", "location")


def _checked_markup(params: Params) -> JSONDict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is None:
                continue
            if not 0 < len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _checked_text(params: Params) -> tuple[str, str, list[JSONDict]]:
    """(source, visible text, entities) of a message text within Telegram's limits."""
    source = str(params.get("text") or "")
    visible, entities = render(source, params.get("parse_mode"))
    if not visible.strip():
        raise bad_request("message text is empty")
    if len(visible) > MAX_MESSAGE_LENGTH:
        raise bad_request("message is too long")
    return source, visible, entities


def _checked_caption(params: Params) -> tuple[str, JSONDict]:
    """(source, message fields) of an optional caption within Telegram's limits."""
    source = params.get("caption")
    if source is None:
        return "", {}
    visible, entities = render(str(source), params.get("parse_mode"))
    if len(visible) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    fields: JSONDict = {"caption": visible} if visible else {}
    if entities:
        fields["caption_entities"] = entities
    return str(source), fields


def _shown(bot_message: BotMessage) -> str:
    """The message's line in the transcript: its kind's icon, then its visible text."""
    text = bot_message.plain()
    icon = {"photo": "📷", "voice": "🎤", "document": "📎", "location": "📍"}.get(bot_message.kind)
    if bot_message.kind == "media_group_item":
        icon = "🖼"
    return f"{icon} {text}".rstrip() if icon else text


def _accept(_: Params) -> bool:
    return True


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


class BotApiMethods(EmulatorCore):
    """The handlers of the Bot API methods, looked up by lower-cased method name."""

    @cached_property
    def _handlers(self) -> dict[str, Callable[[Params], Any]]:
        return {
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
                "sendLocation": self._send_location,
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
                "sendChatAction": _accept,
                "setMyDescription": _accept,
                "setMyShortDescription": _accept,
                "setChatMenuButton": _accept,
            }.items()
        }

    # ----------------------------------------------------------------- the bot and its setup

    def _get_me(self, _: Params) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    def _delete_webhook(self, params: Params) -> bool:
        if params.get("drop_pending_updates"):
            self._first_unconfirmed = self._updates[-1]["update_id"] + 1 if self._updates else 1
        return True

    def _get_webhook_info(self, _: Params) -> JSONDict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _set_my_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("commands not found")
        self.my_commands[_commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: Params) -> list[JSONDict]:
        return self.my_commands.get(_commands_key(params), [])

    def _delete_my_commands(self, params: Params) -> bool:
        self.my_commands.pop(_commands_key(params), None)
        return True

    # ----------------------------------------------------------------- sending

    def _require_chat(self, params: Params) -> JSONDict:
        chat_id = int_param(params, "chat_id")
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._left:
            raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _file_param(self, params: Params, name: str, folder: str, extension: str) -> StoredFile:
        """An uploaded file becomes a new stored file; a string must be a known file id."""
        value = params.get(name)
        if isinstance(value, Upload):
            return self._files.store(value.data, folder, extension)
        stored = self._files.get(str(value))
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
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
        markup = _checked_markup(params)
        reply_to = optional_int(params, "reply_to_message_id")
        reply_parameters = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply_parameters, dict) and "message_id" in reply_parameters:
            reply_to = int(reply_parameters["message_id"])
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        if reply_to is not None and (chat_id, reply_to) not in self._messages:
            if not allow_missing:
                raise bad_request("message to be replied not found")
            reply_to = None
        thread_id = optional_int(params, "message_thread_id")
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

    def _log_bot_message(self, bot_message: BotMessage) -> None:
        self._transcript.add(
            f"[{self._chat_title(bot_message.chat_id)}] 🤖 bot: ",
            _shown(bot_message),
            markup_rows(bot_message.reply_markup),
        )

    def _send_message(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        source, visible, entities = _checked_text(params)
        content: JSONDict = {"text": visible}
        if entities:
            content["entities"] = entities
        return self._post(params, chat, "text", content, source)

    def _send_photo(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        source, caption = _checked_caption(params)
        stored = self._file_param(params, "photo", "photos", "jpg")
        content = {"photo": self._files.photo_sizes(stored), **caption}
        return self._post(params, chat, "photo", content, source, stored.file_id)

    def _send_voice(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        source, caption = _checked_caption(params)
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
        source, caption = _checked_caption(params)
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

    def _send_location(self, params: Params) -> JSONDict:
        chat = self._require_chat(params)
        try:
            latitude, longitude = float(params["latitude"]), float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("latitude and longitude are required") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong coordinates")
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._post(params, chat, "location", content, "")

    def _send_media_group(self, params: Params) -> list[JSONDict]:
        chat = self._require_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the group: 2-10 items are needed")
        group_id = f"{next(self._media_group_counter):018d}"
        prepared: list[tuple[JSONDict, JSONDict, str, str]] = []
        for item in media:
            item_type = item.get("type")
            if item_type not in ("photo", "document"):
                raise bad_request(f"unsupported media type {item_type!r} in the emulator")
            reference = str(item.get("media", ""))
            if reference.startswith("attach://"):
                file_param = {"file": params.get(reference.removeprefix("attach://"))}
            else:
                file_param = {"file": reference}
            stored = self._file_param(file_param, "file", f"{item_type}s", "jpg")
            source, caption = _checked_caption(item)
            body: JSONDict = {"document": {"file_id": stored.file_id}}
            if item_type == "photo":
                body = {"photo": self._files.photo_sizes(stored)}
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
        key = (int_param(params, "from_chat_id"), int_param(params, "message_id"))
        original = self._messages.get(key)
        if original is None:
            raise bad_request("message to copy not found")
        kind = next((k for k in _MEDIA_KINDS if k in original), "text")
        plain_params = {**params, "parse_mode": None}
        if kind == "text":
            content: JSONDict = {k: original[k] for k in ("text", "entities") if k in original}
            message = self._post(plain_params, chat, kind, content, original.get("text", ""))
            return {"message_id": message["message_id"]}
        media = original[kind]
        if "caption" in params:
            source, caption = _checked_caption(params)
            post_params = params
        else:
            source = str(original.get("caption", ""))
            caption = {k: original[k] for k in ("caption", "caption_entities") if k in original}
            post_params = plain_params
        file_id = media[-1]["file_id"] if kind == "photo" else media.get("file_id")
        message = self._post(post_params, chat, kind, {kind: media, **caption}, source, file_id)
        return {"message_id": message["message_id"]}

    # ----------------------------------------------------------------- editing

    def _editable(self, params: Params) -> BotMessage:
        self._require_chat(params)
        key = (int_param(params, "chat_id"), int_param(params, "message_id"))
        bot_message = self._bot_index.get(key)
        if bot_message is None or bot_message.deleted:
            raise bad_request("message to edit not found")
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
            raise bad_request(
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
            _shown(bot_message),
            markup_rows(markup),
        )
        return copy.deepcopy(message)

    def _edit_message_text(self, params: Params) -> JSONDict:
        bot_message = self._editable(params)
        if bot_message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        source, visible, entities = _checked_text(params)
        fields: JSONDict = {"text": visible, "entities": entities}
        markup = _checked_markup(params)
        return self._apply_edit(bot_message, source, fields, markup, params.get("parse_mode"))

    def _edit_message_caption(self, params: Params) -> JSONDict:
        bot_message = self._editable(params)
        if bot_message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        source, caption = _checked_caption(params)
        fields: JSONDict = {"caption": None, "caption_entities": None, **caption}
        markup = _checked_markup(params)
        return self._apply_edit(bot_message, source, fields, markup, params.get("parse_mode"))

    def _edit_message_reply_markup(self, params: Params) -> JSONDict:
        bot_message = self._editable(params)
        markup = _checked_markup(params)
        return self._apply_edit(bot_message, bot_message.text, {}, markup, bot_message.parse_mode)

    def _delete_message(self, params: Params) -> bool:
        chat = self._require_chat(params)
        key = (chat["id"], int_param(params, "message_id"))
        bot_message = self._bot_index.get(key)
        if key not in self._messages or (bot_message is not None and bot_message.deleted):
            raise bad_request("message to delete not found")
        if bot_message is not None:
            bot_message.deleted = True
            self._transcript.add(
                f"[{self._chat_title(chat['id'])}] 🗑 bot deleted message ", str(key[1])
            )
        else:
            del self._messages[key]
        return True

    # ----------------------------------------------------------------- the rest

    def _answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.get("callback_query_id"))
        origin = self._open_callbacks.pop(query_id, None)
        if origin is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = str(params.get("text") or "")
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        if text:
            chat_id, name = origin
            how = "alert" if params.get("show_alert") else "toast"
            self._transcript.add(f"[{self._chat_title(chat_id)}] 🤖 {how} to {name}: ", text)
        return True

    def _get_file(self, params: Params) -> JSONDict:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
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
        user_id = int_param(params, "user_id")
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
