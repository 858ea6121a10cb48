"""Tests for bot.tomltables on a schema of its own: values come out typed, and every
problem is a ConfigError that names the file and the full key."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import pytest

from bot.tomltables import ConfigError, Secret, Table, read_file, unique

KNOWN = frozenset({"server", "users"})
SERVER = frozenset({"host", "port", "ratio", "debug", "log", "home", "mode", "tags", "ids"})


class Mode(StrEnum):
    FAST = "fast"
    SAFE = "safe"


def server(tmp_path: Path, body: str) -> Table:
    """The [server] table of a file holding ``body`` under it."""
    path = tmp_path / "app.toml"
    path.write_text(f"[server]\n{body}\n", encoding="utf-8")
    return read_file(path, KNOWN).table("server", SERVER)


def test_typed_values_and_defaults(tmp_path: Path) -> None:
    table = server(
        tmp_path,
        'host = "example.org"\nport = 80\nratio = 1\ndebug = true\nmode = "safe"\n'
        'home = "/srv"\nlog = "https://log.example.org"\ntags = ["a", "b"]\nids = [1, 2]',
    )
    assert table.string("host") == "example.org"
    assert table.integer("port", low=1, high=65535) == 80
    assert table.number("ratio", 0.5, low=0, high=2) == 1.0
    assert table.boolean("debug", False) is True
    assert table.member("mode", Mode) is Mode.SAFE
    assert table.path("home", ".") == "/srv"
    assert table.url("log", "http://localhost") == "https://log.example.org"
    assert table.strings("tags", ()) == ("a", "b")
    assert table.integers("ids", ()) == (1, 2)
    empty = server(tmp_path, "")
    assert empty.integer("port", 8080) == 8080
    assert empty.strings("tags", ("x",)) == ("x",)
    assert not empty.has("port")


@pytest.mark.parametrize(
    ("body", "read", "key", "message"),
    [
        ("", lambda t: t.string("host"), "server.host", "missing"),
        ('host = ""', lambda t: t.string("host"), "server.host", "missing"),
        ("port = true", lambda t: t.integer("port"), "server.port",
         "expected an integer, got a boolean"),
        ("port = 0", lambda t: t.integer("port", low=1, high=9), "server.port",
         "must be between 1 and 9"),
        ("port = 0", lambda t: t.integer("port", low=1), "server.port", "must be at least 1"),
        ("ratio = 3", lambda t: t.number("ratio", 1, low=0, high=2), "server.ratio",
         "must be between 0 and 2"),
        ('mode = "slow"', lambda t: t.member("mode", Mode), "server.mode",
         "must be one of fast, safe"),
        ('home = ""', lambda t: t.path("home", "."), "server.home", "must not be empty"),
        ('log = "ftp://x"', lambda t: t.url("log", "http://x"), "server.log",
         "must be an http:// or https:// URL"),
        ("ids = [1, true]", lambda t: t.integers("ids", ()), "server.ids[1]",
         "expected an integer, got a boolean"),
        ('tags = "a"', lambda t: t.strings("tags", ()), "server.tags",
         "expected an array of strings, got a string"),
    ],
)
def test_errors_name_the_file_and_key(
    tmp_path: Path, body: str, read: Callable[[Table], object], key: str, message: str
) -> None:
    table = server(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        read(table)
    assert (caught.value.file, caught.value.key) == (str(tmp_path / "app.toml"), key)
    assert caught.value.problem == message


def test_unknown_key_suggests_the_near_one(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text("[server]\nprot = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_file(path, KNOWN).table("server", SERVER)
    assert str(caught.value) == f"{path}: server.prot: unknown key (did you mean 'port'?)"


def test_array_of_tables(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('[[users]]\nname = "a"\n[[users]]\nnam = "b"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_file(path, KNOWN).tables("users", {"name"})
    assert caught.value.key == "users[1].nam"


def test_single_table_where_an_array_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('[users]\nname = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_file(path, KNOWN, arrays=["users"])
    assert (caught.value.key, caught.value.problem) == (
        "users", "expected an array of tables: write [[users]], not [users]"
    )


def test_unique_names_both_occurrences(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('[[users]]\nname = "a"\n[[users]]\nname = "a"\n', encoding="utf-8")
    tables = read_file(path, KNOWN).tables("users", {"name"})
    with pytest.raises(ConfigError) as caught:
        unique(tables, [t.string("name") for t in tables], "name", "user name")
    assert str(caught.value) == f"{path}: users[1].name: duplicate user name (also users[0])"
    unique(tables, [None, None], "name", "user name")  # absent values never clash


def test_syntax_error_and_missing_file_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text("[server]\nhost = \n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_file(path, KNOWN)
    assert caught.value.key.startswith("line 2, column")
    assert caught.value.problem.startswith("invalid TOML")
    with pytest.raises(ConfigError) as missing:
        read_file(tmp_path / "none.toml", KNOWN)
    assert str(missing.value) == f"{tmp_path / 'none.toml'}: file not found"


def test_secret_is_masked() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in f"{secret} {secret!r} {[secret]}"
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2") and hash(secret) == hash(Secret("hunter2"))
