"""The agenda of a meeting of the 9th, 19th and 29th as people read it (SPEC §5).

Pure: :class:`AgendaService` gathers an :class:`Agenda` of plain data (no database, no
language); this turns it into Telegram HTML messages under the limit, in any language, so a
preview in a chat's language and the posting in the community's say the same things. The
contact sheet's caption and the coordinators' one-line-per-grid summary are worded here too.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.classify import without_hashtag
from bot.domain.figures import KindCount
from bot.domain.model import Category, Place, category_by_key
from bot.i18n import t
from bot.views.html_text import split_message, utf16_len
from bot.views.place import place_label

# Telegram allows 4,096 characters after entity parsing (UTF-16 units); raw HTML is longer
# than what it parses to, so this leaves room for anything we did not think of.
MESSAGE_LIMIT = 4000
# Shown on the agenda; the whole text stays in the event log.
EXCERPT_CHARS = 24
DECISION_CHARS = 200


@dataclass(frozen=True)
class AgendaItem:
    """One issue on an agenda, in the words of no language yet."""

    number: int
    category: str  # category key; its label depends on the language
    kind: str
    place: Place
    status: str
    priority: str
    text: str  # the report as written; the agenda shows its start
    assignee: str | None = None
    age_days: int = 0
    overdue: bool = False
    meeting_no: int = 1  # this is the item's Nth agenda (carried over N - 1 times)
    decision: str | None = None
    photo: str | None = None  # first stored report photo, relative to media_dir
    has_voice: bool = False  # reported with a voice message: shown so when it has no text
    department: str | None = None  # the department a referred item is with (转办)


@dataclass(frozen=True)
class Agenda:
    """Everything one grid's agenda says, as plain data (no database, no language)."""

    grid_key: str
    grid_name: str
    meeting_at: datetime  # UTC
    local_date: date
    local_time: str
    period_start: date | None
    period_end: date
    late: bool
    preview: bool
    closed: tuple[AgendaItem, ...]
    new: tuple[AgendaItem, ...]
    unresolved: tuple[AgendaItem, ...]
    figures: tuple[KindCount, ...]

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.unresolved if item.overdue)


def ordinal_key(n: int) -> str:
    """CLDR's English ordinal categories (1st, 2nd, 3rd, 4th, 11th-13th, 21st ...); each
    catalog words all four, Chinese the same way ("第3次上会")."""
    if n % 100 in (11, 12, 13):
        return "agenda.ordinal_other"
    return {1: "agenda.ordinal_one", 2: "agenda.ordinal_two", 3: "agenda.ordinal_few"}.get(
        n % 10, "agenda.ordinal_other"
    )


def _excerpt(text: str, limit: int) -> str:
    """The start of ``text`` on one line: an item is one line of a long list."""
    flat = " ".join(without_hashtag(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _common(lang: str, categories: Sequence[Category], item: AgendaItem) -> dict[str, Any]:
    text = _excerpt(item.text, EXCERPT_CHARS)
    if not text and item.has_voice:  # spoken, not typed: say so rather than show nothing
        text = t(lang, "agenda.voice")
    return {
        "number": item.number,
        "category": html.escape(category_by_key(categories, item.category).label(lang)),
        "place": html.escape(place_label(lang, item.place)),
        "status": t(lang, f"status.{item.status}"),
        "text": html.escape(text),
    }


def _decision(lang: str, item: AgendaItem) -> str:
    if not item.decision:
        return ""
    text = html.escape(_excerpt(item.decision, DECISION_CHARS))
    return "\n" + t(lang, "agenda.decision", text=text)


def _unresolved_line(lang: str, categories: Sequence[Category], item: AgendaItem) -> str:
    if item.status == "referred" and item.department:
        who = t(lang, "agenda.referred", department=html.escape(item.department))
    else:
        who = html.escape(item.assignee) if item.assignee else t(lang, "agenda.nobody")
    line = t(
        lang, "agenda.unresolved_line", **_common(lang, categories, item), who=who,
        days=item.age_days, priority=t(lang, f"priority.{item.priority}"),
        overdue=t(lang, "agenda.overdue") if item.overdue else "",
        ordinal=t(lang, ordinal_key(item.meeting_no), n=item.meeting_no),
    )
    return line + _decision(lang, item)


def _new_heading(lang: str, agenda: Agenda, shown: int) -> str:
    """How many items are new, and how many of them are already closed (listed above, under
    closed, and not again under new)."""
    count = len(agenda.new)
    if shown == count:
        return t(lang, "agenda.new_header", count=count)
    return t(lang, "agenda.new_header_closed", count=count, closed=count - shown)


def render(agenda: Agenda, language: str, categories: Sequence[Category]) -> list[str]:
    """HTML messages, each under the limit; an item is never cut and appears once in a
    section. A new item already closed is counted under new but listed only under closed.

    Every message starts with the agenda's header, "(2/3)" when there are several; a
    section that goes on in the next message is headed again there, marked continued.
    """
    lang = language
    intro: list[str] = []
    if agenda.preview:
        intro.append(t(lang, "agenda.preview", date=agenda.local_date.strftime("%m-%d"),
                       time=agenda.local_time))
    if agenda.late:
        intro.append(t(lang, "agenda.late", time=agenda.local_time))
    if agenda.period_start is not None:
        intro.append(t(lang, "agenda.period", start=agenda.period_start.isoformat(),
                       end=agenda.period_end.isoformat()))
    else:
        intro.append(t(lang, "agenda.period_first", end=agenda.period_end.isoformat()))

    listed_closed = {i.number for i in agenda.closed}
    new = [i for i in agenda.new if i.number not in listed_closed]
    sections: list[tuple[str, list[str]]] = [
        (t(lang, "agenda.closed_header", count=len(agenda.closed)),
         [t(lang, "agenda.closed_line", **_common(lang, categories, i)) + _decision(lang, i)
          for i in agenda.closed]),
        (_new_heading(lang, agenda, len(new)),
         [t(lang, "agenda.new_line", **_common(lang, categories, i)) for i in new]),
        (t(lang, "agenda.unresolved_header", count=len(agenda.unresolved)),
         [_unresolved_line(lang, categories, i) for i in agenda.unresolved]),
        (t(lang, "agenda.figures_header"),
         [" · ".join(
             t(lang, "agenda.figures_line", kind=t(lang, f"agenda.kind_{f.kind.value}"),
               created=f.created, closed=f.closed)
             for f in agenda.figures)]),
    ]

    def header(part: int, total: int) -> str:
        text = t(lang, "agenda.header", grid=html.escape(agenda.grid_name),
                 date=agenda.local_date.isoformat())
        return text + t(lang, "agenda.part", part=part, total=total) if total > 1 else text

    return pack(intro, sections, header, continued=lambda s: t(lang, "agenda.continued",
                                                                 section=s))


def sheet_caption(language: str, shown: int, total: int) -> str:
    """The contact sheet's caption: says so when it shows only the oldest ``shown`` of the
    ``total`` items with a photo (a sheet holds a limited number of tiles)."""
    if shown == total:
        return t(language, "agenda.sheet", count=shown)
    return t(language, "agenda.sheet_capped", count=shown, total=total)


def summary(language: str, local_date: str, agendas: Sequence[Agenda]) -> list[str]:
    """The coordinators' summary of one meeting date: a line per grid, as many messages as
    the grids need (a line is never split)."""
    return split_message([t(language, "agenda.summary_header", date=local_date)] + [
        t(language, "agenda.summary_line", grid=html.escape(a.grid_name),
          unresolved=len(a.unresolved), overdue=a.overdue, closed=len(a.closed))
        for a in agendas
    ])


def pack(
    intro: list[str],
    sections: list[tuple[str, list[str]]],
    header: Callable[[int, int], str],
    *,
    continued: Callable[[str], str],
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """Lay sections of items out over messages of at most ``limit`` UTF-16 units.

    A section's heading travels with its first item (never alone at the bottom); an empty
    section is just its heading. Room for the longest "(n/n)" header is kept in every
    message, so numbering the parts afterwards cannot push one over the limit.
    """
    blocks: list[tuple[str, str, bool]] = []  # (section heading, text, first of section)
    for heading, items in sections:
        if not items:
            blocks.append((heading, heading, True))
            continue
        blocks.append((heading, f"{heading}\n{items[0]}", True))
        blocks.extend((heading, item, False) for item in items[1:])

    bodies: list[list[str]] = [list(intro)]
    size = utf16_len("\n".join(intro))
    room = limit - utf16_len(header(999, 999)) - 1
    for heading, text, first in blocks:
        gap = 2 if first else 1  # a blank line before a section
        if bodies[-1] and size + gap + utf16_len(text) > room:
            lead = [] if first else [continued(heading)]
            bodies.append(lead)
            size = utf16_len("\n".join(lead))
            gap = 1 if lead else 0
        if first and bodies[-1]:
            bodies[-1].append("")
        bodies[-1].append(text)
        size += gap + utf16_len(text)
    total = len(bodies)
    return [
        "\n".join([header(part, total), *body]) for part, body in enumerate(bodies, start=1)
    ]
