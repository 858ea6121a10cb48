"""Who sees which command menu (setMyCommands per scope, issue #10).

Telegram shows a person the most specific menu that applies: every private chat gets the
residents' few commands and every group the heads' ones; a head's own private chat gets the
heads' menu, a coordinator's private chat theirs, and a coordinator in a bound group theirs.
A menu for one person is set in that person's language. What was set is remembered (by a
digest per scope), so a restart of a deployment with thousands of heads sends only what
changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from bot.config import Config
from bot.i18n import LANGUAGES
from bot.services.notices import ReporterNotices
from bot.services.roster import RosterService
from bot.views.help import command_menu
from storage import meta
from storage.db import Store


@dataclass(frozen=True)
class MenuScope:
    """One setMyCommands call: ``kind`` is ``private`` or ``groups`` (everyone there, once per
    language: ``language`` is the language_code, None for the default) or ``chat`` /
    ``member`` (one person, in their language)."""

    kind: str
    commands: tuple[tuple[str, str], ...]
    chat_id: int | None = None
    user_id: int | None = None
    language: str | None = None

    @property
    def key(self) -> str:
        return f"menu:{self.kind}:{self.chat_id}:{self.user_id}:{self.language}"

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.commands, ensure_ascii=False).encode()).hexdigest()


class MenuService:
    def __init__(self, config: Config, store: Store, roster: RosterService,
                 notices: ReporterNotices) -> None:
        self.config = config
        self.store = store
        self.roster = roster
        self.notices = notices

    async def scopes(self) -> list[MenuScope]:
        found: list[MenuScope] = []
        for lang in LANGUAGES:
            code = None if lang == self.config.language else lang
            found.append(MenuScope("private", tuple(command_menu(lang, "resident")),
                                   language=code))
            found.append(MenuScope("groups", tuple(command_menu(lang, "group")), language=code))
        coordinators = set(self.config.coordinators)
        heads: set[int] = set()
        groups: list[int] = []
        for grid in await self.roster.all_grids():
            heads.update(h.user_id for h in await self.roster.heads(grid.key))
            if grid.chat_id is not None and grid.active:
                groups.append(grid.chat_id)
        # A bot cannot set a menu in a private chat that was never opened: heads who have not
        # started the bot keep the general one until they do (and the next start sets it).
        for user in sorted(heads - coordinators):
            if await self.roster.started_bot(user):
                lang = await self.notices.language_of(user)
                found.append(MenuScope("chat", tuple(command_menu(lang, "head")), chat_id=user))
        for user in sorted(coordinators):
            lang = await self.notices.language_of(user)
            found.append(MenuScope("chat", tuple(command_menu(lang, "coordinator")),
                                   chat_id=user))
            for group in groups:
                found.append(MenuScope("member", tuple(command_menu(lang, "coordinator_group")),
                                       chat_id=group, user_id=user))
        return found

    async def changed(self, scope: MenuScope) -> bool:
        return await meta.get(self.store, scope.key) != scope.digest

    async def remember(self, scope: MenuScope) -> None:
        await meta.put(self.store, scope.key, scope.digest)
