"""The community figures (/stats, ``fiveheads stats``): count a period in SQL
(``storage.figures``), apply the rules (``bot.domain.figures``), draw the chart off the
event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

from bot import charts
from bot.clock import Clock, iso
from bot.config import Config
from bot.domain.figures import (
    Figures,
    Period,
    chart_bars,
    figures_of,
    month_bounds,
    period_args,
)
from bot.i18n import t
from bot.services.roster import RosterService
from bot.services.uploads import send_file
from bot.views.stats import chart_words
from storage import figures as stored
from storage.db import Store


class StatsService:
    def __init__(self, config: Config, store: Store, clock: Clock, roster: RosterService) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.roster = roster

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.tz).date()

    def period(self, args: Sequence[str], usage: str) -> Period:
        """``[FROM] [TO]`` as typed; default this calendar year in the community's zone."""
        return period_args(args, self.today(), usage)

    async def grid_names(self) -> dict[str, str]:
        """Every grid: those in the database (bound by command too), then any in the file
        not written there yet (the command line may run before the bot ever did)."""
        names = {g.key: g.name for g in await self.roster.all_grids()}
        for grid in self.config.grids:
            names.setdefault(grid.key, grid.name)
        return names

    async def figures(self, period: Period) -> Figures:
        tz = self.config.tz
        first, after = period.bounds(tz)
        counted = await stored.tally(self.store, iso(first), iso(after), iso(self.clock.now()),
                                     month_bounds(period, tz))
        return figures_of(period, list(await self.grid_names()), counted,
                          min_items=self.config.stats_min_items)

    async def chart(self, figures: Figures, language: str) -> bytes:
        """The PNG of closed items per kind per month, drawn in a worker thread."""
        labels, title, y_label = chart_words(language, figures)
        return await asyncio.to_thread(charts.closed_by_month, chart_bars(figures.months),
                                       labels, title, y_label)

    async def send_chart(
        self, chat_id: int, png: bytes, language: str, figures: Figures, *, folder: str,
        dedup_key: str, reply_to: int | None = None, thread_id: int | None = None,
    ) -> None:
        period = figures.period
        caption = t(language, "stats.chart_caption", start=period.start.isoformat(),
                    end=period.end.isoformat())
        name = f"stats-{period.start.isoformat()}-{period.end.isoformat()}.png"
        await send_file(self.config, self.store, self.clock, chat_id, photo=True, name=name,
                        folder=folder, data=png, caption=caption, dedup_key=dedup_key,
                        reply_to=reply_to, thread_id=thread_id)
