"""Files the bot sends (the /stats chart, the /export workbook) go through the outbox too.

A file cannot live in the outbox's JSON: it is written under ``media_dir`` first (off the
event loop, atomically, so the sender never reads half a file) and the queued call names it
(``photo_file``, ``document_file``), which the sender opens when it sends.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

from bot.clock import Clock, iso
from bot.config import Config
from storage import outbox
from storage.db import Store

# Where under media_dir the files made for a chat are kept.
UPLOAD_DIR = "uploads"


# A file made for one request is sent within minutes (the outbox gives up long before
# this); then it only holds issue texts and names on disk, so it goes.
KEEP_UPLOADS = timedelta(days=7)


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def prune(root: Path, keep: timedelta = KEEP_UPLOADS) -> None:
    """Remove the request folders under ``root`` older than ``keep`` (by the files' times:
    the file system's clock, not the bot's)."""
    if not root.is_dir():
        return
    oldest = time.time() - keep.total_seconds()
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < oldest:
            shutil.rmtree(folder, ignore_errors=True)


def _store(root: Path, relative: str, data: bytes) -> None:
    prune(root / UPLOAD_DIR)
    write_atomically(root / relative, data)


async def send_file(
    config: Config, store: Store, clock: Clock, chat_id: int, *, photo: bool, name: str,
    folder: str, data: bytes, caption: str, dedup_key: str, reply_to: int | None = None,
    thread_id: int | None = None,
) -> None:
    """Queue a sendPhoto (``photo``) or a sendDocument of ``data``, which the person gets
    as ``name``; ``folder`` (one per request, e.g. the update id) keeps two apart."""
    relative = f"{UPLOAD_DIR}/{folder}/{name}"
    await asyncio.to_thread(_store, Path(config.media_dir), relative, data)
    field = "photo" if photo else "document"
    payload: dict[str, object] = {
        "chat_id": chat_id, f"{field}_file": relative, "filename": name, "caption": caption,
    }
    if reply_to is not None:
        payload["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    if thread_id is not None:
        payload["message_thread_id"] = thread_id
    async with store.transaction() as conn:
        await outbox.enqueue_call(
            conn, chat_id, "sendPhoto" if photo else "sendDocument", payload,
            iso(clock.now()), dedup_key=dedup_key,
        )
