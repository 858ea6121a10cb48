"""What the services that work on issues share: config, storage, the clock, the roster and
the issue service itself (one constructor instead of one per service)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Config
from bot.services.roster import RosterService
from storage.db import Store

if TYPE_CHECKING:
    from bot.services.issues import IssueService


class IssueWork:
    def __init__(
        self, config: Config, store: Store, clock: Clock, roster: RosterService,
        issues_service: IssueService,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.roster = roster
        self.issues = issues_service
