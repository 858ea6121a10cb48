"""The services one bot process runs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.domain.model import Category
from bot.services import messages
from bot.services.agenda import AgendaService
from bot.services.departments import DepartmentService
from bot.services.desk import DeskService
from bot.services.escalation import EscalationService
from bot.services.export import ExportService
from bot.services.issues import IssueService
from bot.services.menus import MenuService
from bot.services.pending import PendingService
from bot.services.qr import QrService
from bot.services.residents import ResidentService
from bot.services.retention import RetentionService
from bot.services.roster import RosterService
from bot.services.stats import StatsService
from bot.services.visits import VisitService
from bot.views import alerts
from storage import meta
from storage.db import Store

# Restarts and deploys take seconds; anything longer than this is worth a word.
DOWNTIME_WORTH_TELLING = timedelta(minutes=5)


@dataclass
class Services:
    config: Config
    clock: Clock
    store: Store
    roster: RosterService
    issues: IssueService
    residents: ResidentService
    categories: tuple[Category, ...]
    qr: QrService
    escalation: EscalationService
    agenda: AgendaService
    pending: PendingService
    departments: DepartmentService
    retention: RetentionService
    stats: StatsService
    visits: VisitService
    export: ExportService
    menus: MenuService
    # The coordinators' desk (bot.web), off unless [web] public_url is set.
    desk: DeskService
    # Updates whose handler failed unexpectedly, so the inbox tries them again.
    failed_updates: set[int] = field(default_factory=set)

    @classmethod
    def create(cls, config: Config, clock: Clock) -> Services:
        store = Store(config.database)
        roster = RosterService(config, store, clock)
        issues = IssueService(config, store, clock, roster, config.categories)
        departments = DepartmentService(config, store, clock, roster, issues)
        agenda = AgendaService(config, store, clock, roster, issues)
        stats = StatsService(config, store, clock, roster)
        export = ExportService(config, store, clock, roster)
        return cls(
            config=config, clock=clock, store=store, roster=roster, issues=issues,
            residents=ResidentService(config, store, clock, roster, issues),
            categories=config.categories, qr=QrService(config, store, clock),
            escalation=EscalationService(config, store, clock, roster, issues),
            agenda=agenda,
            pending=PendingService(config, store, clock, roster, issues),
            departments=departments,
            retention=RetentionService(config, store, clock),
            stats=stats,
            visits=VisitService(config, store, clock, roster),
            export=export,
            menus=MenuService(config, store, roster, issues.notices),
            desk=DeskService(config, store, clock, roster, issues, departments, agenda, stats,
                             export),
        )

    async def initialize(self) -> None:
        await self.store.open()
        await self.roster.apply_config()
        # A group the config file binds now may have reports that waited for a grid.
        await self.pending.file_bound()

    async def heartbeat(self) -> None:
        """Note that the bot is alive, so a restart can tell how long it was down."""
        await meta.put(self.store, "alive_at", iso(self.clock.now()))

    async def report_downtime(self) -> timedelta | None:
        """At start-up: if the bot was gone for more than a few minutes, coordinators are
        told for how long (Telegram keeps updates for about a day)."""
        last = await meta.get(self.store, "alive_at")
        await self.heartbeat()
        if last is None:
            return None
        gone = self.clock.now() - parse_iso(last)
        if gone < DOWNTIME_WORTH_TELLING:
            return None
        stamp = iso(self.clock.now())
        for coordinator in self.config.coordinators:
            await messages.say(
                self.store, self.clock, coordinator,
                alerts.downtime(self.config.language, gone),
                dedup_key=f"downtime:{stamp}:{coordinator}",
            )
        return gone

    async def chat_lost(self, chat_id: int) -> None:
        """The bot was removed from a group: mark the binding inactive, tell coordinators."""
        key = await self.roster.chat_lost(chat_id)
        if key is None:
            return
        stamp = iso(self.clock.now())
        for coordinator in self.config.coordinators:
            await messages.say(
                self.store, self.clock, coordinator,
                alerts.chat_lost(self.config.language, key),
                dedup_key=f"lost:{chat_id}:{stamp}:{coordinator}",
            )

    async def update_unreadable(self, update_id: int) -> None:
        """An update the library could not read was set aside: coordinators hear of it (the
        rest of the inbox went on), so a lost report can be asked for again."""
        for coordinator in self.config.coordinators:
            await messages.say(
                self.store, self.clock, coordinator,
                alerts.update_unreadable(self.config.language, update_id),
                dedup_key=f"unreadable:{update_id}:{coordinator}",
            )

    async def media_not_stored(self, issue_id: int, error: str) -> None:
        """Photos cannot be written under media_dir: coordinators hear of it once per spell
        (the fetcher keeps retrying; the operator must free space or fix permissions)."""
        stamp = iso(self.clock.now())
        for coordinator in self.config.coordinators:
            await messages.say(
                self.store, self.clock, coordinator,
                alerts.media_store_failed(self.config.language, issue_id, error),
                dedup_key=f"media-not-stored:{issue_id}:{stamp}:{coordinator}",
            )

    async def media_rejected(self, issue_id: int, message_id: int | None, key: str) -> None:
        """A photo that cannot be kept is said so under the report; the issue stands."""
        row = await self.issues.get(issue_id)
        if row.card_chat_id is None:
            return
        await messages.say(
            self.store, self.clock, row.card_chat_id,
            alerts.media_rejected(self.config.language, issue_id, key),
            dedup_key=f"media-rejected:{issue_id}:{message_id}:{key}",
            reply_to=message_id, thread_id=row.card_thread_id, issue_id=issue_id,
        )

    async def shutdown(self) -> None:
        await self.store.close()
