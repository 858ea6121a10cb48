"""Exports of a period (/export, ``fiveheads export``): an ``.xlsx`` workbook (issues,
visits, figures) that Excel and WPS open with Chinese intact, the issues as CSV (UTF-8 with
a byte-order mark, which Excel needs to read UTF-8), and Open311 GeoReport v2
``requests.json`` for tools that speak it.

The period's issues are those reported in it or closed in it. No reporter's identity is
exported (names, user ids), nor any Telegram file URL (it contains the token): Open311's
``media_url`` is null. Files are built in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.utils import get_column_letter

from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.domain.figures import Figures, Period, ScopeFigures
from bot.domain.model import Kind, Place, Priority
from bot.i18n import t
from bot.services.roster import RosterService
from bot.services.stats import StatsService
from bot.services.uploads import send_file
from bot.views.place import place_label
from bot.views.stats import kind_label
from storage import figures as stored
from storage import visits
from storage.db import Store
from storage.figures import ExportIssue
from storage.visits import VisitRow

DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Cells a spreadsheet would run as a formula (CSV injection): such text gets a leading "'".
_FORMULA_START = ("=", "+", "-", "@")


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    OPEN311 = "open311"


@dataclass(frozen=True)
class ExportData:
    period: Period
    issues: list[ExportIssue]
    visits: list[VisitRow]
    figures: Figures
    grid_names: dict[str, str]
    grid_key: str | None = None  # one grid's export


class ExportService:
    def __init__(
        self, config: Config, store: Store, clock: Clock, roster: RosterService,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.stats = StatsService(config, store, clock, roster)

    async def data(self, period: Period, grid_key: str | None = None) -> ExportData:
        """The period's rows; of one grid's issues and visits when ``grid_key`` is given
        (the figures sheet then has the community's total and that grid's row)."""
        first, after = period.bounds(self.config.tz)
        start, end = iso(first), iso(after)
        grids = None if grid_key is None else [grid_key]
        return ExportData(
            period=period,
            issues=await stored.export_issues(self.store, start, end, grid_key),
            visits=list(reversed(await visits.between(self.store, start, end, grids))),
            figures=await self.stats.figures(period),
            grid_names=await self.stats.grid_names(),
            grid_key=grid_key,
        )

    async def build(
        self, period: Period, fmt: Format, language: str, grid_key: str | None = None,
    ) -> bytes:
        data = await self.data(period, grid_key)
        sheets = Sheets(self.config, language, data)
        if fmt is Format.XLSX:
            return await asyncio.to_thread(sheets.xlsx)
        if fmt is Format.CSV:
            return await asyncio.to_thread(sheets.csv)
        return await asyncio.to_thread(sheets.open311)

    async def send_xlsx(
        self, chat_id: int, period: Period, language: str, *, folder: str, dedup_key: str,
        reply_to: int | None = None, thread_id: int | None = None,
    ) -> None:
        data = await self.build(period, Format.XLSX, language)
        caption = t(language, "export.caption", start=period.start.isoformat(),
                    end=period.end.isoformat())
        await send_file(self.config, self.store, self.clock, chat_id, photo=False,
                        name=file_name(period, Format.XLSX), folder=folder, data=data,
                        caption=caption, dedup_key=dedup_key, reply_to=reply_to,
                        thread_id=thread_id)


def file_name(period: Period, fmt: Format) -> str:
    suffix = "requests.json" if fmt is Format.OPEN311 else fmt.value
    return f"fiveheads-{period.start.isoformat()}-{period.end.isoformat()}.{suffix}"


class Sheets:
    """The rows of every sheet in one language, and the files made of them (synchronous:
    run in a worker thread)."""

    def __init__(self, config: Config, language: str, data: ExportData) -> None:
        self.config = config
        self.lang = language
        self.data = data
        self.categories = {c.key: c for c in config.categories}

    # ---------------------------------------------------------------- cell values

    def _local(self, stamp: str | None) -> datetime | None:
        """A stored UTC moment as the community's local time, without a zone (spreadsheets
        have none)."""
        if stamp is None:
            return None
        return parse_iso(stamp).astimezone(self.config.tz).replace(tzinfo=None, microsecond=0)

    def _grid(self, key: str) -> str:
        return self.data.grid_names.get(key, key)

    def _place(self, building: str, unit: str) -> str:
        return place_label(self.lang, Place(building, unit))

    def _category(self, key: str) -> str:
        category = self.categories.get(key)
        return category.label(self.lang) if category else key

    def _col(self, name: str) -> str:
        return t(self.lang, f"export.col_{name}")

    def issue_header(self) -> list[str]:
        return [self._col(n) for n in (
            "number", "grid", "place", "category", "kind", "priority", "status", "assignee",
            "department", "created", "closed", "decisions", "text",
        )]

    def issue_row(self, issue: ExportIssue) -> list[Any]:
        return [
            issue.id, self._grid(issue.grid_key), self._place(issue.building, issue.unit),
            self._category(issue.category), kind_label(self.lang, Kind(issue.kind)),
            t(self.lang, f"priority.{issue.priority}"), t(self.lang, f"status.{issue.status}"),
            issue.assignee or "", issue.department or "", self._local(issue.created_at),
            self._local(issue.closed_at),
            "\n".join(
                t(self.lang, "export.decision", day=self._day(at), text=text)
                for at, text in issue.decisions
            ),
            issue.text,
        ]

    def _day(self, stamp: str) -> str:
        local = self._local(stamp)
        assert local is not None
        return local.date().isoformat()

    def visit_header(self) -> list[str]:
        return [self._col(n) for n in (
            "visited", "grid", "place", "households", "people", "visitor", "note",
        )]

    def visit_row(self, visit: VisitRow) -> list[Any]:
        return [self._local(visit.at), self._grid(visit.grid_key),
                self._place(visit.building, visit.unit), visit.households, visit.people,
                visit.name, visit.note]

    def figures_header(self) -> list[str]:
        lang = self.lang
        return [
            self._col("scope"),
            *(t(lang, "export.col_reported", kind=kind_label(lang, k)) for k in Kind),
            *(t(lang, "export.col_closed_kind", kind=kind_label(lang, k)) for k in Kind),
            self._col("verified"), self._col("unverified"), self._col("overdue"),
            self._col("households"), self._col("people"),
            *(t(lang, "export.col_median", priority=t(lang, f"priority.{p.value}"))
              for p in Priority),
        ]

    def _scope_row(self, name: str, scope: ScopeFigures) -> list[Any]:
        return [
            name, *(scope.reported(k) for k in Kind), *(scope.closed(k) for k in Kind),
            scope.verified, scope.unverified, scope.overdue, scope.households_visited,
            scope.people_served, *(scope.median(p) for p in Priority),
        ]

    def figures_rows(self) -> list[list[Any]]:
        figures = self.data.figures
        lang = self.lang
        rows: list[list[Any]] = [
            [t(lang, "export.period", start=figures.period.start.isoformat(),
               end=figures.period.end.isoformat())],
            self.figures_header(),
            self._scope_row(t(lang, "export.total"), figures.total),
            *(self._scope_row(self._grid(key), scope) for key, scope in figures.grids
              if self.data.grid_key in (None, key)),
            [],
            [self._col("role"), self._col("items"), self._col("first_response"),
             self._col("resolved"), self._col("verified_hours"), self._col("reopen_rate")],
        ]
        for role in figures.roles:
            rows.append([
                t(lang, f"role.{role.role.value}"), role.items,
                role.median_hours_to_first_response, role.median_hours_to_resolved,
                role.median_hours_to_verified, role.reopen_rate,
            ])
        rows += [[], [t(lang, "export.min_items", min=figures.min_items)]]
        return rows

    # ---------------------------------------------------------------- files

    def xlsx(self) -> bytes:
        book = Workbook(write_only=True)
        _fill(book.create_sheet(t(self.lang, "export.sheet_issues")), self.issue_header(),
              [self.issue_row(i) for i in self.data.issues])
        _fill(book.create_sheet(t(self.lang, "export.sheet_visits")), self.visit_header(),
              [self.visit_row(v) for v in self.data.visits])
        rows = self.figures_rows()
        _fill(book.create_sheet(t(self.lang, "export.sheet_figures")), rows[0], rows[1:],
              freeze=False)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def csv(self) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(self.issue_header())
        for issue in self.data.issues:
            writer.writerow([_csv_cell(v) for v in self.issue_row(issue)])
        return out.getvalue().encode("utf-8-sig")

    def open311(self) -> bytes:
        """GeoReport v2 service requests, as ``GET requests.json`` answers them."""
        requests = [self._request(issue) for issue in self.data.issues]
        return json.dumps(requests, ensure_ascii=False, indent=1).encode("utf-8")

    def _request(self, issue: ExportIssue) -> dict[str, Any]:
        tz = self.config.tz
        done = issue.status in ("closed", "rejected")
        address = self._grid(issue.grid_key)
        if issue.building:
            address += " " + self._place(issue.building, issue.unit)
        return {
            "service_request_id": str(issue.id),
            "status": "closed" if done else "open",
            "status_notes": issue.reject_reason,
            "service_code": issue.category,
            "service_name": self._category(issue.category),
            "description": issue.text,
            "agency_responsible": issue.department,
            "requested_datetime": parse_iso(issue.created_at).astimezone(tz).isoformat(
                timespec="seconds"),
            "updated_datetime": parse_iso(issue.updated_at).astimezone(tz).isoformat(
                timespec="seconds"),
            "address": address,
            "lat": issue.latitude,
            "long": issue.longitude,
            "media_url": None,
        }


def _clean(value: Any) -> Any:
    """Text a worksheet can hold: control characters (other than tab and newline) dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _fill(sheet: Any, header: Sequence[Any], rows: Sequence[Sequence[Any]],
          *, freeze: bool = True) -> None:
    """Write a sheet in openpyxl's write-only mode: rows stream out as they come (the normal
    mode looked up the last row over every cell for each row appended, so a month of a
    district took minutes). Widths and the frozen header must be set before the first row."""
    widths = [len(str(v)) for v in header]
    for row in rows:
        widths += [0] * (len(row) - len(widths))
        for i, value in enumerate(row):
            widths[i] = max(widths[i], min(len(str(value or "")), 40))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(8, width * 1.6 + 2)
    if freeze:
        sheet.freeze_panes = "A2"
    sheet.append([_clean(v) for v in header])
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])


def _cell(sheet: Any, value: Any) -> Any:
    """A text cell is text even when it starts with "=" (never a formula); a moment gets
    the date format."""
    value = _clean(value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    return value
