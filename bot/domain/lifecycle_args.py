"""The arguments of the lifecycle commands (SPEC §6): ``/assign N @head|ROLE`` (or as a
reply to a person's message), ``/reject N reason``, ``/close N``, ``/reopen N`` and
``/refer N DEPT [note]``.

Like :mod:`bot.domain.args`, each reader accepts any text and returns a valid value or
raises ``UserError`` with the catalog key that explains the command's use. Reasons and
notes are read from the whole message text so they keep their line breaks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.args import issue_number
from bot.domain.model import Role, normalize_forms
from bot.domain.roster import role_word
from bot.errors import UserError

REASON_LIMIT = 200  # the card quotes a reason; keep it one line's worth
NOTE_LIMIT = 500
# Telegram usernames: 5-32 of a-z, 0-9 and _, starting with a letter.
_USERNAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")


def _visible(text: str) -> bool:
    return any(unicodedata.category(c)[0] not in "CZ" for c in text)


def number_args(args: Sequence[str], usage: str) -> int:
    """``/close N``, ``/reopen N``: the issue number."""
    number = issue_number(args[0]) if len(args) == 1 else None
    if number is None:
        raise UserError(usage)
    return number


@dataclass(frozen=True)
class AssignTo:
    """Who ``/assign`` names: a username, a role (the holder for the issue's place), or
    nobody (the command is a reply, and the replied-to person is meant)."""

    username: str | None = None
    role: Role | None = None


def assign_args(args: Sequence[str], *, replying: bool) -> tuple[int, AssignTo]:
    """``/assign N @username``, ``/assign N ROLE``, or ``/assign N`` as a reply."""
    number = issue_number(args[0]) if args else None
    if number is None or len(args) > 2 or (len(args) == 1 and not replying):
        raise UserError("assign.usage")
    if len(args) == 1:
        return number, AssignTo()
    word = normalize_forms(args[1]).strip()
    found = _USERNAME.fullmatch(word)
    if found:
        return number, AssignTo(username=found[1])
    role = role_word(word)
    if role is None:
        raise UserError("assign.usage")
    return number, AssignTo(role=role)


def reject_args(text: str) -> tuple[int, str]:
    """``/reject N reason``, from the whole text: a reason must show something."""
    parts = text.split(maxsplit=2)
    number = issue_number(parts[1]) if len(parts) == 3 else None
    reason = parts[2].strip() if len(parts) == 3 else ""
    if number is None or not _visible(reason):
        raise UserError("reject.usage")
    if len(reason) > REASON_LIMIT:
        raise UserError("reject.too_long", limit=REASON_LIMIT)
    return number, reason


def refer_args(text: str) -> tuple[int, str, str | None]:
    """``/refer N DEPT [note]``, from the whole text: the number, the department as typed
    (the service knows the departments) and the note, if any."""
    parts = text.split(maxsplit=3)
    number = issue_number(parts[1]) if len(parts) >= 3 else None
    if number is None:
        raise UserError("refer.usage")
    note = parts[3].strip() if len(parts) == 4 else ""
    if len(note) > NOTE_LIMIT:
        raise UserError("refer.too_long", limit=NOTE_LIMIT)
    return number, parts[2], note if _visible(note) else None
