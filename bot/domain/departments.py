"""Departments that take referred items (转办, SPEC §2, §7): the property company, heating,
water, urban management. A department is a key (as in ``/refer N property``), a name in
each language, the liaisons who act for it (claim, resolve) and, optionally, its own group.

An issue records the department it is referred to by its display name in the community's
language (what the card, the agenda and the export show); ``holding`` finds the department
back from that name, or from its key or English name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import normalize_forms


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    name_en: str
    liaisons: tuple[int, ...]
    chat_id: int | None = None

    def label(self, lang: str) -> str:
        """The name people read: English in English, the Chinese name otherwise."""
        return self.name_en if lang == "en" and self.name_en else self.name


def _folded(text: str) -> str:
    return normalize_forms(text).strip().casefold()


def find(departments: Sequence[Department], token: str) -> Department | None:
    """The department a command names: by key, or by either of its names, in any case and
    in full-width forms."""
    wanted = _folded(token)
    if not wanted:
        return None
    for department in departments:
        if wanted in (department.key, _folded(department.name), _folded(department.name_en)):
            return department
    return None


def holding(departments: Sequence[Department], stored: str | None) -> Department | None:
    """The department an issue's ``department`` column names (None if it names none the
    config still has)."""
    return find(departments, stored) if stored else None
