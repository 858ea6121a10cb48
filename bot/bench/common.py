"""What the four benchmarks share: sizes, the printed report, percentiles, peak memory, and
the configuration of a bot with many grids pointed at the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

# A well-formed but fake token: the emulator checks that requests carry it, nothing else does.
TOKEN = "123456:BENCH-TOKEN-no-network-needed"
TZ = ZoneInfo("Asia/Shanghai")
# Every run of the scale benchmark pretends it is this moment: a working day right after a
# meeting day, so start-up has no agenda left to post.
BENCH_NOW = datetime(2026, 11, 10, 10, 0, tzinfo=TZ)
# Heads of every grid: (role, offset of the user id, place). Grid ``g`` has user ids
# ``HEAD_BASE + 10 * g + offset``.
HEAD_SEATS = (("community", 1, ""), ("police", 2, ""), ("grid", 3, ""), ("building", 4, "3"),
              ("unit", 5, "3-2"))
HEAD_BASE = 10_000_000
GROUP_BASE = -1_003_000_000_000


def grid_key(g: int) -> str:
    return f"g{g:04d}"


def group_id(g: int) -> int:
    return GROUP_BASE - g


def head_id(g: int, offset: int) -> int:
    return HEAD_BASE + 10 * g + offset


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is: ``full`` is the issue's sizes, ``quick`` a tenth."""

    intake_reports: int = 2000
    intake_grids: int = 50
    photos: int = 200
    photo_grids: int = 20
    photo_size: tuple[int, int] = (4000, 3000)  # 12 megapixels
    scale_grids: int = 1000
    scale_issues: int = 1_000_000
    scale_years: float = 10.0  # 1M issues at ~100 a grid a year (SPEC: thousands a year)
    scale_runs: int = 200  # timings of each quick query
    scale_slow_runs: int = 3  # timings of /stats and /export (an export of a month: ~1.5 min)
    pacing_cards: int = 1000
    pacing_groups: int = 100
    pacing_burst: int = 30  # cards to one group at once: 20 at once, the rest spread
    overall_per_second: float = 30
    group_max: float = 20
    group_period: float = 60.0

    @classmethod
    def full(cls) -> Sizes:
        return cls()

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            intake_reports=200, intake_grids=10, photos=20, photo_grids=4,
            scale_grids=100, scale_issues=100_000, scale_runs=50, scale_slow_runs=5,
            pacing_cards=300, pacing_groups=30, pacing_burst=22,
        )


@dataclass(frozen=True)
class Figure:
    """One measured figure, beside its reference when it has one."""

    label: str
    value: float
    unit: str
    ref_label: str | None = None
    ref_value: float | None = None
    # A ratio target (value / reference, or value against ``limit``), and which way is good.
    target: float | None = None
    limit: float | None = None  # an absolute bound instead of a ratio (e.g. 50 ms)
    lower_is_better: bool = False

    def ratio(self) -> float | None:
        if self.ref_value is None or not self.ref_value or self.ref_label is None:
            return None
        return self.value / self.ref_value

    def verdict(self) -> str:
        if self.limit is not None:
            ok = self.value <= self.limit if self.lower_is_better else self.value >= self.limit
            sign = "<" if self.lower_is_better else "≥"
            return f"target {sign} {_num(self.limit)} {self.unit}: {'met' if ok else 'MISSED'}"
        ratio = self.ratio()
        if self.target is None or ratio is None:
            return ""
        return f"target ≥ {self.target:.2f}×: {'met' if ratio >= self.target else 'MISSED'}"

    def met(self) -> bool | None:
        verdict = self.verdict()
        return None if not verdict else verdict.endswith("met")


@dataclass(frozen=True)
class Check:
    """A correctness check; a benchmark whose checks fail measured something broken."""

    label: str
    ok: bool
    detail: str = ""


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"== {self.title} =="]
        for f in self.figures:
            text = f"  {f.label}: {_num(f.value)} {f.unit}"
            if f.ref_label is not None and f.ref_value is not None:
                text += f"  | {f.ref_label}: {_num(f.ref_value)} {f.unit}"
                ratio = f.ratio()
                if ratio is not None:
                    text += f"  | ratio {ratio:.2f}×"
            verdict = f.verdict()
            if verdict:
                text += f"  ({verdict})"
            lines.append(text)
        for c in self.checks:
            lines.append(f"  check: {c.label}: {'ok' if c.ok else 'FAILED'}"
                         + (f" ({c.detail})" if c.detail else ""))
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def _num(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


class Stuck(RuntimeError):
    """A benchmark that did not finish within its bound: stuck, not slow."""


def tasks_report() -> str:
    """Every asyncio task of this loop with the chain of awaits it is suspended in: what a
    stuck run needs to show (the fault handler's thread dump only shows the event loop
    waiting in select, and a task's own stack only its outermost coroutine)."""
    lines = []
    for task in sorted(asyncio.all_tasks(), key=lambda t: t.get_name()):
        lines.append(f"  {task.get_name()}: {' -> '.join(_awaits(task.get_coro())) or '-'}")
    return "\n".join(lines)


def _awaits(coro: object, depth: int = 12) -> list[str]:
    """Where a coroutine waits, outermost first, following what each one awaits."""
    chain: list[str] = []
    while coro is not None and len(chain) < depth:
        frame = next((getattr(coro, a) for a in ("cr_frame", "ag_frame", "gi_frame")
                      if getattr(coro, a, None) is not None), None)
        if frame is not None:
            chain.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} "
                         f"{frame.f_code.co_name}")
        coro = next((getattr(coro, a) for a in ("cr_await", "ag_await", "gi_yieldfrom")
                     if getattr(coro, a, None) is not None), None)
    return chain


@contextlib.asynccontextmanager
async def within(seconds: float, what: str) -> AsyncIterator[None]:
    """Bound a benchmark's run: past ``seconds`` it is cancelled and reported as stuck with
    every task's stack as it was at that moment, instead of waiting for a CI limit in
    silence."""
    task = asyncio.current_task()
    assert task is not None
    snapshot: list[str] = []

    def expire() -> None:
        snapshot.append(tasks_report())
        task.cancel()

    handle = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        yield
    except asyncio.CancelledError:
        if not snapshot:
            raise
        task.uncancel()
        raise Stuck(f"{what} did not finish in {seconds:.0f} s; its tasks then:\n"
                    f"{snapshot[0]}") from None
    finally:
        handle.cancel()


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory so far, in MB: Linux's VmHWM, which starts afresh
    with the process's own program (``ru_maxrss`` keeps the peak of the process it was
    forked from); ``ru_maxrss`` of this process where there is no /proc."""
    # No /proc (or the process is gone): fall back to this process's own peak below.
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def config_text(
    workdir: Path, api_base_url: str, file_base_url: str, grids: int, *,
    database: Path | None = None, extra: str = "",
) -> str:
    """A fiveheads config with ``grids`` bound grids, five heads each, on the emulator."""
    lines = [
        "[telegram]",
        f'token = "{TOKEN}"',
        f'api_base_url = "{api_base_url}"',
        f'file_base_url = "{file_base_url}"',
        "poll_timeout = 1",
        "[storage]",
        f'database = "{(database or workdir / "fiveheads.sqlite3").as_posix()}"',
        f'media_dir = "{(workdir / "media").as_posix()}"',
        "[bot]",
        'language = "zh"',
        'timezone = "Asia/Shanghai"',
        "coordinators = [100]",
        extra,
    ]
    for g in range(grids):
        lines += ["[[grids]]", f'key = "{grid_key(g)}"', f'name = "第{g + 1}网格"',
                  f"chat_id = {group_id(g)}"]
        for role, offset, place in HEAD_SEATS:
            lines += ["[[grids.heads]]", f'role = "{role}"', f"user_id = {head_id(g, offset)}",
                      f'name = "{role}-{g + 1}"']
            if place:
                lines.append(f'place = "{place}"')
    return "\n".join(lines) + "\n"


def write_config(
    workdir: Path, api_base_url: str, file_base_url: str, grids: int, *,
    database: Path | None = None, extra: str = "",
) -> Path:
    path = workdir / "config.toml"
    text = config_text(workdir, api_base_url, file_base_url, grids, database=database,
                       extra=extra)
    path.write_text(text, encoding="utf-8")
    return path
