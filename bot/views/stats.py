"""The community figures as people read them (/stats, ``fiveheads stats``), the words on
the chart, and the /visits list. HTML, cut into messages under Telegram's limit.

Roles are listed in their fixed order (community head first, unit head last), never sorted
by a figure: the figures are for the community's report, not a league table of people.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.figures import Figures, ScopeFigures
from bot.domain.model import Kind, Place, Priority
from bot.i18n import t
from bot.views.html_text import split_message
from bot.views.place import place_label

_TAG = re.compile(r"<[^>]*>")


def as_plain(text: str) -> str:
    """These views' HTML as plain text (for a terminal): every tag is ours, since whatever
    people wrote was escaped."""
    return html.unescape(_TAG.sub("", text))


def kind_label(lang: str, kind: Kind) -> str:
    return t(lang, f"stats.kind_{kind.value}")


def hours_text(lang: str, value: float | None) -> str:
    return t(lang, "stats.none") if value is None else t(lang, "stats.hours", value=value)


def rate_text(lang: str, value: float | None) -> str:
    if value is None:
        return t(lang, "stats.none")
    return t(lang, "stats.rate", value=f"{value * 100:.1f}".removesuffix(".0"))


def is_empty(scope: ScopeFigures) -> bool:
    """Nothing happened in the grid in the period and nothing is overdue."""
    return not (any(k.created or k.closed for k in scope.kinds) or scope.overdue
                or scope.households_visited or scope.people_served)


def scope_lines(lang: str, scope: ScopeFigures) -> list[str]:
    lines = [
        t(lang, "stats.kind_line", kind=kind_label(lang, k.kind), reported=k.created,
          closed=k.closed)
        for k in scope.kinds
    ]
    lines += [
        t(lang, "stats.verified_line", verified=scope.verified, unverified=scope.unverified),
        t(lang, "stats.overdue_line", overdue=scope.overdue),
        t(lang, "stats.visits_line", households=scope.households_visited,
          people=scope.people_served),
        t(lang, "stats.median_line", values=t(lang, "stats.separator").join(
            t(lang, "stats.median_item", priority=t(lang, f"priority.{p.value}"),
              hours=hours_text(lang, scope.median(p)))
            for p in Priority
        )),
    ]
    return lines


# More grids with figures than this and the chat gets the totals only (a district of a
# thousand grids would fill a hundred messages); /export has every grid.
GRID_DETAIL_LIMIT = 30


def stats_text(
    lang: str, figures: Figures, grid_names: Mapping[str, str],
    *, grid_limit: int = GRID_DETAIL_LIMIT,
) -> list[str]:
    """The whole community, each grid where something happened, then the head roles."""
    period = figures.period
    lines = [t(lang, "stats.header", start=period.start.isoformat(), end=period.end.isoformat()),
             "", t(lang, "stats.scope_total"), *scope_lines(lang, figures.total)]
    active = [(key, scope) for key, scope in figures.grids if not is_empty(scope)]
    quiet = len(figures.grids) - len(active)
    if len(active) > grid_limit:
        lines += ["", t(lang, "stats.many_grids", count=len(active))]
    else:
        for key, scope in active:
            lines += ["", t(lang, "stats.scope_grid",
                            grid=html.escape(grid_names.get(key, key))),
                      *scope_lines(lang, scope)]
    if quiet:
        lines += ["", t(lang, "stats.quiet_grids", count=quiet)]
    lines += ["", t(lang, "stats.roles_header", min=figures.min_items)]
    for role in figures.roles:
        lines.append(t(
            lang, "stats.role_line", role=t(lang, f"role.{role.role.value}"), items=role.items,
            first=hours_text(lang, role.median_hours_to_first_response),
            resolved=hours_text(lang, role.median_hours_to_resolved),
            verified=hours_text(lang, role.median_hours_to_verified),
            rate=rate_text(lang, role.reopen_rate),
        ))
    return split_message(lines)


def chart_words(lang: str, figures: Figures) -> tuple[dict[Kind, str], str, str]:
    """The chart's legend (per kind), title and axis label."""
    period = figures.period
    return (
        {kind: kind_label(lang, kind) for kind in Kind},
        t(lang, "stats.chart_title", start=period.start.isoformat(), end=period.end.isoformat()),
        t(lang, "stats.chart_axis"),
    )


# ----------------------------------------------------------------------------- /visits


@dataclass(frozen=True)
class ListedVisit:
    """One visit on the list; ``day`` is the local date it was logged."""

    day: str
    grid_name: str
    place: Place
    households: int
    people: int
    who: str
    note: str


def visits_text(
    lang: str, scope: str, start: str, end: str, visits: Sequence[ListedVisit],
    totals: tuple[int, int, int], *, show_grid: bool,
) -> list[str]:
    """Newest first; ``totals`` (visits, households, people) count the whole period even
    when the list shows only the latest."""
    count, households, people = totals
    lines = [t(lang, "visits.header", scope=html.escape(scope), start=start, end=end)]
    if not count:
        return split_message([*lines, t(lang, "visits.none")])
    lines.append(t(lang, "visits.totals", count=count, households=households, people=people))
    for visit in visits:
        lines.append(t(
            lang, "visits.line", day=visit.day,
            grid=html.escape(visit.grid_name) + " " if show_grid else "",
            place=html.escape(place_label(lang, visit.place)), households=visit.households,
            people=visit.people, who=html.escape(visit.who),
        ) + (t(lang, "visits.note", note=html.escape(visit.note)) if visit.note else ""))
    if len(visits) < count:
        lines.append(t(lang, "visits.capped", shown=len(visits)))
    return split_message(lines)
