"""Tests for bot.config: the example loads, the token never shows, every error is one line
that names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import (
    TOKEN_ENV,
    Config,
    ConfigError,
    Secret,
    check_config,
    load_config,
)
from bot.domain.model import DEFAULT_CATEGORIES, Kind, Place, Priority, Role

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
TOKEN = "987654321:AAH-real_looking_secret_value_1234567"
NO_ENV: dict[str, str] = {}

MINIMAL = f"""
[telegram]
token = "{TOKEN}"

[[grids]]
key = "songhe-1"
name = "松鹤社区第一网格"

[[grids.heads]]
role = "grid"
user_id = 222
name = "张丽"
"""


def write(tmp_path: Path, text: str) -> Path:
    """Write a config file named bot.toml, the name the error messages should carry."""
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> ConfigError:
    """Load ``text`` and return the ConfigError it must cause, checking it is one line."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV if environ is None else environ)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert TOKEN not in message
    return caught.value


# --- the example and the happy path ---------------------------------------------------------


def test_example_file_loads() -> None:
    config = load_config(EXAMPLE, NO_ENV)
    assert config.path == str(EXAMPLE)
    assert config.language == "zh"
    assert config.tz.key == "Asia/Shanghai"
    assert config.meeting_days == (9, 19, 29)
    assert config.meeting_time == "08:00"
    assert config.care_places == (Place("3", "2"), Place("5"))
    (grid,) = config.grids
    assert grid.name == "松鹤社区第一网格"
    assert grid.chat_id is not None and grid.chat_id < 0
    assert [head.role for head in grid.heads] == list(Role)
    assert {head.role: head.place for head in grid.heads}[Role.UNIT] == Place("3", "2")
    assert {head.role: head.place for head in grid.heads}[Role.BUILDING] == Place("3")
    assert {head.role: head.place for head in grid.heads}[Role.GRID] == Place()
    assert config.categories == DEFAULT_CATEGORIES  # the example lists none


def test_example_documents_every_key() -> None:
    """Each key set in the example has a comment above it, beside it, or a "key:" entry
    in a block comment (as the repeated head fields do)."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    comments = "\n".join(line for line in lines if line.lstrip().startswith("#"))
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            key = line.split("=")[0].strip()
            above = lines[number - 1].lstrip().startswith("#")
            assert "#" in line or above or f"# {key}:" in comments, line


def test_example_with_token_from_environment() -> None:
    config = load_config(EXAMPLE, {TOKEN_ENV: TOKEN})
    assert config.token.reveal() == TOKEN


def test_minimal_file_takes_documented_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), NO_ENV)
    defaults = Config(path="x", token=Secret(TOKEN))
    assert config.database == defaults.database == "data/fiveheads.sqlite3"
    assert config.api_base_url == "https://api.telegram.org/bot"
    assert config.album_quiet_seconds == 2.0
    assert config.poll_timeout == 30
    assert config.max_photo_bytes == 20_000_000
    assert config.grids[0].chat_id is None
    assert config.grids[0].heads[0].place == Place()
    assert config.categories == defaults.categories == DEFAULT_CATEGORIES


def test_environment_token_overrides_file(tmp_path: Path) -> None:
    other = "1:" + "x" * 30
    config = load_config(write(tmp_path, MINIMAL), {TOKEN_ENV: other})
    assert config.token.reveal() == other


def test_token_from_environment_alone(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[bot]\nlanguage = \"en\"\n"), {TOKEN_ENV: TOKEN})
    assert config.token.reveal() == TOKEN
    assert config.language == "en"


def test_token_is_masked_everywhere(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), NO_ENV)
    assert str(config.token) == repr(config.token) == "Secret('**********')"
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)
    assert f"{config.token}" == "Secret('**********')"


def test_categories_replace_the_defaults(tmp_path: Path) -> None:
    text = MINIMAL + """
[[categories]]
key = "gas"
zh = "燃气泄漏"
en = "Gas leak"
kind = "public_event"
role = "community"
priority = "urgent"
keywords = ["燃气", "gas"]
emergency_hint_zh = "立即拨打 119"
"""
    (category,) = load_config(write(tmp_path, text), NO_ENV).categories
    assert category.key == "gas"
    assert (category.kind, category.role, category.priority) == (
        Kind.PUBLIC_EVENT, Role.COMMUNITY, Priority.URGENT
    )
    assert category.keywords == ("燃气", "gas")
    assert category.emergency_hint_zh == "立即拨打 119"
    assert category.emergency_hint_en == ""


def test_integer_accepted_where_a_float_is_expected(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + "[intake]\nalbum_quiet_seconds = 3\n"), NO_ENV)
    assert config.album_quiet_seconds == 3.0


# --- errors: each names the file and the key -----------------------------------------------


def test_missing_token(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL.replace(f'token = "{TOKEN}"', ""))
    assert error.key == "telegram.token"
    assert "missing" in error.problem and TOKEN_ENV in error.problem


def test_malformed_token_is_named_but_not_shown(tmp_path: Path) -> None:
    secret = "12345:short"
    error = error_for(tmp_path, MINIMAL.replace(TOKEN, secret))
    assert error.key == "telegram.token"
    assert secret not in str(error)


def test_malformed_environment_token(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL, {TOKEN_ENV: "not a token"})
    assert error.key == "telegram.token"
    assert TOKEN_ENV in error.problem
    assert "not a token" not in str(error)


def test_bad_role(tmp_path: Path) -> None:
    text = MINIMAL + """
[[grids]]
key = "songhe-2"
name = "松鹤社区第二网格"
[[grids.heads]]
role = "chief"
user_id = 5
name = "赵"
"""
    error = error_for(tmp_path, text)
    assert str(error) == (
        f"{tmp_path / 'bot.toml'}: grids[1].heads[0].role: "
        "must be one of community, police, grid, building, unit"
    )


@pytest.mark.parametrize("place", ["", "3", "3-", "三-2", "3-2-1"])
def test_unit_head_needs_building_and_unit(tmp_path: Path, place: str) -> None:
    head = f'[[grids.heads]]\nrole = "unit"\nuser_id = 9\nname = "黄"\nplace = "{place}"\n'
    text = MINIMAL + head
    error = error_for(tmp_path, text)
    assert error.key == "grids[0].heads[1].place"
    assert "3-2" in error.problem


def test_building_head_needs_a_building(tmp_path: Path) -> None:
    text = MINIMAL + '[[grids.heads]]\nrole = "building"\nuser_id = 9\nname = "刘"\n'
    assert error_for(tmp_path, text).key == "grids[0].heads[1].place"


def test_grid_head_has_no_place(tmp_path: Path) -> None:
    text = MINIMAL.replace('role = "grid"', 'role = "grid"\nplace = "3"')
    assert error_for(tmp_path, text).key == "grids[0].heads[0].place"


def test_head_place_is_the_domain_place(tmp_path: Path) -> None:
    """Written as the domain reads it (full-width digits, leading zeros), the same door."""
    head = '[[grids.heads]]\nrole = "unit"\nuser_id = 9\nname = "黄"\nplace = "０3-02"\n'
    config = load_config(write(tmp_path, MINIMAL + head), NO_ENV)
    assert config.grids[0].heads[1].place == Place("3", "2")


def test_head_place_the_domain_refuses(tmp_path: Path) -> None:
    """A number no door has fails at start, not at the first report from that place."""
    head = f'[[grids.heads]]\nrole = "building"\nuser_id = 9\nname = "刘"\nplace = "{"1" * 17}"\n'
    assert error_for(tmp_path, MINIMAL + head).key == "grids[0].heads[1].place"


def test_two_heads_for_one_unit(tmp_path: Path) -> None:
    head = '[[grids.heads]]\nrole = "unit"\nuser_id = 9\nname = "黄"\nplace = "3-2"\n'
    error = error_for(tmp_path, MINIMAL + head + head)
    assert error.key == "grids[0].heads[2].role"
    assert "heads[1]" in error.problem


def test_duplicate_grid_key(tmp_path: Path) -> None:
    text = MINIMAL + '[[grids]]\nkey = "songhe-1"\nname = "again"\n'
    error = error_for(tmp_path, text)
    assert error.key == "grids[1].key"
    assert "duplicate" in error.problem and "grids[0]" in error.problem


def test_duplicate_chat_id(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace('name = "松鹤社区第一网格"', 'name = "一"\nchat_id = -100123')
        + '[[grids]]\nkey = "songhe-2"\nname = "二"\nchat_id = -100123\n'
    )
    assert error_for(tmp_path, text).key == "grids[1].chat_id"


def test_grid_chat_id_must_be_a_group(tmp_path: Path) -> None:
    text = MINIMAL.replace('name = "松鹤社区第一网格"', 'name = "一"\nchat_id = 12345')
    assert error_for(tmp_path, text).key == "grids[0].chat_id"


def test_bad_grid_key(tmp_path: Path) -> None:
    assert error_for(tmp_path, MINIMAL.replace("songhe-1", "Song He")).key == "grids[0].key"


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL + "[bot]\ntimezon = \"UTC\"\n")
    assert error.key == "bot.timezon"
    assert "unknown key" in error.problem and "did you mean 'timezone'?" in error.problem


def test_unknown_table_with_suggestion(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL + "[meeting]\ndays = [9]\n")
    assert error.key == "meeting"
    assert "did you mean 'meetings'?" in error.problem


def test_unknown_key_in_a_head(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL.replace("user_id", "userid"))
    assert error.key == "grids[0].heads[0].userid"
    assert "did you mean 'user_id'?" in error.problem


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        ("[bot]\ncoordinators = 111\n", "bot.coordinators", "an array of integers"),
        ('[bot]\ncoordinators = ["111"]\n', "bot.coordinators[0]", "an integer"),
        ('[intake]\nmax_photo_bytes = "20MB"\n', "intake.max_photo_bytes", "an integer"),
        ("[intake]\nalbum_quiet_seconds = true\n", "intake.album_quiet_seconds", "a number"),
        ("[meetings]\ntime = 800\n", "meetings.time", "a string"),
        ("[storage]\ndatabase = 1\n", "storage.database", "a string"),
        ("storage = 3\n", "storage", "a table"),
    ],
)
def test_wrong_type_names_key_and_expected_type(
    tmp_path: Path, extra: str, key: str, expected: str
) -> None:
    text = extra + MINIMAL if not extra.startswith("[") else MINIMAL + extra
    error = error_for(tmp_path, text)
    assert error.key == key
    assert expected in error.problem


def test_single_grid_table_instead_of_array(tmp_path: Path) -> None:
    text = f'[telegram]\ntoken = "{TOKEN}"\n[grids]\nkey = "a"\nname = "b"\n'
    error = error_for(tmp_path, text)
    assert error.key == "grids"
    assert "[[grids]]" in error.problem


def test_bad_timezone(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL + '[bot]\ntimezone = "Asia/Beijing"\n')
    assert error.key == "bot.timezone"
    assert "Asia/Shanghai" in error.problem


def test_bad_language(tmp_path: Path) -> None:
    assert error_for(tmp_path, MINIMAL + '[bot]\nlanguage = "fr"\n').key == "bot.language"


@pytest.mark.parametrize(
    ("days", "key"),
    [("[9, 32]", "meetings.days[1]"), ("[0]", "meetings.days[0]"),
     ("[9, 9]", "meetings.days[1]"), ("[]", "meetings.days")],
)
def test_bad_meeting_day(tmp_path: Path, days: str, key: str) -> None:
    assert error_for(tmp_path, MINIMAL + f"[meetings]\ndays = {days}\n").key == key


@pytest.mark.parametrize("time", ["8:00", "24:00", "08:60", "noon"])
def test_bad_meeting_time(tmp_path: Path, time: str) -> None:
    assert error_for(tmp_path, MINIMAL + f'[meetings]\ntime = "{time}"\n').key == "meetings.time"


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[intake]\nalbum_quiet_seconds = 0.01\n", "intake.album_quiet_seconds"),
        ("[intake]\nmax_photo_bytes = 20000001\n", "intake.max_photo_bytes"),
        ('[bot]\ncare_places = ["3-2", "3号楼"]\n', "bot.care_places[1]"),
        (f'[bot]\ncare_places = ["{"1" * 17}"]\n', "bot.care_places[0]"),
        ("[bot]\ncoordinators = [-5]\n", "bot.coordinators[0]"),
        ('[storage]\nmedia_dir = ""\n', "storage.media_dir"),
    ],
)
def test_out_of_range_values(tmp_path: Path, extra: str, key: str) -> None:
    assert error_for(tmp_path, MINIMAL + extra).key == key


def test_poll_timeout_range(tmp_path: Path) -> None:
    text = MINIMAL.replace(f'token = "{TOKEN}"', f'token = "{TOKEN}"\npoll_timeout = 51')
    error = error_for(tmp_path, text)
    assert error.key == "telegram.poll_timeout"
    assert "between 1 and 50" in error.problem


def test_bad_api_url(tmp_path: Path) -> None:
    text = MINIMAL.replace(f'token = "{TOKEN}"', f'token = "{TOKEN}"\napi_base_url = "api.tg"')
    assert error_for(tmp_path, text).key == "telegram.api_base_url"


def test_bad_category(tmp_path: Path) -> None:
    text = MINIMAL + (
        '[[categories]]\nkey = "x"\nzh = "x"\nen = "x"\nkind = "event"\n'
        'role = "grid"\npriority = "normal"\n'
    )
    assert error_for(tmp_path, text).key == "categories[0].kind"


def test_duplicate_category_key(tmp_path: Path) -> None:
    category = (
        '[[categories]]\nkey = "x"\nzh = "x"\nen = "x"\nkind = "wish"\n'
        'role = "grid"\npriority = "normal"\n'
    )
    assert error_for(tmp_path, MINIMAL + category + category).key == "categories[1].key"


def test_missing_head_name(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL.replace('name = "张丽"', ""))
    assert (error.key, error.problem) == ("grids[0].heads[0].name", "missing")


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, MINIMAL + "[bot]\nlanguage = zh\n")
    assert error.key.startswith(f"line {MINIMAL.count(chr(10)) + 2}, column")
    assert error.problem.startswith("invalid TOML")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bot.toml"
    path.write_bytes(b'[bot]\nlanguage = "\xff"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV)
    assert caught.value.key == "line 2"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path, NO_ENV)
    assert str(caught.value) == f"{path}: file not found"


def test_environ_defaults_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert load_config(write(tmp_path, "")).token.reveal() == TOKEN


# --- check_config ---------------------------------------------------------------------------


def test_check_config_ok() -> None:
    ok, line = check_config(EXAMPLE, NO_ENV)
    assert ok
    assert line.startswith(f"{EXAMPLE}: ok")
    assert "\n" not in line


def test_check_config_failure_is_the_error_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '[bot]\nlanguage = "fr"\n')
    ok, line = check_config(path, NO_ENV)
    assert not ok
    assert line == f"{path}: bot.language: must be one of zh, en"


def test_check_config_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    assert check_config(path, NO_ENV) == (False, f"{path}: file not found")
