"""Configuration: one TOML file, validated completely at start-up.

A bot that starts with a typo in its roster pings the wrong person weeks later, so every
problem is reported before anything runs, as one line that names the file and the key
(``bot.toml: grids[1].heads[0].role: must be one of ...``). The token may come from the
``FIVEHEADS_TOKEN`` environment variable instead of the file, and it is wrapped in
:class:`Secret` so that no repr, log line or error message ever shows it: Telegram file
URLs and API URLs embed it, and whoever holds it controls the bot.

The environment is passed in as a mapping (as in starlette's ``Config``) so tests need not
touch ``os.environ``. This module does no network I/O and does not import telegram.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import LANGUAGES

__all__ = [
    "CATEGORY_KINDS",
    "PRIORITIES",
    "ROLES",
    "TOKEN_ENV",
    "CategoryConfig",
    "Config",
    "ConfigError",
    "GridConfig",
    "HeadConfig",
    "Secret",
    "check_config",
    "load_config",
]

TOKEN_ENV = "FIVEHEADS_TOKEN"
ROLES = ("community", "police", "grid", "building", "unit")
CATEGORY_KINDS = ("public_event", "dispute", "request", "wish")
PRIORITIES = ("urgent", "priority", "normal", "planned")

# Telegram refuses bot downloads above 20 MB, so a larger cap could never be honoured.
TELEGRAM_DOWNLOAD_LIMIT = 20_000_000

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
# Keys end up in callback data (64 bytes) and deep links, so they stay short and ASCII.
GRID_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_KEY_RULE = "must be 1-32 of a-z, 0-9, _ and -, starting with a letter or digit"
_BUILDING_RE = re.compile(r"^\d+$")
_UNIT_RE = re.compile(r"^\d+-\d+$")
_PLACE_RE = re.compile(r"^\d+(-\d+)?$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_URL_RE = re.compile(r"^https?://\S+$")
_TOML_POSITION_RE = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")


class ConfigError(Exception):
    """A configuration problem, rendered as one line: ``<file>: <key>: <problem>``.

    One line because it is what an operator sees in ``journalctl`` or a CI log; the file
    and the key are separate attributes so callers and tests need not parse the text.
    """

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = " ".join(problem.split())
        super().__init__(str(self))

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.key, self.problem) if part)


class Secret:
    """The bot token, masked in ``repr``/``str`` so it cannot leak through a log or a repr.

    Only :meth:`reveal` returns the value; grep for it to audit every use.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the real value, for the one place that talks to Telegram."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class HeadConfig:
    """One of a grid's five heads as listed in the file (changes by command live in the DB).

    ``place`` is ``"3"`` for a building head, ``"3-2"`` for a unit head and ``""`` for the
    others, whose scope is the grid or the community.
    """

    role: str
    user_id: int
    name: str
    place: str = ""


@dataclass(frozen=True)
class GridConfig:
    """A grid (网格) and its work group; ``chat_id`` is None until ``/bind`` sets it."""

    key: str
    name: str
    chat_id: int | None
    heads: tuple[HeadConfig, ...]


@dataclass(frozen=True)
class CategoryConfig:
    """An issue category: who answers for it, how urgent it is, which words select it."""

    key: str
    zh: str
    en: str
    kind: str
    role: str
    priority: str
    keywords: tuple[str, ...]
    emergency_hint_zh: str = ""
    emergency_hint_en: str = ""


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
    # Empty means the domain's defaults (bot.domain.model.DEFAULT_CATEGORIES, SPEC §2).
    categories: tuple[CategoryConfig, ...] = ()
    care_places: tuple[str, ...] = ()
    album_quiet_seconds: float = 2.0
    poll_timeout: int = 30
    max_photo_bytes: int = TELEGRAM_DOWNLOAD_LIMIT
    resident_max_per_hour: int = 3      # [residents] max_per_hour
    resident_max_per_day: int = 10      # [residents] max_per_day
    verify_days: float = 3.0            # [residents] verify_days: unanswered "fixed?" closes
    relay_per_minute: int = 6           # [residents] relay_per_minute, per issue and direction

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
    "intake": frozenset({"album_quiet_seconds", "max_photo_bytes"}),
    "residents": frozenset({"max_per_hour", "max_per_day", "verify_days", "relay_per_minute"}),
    "grids": frozenset({"key", "name", "chat_id", "heads"}),
    "categories": frozenset({
        "key", "zh", "en", "kind", "role", "priority", "keywords",
        "emergency_hint_zh", "emergency_hint_en",
    }),
}
_HEAD_KEYS = frozenset({"role", "user_id", "name", "place"})
_ARRAY_TABLES = frozenset({"grids", "categories"})


def _suggest(word: str, choices: Collection[str]) -> str:
    """A " (did you mean 'x'?)" hint, because most unknown keys are typos."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(value: object) -> str:
    """The TOML name of a parsed value's type, for "expected X, got Y" messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return "a date/time"
    return type(value).__name__


class _Table:
    """One TOML table plus its dotted name, so every complaint names the exact key.

    Unknown keys are refused on construction: a misspelt optional key would otherwise be
    silently ignored and its default used. Error messages never quote the offending value,
    since the value may be the token.
    """

    def __init__(
        self, file: str, name: str, data: Mapping[str, object], known: Collection[str]
    ) -> None:
        self.file = file
        self.name = name
        self._data = data
        for key in data:
            if key not in known:
                raise self.error(key, "unknown key" + _suggest(key, known))

    def has(self, key: str) -> bool:
        """Whether ``key`` is set, to tell "absent" from "set to the default"."""
        return key in self._data

    def raw(self, key: str) -> object:
        """The unchecked value of ``key``, None when absent."""
        return self._data.get(key)

    def key(self, key: str) -> str:
        """The full dotted name of ``key`` in this table."""
        return f"{self.name}.{key}" if self.name else key

    def error(self, key: str, problem: str) -> ConfigError:
        """A ConfigError about ``key`` in this table."""
        return ConfigError(self.file, self.key(key), problem)

    def _get(self, key: str, expected: str, ok: type | tuple[type, ...]) -> object | None:
        """The raw value if present and of an accepted type.

        A bool is an int to Python, so ``true`` is refused where a number is expected
        rather than read as 1; only keys that ask for a bool take one.
        """
        value = self._data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) != (ok is bool) or not isinstance(value, ok):
            raise self.error(key, f"expected {expected}, got {_type_name(value)}")
        return value

    def string(self, key: str, default: str | None = None) -> str:
        """A string; required (non-empty) when no default is given."""
        value = self._get(key, "a string", str)
        if value is None or (default is None and value == ""):
            if default is None:
                raise self.error(key, "missing")
            return default
        assert isinstance(value, str)
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
        """A string that must be one of ``choices``."""
        value = self.string(key, default)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        """true or false."""
        value = self._get(key, "true or false", bool)
        if value is None:
            return default
        assert isinstance(value, bool)
        return value

    def integer(
        self, key: str, default: int | None = None, *, low: int | None = None,
        high: int | None = None,
    ) -> int:
        """An integer within ``low..high``; required when no default is given."""
        value = self._get(key, "an integer", int)
        if value is None:
            if default is None:
                raise self.error(key, "missing")
            return default
        assert isinstance(value, int)
        _check_range(self, key, value, low, high)
        return value

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        """A float (an integer is accepted too) within ``low..high``."""
        value = self._get(key, "a number", (int, float))
        if value is None:
            return default
        assert isinstance(value, int | float)
        _check_range(self, key, value, low, high)
        return float(value)

    def _array(self, key: str, expected: str, item: type) -> list[object] | None:
        """The raw array if present, each item already type-checked."""
        value = self._get(key, f"an array of {expected}", list)
        if value is None:
            return None
        assert isinstance(value, list)
        for index, element in enumerate(value):
            if isinstance(element, bool) or not isinstance(element, item):
                raise ConfigError(
                    self.file, f"{self.key(key)}[{index}]",
                    f"expected {_type_name_of(item)}, got {_type_name(element)}",
                )
        return value

    def integers(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        """An array of integers."""
        value = self._array(key, "integers", int)
        return default if value is None else tuple(v for v in value if isinstance(v, int))

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """An array of strings."""
        value = self._array(key, "strings", str)
        return default if value is None else tuple(v for v in value if isinstance(v, str))

    def table(self, key: str) -> _Table:
        """A sub-table (empty when absent)."""
        value = self._get(key, "a table", dict)
        data: dict[str, object] = value if isinstance(value, dict) else {}
        return _Table(self.file, self.key(key), data, _SCHEMA[key])

    def tables(self, key: str, known: Collection[str]) -> list[_Table]:
        """An array of tables (``[[key]]``), empty when absent."""
        value = self._get(key, f"an array of tables ([[{self.key(key)}]])", list)
        result = []
        for index, element in enumerate(value if isinstance(value, list) else []):
            name = f"{self.key(key)}[{index}]"
            if not isinstance(element, dict):
                raise ConfigError(self.file, name, f"expected a table, got {_type_name(element)}")
            result.append(_Table(self.file, name, element, known))
        return result


def _type_name_of(kind: type) -> str:
    """The TOML name of a Python type, for array item messages."""
    return {int: "an integer", str: "a string"}.get(kind, kind.__name__)


def _check_range(
    table: _Table, key: str, value: float, low: float | None, high: float | None
) -> None:
    """Refuse a number outside ``low..high``, naming the allowed range."""
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise table.error(key, f"must be at least {low}")
        if low is None:
            raise table.error(key, f"must be at most {high}")
        raise table.error(key, f"must be between {low} and {high}")


def _read_toml(file: str, path: str | os.PathLike[str]) -> dict[str, object]:
    """Parse the file, turning every I/O or syntax failure into a ConfigError with a line."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise ConfigError(file, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(file, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(file, f"line {line}", "not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION_RE.search(message)
        where = match.group(1) if match else ""
        problem = message[: match.start()] if match else message
        raise ConfigError(file, where, f"invalid TOML: {problem}") from None


def _read_token(telegram: _Table, environ: Mapping[str, str]) -> Secret:
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


def _read_url(table: _Table, key: str, default: str) -> str:
    """An http(s) base URL, so a local Bot API server can stand in for api.telegram.org."""
    value = table.string(key, default)
    if not _URL_RE.match(value):
        raise table.error(key, "must be an http:// or https:// URL")
    return value


def _read_path(table: _Table, key: str, default: str) -> str:
    """A file or directory path; an empty one would put data in the working directory."""
    value = table.string(key, default)
    if not value:
        raise table.error(key, "must not be empty")
    return value


def _read_timezone(table: _Table) -> str:
    """An IANA zone name that this machine's tz database knows."""
    value = table.string("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise table.error(
            "timezone", "unknown time zone (use an IANA name such as Asia/Shanghai)"
        ) from None
    return value


def _read_meetings(table: _Table) -> tuple[tuple[int, ...], str]:
    """Meeting days (1..31, no repeats, at least one) and the HH:MM time."""
    days = table.integers("days", (9, 19, 29))
    if not days:
        raise table.error("days", "must list at least one day")
    for index, day in enumerate(days):
        if not 1 <= day <= 31:
            raise ConfigError(table.file, f"{table.key('days')}[{index}]",
                              "must be a day of the month, 1 to 31")
        if day in days[:index]:
            raise ConfigError(table.file, f"{table.key('days')}[{index}]", "repeated day")
    time = table.string("time", "08:00")
    if not _TIME_RE.match(time):
        raise table.error("time", 'must be a 24-hour time "HH:MM", such as "08:00"')
    return days, time


def _read_places(table: _Table, key: str) -> tuple[str, ...]:
    """Addresses written like "5" (building) or "3-2" (building 3, unit 2)."""
    places = table.strings(key, ())
    for index, place in enumerate(places):
        if not _PLACE_RE.match(place):
            raise ConfigError(table.file, f"{table.key(key)}[{index}]",
                              'must be a building like "5" or a unit like "3-2"')
    return places


def _read_head(table: _Table) -> HeadConfig:
    """A head; building and unit heads need the place they answer for, others must not."""
    role = table.choice("role", ROLES)
    user_id = table.integer("user_id", low=1)
    name = table.string("name")
    place = table.string("place", "")
    if role == "building" and not _BUILDING_RE.match(place):
        raise table.error("place", 'a building head needs the building number, such as "3"')
    if role == "unit" and not _UNIT_RE.match(place):
        raise table.error("place", 'a unit head needs building-unit, such as "3-2"')
    if role not in ("building", "unit") and place:
        raise table.error("place", f"only building and unit heads have a place, not {role}")
    return HeadConfig(role=role, user_id=user_id, name=name, place=place)


def _read_grid(table: _Table) -> GridConfig:
    """A grid with its heads; one head per role and place, so dispatch is never ambiguous."""
    key = table.string("key")
    if not GRID_KEY_RE.match(key):
        raise table.error("key", _KEY_RULE)
    name = table.string("name")
    chat_id = table.integer("chat_id", 0, high=-1) if table.has("chat_id") else None
    heads: list[HeadConfig] = []
    seen: dict[tuple[str, str], int] = {}
    for index, head_table in enumerate(table.tables("heads", _HEAD_KEYS)):
        head = _read_head(head_table)
        first = seen.setdefault((head.role, head.place), index)
        if first != index:
            where = f" for {head.place}" if head.place else ""
            raise head_table.error(
                "role", f"a second {head.role} head{where} (already {table.key('heads')}[{first}])"
            )
        heads.append(head)
    return GridConfig(key=key, name=name, chat_id=chat_id, heads=tuple(heads))


def _read_category(table: _Table) -> CategoryConfig:
    """A category row of [[categories]]."""
    key = table.string("key")
    if not GRID_KEY_RE.match(key):
        raise table.error("key", _KEY_RULE)
    return CategoryConfig(
        key=key,
        zh=table.string("zh"),
        en=table.string("en"),
        kind=table.choice("kind", CATEGORY_KINDS),
        role=table.choice("role", ROLES),
        priority=table.choice("priority", PRIORITIES),
        keywords=table.strings("keywords", ()),
        emergency_hint_zh=table.string("emergency_hint_zh", ""),
        emergency_hint_en=table.string("emergency_hint_en", ""),
    )


def _unique(tables: list[_Table], values: list[object], key: str, what: str) -> None:
    """Refuse the first repeated value, pointing at both occurrences."""
    first: dict[object, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        earlier = first.setdefault(value, index)
        if earlier != index:
            raise tables[index].error(key, f"duplicate {what} (also {tables[earlier].name})")


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the file; raise ConfigError on the first problem found.

    ``environ`` defaults to ``os.environ``; only FIVEHEADS_TOKEN is read from it.
    """
    file = os.fspath(path)
    env: Mapping[str, str] = os.environ if environ is None else environ
    root = _Table(file, "", _read_toml(file, path), _SCHEMA.keys())
    for name in _SCHEMA:
        if name in _ARRAY_TABLES and isinstance(root.raw(name), dict):
            raise root.error(name, f"expected an array of tables: write [[{name}]], not [{name}]")

    telegram = root.table("telegram")
    storage = root.table("storage")
    bot = root.table("bot")
    meetings = root.table("meetings")
    intake = root.table("intake")
    residents = root.table("residents")

    token = _read_token(telegram, env)
    meeting_days, meeting_time = _read_meetings(meetings)

    grid_tables = root.tables("grids", _SCHEMA["grids"])
    grids = [_read_grid(table) for table in grid_tables]
    _unique(grid_tables, [grid.key for grid in grids], "key", "grid key")
    _unique(grid_tables, [grid.chat_id for grid in grids], "chat_id", "chat_id")

    categories: tuple[CategoryConfig, ...] = ()
    if root.has("categories"):
        category_tables = root.tables("categories", _SCHEMA["categories"])
        if not category_tables:
            raise root.error("categories", "must list at least one category")
        categories = tuple(_read_category(table) for table in category_tables)
        _unique(category_tables, [c.key for c in categories], "key", "category key")

    coordinators = bot.integers("coordinators", ())
    for index, user_id in enumerate(coordinators):
        if user_id < 1:
            raise ConfigError(file, f"{bot.key('coordinators')}[{index}]",
                              "must be a Telegram user id (a positive integer)")

    return Config(
        path=file,
        token=token,
        api_base_url=_read_url(telegram, "api_base_url", Config.api_base_url),
        file_base_url=_read_url(telegram, "file_base_url", Config.file_base_url),
        database=_read_path(storage, "database", Config.database),
        media_dir=_read_path(storage, "media_dir", Config.media_dir),
        language=bot.choice("language", LANGUAGES, Config.language),
        timezone=_read_timezone(bot),
        coordinators=coordinators,
        meeting_days=meeting_days,
        meeting_time=meeting_time,
        meeting_skip_holidays=meetings.boolean("move_off_holidays", False),
        grids=tuple(grids),
        categories=categories,
        care_places=_read_places(bot, "care_places"),
        album_quiet_seconds=intake.number(
            "album_quiet_seconds", Config.album_quiet_seconds, low=0.05, high=60
        ),
        poll_timeout=telegram.integer("poll_timeout", Config.poll_timeout, low=1, high=50),
        max_photo_bytes=intake.integer(
            "max_photo_bytes", Config.max_photo_bytes, low=1, high=TELEGRAM_DOWNLOAD_LIMIT
        ),
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
    )


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
