"""The arguments of slash commands, read by pure functions from what was typed.

Every reader here accepts any text (any script, any length) and either returns a valid
value or raises ``UserError`` with the catalog key that explains the command's use, so a
typo gets a clear answer instead of an exception and the rules can be tested without
Telegram. Arguments are read after ``normalize_forms``: "＃１２" or "ｓｏｎｇｈｅ－１" from a
Chinese keyboard in full-width mode mean what they look like.

``args`` is what python-telegram-bot hands a command: the words after it, split on any
whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.classify import parse_place
from bot.domain.model import GRID_KEY_RE, Place, Priority, normalize_forms
from bot.errors import UserError

REVOKE = "revoke"
# Issue numbers are SQLite rowids; nine digits is far beyond any grid's lifetime and keeps
# a pasted phone number from becoming one.
_ISSUE_NUMBER = re.compile(r"#?([0-9]{1,9})")
# What a reply may quote back of an argument that could not be read.
_ECHO_GRID = 32
_ECHO_PLACE = 16


def echo(token: str, limit: int) -> str:
    """A bad argument as a refusal may quote it: without invisible characters (a stray
    right-to-left override would flip the rest of the answer) and at most ``limit``
    characters long."""
    return normalize_forms(token)[:limit]


def issue_number(token: str) -> int | None:
    """``12`` or ``#12`` (in any digits) as a number, None if it is not one."""
    found = _ISSUE_NUMBER.fullmatch(normalize_forms(token).strip())
    number = int(found[1]) if found else 0
    return number or None  # issues count from 1


def grid_key(token: str) -> str | None:
    """A grid's key as typed, forgiving case and full-width forms; None if it cannot be one.

    Keys are lower-case by rule (config), so "Songhe-1" can only mean "songhe-1".
    """
    key = normalize_forms(token).strip().lower()
    return key if GRID_KEY_RE.fullmatch(key) else None


def show_args(args: Sequence[str]) -> int:
    """``/show N``: the issue number."""
    number = issue_number(args[0]) if len(args) == 1 else None
    if number is None:
        raise UserError("show.usage")
    return number


def grid_arg(args: Sequence[str], usage: str) -> str | None:
    """``/open [grid]`` and ``/agenda [grid]``: the named grid's key, or None for "this
    group's grid". A word that cannot be a key is answered as an unknown grid, as a key
    that names no grid is; more than one word gets ``usage``."""
    if not args:
        return None
    if len(args) > 1:
        raise UserError(usage)
    key = grid_key(args[0])
    if key is None:
        raise UserError("grid.unknown", key=echo(args[0], _ECHO_GRID))
    return key


def bind_args(args: Sequence[str]) -> str:
    """``/bind grid``: the key to bind this group to."""
    key = grid_key(args[0]) if len(args) == 1 else None
    if key is None:
        raise UserError("bind.usage")
    return key


@dataclass(frozen=True)
class QrArgs:
    """What ``/qr`` was asked for: the grid (named in private only), the place, and
    whether to retire the place's codes instead of printing a new one."""

    grid_key: str | None
    place: Place
    revoke: bool


def qr_args(args: Sequence[str], *, private: bool) -> QrArgs:
    """``/qr PLACE [revoke]`` in a group, ``/qr GRID PLACE [revoke]`` in private.

    A poster is for a door, so the place must name at least a building.
    """
    words = list(args)
    revoke = bool(words) and normalize_forms(words[-1]).strip().casefold() == REVOKE
    if revoke:
        words.pop()
    key: str | None = None
    if private:
        key = grid_key(words[0]) if len(words) == 2 else None
        if key is None:
            raise UserError("qr.usage_private")
    elif len(words) != 1:
        raise UserError("qr.usage")
    try:
        place = Place.parse_label(words[-1])
    except ValueError:
        place = Place()
    if place.is_empty():
        raise UserError("qr.bad_place", place=echo(words[-1], _ECHO_PLACE))
    return QrArgs(key, place, revoke)


def _visible(text: str) -> bool:
    """Whether ``text`` shows anything: a letter, digit, mark, punctuation or symbol."""
    return any(unicodedata.category(c)[0] not in "CZ" for c in text)


def decide_args(text: str, *, max_length: int) -> tuple[int, str]:
    """``/decide N decision``, from the whole message text: the number and the decision.

    Read from the text rather than the split words so the decision keeps its line breaks;
    the command word itself (in any case, with or without "@bot") is skipped. A decision
    must show something and be at most ``max_length`` characters.
    """
    parts = text.split(maxsplit=2)
    number = issue_number(parts[1]) if len(parts) == 3 else None
    decision = parts[2].strip() if len(parts) == 3 else ""
    if number is None or not _visible(decision) or len(decision) > max_length:
        raise UserError("decide.usage")
    return number, decision


def category_args(args: Sequence[str]) -> tuple[int, str]:
    """``/category N KEY``: the issue and the category key as typed (the service knows the
    grid's categories and refuses an unknown one)."""
    number = issue_number(args[0]) if len(args) == 2 else None
    if number is None:
        raise UserError("fix.usage_category")
    return number, normalize_forms(args[1]).strip().lower()


def merge_args(args: Sequence[str]) -> tuple[int, int]:
    """``/merge N M``: issue N repeats issue M."""
    numbers = [issue_number(a) for a in args] if len(args) == 2 else []
    first, second = (numbers + [None, None])[:2]
    if first is None or second is None:
        raise UserError("merge.usage")
    return first, second


def place_args(args: Sequence[str]) -> tuple[int, Place]:
    """``/place N PLACE``: "3-2", "3", or the way a report writes it ("3号楼2单元")."""
    number = issue_number(args[0]) if len(args) >= 2 else None
    if number is None:
        raise UserError("fix.usage_place")
    written = " ".join(args[1:])
    place = parse_place(written) or _door(written)
    if place.is_empty():
        raise UserError("fix.usage_place")
    return number, place


def _door(label: str) -> Place:
    """A bare door name ("A", "B2-1") the reader does not take from prose; a word such as
    "somewhere" is no building."""
    try:
        place = Place.parse_label(label)
    except ValueError:
        return Place()
    return place if len(place.building) <= 4 and len(place.unit) <= 4 else Place()


def priority_args(args: Sequence[str]) -> tuple[int, Priority]:
    """``/priority N LEVEL``: urgent, priority, normal or planned."""
    number = issue_number(args[0]) if len(args) == 2 else None
    level = normalize_forms(args[1]).strip().lower() if len(args) == 2 else ""
    if number is None or level not in {p.value for p in Priority}:
        raise UserError("fix.usage_priority")
    return number, Priority(level)
