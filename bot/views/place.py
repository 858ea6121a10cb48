"""The place as people read it: "3号楼2单元", "3号楼", or "no place given"."""

from __future__ import annotations

from bot.domain.model import Place
from bot.i18n import t


def place_label(language: str, place: Place) -> str:
    if place.building and place.unit:
        return t(language, "place.building_unit", building=place.building, unit=place.unit)
    if place.building:
        return t(language, "place.building", building=place.building)
    return t(language, "place.unknown")
