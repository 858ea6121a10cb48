"""What the coordinators' desk reads (issue #12): the issues table filtered and paged, search
in the issues' text, and a grid's unresolved issues counted by building and unit.

The WHERE clause is put together from fixed fragments, each with ``?`` placeholders: no
value ever becomes SQL text. An issue's timeline is ``storage.issues.events``.

Search: every word of the query must occur in the text (as a substring, ignoring case). A
word of three or more characters is looked up in ``issues_fts`` (FTS5, trigram tokenizer,
migration 0012) as a quoted phrase; a shorter one (楼道, 水), which trigrams cannot find, is
matched with ``LIKE`` on ``issues.text`` with its ``%``, ``_`` and ``\\`` escaped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.issue import Issue
from bot.domain.model import Kind, Place, Priority, Status
from storage.db import Store
from storage.issues import issue_from_row

log = logging.getLogger(__name__)

# What the trigram tokenizer needs to match a word; shorter words go through LIKE.
TRIGRAM = 3
# A search reads at most this many words and this many characters (the rest is ignored).
MAX_TERMS = 8
MAX_SEARCH_CHARS = 200
_UNRESOLVED = "i.status NOT IN ('closed', 'rejected')"  # as in the partial index issues_overdue
_ORDER = "ORDER BY i.created_at DESC, i.id DESC"


@dataclass(frozen=True)
class IssueFilter:
    """What the desk's table shows; every field left at its default filters nothing.

    ``grid_keys``: None is every grid; the caller restricts a head to their own grids (an
    empty tuple shows nothing). ``building``/``unit``: None is any; ``""`` is "none given"
    (``building=""`` lists the issues placed in the grid as a whole). ``overdue``: unresolved
    and past ``due_at`` at ``now``. ``unresolved``: not closed or rejected (what the building
    map counts). ``created_from``/``created_to``: UTC ISO text as stored
    (``bot.domain.times.iso``), the period [from, to). ``text``: words that must all occur.
    """

    grid_keys: tuple[str, ...] | None = None
    status: Status | None = None
    unresolved: bool = False
    kind: Kind | None = None
    category: str | None = None
    priority: Priority | None = None
    overdue: bool = False
    assignee_user_id: int | None = None
    department: str | None = None
    building: str | None = None
    unit: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class PlaceCount:
    """A place of a grid with unresolved issues: how many, and how many of them overdue."""

    building: str
    unit: str
    open_count: int
    overdue_count: int


def search_terms(text: str | None) -> list[str]:
    """The words of a search, in order, each once (at most ``MAX_TERMS``)."""
    words: list[str] = []
    for word in (text or "")[:MAX_SEARCH_CHARS].split():
        if word not in words:
            words.append(word)
    return words[:MAX_TERMS]


def _phrase(word: str) -> str:
    """An FTS5 string: the word as one phrase, its quotes doubled (no query syntax)."""
    return '"' + word.replace('"', '""') + '"'


def _like(word: str) -> str:
    """A LIKE pattern finding ``word`` anywhere (with ``ESCAPE '\\'``)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(f: IssueFilter, now: str) -> tuple[str, list[Any]]:
    """The filter as a WHERE clause of fixed fragments and its parameters."""
    clauses: list[str] = []
    params: list[Any] = []

    def add(fragment: str, *values: Any) -> None:
        clauses.append(fragment)
        params.extend(values)

    if f.grid_keys is not None:
        if len(f.grid_keys) == 1:
            add("i.grid_key = ?", f.grid_keys[0])
        else:
            add("i.grid_key IN (SELECT value FROM json_each(?))", json.dumps(list(f.grid_keys)))
    if f.status is not None:
        add("i.status = ?", str(f.status))
    if f.unresolved:
        add(_UNRESOLVED)
    if f.kind is not None:
        add("i.kind = ?", str(f.kind))
    if f.category is not None:
        add("i.category = ?", f.category)
    if f.priority is not None:
        add("i.priority = ?", str(f.priority))
    if f.overdue:
        if not f.unresolved:
            add(_UNRESOLVED)
        add("i.due_at < ?", now)
    if f.assignee_user_id is not None:
        add("i.assignee_user_id = ?", f.assignee_user_id)
    if f.department is not None:
        add("i.department = ?", f.department)
    if f.building is not None:
        add("i.building = ?", f.building)
    if f.unit is not None:
        add("i.unit = ?", f.unit)
    if f.created_from is not None:
        add("i.created_at >= ?", f.created_from)
    if f.created_to is not None:
        add("i.created_at < ?", f.created_to)
    words = search_terms(f.text)
    long_words = [w for w in words if len(w) >= TRIGRAM]
    if long_words:
        add("i.id IN (SELECT rowid FROM issues_fts WHERE issues_fts MATCH ?)",
            " ".join(_phrase(w) for w in long_words))
    for word in words:
        if len(word) < TRIGRAM:
            add("i.text LIKE ? ESCAPE '\\'", _like(word))
    return (" AND ".join(clauses) or "1"), params


async def list_issues(
    store: Store, f: IssueFilter, now: str, *, limit: int, offset: int
) -> tuple[list[Issue], int]:
    """One page of the issues ``f`` names, newest first, and how many it names in all.
    ``now`` (UTC ISO) is what "overdue" is measured against."""
    if limit < 1 or offset < 0:
        raise ValueError(f"bad page: limit={limit}, offset={offset}")
    where, params = _where(f, now)
    rows = await store.fetchall(
        # Only the fixed fragments of _where are joined in; every value is a parameter.
        f"SELECT i.* FROM issues i WHERE {where} {_ORDER} LIMIT ? OFFSET ?",  # noqa: S608
        (*params, limit, offset),
    )
    total = await store.fetchone(
        f"SELECT COUNT(*) FROM issues i WHERE {where}",  # noqa: S608 - fixed fragments
        params,
    )
    return [issue_from_row(r) for r in rows], int(total[0]) if total else 0


async def open_counts_by_place(store: Store, grid_key: str, now: str) -> list[PlaceCount]:
    """The grid's unresolved issues (not closed or rejected) counted by building and unit,
    with those past due at ``now``; places without any are not listed (see
    ``known_places``). Read from the partial index ``issues_open_place``."""
    rows = await store.fetchall(
        """SELECT i.building, i.unit, COUNT(*) AS open_count,
                  SUM(i.due_at IS NOT NULL AND i.due_at < ?) AS overdue_count
           FROM issues i
           WHERE i.grid_key = ? AND i.status NOT IN ('closed', 'rejected')
           GROUP BY i.building, i.unit
           ORDER BY i.building, i.unit""",
        (now, grid_key),
    )
    return [
        PlaceCount(r["building"], r["unit"], int(r["open_count"]), int(r["overdue_count"] or 0))
        for r in rows
    ]


async def known_places(store: Store, grid_key: str) -> list[Place]:
    """The buildings and units the grid knows of: its heads' places, its posters' (QR codes
    not revoked) and every place an issue was ever reported at; the grid as a whole (no
    building) is not one of them."""
    rows = await store.fetchall(
        """SELECT building, unit FROM roles WHERE grid_key = ? AND building <> ''
           UNION
           SELECT building, unit FROM qr_codes
            WHERE grid_key = ? AND building <> '' AND revoked_at IS NULL
           UNION
           SELECT building, unit FROM issues WHERE grid_key = ? AND building <> ''""",
        (grid_key, grid_key, grid_key),
    )
    places: set[Place] = set()
    for r in rows:
        try:
            places.add(Place(r["building"], r["unit"]))
        except ValueError as exc:  # written before today's rules for a place; not a tile
            log.debug("grid %s: %r-%r is no tile of the map: %s",
                      grid_key, r["building"], r["unit"], exc)
    return sorted(places, key=lambda p: (p.building, p.unit))
