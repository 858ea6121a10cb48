"""``fiveheads bench``: how fast fiveheads is on this machine, each figure printed beside a
reference measured in the same run, with the ratio and the target of issue #11.

1. ``intake``: text reports through the real Application and the emulator, beside a bare
   python-telegram-bot bot; the storage path alone beside bare aiosqlite.
2. ``photos``: reports with 12-megapixel JPEGs to a real bot process, beside Pillow alone.
3. ``scale``: a generated district of 1,000 grids and a million issues: the commands'
   p50/p99, start-up, database size, peak memory.
4. ``pacing``: cards to many groups under Telegram's flood limits: no 429, the rate.

An operator runs it to size a server; it is not part of the test suite (a smoke test runs
each piece tiny). ``--quick`` takes a tenth of every size.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.bench.common import Section, Sizes, within

PARTS = ("intake", "photos", "scale", "pacing")


def machine() -> str:
    """One line about where the figures were measured."""
    model = platform.processor() or platform.machine()
    # Where /proc is missing or unreadable the heading just says less about the machine.
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        model = next((line.split(":", 1)[1].strip() for line in info
                      if line.startswith("model name")), model)
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError), \
            open("/proc/meminfo", encoding="ascii") as info:
        memory = f", {int(info.readline().split()[1]) / 1024 / 1024:.0f} GB RAM"
    import sqlite3

    return (f"{os.cpu_count()} cores ({model}){memory}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}")


def bound(part: str, sizes: Sizes) -> float:
    """Seconds after which a benchmark is stuck rather than slow: many times what a slow
    machine needs, so only a hang meets it."""
    from bot.bench.pacing import allowed_seconds

    if part == "intake":
        return 120 + sizes.intake_reports / 10
    if part == "photos":
        return 120 + sizes.photos * 3
    if part == "scale":
        return 600 + sizes.scale_issues / 200
    groups = max(sizes.pacing_groups, 1)
    counts = [sizes.pacing_cards // groups + 1] * groups + [sizes.pacing_burst]
    return 120 + 4 * allowed_seconds(counts, sizes)


async def run_part(part: str, sizes: Sizes, workdir: Path, *, isolate: bool = True) -> Section:
    """One benchmark, bounded in time; ``isolate`` runs the scale timings in a process of
    their own."""
    from bot.bench import intake, pacing, photos, scale

    runs = {
        "intake": lambda: intake.run(sizes, workdir),
        "photos": lambda: photos.run(sizes, workdir),
        "scale": lambda: scale.run(sizes, workdir, isolate=isolate),
        "pacing": lambda: pacing.run(sizes, workdir),
    }
    if part not in runs:
        raise ValueError(f"no benchmark {part!r}")
    async with within(bound(part, sizes), f"the {part} benchmark"):
        return await runs[part]()


async def run_bench(
    parts: Sequence[str] = PARTS, *, quick: bool = False, sizes: Sizes | None = None,
    isolate: bool = True, out: TextIO | None = None,
) -> int:
    """Run the benchmarks, print each section as it finishes; 0 when every check passed."""
    stream = out or sys.stdout
    # The bot's own warnings (a refused send) stay visible; its INFO chatter does not.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sizes = sizes or (Sizes.quick() if quick else Sizes.full())
    print(f"fiveheads bench{' --quick' if quick else ''}: {machine()}", file=stream)
    failed = 0
    for part in parts:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"fiveheads-bench-{part}-") as tmp:
            section = await run_part(part, sizes, Path(tmp), isolate=isolate)
        print(section.render(), file=stream)
        print(f"  ({part} took {time.monotonic() - started:.0f} s)", file=stream, flush=True)
        failed += sum(not c.ok for c in section.checks)
    return 1 if failed else 0
