"""Configuration: fiveheads' schema for its one TOML file, validated completely at start-up.

A bot that starts with a typo in its roster pings the wrong person weeks later, so every
problem is reported before anything runs, as one line that names the file and the key
(``bot.toml: grids[1].heads[0].role: must be one of ...``); reading and typing the values
is :mod:`bot.tomltables`' job, this module says which keys exist and what they may hold.
What the file describes is built as the domain's own values (``Head``, ``Place``,
``Category``), so nothing downstream converts or re-checks it.

The token may come from the ``FIVEHEADS_TOKEN`` environment variable instead of the file,
and it is wrapped in :class:`Secret` so that no repr, log line or error message ever shows
it: Telegram file URLs and API URLs embed it, and whoever holds it controls the bot.

The environment is passed in as a mapping (as in starlette's ``Config``) so tests need not
touch ``os.environ``. This module does no network I/O and does not import telegram.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.departments import Department
from bot.domain.model import (
    DEFAULT_CATEGORIES,
    GRID_KEY_RE,
    Category,
    Kind,
    Place,
    Priority,
    Role,
)
from bot.domain.routing import Head
from bot.i18n import LANGUAGES
from bot.tomltables import ConfigError, Secret, Table, read_file, unique

__all__ = [
    "TOKEN_ENV",
    "Config",
    "ConfigError",
    "GridConfig",
    "Secret",
    "check_config",
    "load_config",
]

TOKEN_ENV = "FIVEHEADS_TOKEN"

# Telegram refuses bot downloads above 20 MB, so a larger cap could never be honoured.
TELEGRAM_DOWNLOAD_LIMIT = 20_000_000

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_KEY_RULE = "must be 1-32 of a-z, 0-9, _ and -, starting with a letter or digit"
_BUILDING_RE = re.compile(r"^\d+$")
_UNIT_RE = re.compile(r"^\d+-\d+$")
_PLACE_RE = re.compile(r"^\d+(-\d+)?$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class GridConfig:
    """A grid (网格) and its work group; ``chat_id`` is None until ``/bind`` sets it.

    ``heads`` are the heads listed in the file; changes made by command live in the DB.
    """

    key: str
    name: str
    chat_id: int | None
    heads: tuple[Head, ...]


@dataclass(frozen=True)
class Config:
    """The validated configuration; every field already checked, so users need not re-check."""

    path: str
    token: Secret
    api_base_url: str = "https://api.telegram.org/bot"
    file_base_url: str = "https://api.telegram.org/file/bot"
    database: str = "data/fiveheads.sqlite3"
    media_dir: str = "data/media"
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    coordinators: tuple[int, ...] = ()
    meeting_days: tuple[int, ...] = (9, 19, 29)
    meeting_time: str = "08:00"
    meeting_skip_holidays: bool = False  # [meetings] move_off_holidays
    grids: tuple[GridConfig, ...] = ()
    # Any [[categories]] in the file replace the domain's defaults (SPEC §2) as a whole.
    categories: tuple[Category, ...] = DEFAULT_CATEGORIES
    care_places: tuple[Place, ...] = ()
    # [[departments]]: who items can be referred to (转办), with their liaisons.
    departments: tuple[Department, ...] = ()
    album_quiet_seconds: float = 2.0
    poll_timeout: int = 30
    max_photo_bytes: int = TELEGRAM_DOWNLOAD_LIMIT
    me_too_raise: int = 3               # [intake] me_too_raise: merges that raise priority
    resident_max_per_hour: int = 3      # [residents] max_per_hour
    resident_max_per_day: int = 10      # [residents] max_per_day
    verify_days: float = 3.0            # [residents] verify_days: unanswered "fixed?" closes
    relay_per_minute: int = 6           # [residents] relay_per_minute, per issue and direction
    keep_identity_days: int = 365       # [residents] keep_identity_days after an issue ends
    stats_min_items: int = 5            # [stats] min_items: fewer items, no medians or rates
    # [web]: the coordinators' desk (issue #12), off unless public_url is set.
    web_public_url: str | None = None   # [web] public_url, where people's browsers reach it
    web_listen: str = "127.0.0.1:8080"  # [web] listen, host:port (port 0: any free port)
    web_session_days: float = 7.0       # [web] session_days a desk sign-in lasts
    web_initdata_max_age: int = 3600    # [web] initdata_max_age: seconds a Mini App sign-in is good

    @property
    def tz(self) -> ZoneInfo:
        """The community's time zone; meetings and deadlines are local times."""
        return ZoneInfo(self.timezone)


# --- reading -----------------------------------------------------------------------------

_SCHEMA: dict[str, frozenset[str]] = {
    "telegram": frozenset({"token", "api_base_url", "file_base_url", "poll_timeout"}),
    "storage": frozenset({"database", "media_dir"}),
    "bot": frozenset({"language", "timezone", "coordinators", "care_places"}),
    "meetings": frozenset({"days", "time", "move_off_holidays"}),
    "intake": frozenset({"album_quiet_seconds", "max_photo_bytes", "me_too_raise"}),
    "residents": frozenset({"max_per_hour", "max_per_day", "verify_days", "relay_per_minute",
                            "keep_identity_days"}),
    "stats": frozenset({"min_items"}),
    "web": frozenset({"listen", "public_url", "session_days", "initdata_max_age"}),
    "grids": frozenset({"key", "name", "chat_id", "heads"}),
    "departments": frozenset({"key", "name", "name_en", "liaisons", "chat_id"}),
    "categories": frozenset({
        "key", "zh", "en", "kind", "role", "priority", "keywords",
        "emergency_hint_zh", "emergency_hint_en",
    }),
}
_HEAD_KEYS = frozenset({"role", "user_id", "name", "place"})
_ARRAY_TABLES = ("grids", "categories", "departments")
# The heads who answer for a place, how it is written and what to say when it is not.
_HEAD_PLACES: dict[Role, tuple[re.Pattern[str], str]] = {
    Role.BUILDING: (_BUILDING_RE, 'a building head needs the building number, such as "3"'),
    Role.UNIT: (_UNIT_RE, 'a unit head needs building-unit, such as "3-2"'),
}


def _read_token(telegram: Table, environ: Mapping[str, str]) -> Secret:
    """The token from FIVEHEADS_TOKEN or telegram.token; its value never enters a message."""
    in_file = telegram.string("token", "").strip()
    from_env = environ.get(TOKEN_ENV, "").strip()
    token = from_env or in_file
    if not token:
        raise telegram.error("token", f"missing (set it or {TOKEN_ENV})")
    if not _TOKEN_RE.match(token):
        source = TOKEN_ENV if from_env else "the value"
        raise telegram.error(
            "token", f"{source} is not a bot token (expect '<digits>:<secret>' from @BotFather)"
        )
    return Secret(token)


def _read_timezone(table: Table) -> str:
    """An IANA zone name that this machine's tz database knows."""
    value = table.string("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise table.error(
            "timezone", "unknown time zone (use an IANA name such as Asia/Shanghai)"
        ) from None
    return value


def _read_meetings(table: Table) -> tuple[tuple[int, ...], str]:
    """Meeting days (1..31, no repeats, at least one) and the HH:MM time."""
    days = table.integers("days", (9, 19, 29))
    if not days:
        raise table.error("days", "must list at least one day")
    for index, day in enumerate(days):
        if not 1 <= day <= 31:
            raise table.item_error("days", index, "must be a day of the month, 1 to 31")
        if day in days[:index]:
            raise table.item_error("days", index, "repeated day")
    time = table.string("time", "08:00")
    if not _TIME_RE.match(time):
        raise table.error("time", 'must be a 24-hour time "HH:MM", such as "08:00"')
    return days, time


def _place(label: str, shape: re.Pattern[str]) -> Place | None:
    """``label`` as a Place if it is written in ``shape`` and the domain accepts it.

    The shape keeps the file to numbered buildings and units; the domain still refuses
    what no door has (a number too long), which would otherwise fail at the first report.
    """
    if not shape.match(label):
        return None
    try:
        return Place.parse_label(label)
    except ValueError:
        return None


def _read_places(table: Table, key: str) -> tuple[Place, ...]:
    """Addresses written like "5" (building) or "3-2" (building 3, unit 2)."""
    places = []
    for index, label in enumerate(table.strings(key, ())):
        place = _place(label, _PLACE_RE)
        if place is None:
            raise table.item_error(key, index, 'must be a building like "5" or a unit like "3-2"')
        places.append(place)
    return tuple(places)


def _read_key(table: Table) -> str:
    """A grid or category key, which must fit callback data and deep links."""
    key = table.string("key")
    if not GRID_KEY_RE.match(key):
        raise table.error("key", _KEY_RULE)
    return key


def _read_head(table: Table) -> Head:
    """A head; building and unit heads need the place they answer for, others must not."""
    role = table.member("role", Role)
    user_id = table.integer("user_id", low=1)
    name = table.string("name")
    label = table.string("place", "")
    if role not in _HEAD_PLACES:
        if label:
            raise table.error("place", f"only building and unit heads have a place, not {role}")
        return Head(user_id, role, name)
    shape, rule = _HEAD_PLACES[role]
    place = _place(label, shape)
    if place is None:
        raise table.error("place", rule)
    return Head(user_id, role, name, place)


def _read_grid(table: Table) -> GridConfig:
    """A grid with its heads; one head per role and place, so dispatch is never ambiguous."""
    key = _read_key(table)
    name = table.string("name")
    chat_id = table.integer("chat_id", 0, high=-1) if table.has("chat_id") else None
    heads: list[Head] = []
    seen: dict[tuple[Role, Place], int] = {}
    for index, head_table in enumerate(table.tables("heads", _HEAD_KEYS)):
        head = _read_head(head_table)
        first = seen.setdefault((head.role, head.place), index)
        if first != index:
            where = "" if head.place.is_empty() else f" for {head.place.label()}"
            raise head_table.error(
                "role", f"a second {head.role} head{where} (already {table.key('heads')}[{first}])"
            )
        heads.append(head)
    return GridConfig(key=key, name=name, chat_id=chat_id, heads=tuple(heads))


def _read_category(table: Table) -> Category:
    """A category row of [[categories]]."""
    return Category(
        key=_read_key(table),
        zh=table.string("zh"),
        en=table.string("en"),
        kind=table.member("kind", Kind),
        role=table.member("role", Role),
        priority=table.member("priority", Priority),
        keywords=table.strings("keywords", ()),
        emergency_hint_zh=table.string("emergency_hint_zh", ""),
        emergency_hint_en=table.string("emergency_hint_en", ""),
    )


def _read_department(table: Table) -> Department:
    """A department of [[departments]]: its key fits callback data (``issue:refer:N:KEY``),
    and at least one liaison acts for it (claims and resolves what is referred to it)."""
    key = _read_key(table)
    name = table.string("name").strip()
    if not name:
        raise table.error("name", "must not be empty")
    liaisons = table.integers("liaisons", ())
    if not liaisons:
        raise table.error("liaisons", "must list at least one Telegram user id")
    for index, user_id in enumerate(liaisons):
        if user_id < 1:
            raise table.item_error("liaisons", index,
                                   "must be a Telegram user id (a positive integer)")
        if user_id in liaisons[:index]:
            raise table.item_error("liaisons", index, "repeated user id")
    chat_id = table.integer("chat_id", 0, high=-1) if table.has("chat_id") else None
    return Department(key=key, name=name, name_en=table.string("name_en", "").strip() or name,
                      liaisons=liaisons, chat_id=chat_id)


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the file; raise ConfigError on the first problem found.

    ``environ`` defaults to ``os.environ``; only FIVEHEADS_TOKEN is read from it.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    root = read_file(path, _SCHEMA.keys(), arrays=_ARRAY_TABLES)

    telegram = root.table("telegram", _SCHEMA["telegram"])
    storage = root.table("storage", _SCHEMA["storage"])
    bot = root.table("bot", _SCHEMA["bot"])
    meetings = root.table("meetings", _SCHEMA["meetings"])
    intake = root.table("intake", _SCHEMA["intake"])
    residents = root.table("residents", _SCHEMA["residents"])
    stats = root.table("stats", _SCHEMA["stats"])
    web = root.table("web", _SCHEMA["web"])

    token = _read_token(telegram, env)
    meeting_days, meeting_time = _read_meetings(meetings)

    grid_tables = root.tables("grids", _SCHEMA["grids"])
    grids = [_read_grid(table) for table in grid_tables]
    unique(grid_tables, [grid.key for grid in grids], "key", "grid key")
    unique(grid_tables, [grid.chat_id for grid in grids], "chat_id", "chat_id")

    categories = DEFAULT_CATEGORIES
    if root.has("categories"):
        category_tables = root.tables("categories", _SCHEMA["categories"])
        if not category_tables:
            raise root.error("categories", "must list at least one category")
        categories = tuple(_read_category(table) for table in category_tables)
        unique(category_tables, [c.key for c in categories], "key", "category key")

    department_tables = root.tables("departments", _SCHEMA["departments"])
    departments = tuple(_read_department(table) for table in department_tables)
    unique(department_tables, [d.key for d in departments], "key", "department key")

    coordinators = bot.integers("coordinators", ())
    for index, user_id in enumerate(coordinators):
        if user_id < 1:
            raise bot.item_error(
                "coordinators", index, "must be a Telegram user id (a positive integer)"
            )

    return Config(
        path=root.file,
        token=token,
        api_base_url=telegram.url("api_base_url", Config.api_base_url),
        file_base_url=telegram.url("file_base_url", Config.file_base_url),
        database=storage.path("database", Config.database),
        media_dir=storage.path("media_dir", Config.media_dir),
        language=bot.choice("language", LANGUAGES, Config.language),
        timezone=_read_timezone(bot),
        coordinators=coordinators,
        meeting_days=meeting_days,
        meeting_time=meeting_time,
        meeting_skip_holidays=meetings.boolean("move_off_holidays", False),
        grids=tuple(grids),
        categories=categories,
        care_places=_read_places(bot, "care_places"),
        departments=departments,
        album_quiet_seconds=intake.number(
            "album_quiet_seconds", Config.album_quiet_seconds, low=0.05, high=60
        ),
        poll_timeout=telegram.integer("poll_timeout", Config.poll_timeout, low=1, high=50),
        max_photo_bytes=intake.integer(
            "max_photo_bytes", Config.max_photo_bytes, low=1, high=TELEGRAM_DOWNLOAD_LIMIT
        ),
        me_too_raise=intake.integer("me_too_raise", Config.me_too_raise, low=1, high=1000),
        resident_max_per_hour=residents.integer(
            "max_per_hour", Config.resident_max_per_hour, low=1, high=1000
        ),
        resident_max_per_day=residents.integer(
            "max_per_day", Config.resident_max_per_day, low=1, high=10000
        ),
        verify_days=residents.number("verify_days", Config.verify_days, low=0.01, high=60),
        relay_per_minute=residents.integer(
            "relay_per_minute", Config.relay_per_minute, low=1, high=60
        ),
        keep_identity_days=residents.integer(
            "keep_identity_days", Config.keep_identity_days, low=1, high=36500
        ),
        stats_min_items=stats.integer("min_items", Config.stats_min_items, low=1, high=1000),
        web_public_url=(web.url("public_url", "http://x").rstrip("/")
                        if web.has("public_url") else None),
        web_listen=_read_listen(web),
        web_session_days=web.number("session_days", Config.web_session_days, low=0.01,
                                    high=365),
        web_initdata_max_age=web.integer("initdata_max_age", Config.web_initdata_max_age,
                                         low=10, high=7 * 86400),
    )


_LISTEN_RE = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")


def _read_listen(table: Table) -> str:
    """``host:port`` for the desk's web server; port 0 takes any free one (tests)."""
    value = table.string("listen", Config.web_listen)
    found = _LISTEN_RE.match(value)
    if found is None or int(found.group(2)) > 65535:
        raise table.error("listen", 'must be host:port, such as "127.0.0.1:8080"')
    return value


def check_config(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> tuple[bool, str]:
    """``fiveheads check-config FILE``: (ok, one line to print), never raising ConfigError."""
    try:
        config = load_config(path, environ)
    except ConfigError as exc:
        return False, str(exc)
    heads = sum(len(grid.heads) for grid in config.grids)
    return True, (
        f"{config.path}: ok: {len(config.grids)} grids, {heads} heads, "
        f"{len(config.categories)} categories, {len(config.coordinators)} coordinators"
    )
