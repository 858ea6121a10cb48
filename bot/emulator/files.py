"""Files as Telegram keeps them: ids, download paths and the PhotoSizes of a photo.

Every photo, voice note or document a user or the bot sends is stored under a fresh
``file_id`` with a download path, so getFile and the file URL serve the exact bytes back.
A photo gets a thumbnail and a full size like on Telegram, which needs the image's size:
Pillow reads it, and refuses to render thumbnails for huge or undecodable images so a
hostile test photo cannot make the emulator itself slow or crash.
"""

import io
import itertools
import warnings
from dataclasses import dataclass

from PIL import Image

from bot.emulator.protocol import JSONDict

# Thumbnails are only rendered for images this small, so a decompression bomb sent by a test
# costs the emulator nothing (the bot under test has to cope with it, not us).
_THUMBNAIL_PIXEL_LIMIT = 4_000_000
_THUMBNAIL_SIDE = 90


@dataclass
class StoredFile:
    """A file Telegram would keep: downloadable through getFile unless it is too big."""

    file_id: str
    file_unique_id: str
    data: bytes
    size: int
    path: str


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


class FileStore:
    """Every stored file by id, and the PhotoSizes computed for photos."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[JSONDict]] = {}
        self._counter = itertools.count(1)

    def __getitem__(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self._files.values() if f.path == path), None)

    def store(
        self, data: bytes, folder: str, extension: str, declared_size: int | None = None
    ) -> StoredFile:
        """Keep ``data`` under a new id; ``declared_size`` claims a size without allocating it."""
        number = next(self._counter)
        stored = StoredFile(
            file_id=f"AgAC{number:06d}emu{folder[:3]}",
            file_unique_id=f"AQAD{number:06d}",
            data=data,
            size=len(data) if declared_size is None else declared_size,
            path=f"{folder}/file_{number}.{extension}",
        )
        self._files[stored.file_id] = stored
        return stored

    def photo_sizes(self, stored: StoredFile) -> list[JSONDict]:
        """A small and a full PhotoSize, like Telegram's thumbnails (computed once per file)."""
        cached = self._photo_sizes.get(stored.file_id)
        if cached is not None:
            return cached
        width, height, thumbnail = _inspect_image(stored.data)
        small = stored if thumbnail is None else self.store(thumbnail, "photos", "jpg")
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
