"""Home visits (走访): a head logs one with /visit; /visits lists them; the figures count
households visited and people served."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.domain.figures import Period
from bot.domain.model import Place
from bot.domain.visits import VisitArgs
from bot.errors import UserError
from bot.services.roster import RosterService
from storage import people, visits
from storage.db import Store
from storage.grids import GridRow

# /visits shows the latest this many; the totals count them all, /export has every one.
LIST_LIMIT = 100


@dataclass(frozen=True)
class Logged:
    grid_name: str
    place: Place
    households: int
    people: int
    new: bool  # False when this message had already logged it (a redelivered update)


@dataclass(frozen=True)
class VisitList:
    grid_keys: list[str] | None  # the grids the head heads; None: every grid (a coordinator)
    grid_names: dict[str, str]
    rows: list[visits.VisitRow]
    totals: tuple[int, int, int]  # visits, households, people in the whole period


class VisitService:
    def __init__(self, config: Config, store: Store, clock: Clock, roster: RosterService) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.roster = roster

    async def _head_grids(self, user_id: int) -> list[str]:
        return list(dict.fromkeys(r.grid_key for r in await people.roles_of_user(
            self.store, user_id)))

    async def grid_for(self, user_id: int, chat_id: int, *, private: bool) -> GridRow:
        """The grid a visit is logged in: the group's, where the sender is one of its heads;
        in a private chat, the one grid the sender heads."""
        if private:
            keys = await self._head_grids(user_id)
            if not keys:
                raise UserError("visit.heads_only")
            if len(keys) > 1:
                raise UserError("visit.which_grid")
            grid = await self.roster.grid(keys[0])
            if grid is None:  # a role in a grid that is gone: nothing to log into
                raise UserError("visit.heads_only")
            return grid
        grid = await self.roster.grid_of_chat(chat_id)
        if grid is None:
            raise UserError("visit.unbound")
        if not await self.roster.roles_in(grid.key, user_id):
            raise UserError("visit.heads_only")
        return grid

    async def log(
        self, grid: GridRow, user_id: int, chat_id: int, message_id: int, asked: VisitArgs,
    ) -> Logged:
        """Log a visit in ``grid`` (from ``grid_for``, asked before the arguments are read,
        so someone without the right hears that, whatever they typed)."""
        async with self.store.transaction() as conn:
            new = await visits.insert_in(
                conn, grid_key=grid.key, building=asked.place.building, unit=asked.place.unit,
                households=asked.households, people=asked.people, note=asked.note,
                user_id=user_id, at=iso(self.clock.now()), chat_id=chat_id,
                message_id=message_id,
            )
        return Logged(grid.name, asked.place, asked.households, asked.people, new)

    async def listed(self, user_id: int, period: Period) -> VisitList:
        """Coordinators see every grid's visits, heads those of the grids they head."""
        keys: list[str] | None = None
        if not self.roster.is_coordinator(user_id):
            keys = await self._head_grids(user_id)
            if not keys:
                raise UserError("perm.not_head")
        first, after = period.bounds(self.config.tz)
        start, end = iso(first), iso(after)
        rows = await visits.between(self.store, start, end, keys, limit=LIST_LIMIT)
        totals = await visits.totals(self.store, start, end, keys)
        names = {g.key: g.name for g in await self.roster.all_grids()}
        return VisitList(keys, names, rows, totals)

    def local_day(self, stamp: str) -> str:
        return parse_iso(stamp).astimezone(self.config.tz).date().isoformat()
