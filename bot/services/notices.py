"""Notices to a resident reporter: every status change of their issue, in their language,
and on "resolved" the question "fixed?" with a before/after picture when there is one.

The words and buttons are :mod:`bot.views.notices`; here are the lookups and the outbox."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.domain.issue import Issue
from bot.domain.lifecycle import Action
from bot.domain.model import ReporterKind
from bot.i18n import language_for
from bot.images import before_after
from bot.media import store_bytes
from bot.views.notices import before_after_labels, follower_notice, status_notice
from storage import duplicates, issues, outbox, people
from storage.db import Store


class ReporterNotices:
    """Tells a resident reporter, in their language, every change of their issue."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store

    async def language(self, conn: Any, user_id: int) -> str:
        row = await people.person_in(conn, user_id)
        return language_for(row["language"] if row else None, self.config.language)

    async def status_changed(
        self, conn: Any, row: Issue, action: Action, now: str, attachment: str | None = None
    ) -> None:
        # Residents who reported the same and were merged into it hear the news too
        # (without "fixed?": the answer that closes it is the reporter's).
        for user_id, kind in await duplicates.followers_in(conn, row.id):
            if kind == ReporterKind.RESIDENT.value and user_id != row.reporter_user_id:
                lang = await self.language(conn, user_id)
                await outbox.enqueue_call(
                    conn, user_id, "sendMessage",
                    {"chat_id": user_id, "text": follower_notice(lang, row)}, now,
                    dedup_key=f"notice:{row.id}:{action.value}:{now}:{user_id}",
                    issue_id=row.id, klass=outbox.LOW,
                )
        if not row.by_resident or row.reporter_user_id is None:
            return
        lang = await self.language(conn, row.reporter_user_id)
        key = f"notice:{row.id}:{action.value}:{now}"
        text, markup = status_notice(lang, row, action)
        if action is Action.RESOLVE and attachment:  # the picture goes with "fixed?"
            payload: dict[str, Any] = {
                "chat_id": row.reporter_user_id, "photo_file": attachment, "caption": text,
            }
            method = "sendPhoto"
        else:
            payload = {"chat_id": row.reporter_user_id, "text": text}
            method = "sendMessage"
        if markup is not None:
            payload["reply_markup"] = markup
        # A notice in a resident's private chat yields to cards and pings (storage.outbox).
        await outbox.enqueue_call(
            conn, row.reporter_user_id, method, payload, now, dedup_key=key, issue_id=row.id,
            klass=outbox.LOW,
        )

    async def language_of(self, user_id: int | None) -> str:
        """A person's language, outside a transaction."""
        row = await self.store.fetchone("SELECT language FROM persons WHERE user_id = ?",
                                        (user_id,))
        return language_for(row["language"] if row else None, self.config.language)

    async def before_after(self, issue_id: int, language: str) -> str | None:
        """The first report photo beside the resolver's latest photo, stored under media_dir
        (the path is relative to it), or None when the report had no photo."""
        media = [m for m in await issues.media_of(self.store, issue_id)
                 if m.status == "stored" and m.kind == "photo" and m.path]
        before = next((m for m in media if m.role == "report"), None)
        after = next((m for m in reversed(media) if m.role == "after"), None)
        if before is None or before.path is None:
            return None
        root = Path(self.config.media_dir)
        first = await asyncio.to_thread((root / before.path).read_bytes)
        second = None
        if after is not None and after.path is not None:
            second = await asyncio.to_thread((root / after.path).read_bytes)
        data = await asyncio.to_thread(
            before_after, first, second, labels=before_after_labels(language)
        )
        path = await asyncio.to_thread(store_bytes, root, data, ".jpg")
        return str(path.relative_to(root))
