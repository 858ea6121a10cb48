"""`fiveheads bench` runs: each benchmark, tiny, prints its figures and passes its correctness
checks. No wall-clock figure is asserted (the suite runs on busy machines); the figures
themselves are the operator's to read (README, Performance)."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from pathlib import Path

import pytest

from bot.bench import run_bench, run_part
from bot.bench.common import Section, Sizes, Stuck, within
from bot.cli import main

TINY = replace(
    Sizes.quick(),
    intake_reports=30, intake_grids=3,
    photos=3, photo_grids=2, photo_size=(1200, 900),
    scale_grids=5, scale_issues=1500, scale_runs=3, scale_slow_runs=1,
    pacing_cards=12, pacing_groups=3, pacing_burst=8, group_max=5, group_period=2.0,
)


def _checks(section: Section) -> dict[str, bool]:
    return {c.label: c.ok for c in section.checks}


async def test_intake_stores_every_report_once(tmp_path: Path) -> None:
    section = await run_part("intake", TINY, tmp_path)
    text = section.render()
    for figure in ("issues stored/s", "bare PTB bot answers/s", "p50 update served",
                   "p99 update served", "storage path alone", "bare aiosqlite"):
        assert figure in text
    assert all(_checks(section).values()), text


async def test_photos_are_shrunk_and_stripped(tmp_path: Path) -> None:
    section = await run_part("photos", TINY, tmp_path)
    text = section.render()
    assert "reports/s" in text and "Pillow alone" in text and "peak RSS" in text
    checks = _checks(section)
    assert checks["stored images ≤ 1600 px on the long edge"], text
    assert checks["stored images carry no EXIF"], text
    assert checks["every report stored once"] and checks["every photo stored"], text


async def test_scale_times_every_command(tmp_path: Path) -> None:
    section = await run_part("scale", TINY, tmp_path, isolate=False)
    text = section.render()
    for label in ("/open (one grid) p50", "/agenda (one grid) p99", "/show (one issue) p50",
                  "start-up", "database size", "peak RSS"):
        assert label in text
    # The figures and exports are timed when their services are there, else named as skipped.
    assert "/stats (a year) p50" in text or "/stats (a year) skipped" in text
    assert ("/export (one grid's month, xlsx) p50" in text
            or "/export (one grid's month) skipped" in text)
    assert all(_checks(section).values()), text


async def test_pacing_never_meets_a_429(tmp_path: Path) -> None:
    section = await run_part("pacing", TINY, tmp_path)
    text = section.render()
    assert "cards delivered/s" in text and "what the limits allow" in text
    assert all(_checks(section).values()), text


@pytest.mark.parametrize("argv", [["bench", "--only", "nothing"]])
def test_the_command_names_its_benchmarks(argv: list[str], capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    with pytest.raises(SystemExit):
        main(argv)
    assert "intake" in capsys.readouterr().err


async def test_run_bench_prints_the_machine_and_sections(tmp_path: Path) -> None:
    out = io.StringIO()
    code = await run_bench(["pacing"], sizes=TINY, out=out)
    assert code == 0
    printed = out.getvalue()
    assert printed.startswith("fiveheads bench: ") and "cores" in printed
    assert "== 4. pacing" in printed


async def test_a_stuck_run_is_cut_off_and_says_where_its_tasks_wait() -> None:
    never = asyncio.Event()

    async def waiter() -> None:
        await never.wait()

    helper = asyncio.create_task(waiter(), name="outbox-like")
    try:
        with pytest.raises(Stuck) as caught:
            async with within(0.2, "the demo benchmark"):
                await never.wait()
    finally:
        helper.cancel()
    text = str(caught.value)
    assert text.startswith("the demo benchmark did not finish in 0 s")
    assert "outbox-like:" in text and "waiter" in text
