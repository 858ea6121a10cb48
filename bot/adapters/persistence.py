"""PTB persistence in our own SQLite database, so a half-finished private report survives
a restart. Only user data and conversation states are kept (bot data holds the services);
values must be JSON (drafts are plain dicts and lists)."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage import ptb_state
from storage.db import Store

# The shapes PTB's BasePersistence uses (private aliases in telegram.ext._utils.types).
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], Any]):
    def __init__(self, store: Store) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            # The inbox feeder also persists after every update; this is the safety net.
            update_interval=5,
        )
        self.store = store
        # Each user's data as stored (JSON text), known once loaded: PTB hands every
        # user's data back after every update, and most updates change nothing. Forgotten
        # after a rollback, when what is stored is no longer sure.
        self._users: dict[int, str] | None = None
        store.cache_of("ptb_state", self._forget_users)

    def _forget_users(self) -> None:
        self._users = None

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        await self.store.open()
        users = {int(k): v for k, v in (await ptb_state.load(self.store, "user")).items()}
        self._users = {k: _text(v) for k, v in users.items()}
        return users

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> Any:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        await self.store.open()
        rows = await ptb_state.load(self.store, f"conversation:{name}")
        return {tuple(json.loads(k)): v for k, v in rows.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await ptb_state.save(self.store, f"conversation:{name}", json.dumps(list(key)), new_state)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        text = _text(data) if data else None
        known = self._users
        if known is not None and known.get(user_id) == text:
            return
        await ptb_state.save(self.store, "user", str(user_id), data or None)
        if self._users is not None:
            if text is None:
                self._users.pop(user_id, None)
            else:
                self._users[user_id] = text

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not kept."""

    async def update_bot_data(self, data: Any) -> None:
        """Bot data holds the live services and is never stored."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Callback data is plain strings here; nothing to store."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not kept."""

    async def drop_user_data(self, user_id: int) -> None:
        await ptb_state.save(self.store, "user", str(user_id), None)
        if self._users is not None:
            self._users.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """The database is only written by this process: nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not kept."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Bot data is not kept."""

    async def flush(self) -> None:
        """Every update is committed as it is made."""


def _text(value: Any) -> str:
    """A value as ptb_state stores it, to tell whether it changed."""
    return json.dumps(value, ensure_ascii=False)
