"""Who is who: grids from config and /bind, the five heads of each grid, coordinators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.domain.departments import Department, holding
from bot.domain.model import Place, Role
from bot.domain.roster import ROLE_ORDER, Slot, command_wins, config_entry
from bot.domain.routing import Head, route
from bot.errors import UserError
from bot.views.roster import RosterChange
from storage import grids, people, roster
from storage.db import Store
from storage.grids import GridRow
from storage.people import RoleRow
from storage.roster import Seat

K = TypeVar("K")
V = TypeVar("V")


def _place_of(row: RoleRow) -> Place:
    return Place(row.building, row.unit)


def _seat(grid_key: str, slot: Slot) -> Seat:
    return Seat(grid_key, slot.role.value, slot.place.building, slot.place.unit)


def _slot(seat: Seat) -> Slot:
    return Slot(Role(seat.role), Place(seat.building, seat.unit))


# One seat of a grid's roster as /roster lists it: the seat and who holds it (none: vacant).
Seated = tuple[Slot, tuple[Head, ...]]


class RosterService:
    def __init__(self, config: Config, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        # What was last written per person, so an unchanged person costs no write.
        self._known: dict[int, tuple[str, str | None, str | None]] = {}
        # Grids and heads as stored, read by every report and press: kept in memory until
        # a transaction changes the roster (or one is rolled back), see Store.cache_of.
        self._grid_of_chat: dict[int, GridRow | None] = {}
        self._grid_of_key: dict[str, GridRow | None] = {}
        self._heads: dict[str, tuple[Head, ...]] = {}
        # Bumped by every forget: a read that was under way meanwhile is not kept.
        self._generation = 0
        store.cache_of("roster", self._forget)

    def _forget(self) -> None:
        self._generation += 1
        self._grid_of_chat.clear()
        self._grid_of_key.clear()
        self._heads.clear()

    async def apply_config(self) -> None:
        """Grids and heads in the file are applied at every start (SPEC §7), except the
        seats a command changed since: those keep the command's holder until the file's
        entry for the seat changes (``bot.domain.roster``), when the file takes them back."""
        now = iso(self.clock.now())
        async with self.store.transaction() as conn:
            for grid in self.config.grids:
                await grids.upsert_from_config(conn, grid.key, grid.name, grid.chat_id, now)
                in_file = {Slot.of(h): h for h in grid.heads}
                kept: set[Slot] = set()
                for override in await roster.overrides_in(conn, grid.key):
                    slot = _slot(override.seat)
                    head = in_file.get(slot)
                    if command_wins(override.config_entry, config_entry(head)):
                        kept.add(slot)
                    else:
                        await roster.release_in(
                            conn, override.seat, head.user_id if head else None,
                            head.name if head else "", now,
                        )
                rows = [
                    RoleRow(h.user_id, h.role, grid.key, h.place.building, h.place.unit, h.name)
                    for h in grid.heads if Slot.of(h) not in kept
                ]
                await people.replace_config_roles(conn, grid.key, rows)

    # The roster in chat (/roster, /sethead): seats, vacancies, changes by command.

    async def set_head(
        self, grid_key: str, slot: Slot, user_id: int | None, name: str, by_user_id: int
    ) -> tuple[int, ...]:
        """Put a person in a seat (None: leave it vacant), logged with who and when; the
        seat then keeps this holder across restarts until the file's entry for it changes.
        Returns who held it before; ``roster.unchanged`` if that is what it already was."""
        seat = _seat(grid_key, slot)
        in_file = next((h for g in self.config.grids if g.key == grid_key for h in g.heads
                        if Slot.of(h) == slot), None)
        async with self.store.transaction() as conn:
            before = await roster.holders_in(conn, seat)
            if before == ([] if user_id is None else [user_id]):
                raise UserError("roster.unchanged")
            return await roster.fill_in(
                conn, seat, user_id, name, by_user_id=by_user_id,
                config_entry=config_entry(in_file), at=iso(self.clock.now()),
            )

    async def seats(self, grid_key: str) -> list[Seated]:
        """Every seat of the grid with its holders, vacancies included: the grid-wide
        roles always; building and unit heads for each building and unit the grid knows
        (from its heads, its posters, seats vacated by command), or one vacant line each
        when it knows none."""
        heads = await self.heads(grid_key)
        slots = {Slot.of(h) for h in heads}
        places = await self.known_places(grid_key)
        slots |= {Slot(Role.BUILDING, Place(b)) for b, _ in places}
        slots |= {Slot(Role.UNIT, Place(b, u)) for b, u in places if u}
        slots |= {_slot(o.seat) for o in await roster.overrides(self.store, grid_key)}
        slots |= {Slot(role) for role in (Role.COMMUNITY, Role.POLICE, Role.GRID)}
        for role in (Role.BUILDING, Role.UNIT):
            if not any(s.role is role for s in slots):
                slots.add(Slot(role))

        def order(slot: Slot) -> tuple[int, int, str, int, str]:
            b, u = slot.place.building, slot.place.unit
            return (ROLE_ORDER.index(slot.role), int(b) if b.isdigit() else 0, b,
                    int(u) if u.isdigit() else 0, u)

        return [(slot, tuple(h for h in heads if Slot.of(h) == slot))
                for slot in sorted(slots, key=order)]

    async def recent_changes(self, grid_key: str, limit: int = 10) -> list[RosterChange]:
        """The grid's latest roster changes, newest first, named for reading."""
        named = []
        for change in await roster.changes(self.store, grid_key, limit):
            at = parse_iso(change.at).astimezone(self.config.tz).strftime("%m-%d %H:%M")
            by = (await self.name_of(grid_key, change.by_user_id)
                  if change.by_user_id is not None else None)
            named.append(RosterChange(at, by, _slot(change.seat),
                                      change.name if change.user_id is not None else None))
        return named

    async def holder(self, grid_key: str, role: Role, place: Place) -> Head | None:
        """Who holds ``role`` for ``place`` in the grid (no fallback up the chain)."""
        chosen = route(role, place, await self.heads(grid_key))
        if chosen.head is None or chosen.fell_back or chosen.head.role is not role:
            return None
        return chosen.head

    async def user_by_username(self, username: str) -> int | None:
        return await people.by_username(self.store, username)

    async def started_bot(self, user_id: int) -> bool:
        return await people.started_bot(self.store, user_id)

    # Departments (转办): who acts for the department an issue is referred to.

    @property
    def departments(self) -> tuple[Department, ...]:
        return self.config.departments

    def department_of(self, stored: str | None) -> Department | None:
        """The department an issue's ``department`` names, if the config still has it."""
        return holding(self.config.departments, stored)

    def is_liaison(self, stored: str | None, user_id: int) -> bool:
        """Whether ``user_id`` acts for the department an issue is referred to."""
        department = self.department_of(stored)
        return department is not None and user_id in department.liaisons

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

    async def _remembered(
        self, cache: dict[K, V], key: K, read: Callable[[], Awaitable[V]]
    ) -> V:
        """``cache[key]``, read once; a read during which the roster changed is not kept."""
        if key in cache:
            return cache[key]
        generation = self._generation
        found = await read()
        if generation == self._generation:
            cache[key] = found
        return found

    async def grid_of_chat(self, chat_id: int) -> GridRow | None:
        return await self._remembered(
            self._grid_of_chat, chat_id, lambda: grids.by_chat(self.store, chat_id))

    async def grid(self, key: str) -> GridRow | None:
        return await self._remembered(
            self._grid_of_key, key, lambda: grids.by_key(self.store, key))

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
        async def read() -> tuple[Head, ...]:
            return tuple(Head(r.user_id, Role(r.role), r.name, _place_of(r))
                         for r in await people.roles_in_grid(self.store, grid_key))

        found: tuple[Head, ...] = await self._remembered(self._heads, grid_key, read)
        return list(found)

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
