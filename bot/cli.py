"""The command line: ``fiveheads run|demo|backup|check-config|qr|meetings|stats|export|bench``
(also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import signal
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

from bot.config import Config, ConfigError, Secret, check_config, load_config
from bot.logmask import protect

log = logging.getLogger("fiveheads")


def setup_logging(token: str = "", level: int = logging.INFO) -> None:
    protect(token)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def _run(config_path: str) -> int:
    from bot.app import Runner, build_application

    config = load_config(config_path)
    setup_logging(config.token.reveal())
    runner = Runner(build_application(config))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runner.start()
    log.info("fiveheads is running; Ctrl-C stops it")
    await stop.wait()
    await runner.stop()
    return 0


async def _backup(config_path: str, target: str) -> int:
    from storage.db import Store

    config = load_config(config_path)
    store = Store(config.database)
    await store.open()
    try:
        await store.backup(target)
    finally:
        await store.close()
    print(f"backup written to {target}")
    return 0


class ArgumentProblem(Exception):
    """An argument that is well-formed but names nothing usable; exit code 2 like argparse."""


async def _qr_poster(
    config_path: str, grid_key: str, place_label: str, bot_username: str
) -> tuple[str, bytes]:
    """The poster of a place, from the same database the bot uses (safe while it runs)."""
    from bot.clock import SystemClock
    from bot.domain.model import Place
    from bot.services.qr import QrService, deep_link
    from bot.services.roster import RosterService
    from storage.db import Store

    config = load_config(config_path)
    try:
        place = Place.parse_label(place_label)
    except ValueError as exc:
        raise ArgumentProblem(f"--place: {exc}") from None
    if place.is_empty():
        raise ArgumentProblem("--place: name a building (3) or a building and unit (3-2)")
    store = Store(config.database)
    await store.open()
    try:
        clock = SystemClock()
        roster = RosterService(config, store, clock)
        # Grids named in the file exist in the database before the bot has ever run.
        await roster.apply_config()
        grid = await roster.grid(grid_key)
        if grid is None:
            raise ArgumentProblem(f"--grid: no grid {grid_key!r} in the config or the database")
        qr = QrService(config, store, clock)
        link = deep_link(bot_username, await qr.issue(grid.key, place, None))
        return link, await qr.poster(grid.name, place, link)
    finally:
        await store.close()


async def _figures_tool(
    config_path: str, start: date | None, end: date | None, fmt: str | None,
) -> tuple[str, bytes]:
    """``fiveheads stats`` (``fmt`` None: text; "json") and ``fiveheads export`` (xlsx, csv,
    open311): read from the same database the bot uses, safe while it runs, writing nothing
    but what opening the store migrates."""
    from bot.clock import SystemClock
    from bot.domain.figures import as_json, make_period
    from bot.errors import UserError
    from bot.i18n import t
    from bot.services.export import ExportService, Format
    from bot.services.roster import RosterService
    from bot.services.stats import StatsService
    from bot.views.stats import as_plain, stats_text
    from storage.db import Store

    config = load_config(config_path)
    clock = SystemClock()
    try:
        period = make_period(start, end, clock.now().astimezone(config.tz).date())
    except UserError as exc:
        raise ArgumentProblem(t("en", exc.key, **exc.params)) from None
    store = Store(config.database)
    await store.open()
    try:
        roster = RosterService(config, store, clock)
        if fmt in (None, "json"):
            stats = StatsService(config, store, clock, roster)
            figures = await stats.figures(period)
            if fmt == "json":
                return "", json.dumps(as_json(figures), ensure_ascii=False, indent=2).encode()
            chunks = stats_text(config.language, figures, await stats.grid_names(),
                                grid_limit=len(figures.grids))  # a terminal takes them all
            return "", "\n".join(as_plain(c) for c in chunks).encode()
        export = ExportService(config, store, clock, roster)
        kind = Format(fmt)
        return kind.value, await export.build(period, kind, config.language)
    finally:
        await store.close()


def _bot_username(value: str) -> str:
    name = value.removeprefix("@")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", name):
        raise argparse.ArgumentTypeError(f"not a Telegram bot username: {value!r}")
    return name


def _meeting_lines(config_path: str | None, start: date | None, count: int) -> list[str]:
    """``fiveheads meetings``: the calendar as the bot will keep it, to check by hand.

    Without a file, the defaults (9th, 19th, 29th at 08:00, Asia/Shanghai) need no token.
    """
    from bot.domain.meetings import meetings_from

    config = load_config(config_path) if config_path else Config(path="", token=Secret(""))
    tz = config.tz
    first_day = start or datetime.now(tz).date()
    moments = meetings_from(
        datetime.combine(first_day, time(0), tzinfo=tz),
        count,
        config.meeting_days,
        time.fromisoformat(config.meeting_time),
        tz,
        skip_holidays=config.meeting_skip_holidays,
    )
    return [f"{m.astimezone(tz):%Y-%m-%d %a %H:%M} {config.timezone}" for m in moments]


def _iso_date(value: str) -> date:
    """An argparse type, so a bad --from is a usage error (exit 2) naming the format."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


def _count(value: str) -> int:
    """An argparse type: zero would print nothing, a huge count would hang on the calendar."""
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise argparse.ArgumentTypeError(f"not a count from 1 to 1000: {value!r}")
    return int(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fiveheads", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot")
    run.add_argument("--config", required=True, help="the TOML config file")
    check = sub.add_parser("check-config", help="validate a config file; exit 0 or 1")
    check.add_argument("file")
    sub.add_parser("demo", help="a scripted morning against the built-in emulator, offline")
    bench = sub.add_parser("bench", help="measure intake, photos, scale and pacing, each "
                           "beside a reference (issue #11); offline, takes minutes")
    bench.add_argument("--only", choices=("intake", "photos", "scale", "pacing"),
                       help="run one benchmark")
    bench.add_argument("--quick", action="store_true",
                       help="a tenth of every size: about a minute")
    backup = sub.add_parser("backup", help="consistent copy of the live database")
    backup.add_argument("file", help="where to write the copy")
    backup.add_argument("--config", required=True)
    qr = sub.add_parser("qr", help="write the QR poster of a place (PNG) and print its link")
    qr.add_argument("file", help="where to write the PNG")
    qr.add_argument("--config", required=True)
    qr.add_argument("--grid", required=True, help="grid key, e.g. songhe-1")
    qr.add_argument("--place", required=True, help="building or building-unit, e.g. 3-2")
    qr.add_argument("--bot-username", required=True, type=_bot_username,
                    help="the bot's username, as in t.me/<username>")
    meetings = sub.add_parser("meetings", help="print the next meeting times (local time)")
    meetings.add_argument("--config", help="use this file's [meetings] and timezone")
    meetings.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD",
                          help="first day to list (default today)")
    meetings.add_argument("--count", type=_count, default=6, metavar="N",
                          help="how many meetings (default 6)")
    stats = sub.add_parser("stats", help="print the community figures of a period")
    stats.add_argument("--config", required=True)
    stats.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD",
                       help="first day (default 1 January)")
    stats.add_argument("--to", dest="end", type=_iso_date, metavar="YYYY-MM-DD",
                       help="last day (default 31 December)")
    stats.add_argument("--json", action="store_true", help="one JSON object (SPEC §7)")
    export = sub.add_parser("export", help="write a period's issues as xlsx, csv or open311")
    export.add_argument("file", help="where to write it")
    export.add_argument("--config", required=True)
    export.add_argument("--format", required=True, choices=("xlsx", "csv", "open311"))
    export.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD",
                        help="first day (default 1 January)")
    export.add_argument("--to", dest="end", type=_iso_date, metavar="YYYY-MM-DD",
                        help="last day (default 31 December)")
    args = parser.parse_args(argv)
    try:
        if args.command == "check-config":
            ok, line = check_config(args.file)
            print(line, file=sys.stdout if ok else sys.stderr)
            return 0 if ok else 1
        if args.command == "run":
            return asyncio.run(_run(args.config))
        if args.command == "backup":
            return asyncio.run(_backup(args.config, args.file))
        if args.command == "meetings":
            print("\n".join(_meeting_lines(args.config, args.start, args.count)))
            return 0
        if args.command == "qr":
            link, png = asyncio.run(
                _qr_poster(args.config, args.grid, args.place, args.bot_username)
            )
            Path(args.file).write_bytes(png)
            print(link)
            return 0
        if args.command == "stats":
            _, text = asyncio.run(_figures_tool(
                args.config, args.start, args.end, "json" if args.json else None))
            sys.stdout.write(text.decode() + "\n")
            return 0
        if args.command == "export":
            kind, data = asyncio.run(_figures_tool(args.config, args.start, args.end,
                                                   args.format))
            Path(args.file).write_bytes(data)
            print(f"{kind} written to {args.file}")
            return 0
        if args.command == "bench":
            from bot.bench import PARTS, run_bench

            return asyncio.run(run_bench([args.only] if args.only else PARTS, quick=args.quick))
        from bot.demo import run_demo

        return asyncio.run(run_demo())
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ArgumentProblem as exc:
        print(f"fiveheads: {exc}", file=sys.stderr)
        return 2
