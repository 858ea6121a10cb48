"""Reading a TOML file as tables of checked values, each complaint naming the file and key.

A program's own schema (which tables and keys exist, what each means) lives with that
program; this module only knows TOML: how to read the file, how to take a typed value out
of a table with its bounds, and how to say what is wrong in one line
(``bot.toml: grids[1].heads[0].role: must be one of ...``) that an operator can act on
without a traceback. Error messages never quote a value, since a value may be a secret.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

__all__ = ["ConfigError", "Secret", "Table", "read_file", "unique"]

_E = TypeVar("_E", bound=StrEnum)

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
    """A secret value (a token), masked in ``repr``/``str`` so no log or repr leaks it.

    Only :meth:`reveal` returns the value; grep for it to audit every use.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the real value, for the one place that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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


def _type_name_of(kind: type) -> str:
    """The TOML name of a Python type, for array item messages."""
    return {int: "an integer", str: "a string"}.get(kind, kind.__name__)


class Table:
    """One TOML table plus its dotted name, so every complaint names the exact key.

    Unknown keys are refused on construction: a misspelt optional key would otherwise be
    silently ignored and its default used.
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

    def key(self, key: str) -> str:
        """The full dotted name of ``key`` in this table."""
        return f"{self.name}.{key}" if self.name else key

    def error(self, key: str, problem: str) -> ConfigError:
        """A ConfigError about ``key`` in this table."""
        return ConfigError(self.file, self.key(key), problem)

    def item_error(self, key: str, index: int, problem: str) -> ConfigError:
        """A ConfigError about one element of the array ``key`` (``days[1]``)."""
        return ConfigError(self.file, f"{self.key(key)}[{index}]", problem)

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

    def choice(self, key: str, choices: Sequence[str], default: str | None = None) -> str:
        """A string that must be one of ``choices``."""
        value = self.string(key, default)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}")
        return value

    def member(self, key: str, enum: type[_E]) -> _E:
        """A required string naming one of ``enum``'s values, as that member."""
        return enum(self.choice(key, tuple(enum)))

    def path(self, key: str, default: str) -> str:
        """A file or directory path; an empty one would put data in the working directory."""
        value = self.string(key, default)
        if not value:
            raise self.error(key, "must not be empty")
        return value

    def url(self, key: str, default: str) -> str:
        """An http(s) URL."""
        value = self.string(key, default)
        if not _URL_RE.match(value):
            raise self.error(key, "must be an http:// or https:// URL")
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
        self._check_range(key, value, low, high)
        return value

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        """A float (an integer is accepted too) within ``low..high``."""
        value = self._get(key, "a number", (int, float))
        if value is None:
            return default
        assert isinstance(value, int | float)
        self._check_range(key, value, low, high)
        return float(value)

    def _check_range(self, key: str, value: float, low: float | None, high: float | None) -> None:
        """Refuse a number outside ``low..high``, naming the allowed range."""
        if (low is not None and value < low) or (high is not None and value > high):
            if high is None:
                raise self.error(key, f"must be at least {low}")
            if low is None:
                raise self.error(key, f"must be at most {high}")
            raise self.error(key, f"must be between {low} and {high}")

    def _array(self, key: str, expected: str, item: type) -> list[object] | None:
        """The raw array if present, each item already type-checked."""
        value = self._get(key, f"an array of {expected}", list)
        if value is None:
            return None
        assert isinstance(value, list)
        for index, element in enumerate(value):
            if isinstance(element, bool) or not isinstance(element, item):
                raise self.item_error(
                    key, index, f"expected {_type_name_of(item)}, got {_type_name(element)}"
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

    def table(self, key: str, known: Collection[str]) -> Table:
        """A sub-table (empty when absent)."""
        value = self._get(key, "a table", dict)
        data: dict[str, object] = value if isinstance(value, dict) else {}
        return Table(self.file, self.key(key), data, known)

    def tables(self, key: str, known: Collection[str]) -> list[Table]:
        """An array of tables (``[[key]]``), empty when absent."""
        value = self._get(key, f"an array of tables ([[{self.key(key)}]])", list)
        result = []
        for index, element in enumerate(value if isinstance(value, list) else []):
            if not isinstance(element, dict):
                raise self.item_error(key, index, f"expected a table, got {_type_name(element)}")
            result.append(Table(self.file, f"{self.key(key)}[{index}]", element, known))
        return result


def _parse(file: str, path: str | os.PathLike[str]) -> dict[str, object]:
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


def read_file(
    path: str | os.PathLike[str], known: Collection[str], *, arrays: Sequence[str] = ()
) -> Table:
    """The file's top-level table, named after ``os.fspath(path)`` in every error.

    ``arrays`` are the keys that must be arrays of tables: ``[grids]`` written for
    ``[[grids]]`` is the likeliest slip, so it is caught first, with the fix in the message.
    """
    file = os.fspath(path)
    data = _parse(file, path)
    root = Table(file, "", data, known)
    for name in arrays:
        if isinstance(data.get(name), dict):
            raise root.error(name, f"expected an array of tables: write [[{name}]], not [{name}]")
    return root


def unique(tables: Sequence[Table], values: Sequence[object], key: str, what: str) -> None:
    """Refuse the first value repeated in ``tables`` (None never repeats), naming both."""
    first: dict[object, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        earlier = first.setdefault(value, index)
        if earlier != index:
            raise tables[index].error(key, f"duplicate {what} (also {tables[earlier].name})")
