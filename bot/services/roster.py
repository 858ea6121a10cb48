"""Who is who: grids from config and /bind, the five heads of each grid, coordinators."""

from __future__ import annotations

from bot.clock import Clock, iso
from bot.config import Config
from bot.domain.model import Place, Role
from bot.domain.routing import Head
from bot.errors import UserError
from storage import grids, people
from storage.db import Store
from storage.grids import GridRow
from storage.people import RoleRow


def _place_of(row: RoleRow) -> Place:
    return Place(row.building, row.unit)


class RosterService:
    def __init__(self, config: Config, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        # What was last written per person, so an unchanged person costs no write.
        self._known: dict[int, tuple[str, str | None, str | None]] = {}

    async def apply_config(self) -> None:
        """Grids and heads in the file are applied at every start (SPEC §7)."""
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            for grid in self.config.grids:
                await grids.upsert_from_config(conn, grid.key, grid.name, grid.chat_id, now)
                rows = [
                    RoleRow(h.user_id, h.role, grid.key, h.place.building, h.place.unit, h.name)
                    for h in grid.heads
                ]
                await people.replace_config_roles(conn, grid.key, rows)

    def is_coordinator(self, user_id: int) -> bool:
        return user_id in self.config.coordinators

    # Permissions in one place: every handler and service asks these, none checks roles
    # inline, so a rule changes in one spot and every command and button follows.

    def require_coordinator(self, user_id: int) -> None:
        if not self.is_coordinator(user_id):
            raise UserError("perm.coordinator_only")

    async def require_head(self, grid_key: str, user_id: int) -> frozenset[Role]:
        """A head of this grid (their roles there) or a coordinator (no roles)."""
        roles = await self.roles_in(grid_key, user_id)
        if not roles and not self.is_coordinator(user_id):
            raise UserError("perm.not_head")
        return roles

    async def is_staff(self, user_id: int) -> bool:
        """A head of some grid or a coordinator: the people who work the issues."""
        return self.is_coordinator(user_id) or await self.is_head_anywhere(user_id)

    async def require_staff(self, user_id: int) -> None:
        if not await self.is_staff(user_id):
            raise UserError("perm.not_head")

    async def grid_of_chat(self, chat_id: int) -> GridRow | None:
        return await grids.by_chat(self.store, chat_id)

    async def grid(self, key: str) -> GridRow | None:
        return await grids.by_key(self.store, key)

    async def grid_named_or_here(self, key: str | None, chat_id: int, usage: str) -> GridRow:
        """The grid a command names, or else the one this group is bound to; ``usage`` is
        the answer when there is neither (a private chat, an unbound group)."""
        if key is not None:
            grid = await self.grid(key)
            if grid is None:
                raise UserError("grid.unknown", key=key)
            return grid
        here = await self.grid_of_chat(chat_id)
        if here is None:
            raise UserError(usage)
        return here

    async def all_grids(self) -> list[GridRow]:
        return await grids.all_grids(self.store)

    async def known_places(self, grid_key: str) -> list[tuple[str, str]]:
        """(building, unit) pairs the grid knows from its heads and live posters, in order."""
        return await grids.known_places(self.store, grid_key)

    async def heads(self, grid_key: str) -> list[Head]:
        return [
            Head(r.user_id, Role(r.role), r.name, _place_of(r))
            for r in await people.roles_in_grid(self.store, grid_key)
        ]

    async def roles_in(self, grid_key: str, user_id: int) -> frozenset[Role]:
        return frozenset(h.role for h in await self.heads(grid_key) if h.user_id == user_id)

    async def is_head_anywhere(self, user_id: int) -> bool:
        return bool(await people.roles_of_user(self.store, user_id))

    async def name_of(self, grid_key: str, user_id: int) -> str:
        for head in await self.heads(grid_key):
            if head.user_id == user_id:
                return head.name
        row = await self.store.fetchone("SELECT name FROM persons WHERE user_id = ?", (user_id,))
        return str(row["name"]) if row and row["name"] else str(user_id)

    async def bind(self, chat_id: int, key: str, name: str) -> None:
        async with self.store.transaction() as conn:
            await grids.bind(conn, key, name, chat_id, iso(self.clock.now()))

    async def seen(
        self, user_id: int, name: str, username: str | None, language: str | None,
        *, started_bot: bool = False,
    ) -> None:
        facts = (name, username, language)
        if not started_bot and self._known.get(user_id) == facts:
            return
        async with self.store.transaction() as conn:
            await people.touch_person(
                conn, user_id, name, username, language, iso(self.clock.now()),
                started_bot=started_bot,
            )
        self._known[user_id] = facts

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        async with self.store.transaction() as conn:
            await grids.migrate_chat(conn, old_chat_id, new_chat_id)

    async def chat_lost(self, chat_id: int) -> str | None:
        async with self.store.transaction() as conn:
            return await grids.deactivate_chat(conn, chat_id)
