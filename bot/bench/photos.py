"""Benchmark 2, photos: reports each with a 12-megapixel JPEG (with GPS in its EXIF) sent to a
real ``fiveheads run`` process through the emulator, beside Pillow alone opening, shrinking
and re-encoding the same files in a process of its own.

The bot runs as a child process so that its peak memory is its own: the emulator, which
holds every photo as Telegram would, lives in this process.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from PIL import Image, ImageDraw

import bot
from bot.bench.common import (
    TOKEN,
    Check,
    Figure,
    Section,
    Sizes,
    group_id,
    head_id,
    peak_rss_mb,
    write_config,
)
from bot.bench.intake import TimedEmulator

LONG_EDGE = 1600  # the stored copy's long edge, at most (issue #11)
REFERENCE_QUALITY = 85
REPORTER_SEAT = 4
WAIT = 600.0

_base: Image.Image | None = None


def _base_image(size: tuple[int, int]) -> Image.Image:
    """A photo-like picture: smooth noise in three channels (compresses like a photo)."""
    global _base  # noqa: PLW0603 - one per worker process, reused for every file
    if _base is None or _base.size != size:
        small = (max(size[0] // 16, 1), max(size[1] // 16, 1))
        bands = [Image.effect_noise(small, 60 + 20 * i).resize(size, Image.Resampling.BICUBIC)
                 for i in range(3)]
        grain = Image.effect_noise(size, 12)
        _base = Image.merge("RGB", [Image.blend(b, grain, 0.3) for b in bands])
    return _base


def make_photo(path: str, n: int, size: tuple[int, int]) -> int:
    """Write photo ``n`` (distinct content) with EXIF naming a camera and a GPS position."""
    image = _base_image(size).copy()
    draw = ImageDraw.Draw(image)
    x = (n * 97) % max(size[0] - 400, 1)
    draw.rectangle((x, 200, x + 400, 600), fill=(n % 256, 80, 160))
    draw.text((50, 50), f"report {n}", fill="white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    exif[0x8825] = {1: "N", 2: (45.0, 45.0, 0.0), 3: "E", 4: (126.0, 38.0, 0.0)}  # GPSInfo
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return os.path.getsize(path)


def pillow_alone(paths: list[str]) -> tuple[float, float]:  # runs in a process of its own
    """Open, shrink to the long edge and re-encode each file, as a plain script would.
    Answers (seconds, this process's peak RSS in MB)."""
    started = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.thumbnail((LONG_EDGE, LONG_EDGE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=REFERENCE_QUALITY)
    elapsed = time.perf_counter() - started
    return elapsed, peak_rss_mb()


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))


async def generate(folder: Path, n: int, size: tuple[int, int]) -> tuple[list[str], int]:
    """The photos, made by two worker processes; answers (paths, total bytes)."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    paths = [str(folder / f"photo-{i:04d}.jpg") for i in range(n)]
    loop = asyncio.get_running_loop()
    with _spawn_pool(2) as pool:
        sizes = await asyncio.gather(*(
            loop.run_in_executor(pool, make_photo, path, i, size) for i, path in enumerate(paths)
        ))
    return paths, sum(sizes)


async def reference(paths: list[str]) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    with _spawn_pool(1) as pool:
        return await loop.run_in_executor(pool, pillow_alone, paths)


def _count(database: str, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or busy for a moment
        return 0


def _start_bot(workdir: Path, config: Path) -> subprocess.Popen[bytes]:
    """``fiveheads run`` in a process of its own, logging into the work directory."""
    root = Path(bot.__file__).resolve().parent.parent
    with (workdir / "bot.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=root, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(root)},
        )


def _read_all(paths: list[str]) -> list[bytes]:
    return [Path(p).read_bytes() for p in paths]


def _wait4(pid: int, patience: float = 30.0) -> tuple[int, float]:
    """The stopped bot's exit code and peak RSS; one that ignores SIGTERM for ``patience``
    seconds is killed, so the benchmark never waits on it for ever."""
    deadline = time.monotonic() + patience
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024
        time.sleep(0.05)


async def fiveheads(
    paths: list[str], sizes: Sizes, workdir: Path
) -> tuple[float, float, str, int]:
    """Answers (reports/s, the bot process's peak RSS in MB, its database, exit code)."""
    n, grids = len(paths), sizes.photo_grids
    async with TimedEmulator(token=TOKEN) as emu:
        for g in range(grids):
            emu.add_group(group_id(g), f"第{g + 1}网格工作群")
            emu.add_user(head_id(g, REPORTER_SEAT), f"楼长{g + 1}")
        polling = asyncio.Event()
        emu.hooks.append(
            lambda method, _: polling.set() if method.lower() == "getupdates" else None
        )
        database = str(workdir / "fiveheads.sqlite3")
        proc = await asyncio.to_thread(
            _start_bot, workdir, write_config(workdir, emu.api_base_url, emu.file_base_url, grids)
        )
        try:
            async with asyncio.timeout(60):
                await polling.wait()
            for i, data in enumerate(await asyncio.to_thread(_read_all, paths)):
                g = i % grids
                emu.send_photo(group_id(g), head_id(g, REPORTER_SEAT), data,
                               caption=f"{i % 17 + 1}号楼{i % 4 + 1}单元楼道堆满杂物 ({i})")
            deadline = time.monotonic() + WAIT
            done_sql = "SELECT COUNT(*) FROM media WHERE status IN ('stored', 'rejected')"
            while _count(database, done_sql) < n:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"the bot did not store {n} photos; see {workdir}/bot.log")
                await asyncio.sleep(0.1)
            finished = time.perf_counter()
            rate = n / (finished - min(emu.served.values()))
        finally:
            # The bot's own peak (VmHWM), read while it runs; wait4's figure also counts
            # what it inherited from this process when it was forked.
            rss = peak_rss_mb(proc.pid) if proc.poll() is None else 0.0
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            code, waited = await asyncio.to_thread(_wait4, proc.pid)
            proc.returncode = code
            rss = rss or waited
    return rate, rss, database, code


def stored_images(database: str, media_dir: Path) -> tuple[int, int, int, int, list[str]]:
    """(stored, rejected, longest edge seen, files with EXIF, problems)."""
    problems: list[str] = []
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT status, path, error FROM media").fetchall()
    stored = [r[1] for r in rows if r[0] == "stored"]
    rejected = [r for r in rows if r[0] != "stored"]
    problems += [f"rejected: {r[2]}" for r in rejected[:3]]
    longest = 0
    with_exif = 0
    for path in stored:
        data = (media_dir / path).read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            longest = max(longest, *image.size)
            if image.getexif() or "exif" in image.info or b"Exif\x00\x00" in data[:65536]:
                with_exif += 1
    return len(stored), len(rejected), longest, with_exif, problems


async def run(sizes: Sizes, workdir: Path) -> Section:
    n = sizes.photos
    w, h = sizes.photo_size
    section = Section(f"2. photos: {n} reports with a {w * h / 1e6:.0f}-megapixel JPEG each")
    paths, total = await generate(workdir / "photos", n, sizes.photo_size)
    ref_seconds, ref_rss = await reference(paths)
    bot_dir = workdir / "bot"
    bot_dir.mkdir()
    rate, rss, database, code = await fiveheads(paths, sizes, bot_dir)
    section.figures += [
        Figure("fiveheads reports/s (photo fetched, re-encoded, stored)", rate, "/s",
               "Pillow alone, files/s (open, shrink, re-encode)", n / ref_seconds, target=2.0),
        Figure("fiveheads bot process peak RSS", rss, "MB", "Pillow alone process peak RSS",
               ref_rss),
    ]
    stored, rejected, longest, with_exif, problems = stored_images(database, bot_dir / "media")
    with sqlite3.connect(database) as conn:
        issues, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT source_chat_id || ':' || source_message_id)"
            " FROM issues"
        ).fetchone()
    section.checks += [
        Check("every report stored once", issues == distinct == n,
              f"{issues} issues from {distinct} messages, {n} sent"),
        Check("every photo stored", stored == n and not rejected,
              f"{stored} stored, {rejected} rejected" + (f": {problems}" if problems else "")),
        Check(f"stored images ≤ {LONG_EDGE} px on the long edge", 0 < longest <= LONG_EDGE,
              f"longest edge {longest} px"),
        Check("stored images carry no EXIF", with_exif == 0, f"{with_exif} with EXIF"),
        Check("the bot process stopped cleanly", code == 0, f"exit code {code}"),
    ]
    section.notes.append(
        f"{n} files, {total / n / 1e6:.1f} MB each on average, sent as photos (the emulator "
        "hands out the original; real Telegram would shrink a photo, not a file)"
    )
    return section
