"""The /stats text on its own: grids where nothing happened are counted, not listed; a
district with many active grids gets the totals (its grids are in /export); names are
escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.figures import IssueFacts, Period, compute
from bot.domain.model import Kind, Priority, Role, Status
from bot.views.stats import as_plain, stats_text

TZ = ZoneInfo("Asia/Shanghai")
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))


def reported(grid: str) -> IssueFacts:
    return IssueFacts(grid, Kind.WISH, Priority.NORMAL, Status.OPEN, None, Role.GRID,
                      datetime(2026, 3, 1, tzinfo=UTC), None, None, None, None, False)


def test_quiet_grids_are_counted_and_names_escaped() -> None:
    figures = compute(YEAR, TZ, datetime(2026, 11, 1, tzinfo=UTC), ["a", "b", "c"],
                      [reported("a")], [], min_items=5)
    text = "\n".join(stats_text("zh", figures, {"a": "<一网格>", "b": "二", "c": "三"}))
    assert "【&lt;一网格&gt;】" in text
    assert "另有 2 个网格本期没有事件和走访。" in text
    assert "微心愿：上报 1，办结 0" in as_plain(text)
    assert all(len(chunk) <= 4096 for chunk in stats_text("zh", figures, {}))


def test_many_active_grids_get_the_totals_only() -> None:
    keys = [f"g{n}" for n in range(40)]
    figures = compute(YEAR, TZ, datetime(2026, 11, 1, tzinfo=UTC), keys,
                      [reported(k) for k in keys], [], min_items=5)
    chunks = stats_text("en", figures, {})
    text = "\n".join(chunks)
    assert "40 grids have figures in the period: /export" in text
    assert "Wishes: reported 40, closed 0" in text
    assert "[g1]" not in text
    assert len(chunks) == 1
    every = "\n".join(stats_text("en", figures, {}, grid_limit=40))
    assert "[g1]" in every and "[g39]" in every
