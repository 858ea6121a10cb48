"""Benchmark 4, pacing: many cards to many groups with the emulator enforcing Telegram's flood
limits (30 messages a second overall, 20 a minute per group), plus a burst to one group.

Every card must arrive, none may be refused with 429, and the cards must go out nearly as
fast as the limits allow: the bot's own limiter, not Telegram's refusals, sets the pace.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bot.app import RateLimits, Runner, build_application
from bot.bench.common import TOKEN, Check, Figure, Section, Sizes, group_id, head_id, write_config
from bot.bench.intake import REPORTER_SEAT, TimedEmulator, report_text
from bot.clock import SystemClock
from bot.config import load_config
from bot.emulator import BotApiEmulator, FloodLimits

# How long past what the limits allow the cards may take before the missing ones count as
# lost (a failed check that says where they are), in seconds and as a multiple.
GRACE, SLACK = 30.0, 2.0
STOP = 60.0  # seconds: a bot that takes longer to stop is stuck


def allowed_seconds(counts: list[int], sizes: Sizes) -> float:
    """The least time Telegram's buckets allow for these cards per group: each bucket lets
    its capacity through at once and then drains at its rate."""
    overall = max(sum(counts) - sizes.overall_per_second, 0) / sizes.overall_per_second
    group_rate = sizes.group_max / sizes.group_period
    per_group = max((max(c - sizes.group_max, 0) / group_rate for c in counts), default=0.0)
    return max(overall, per_group)


async def _outbox_states(runner: Runner) -> str:
    """How many issues were stored and where the outbox's rows stand, by status and last
    error: what a missing card needs to be found."""
    store = runner.services.store
    issues = await store.fetchone("SELECT COUNT(*) FROM issues")
    rows = await store.fetchall(
        "SELECT status, COALESCE(last_error, '-'), COUNT(*) FROM outbox GROUP BY 1, 2"
    )
    states = ", ".join(f"{r[0]} ({r[1]}): {r[2]}" for r in rows) or "empty"
    return f"{issues[0] if issues else 0} issues stored; {states}"


def _cards(emu: BotApiEmulator, chats: set[int]) -> list[float]:
    """When each card reached a group (sendMessage answered 200), in order."""
    return sorted(c.at for c in emu.calls
                  if c.method == "sendMessage" and c.status == 200
                  and c.params.get("chat_id") in chats)


async def run(sizes: Sizes, workdir: Path | None = None) -> Section:
    cards, groups, burst = sizes.pacing_cards, sizes.pacing_groups, sizes.pacing_burst
    section = Section(
        f"4. pacing: {cards:,} cards to {groups} groups and a burst of {burst} to one group, "
        f"under {sizes.overall_per_second:.0f} msg/s overall and "
        f"{sizes.group_max:.0f} per {sizes.group_period:.0f} s per group"
    )
    limits = FloodLimits(sizes.overall_per_second, sizes.group_max, sizes.group_period)
    with tempfile.TemporaryDirectory(prefix="fiveheads-pacing-", dir=workdir) as tmp:
        async with TimedEmulator(token=TOKEN, flood=limits) as emu:
            burst_grid = groups  # one more grid, for the burst alone
            for g in range(groups + 1):
                emu.add_group(group_id(g), f"第{g + 1}网格工作群")
                emu.add_user(head_id(g, REPORTER_SEAT), f"楼长{g + 1}")
            config = load_config(
                write_config(Path(tmp), emu.api_base_url, emu.file_base_url, groups + 1),
                environ={},
            )
            runner = Runner(build_application(
                config, clock=SystemClock(),
                limits=RateLimits(overall_max=sizes.overall_per_second, overall_period=1,
                                  group_max=sizes.group_max, group_period=sizes.group_period),
            ))
            await runner.start()
            main_chats = {group_id(g) for g in range(groups)}
            burst_chat = {group_id(burst_grid)}
            try:
                before = emu.flood_violations
                for i in range(cards):
                    g = i % groups
                    emu.send_text(group_id(g), head_id(g, REPORTER_SEAT),
                                  f"{report_text(i)} ({i})")
                for i in range(burst):
                    emu.send_text(group_id(burst_grid), head_id(burst_grid, REPORTER_SEAT),
                                  f"{report_text(i)} (burst {i})")
                counts = [cards // groups + (1 if g < cards % groups else 0)
                          for g in range(groups)] + [burst]
                deadline = time.monotonic() + GRACE + SLACK * allowed_seconds(counts, sizes)
                while len(_cards(emu, main_chats | burst_chat)) < cards + burst:
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.1)
                refused = emu.flood_violations - before
                outbox = await _outbox_states(runner)
            finally:
                async with asyncio.timeout(STOP):
                    await runner.stop()
            start = min(emu.served.values())
            main_at = _cards(emu, main_chats)
            burst_at = _cards(emu, burst_chat)
    delivered = len(main_at) + len(burst_at)
    last = max(main_at + burst_at)
    allowed = (cards + burst) / max(allowed_seconds(counts, sizes), 1e-9)
    achieved = delivered / max(last - start, 1e-9)
    section.figures.append(Figure(
        "cards delivered/s", achieved, "/s", "what the limits allow", allowed, target=0.9,
    ))
    spread = (burst_at[-1] - burst_at[0]) if burst_at else 0.0
    needed = max(burst - sizes.group_max, 0) * sizes.group_period / sizes.group_max
    section.figures.append(Figure(
        f"burst of {burst} to one group: first to last card", spread, "s",
        "least the group limit allows", needed,
    ))
    section.checks += [
        Check("no 429 from the emulator's flood control", refused == 0, f"{refused} refused"),
        Check("every card delivered", delivered == cards + burst,
              f"{delivered:,} of {cards + burst:,}"
              + ("" if delivered == cards + burst else f"; the outbox: {outbox}")),
        Check("the burst is spread, not dropped",
              len(burst_at) == burst and spread >= 0.8 * needed,
              f"{len(burst_at)} of {burst} over {spread:.1f} s"),
    ]
    return section
