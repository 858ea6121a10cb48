"""QR deep links for residents: opaque codes per place, their posters, and revocation.

A code is random and means something only through the database, so nobody can make a code
for another building, and a coordinator can revoke a poster that was torn down or copied
and print a new one (SPEC §3).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path

from bot.clock import Clock, iso
from bot.config import Config
from bot.domain.model import Place
from bot.errors import UserError
from bot.posters import make_poster
from bot.views.poster import poster_title, poster_words
from storage import outbox, qr
from storage.db import Store

# "q" and 20 characters of base64url: 120 random bits, well within the 64 characters of
# A-Za-z0-9_- that Telegram allows in a /start payload. Accepting 16 to 24 characters
# leaves room to change the length later without invalidating printed posters.
CODE_RE = re.compile(r"^q[A-Za-z0-9_-]{15,23}$")
POSTER_DIR = "posters"


def new_code() -> str:
    return "q" + secrets.token_urlsafe(15)


def deep_link(bot_username: str, code: str) -> str:
    """The link a poster encodes; Telegram opens the bot and sends ``/start <code>``."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


class QrService:
    def __init__(self, config: Config, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock

    async def issue(self, grid_key: str, place: Place, created_by: int | None) -> str:
        """The code in force for this place, or a new one: reprinting keeps old posters valid."""
        async with self.store.transaction() as conn:
            code = await qr.active_code(conn, grid_key, place.building, place.unit)
            if code is None:
                code = new_code()
                await qr.insert(
                    conn, code, grid_key, place.building, place.unit,
                    iso(self.clock.now()), created_by,
                )
        return code

    async def revoke(self, grid_key: str, place: Place) -> int:
        async with self.store.transaction() as conn:
            return await qr.revoke(
                conn, grid_key, place.building, place.unit, iso(self.clock.now())
            )

    async def resolve(self, code: str) -> tuple[str, Place]:
        """The grid and place of a scanned code; a malformed, unknown or revoked one is refused."""
        if not CODE_RE.fullmatch(code):
            raise UserError("qr.invalid")
        row = await qr.by_code(self.store, code)
        if row is None:
            raise UserError("qr.invalid")
        if row.revoked_at is not None:
            raise UserError("qr.revoked")
        return row.grid_key, Place(row.building, row.unit)

    def title(self, grid_name: str, place: Place) -> str:
        """The place as the poster names it, so replies about it (caption, revocation) match."""
        return poster_title(self.config.language, grid_name, place)

    async def poster(self, grid_name: str, place: Place, link: str) -> bytes:
        """The PNG poster, in the community's language (it hangs on a door, not in a chat)."""
        return await asyncio.to_thread(
            make_poster, link, *poster_words(self.config.language, grid_name, place)
        )

    async def send_poster(
        self, chat_id: int, code: str, png: bytes, caption: str, *, dedup_key: str,
        reply_to: int | None = None, thread_id: int | None = None,
    ) -> None:
        """Keep the PNG under media_dir and queue a sendDocument that names it.

        A file cannot live in the outbox's JSON; the sender opens ``document_file`` then.
        """
        relative = f"{POSTER_DIR}/{code}.png"
        await asyncio.to_thread(_write_atomically, Path(self.config.media_dir) / relative, png)
        payload: dict[str, object] = {
            "chat_id": chat_id, "document_file": relative, "filename": f"qr-{code}.png",
            "caption": caption,
        }
        if reply_to is not None:
            payload["reply_parameters"] = {
                "message_id": reply_to, "allow_sending_without_reply": True,
            }
        if thread_id is not None:
            payload["message_thread_id"] = thread_id
        async with self.store.transaction() as conn:
            await outbox.enqueue_call(
                conn, chat_id, "sendDocument", payload, iso(self.clock.now()),
                dedup_key=dedup_key,
            )


def _write_atomically(path: Path, data: bytes) -> None:
    """Never let the sender read a half-written poster."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
