"""Rows of PTB's persistence (conversation states, user data) as JSON text."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Store


async def load(store: Store, kind: str) -> dict[str, Any]:
    rows = await store.fetchall("SELECT key, value FROM ptb_state WHERE kind = ?", (kind,))
    return {r["key"]: json.loads(r["value"]) for r in rows}


async def save(store: Store, kind: str, key: str, value: Any) -> None:
    if value is None:
        await store.write("DELETE FROM ptb_state WHERE kind = ? AND key = ?", (kind, key))
    else:
        await store.write(
            """INSERT INTO ptb_state (kind, key, value) VALUES (?, ?, ?)
               ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value""",
            (kind, key, json.dumps(value, ensure_ascii=False)),
        )
