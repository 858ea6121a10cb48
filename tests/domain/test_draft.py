"""The resident's draft: typed over its persisted JSON, and the caps on what it holds."""

from __future__ import annotations

from typing import Any

from bot.domain.draft import MAX_FILES, Draft, DraftFile
from bot.domain.model import Place


def voice(n: int, size: int = 1000) -> DraftFile:
    return DraftFile("voice", f"v{n}", f"u{n}", size, f"ab/{n}.ogg", size)


def test_the_draft_reads_and_writes_its_json() -> None:
    data: dict[str, Any] = {}
    draft = Draft(data)
    draft.grid, draft.place, draft.location = "songhe-1", Place("3", "2"), (45.7, 126.6)
    assert draft.add_text("楼道堆满纸箱") and draft.has_content
    draft.add_file(voice(1))
    again = Draft(data)  # what a restart reads back from persistence
    assert (again.grid, again.place, again.location) == ("songhe-1", Place("3", "2"),
                                                         (45.7, 126.6))
    assert again.files == [voice(1)] and again.text == "楼道堆满纸箱"
    assert again.warn_once("emergency.fire") and not again.warn_once("emergency.fire")


def test_the_caps_each_name_their_reason() -> None:
    draft = Draft({})
    for n in range(MAX_FILES):
        assert draft.refusal("voice", 1000, 0) is None
        draft.add_file(voice(n))
    assert draft.refusal("voice", 1000, 0) == "resident.draft_full"
    assert Draft({}).refusal("voice", 41_000_000, 0) == "resident.draft_too_big"
    assert Draft({}).refusal("voice", 19_000_000, 95_000_000) == "resident.storage_full"
    photos = Draft({})
    for n in range(9):
        photos.add_file(DraftFile("photo", f"p{n}", f"q{n}", 10, f"cd/{n}.jpg", 10))
    assert photos.refusal("photo", 10, 0) == "resident.too_many_photos"
    assert not Draft({}).has_content
