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

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        await self.store.open()
        return {int(k): v for k, v in (await ptb_state.load(self.store, "user")).items()}

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
        await ptb_state.save(self.store, "user", str(user_id), data or None)

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

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """The database is only written by this process: nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not kept."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Bot data is not kept."""

    async def flush(self) -> None:
        """Every update is committed as it is made."""
