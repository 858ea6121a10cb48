"""``fiveheads meetings``: the calendar printed for a check by hand, with and without a file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main

TOKEN = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_defaults_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meetings", "--from", "2026-02-01", "--count", "4"]) == 0
    assert lines(capsys) == [
        "2026-02-09 Mon 08:00 Asia/Shanghai",
        "2026-02-19 Thu 08:00 Asia/Shanghai",
        "2026-02-28 Sat 08:00 Asia/Shanghai",  # the 29th in a common year
        "2026-03-09 Mon 08:00 Asia/Shanghai",
    ]


def test_a_meeting_on_the_from_day_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meetings", "--from", "2028-02-29", "--count", "1"]) == 0
    assert lines(capsys) == ["2028-02-29 Tue 08:00 Asia/Shanghai"]


def test_from_defaults_to_today(capsys: pytest.CaptureFixture[str]) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert main(["meetings"]) == 0
    printed = lines(capsys)
    assert len(printed) == 6
    first = date.fromisoformat(printed[0].split()[0])
    assert today <= first <= date.fromordinal(today.toordinal() + 31)


def test_the_file_sets_days_time_zone_and_holiday_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIVEHEADS_TOKEN", raising=False)
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[bot]\ntimezone = "Asia/Urumqi"\n'
        '[meetings]\ndays = [1, 15]\ntime = "19:30"\nmove_off_holidays = true\n',
        encoding="utf-8",
    )
    assert main(["meetings", "--config", str(config), "--from", "2026-09-30", "--count", "4"]) == 0
    assert lines(capsys) == [
        "2026-10-08 Thu 19:30 Asia/Urumqi",  # 1 October: National Day holiday until the 7th
        "2026-10-15 Thu 19:30 Asia/Urumqi",
        "2026-11-02 Mon 19:30 Asia/Urumqi",  # 1 November is a Sunday
        "2026-11-16 Mon 19:30 Asia/Urumqi",  # 15 November is a Sunday
    ]


def test_a_bad_file_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIVEHEADS_TOKEN", raising=False)
    config = tmp_path / "bot.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\n[meetings]\ndays = [32]\n',
                      encoding="utf-8")
    assert main(["meetings", "--config", str(config)]) == 1
    assert "meetings.days[0]" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["--from", "2026-02-30"], ["--count", "0"], ["--count", "many"]]
)
def test_bad_arguments_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["meetings", *argv])
    assert stopped.value.code == 2
    assert "fiveheads meetings" in capsys.readouterr().err
