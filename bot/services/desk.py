"""The coordinators' desk (issue #12): sign-in, the issues table, an issue's page, its
actions, the figures, building maps and exports, with the chat's rules on who sees what.

Coordinators see every grid; a head sees the grids they head; anyone else has no desk. Every
action goes through the same service as the card's buttons and the commands
(``IssueService.act``/``fix``, ``DepartmentService.refer``, ``AgendaService.decide``), so the
rights are the chat's and the card in the group is edited through the outbox.

The web layer (``bot.web``) knows HTTP; this module knows the rules and speaks in domain
values and :class:`UserError`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

from bot.clock import Clock, iso
from bot.config import Config
from bot.domain.figures import Figures, Period, make_period
from bot.domain.issue import Issue
from bot.domain.lifecycle import Action
from bot.domain.model import Category, Kind, Place, Priority, Status
from bot.domain.routing import Head
from bot.errors import UserError
from bot.services.agenda import AgendaService
from bot.services.departments import DepartmentService
from bot.services.export import ExportService, Format, file_name
from bot.services.issues import IssueService
from bot.services.roster import RosterService
from bot.services.stats import StatsService
from bot.views.building_map import BuildingMap, building_map
from storage import desk as stored
from storage import issues as issue_rows
from storage import meta, web
from storage.db import Store
from storage.issues import EventRow, MediaRow

# A /desk sign-in link is good this long, once.
LINK_MINUTES = 10
PAGE_SIZE = 25


class SignInRefused(Exception):
    """A sign-in that must not succeed; ``reason`` is for the log, never for the browser."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Viewer:
    """Someone signed in to the desk: a coordinator (every grid) or a head (their grids)."""

    user_id: int
    coordinator: bool
    grid_keys: tuple[str, ...]

    def sees(self, grid_key: str) -> bool:
        return self.coordinator or grid_key in self.grid_keys


@dataclass(frozen=True)
class DeskQuery:
    """The table's filters as the browser sent them, already read into values."""

    grid: str | None = None
    status: Status | None = None
    kind: Kind | None = None
    category: str | None = None
    priority: Priority | None = None
    overdue: bool = False
    unresolved: bool = False
    assignee: int | None = None
    department: str | None = None
    building: str | None = None
    unit: str | None = None
    created_from: date | None = None
    created_to: date | None = None  # included
    text: str | None = None


@dataclass(frozen=True)
class IssuePage:
    items: list[Issue]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class IssueDetail:
    issue: Issue
    grid_name: str
    events: list[EventRow]
    media: list[MediaRow]
    heads: list[Head]
    names: dict[int, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- initData


def check_init_data(raw: str, token: str, now: datetime, max_age: int) -> tuple[int, str]:
    """A Mini App's ``initData`` checked as Telegram documents it: the secret key is
    HMAC-SHA256 of the bot token keyed with "WebAppData"; the hash is the hex HMAC-SHA256,
    under that key, of the other fields as sorted ``key=value`` lines; ``auth_date`` must
    be at most ``max_age`` seconds old. Returns the user id and the hash."""
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise SignInRefused("initData is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise SignInRefused("initData repeats a field")
    given = fields.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    wanted = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(wanted, given.lower()):
        raise SignInRefused("initData signature does not match")
    try:
        signed = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise SignInRefused("initData lacks auth_date or user") from None
    age = (now - signed).total_seconds()
    if age > max_age or age < -60:
        raise SignInRefused("initData is too old")
    return user_id, wanted


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeskService:
    def __init__(
        self, config: Config, store: Store, clock: Clock, roster: RosterService,
        issues: IssueService, departments: DepartmentService, agenda: AgendaService,
        stats: StatsService, export: ExportService,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.roster = roster
        self.issues = issues
        self.departments = departments
        self.agenda = agenda
        self.stats = stats
        self.export = export

    @property
    def enabled(self) -> bool:
        return self.config.web_public_url is not None

    # ------------------------------------------------------------------ who

    async def viewer(self, user_id: int) -> Viewer | None:
        """The desk a person has: None for anyone who is no head and no coordinator."""
        if self.roster.is_coordinator(user_id):
            return Viewer(user_id, True, tuple(g.key for g in await self.roster.all_grids()))
        keys: list[str] = []
        for grid in await self.roster.all_grids():
            if await self.roster.roles_in(grid.key, user_id):
                keys.append(grid.key)
        if not keys:
            return None
        return Viewer(user_id, False, tuple(keys))

    async def require_viewer(self, user_id: int) -> Viewer:
        found = await self.viewer(user_id)
        if found is None:
            raise UserError("perm.not_head")
        return found

    # ------------------------------------------------------------------ sign-in

    async def session_secret(self) -> bytes:
        """The key session cookies are signed with: the database's own secret, mixed with
        the bot token (a copy of either alone cannot forge a session)."""
        stored_secret = await web.secret(self.store)
        return hmac.new(stored_secret.encode(), b"desk-session:" + self.config.token.reveal()
                        .encode(), hashlib.sha256).digest()

    async def new_link(self, user_id: int) -> str:
        """``/desk``: a one-time sign-in link, good for ``LINK_MINUTES``. Heads and
        coordinators only; only the token's hash is stored."""
        if not self.enabled:
            raise UserError("desk.off")
        await self.require_viewer(user_id)
        token = secrets.token_urlsafe(24)
        now = self.clock.now()
        await web.add_login(self.store, _digest(token), user_id, iso(now),
                            iso(now + timedelta(minutes=LINK_MINUTES)))
        return f"{self.config.web_public_url}/login/{token}"

    async def sign_in_link(self, token: str) -> Viewer:
        user_id = await web.use_login(self.store, _digest(token), iso(self.clock.now()))
        if user_id is None:
            raise SignInRefused("unknown, used or expired link")
        return await self._signed_in(user_id)

    async def sign_in_initdata(self, raw: str) -> Viewer:
        now = self.clock.now()
        max_age = self.config.web_initdata_max_age
        user_id, data_hash = check_init_data(raw, self.config.token.reveal(), now, max_age)
        fresh = await web.use_initdata(self.store, data_hash, user_id, iso(now),
                                       iso(now - timedelta(seconds=max_age + 120)))
        if not fresh:
            raise SignInRefused("initData used before")
        return await self._signed_in(user_id)

    async def _signed_in(self, user_id: int) -> Viewer:
        found = await self.viewer(user_id)
        if found is None:
            raise SignInRefused("neither head nor coordinator")
        return found

    async def menu_users(self) -> list[int]:
        """Who gets the chat menu button that opens the desk: coordinators and heads who
        have started the bot (a bot cannot touch a private chat never opened)."""
        users = set(self.config.coordinators)
        for grid in await self.roster.all_grids():
            users.update(h.user_id for h in await self.roster.heads(grid.key))
        return [u for u in sorted(users) if await self.roster.started_bot(u)]

    async def menu_remembered(self, key: str) -> str | None:
        return await meta.get(self.store, key)

    async def remember_menu(self, key: str, url: str) -> None:
        await meta.put(self.store, key, url)

    # ------------------------------------------------------------------ reading

    async def grid_names(self, viewer: Viewer) -> dict[str, str]:
        return {g.key: g.name for g in await self.roster.all_grids() if viewer.sees(g.key)}

    def _local_start(self, day: date) -> str:
        return iso(datetime.combine(day, datetime.min.time(), self.config.tz))

    async def issues_page(self, viewer: Viewer, query: DeskQuery, page: int) -> IssuePage:
        grids: tuple[str, ...] | None = None if viewer.coordinator else viewer.grid_keys
        if query.grid is not None:
            grids = (query.grid,) if viewer.sees(query.grid) else ()
        f = stored.IssueFilter(
            grid_keys=grids, status=query.status, unresolved=query.unresolved,
            kind=query.kind, category=query.category, priority=query.priority,
            overdue=query.overdue, assignee_user_id=query.assignee,
            department=query.department, building=query.building, unit=query.unit,
            created_from=(self._local_start(query.created_from)
                          if query.created_from else None),
            created_to=(self._local_start(query.created_to + timedelta(days=1))
                        if query.created_to else None),
            text=query.text,
        )
        page = max(page, 1)
        items, total = await stored.list_issues(
            self.store, f, iso(self.clock.now()), limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        return IssuePage(items, total, page, max(1, -(-total // PAGE_SIZE)))

    async def visible(self, viewer: Viewer, issue_id: int) -> Issue:
        """The issue, if this viewer may see it; otherwise the same "does not exist" whether
        or not the number is used (as /show)."""
        row = await issue_rows.get(self.store, issue_id)
        if row is None or not viewer.sees(row.grid_key):
            raise UserError("issue.not_found", number=issue_id)
        return row

    async def detail(self, viewer: Viewer, issue_id: int) -> IssueDetail:
        row = await self.visible(viewer, issue_id)
        grid = await self.roster.grid(row.grid_key)
        events = await self.issues.history(issue_id)
        heads = await self.roster.heads(row.grid_key)
        names = {h.user_id: h.name for h in heads}
        for user in {e.actor_user_id for e in events} | {row.assignee_user_id}:
            if user is not None and user not in names:
                names[user] = await self.roster.name_of(row.grid_key, user)
        if row.by_resident and row.reporter_user_id is not None:
            names.pop(row.reporter_user_id, None)  # a resident's identity stays off the desk
        media = [m for m in await issue_rows.media_of(self.store, issue_id)
                 if m.status != "rejected"]
        return IssueDetail(row, grid.name if grid else row.grid_key, events, media, heads,
                           names)

    async def media_file(self, viewer: Viewer, issue_id: int, media_id: int) -> tuple[Path, str]:
        """Our stored copy of a photo or voice of an issue this viewer may see."""
        await self.visible(viewer, issue_id)
        for m in await issue_rows.media_of(self.store, issue_id):
            if m.id == media_id and m.path and m.status != "rejected":
                found = await asyncio.to_thread(_under, Path(self.config.media_dir), m.path)
                if found is not None:
                    return found, m.kind
        raise UserError("issue.not_found", number=issue_id)

    def categories(self) -> tuple[Category, ...]:
        return self.config.categories

    # ------------------------------------------------------------------ acting

    async def assign(self, viewer: Viewer, issue_id: int, target: int) -> Issue:
        await self.visible(viewer, issue_id)
        return await self.issues.act(issue_id, Action.ASSIGN, viewer.user_id, target=target)

    async def close(self, viewer: Viewer, issue_id: int) -> Issue:
        await self.visible(viewer, issue_id)
        return await self.issues.act(issue_id, Action.CLOSE, viewer.user_id)

    async def refer(self, viewer: Viewer, issue_id: int, department: str,
                    note: str | None) -> None:
        await self.visible(viewer, issue_id)
        await self.departments.refer(issue_id, department, viewer.user_id, note=note or None)

    async def fix(self, viewer: Viewer, issue_id: int, *, category: str | None,
                  place: Place | None, priority: Priority | None) -> Issue:
        await self.visible(viewer, issue_id)
        return await self.issues.fix(issue_id, viewer.user_id, category=category, place=place,
                                     priority=priority)

    async def decide(self, viewer: Viewer, issue_id: int, text: str) -> None:
        await self.visible(viewer, issue_id)
        await self.agenda.decide(issue_id, viewer.user_id, text)

    # ------------------------------------------------------------------ figures

    def period(self, start: date | None, end: date | None) -> Period:
        return make_period(start, end, self.stats.today())

    async def figures(self, viewer: Viewer, period: Period) -> Figures:
        """The /stats figures: coordinators only, as in the chat."""
        self.roster.require_coordinator(viewer.user_id)
        return await self.stats.figures(period)

    async def chart(self, viewer: Viewer, period: Period, language: str) -> bytes:
        figures = await self.figures(viewer, period)
        return await self.stats.chart(figures, language)

    async def export_file(self, viewer: Viewer, period: Period, fmt: Format,
                          language: str) -> tuple[str, bytes]:
        """An export of the period (coordinators only, as /export): its name and bytes."""
        self.roster.require_coordinator(viewer.user_id)
        return file_name(period, fmt), await self.export.build(period, fmt, language)

    async def building_map(self, viewer: Viewer, grid_key: str) -> BuildingMap:
        """The grid's map: every building and unit it knows, with its unresolved and
        overdue items (``bot.views.building_map``); heads see their own grids only."""
        if not viewer.sees(grid_key) or await self.roster.grid(grid_key) is None:
            raise UserError("grid.unknown", key=grid_key[:32])
        counts = await stored.open_counts_by_place(self.store, grid_key, iso(self.clock.now()))
        return building_map(counts, await stored.known_places(self.store, grid_key))


def _under(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names under ``root``, if it is there and does not leave it."""
    base = root.resolve()
    path = (base / relative).resolve()
    return path if base in path.parents and path.is_file() else None


def chosen(values: Sequence[str], value: str | None) -> str | None:
    """A form value only if it is one of ``values`` (anything else filters nothing)."""
    return value if value in values else None


__all__ = [
    "PAGE_SIZE", "DeskQuery", "DeskService", "Format", "IssueDetail", "IssuePage",
    "SignInRefused", "Viewer", "check_init_data", "chosen",
]
