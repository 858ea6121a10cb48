"""A resident's half-written report (at most four steps), and what it may hold.

The draft lives in PTB's persisted user data as plain JSON, so it survives a restart; this
class is its typed face: every step reads and writes it through these properties, and the
limits on what a draft may hold are decided here, without I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.domain.model import Place

MAX_TEXT = 4000
MAX_PHOTOS = 9
# A draft holds its files on disk before it is an issue: bound what one resident can park
# there (30 voice messages never sent must not all be kept).
MAX_FILES = 12
MAX_BYTES = 40_000_000
# What one resident may store in a day, drafts and submitted reports together.
MAX_RESIDENT_BYTES_PER_DAY = 100_000_000


@dataclass(frozen=True)
class DraftFile:
    """A photo or voice message already downloaded, checked and stored under media_dir."""

    kind: str  # photo | voice
    file_id: str
    file_unique_id: str
    file_size: int | None
    path: str
    bytes: int
    duration: int | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None


class Draft:
    """Typed access to the draft's JSON in ``data`` (which is what gets persisted)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def grid(self) -> str | None:
        value = self._data.get("grid")
        return str(value) if value else None

    @grid.setter
    def grid(self, key: str) -> None:
        self._data["grid"] = key

    @property
    def place(self) -> Place:
        return Place(self._data.get("building", ""), self._data.get("unit", ""))

    @place.setter
    def place(self, place: Place) -> None:
        self._data.update(building=place.building, unit=place.unit)

    @property
    def place_typed_first(self) -> bool:
        """A place typed while the grid buttons waited: kept until the grid is chosen."""
        return bool(self._data.get("placed"))

    @place_typed_first.setter
    def place_typed_first(self, value: bool) -> None:
        if value:
            self._data["placed"] = True
        else:
            self._data.pop("placed", None)

    @property
    def text(self) -> str:
        return str(self._data.get("text", ""))

    def add_text(self, text: str) -> bool:
        """Append a message's words; False (nothing added) past ``MAX_TEXT``."""
        combined = (self.text + "\n" + text).strip()
        if len(combined) > MAX_TEXT:
            return False
        self._data["text"] = combined
        return True

    def warn_once(self, key: str) -> bool:
        """True the first time an emergency hint is due in this draft."""
        warned: list[str] = self._data.setdefault("warned", [])
        if key in warned:
            return False
        warned.append(key)
        return True

    @property
    def location(self) -> tuple[float, float] | None:
        lat, lon = self._data.get("lat"), self._data.get("lon")
        return (float(lat), float(lon)) if lat is not None and lon is not None else None

    @location.setter
    def location(self, where: tuple[float, float]) -> None:
        self._data["lat"], self._data["lon"] = where

    @property
    def files(self) -> list[DraftFile]:
        return [DraftFile(**f) for f in self._data.get("media", [])]

    def add_file(self, file: DraftFile) -> None:
        self._data.setdefault("media", []).append(asdict(file))

    @property
    def category(self) -> str | None:
        value = self._data.get("category")
        return str(value) if value else None

    @category.setter
    def category(self, key: str) -> None:
        self._data["category"] = key

    @property
    def touched(self) -> str:
        """When the resident last touched it (ISO text): a day-old draft is swept."""
        return str(self._data.get("touched", ""))

    @touched.setter
    def touched(self, stamp: str) -> None:
        self._data["touched"] = stamp

    @property
    def has_content(self) -> bool:
        return bool(self.text or self.files or self.location is not None)

    def refusal(self, kind: str, size: int | None, stored_today: int) -> str | None:
        """The catalog key saying why one more file of ``kind`` and ``size`` bytes does not
        fit (the draft's caps, then the resident's daily storage), None if it does."""
        files = self.files
        if kind == "photo" and sum(f.kind == "photo" for f in files) >= MAX_PHOTOS:
            return "resident.too_many_photos"
        if len(files) >= MAX_FILES:
            return "resident.draft_full"
        held = sum(f.bytes for f in files)
        if held + (size or 0) > MAX_BYTES:
            return "resident.draft_too_big"
        if stored_today + held + (size or 0) > MAX_RESIDENT_BYTES_PER_DAY:
            return "resident.storage_full"
        return None
