"""What follows a resident's card into the group thread: their photos, voice and location.

Heads must see what they are sent to fix (issue #9). A resident's report with one photo
reaches the group as that photo with the card as its caption; more photos go as an album
replying to a text card; voice messages and a shared location reply to the card. Photos are
sent from our own stored copies (re-encoded, without EXIF), voice by its file id: copies,
never forwards, so nothing names the resident.

Pure: the service gathers the media, the outbox sender posts the card and queues these calls
with the card's message id once it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.i18n import t

# Telegram's limits: a caption's length, and 2–10 items in an album.
CAPTION_LIMIT = 1024
ALBUM_MAX = 10


@dataclass(frozen=True)
class Attachment:
    media_id: int
    kind: str  # photo | voice
    file_id: str
    path: str | None  # our stored copy under media_dir, once kept


@dataclass(frozen=True)
class ThreadCall:
    """One Bot API call under the card; the sender adds the chat, the reply and the topic.
    A key ending in ``_file`` names a file under media_dir to upload (as the outbox does)."""

    method: str
    payload: dict[str, Any]
    dedup_key: str


@dataclass(frozen=True)
class CardThread:
    lang: str
    issue_id: int
    photos: tuple[Attachment, ...] = ()
    voices: tuple[Attachment, ...] = ()
    location: tuple[float, float] | None = None

    @property
    def card_photo(self) -> Attachment | None:
        """The photo that may carry the card: a report's only photo (several go together
        as an album under the card, so none is set apart from the others)."""
        return self.photos[0] if len(self.photos) == 1 else None

    def follow(self, *, photo_card: bool) -> list[ThreadCall]:
        """The calls that reply to the card once it is posted (as a photo or as text)."""
        calls: list[ThreadCall] = []
        photos = self.photos[1:] if photo_card else self.photos
        caption = t(self.lang, "thread.photos", number=self.issue_id)
        for start in range(0, len(photos), ALBUM_MAX):
            chunk = photos[start:start + ALBUM_MAX]
            key = f"thread:{self.issue_id}:photo:{chunk[0].media_id}"
            if len(chunk) == 1:
                calls.append(ThreadCall("sendPhoto", {**_source(chunk[0], "photo"),
                                                      "caption": caption}, key))
                continue
            album = [{"type": "photo", **_source(item, "media")} for item in chunk]
            album[0]["caption"] = caption
            calls.append(ThreadCall("sendMediaGroup", {"media": album}, key))
        for voice in self.voices:
            calls.append(ThreadCall(
                "sendVoice",
                {"voice": voice.file_id, "caption": t(self.lang, "thread.voice",
                                                      number=self.issue_id)},
                f"thread:{self.issue_id}:voice:{voice.media_id}",
            ))
        if self.location is not None:
            latitude, longitude = self.location
            calls.append(ThreadCall("sendLocation", {"latitude": latitude,
                                                     "longitude": longitude},
                                    f"thread:{self.issue_id}:location"))
        return calls


def _source(item: Attachment, key: str) -> dict[str, str]:
    """Our stored copy when there is one (no EXIF, and a photo sent as a file is a photo
    again); otherwise Telegram's file id."""
    return {f"{key}_file": item.path} if item.path else {key: item.file_id}
