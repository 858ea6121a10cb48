"""The words on a printed QR poster: the place it hangs at, and what a resident does with it.

Pure: :class:`~bot.services.qr.QrService` issues the code and draws the picture
(``bot.posters``); the words are chosen here, in the community's language, since a poster
hangs on a door rather than in anyone's chat.
"""

from __future__ import annotations

from bot.domain.model import Place
from bot.i18n import t
from bot.views.place import place_label


def poster_title(language: str, grid_name: str, place: Place) -> str:
    """The place as a poster names it: "松鹤社区第一网格 3号楼2单元". A poster is for a
    door, so ``place`` names at least a building."""
    return f"{grid_name} {place_label(language, place)}"


def poster_words(language: str, grid_name: str, place: Place) -> tuple[str, str, str]:
    """Title, subtitle and instruction, in the order ``bot.posters.make_poster`` takes them."""
    return (poster_title(language, grid_name, place), t(language, "poster.subtitle"),
            t(language, "poster.instruction"))
