"""The command line: check-config names the key and exits 1; the token never reaches logs."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.logmask import protect

ROOT = Path(__file__).resolve().parent.parent


def test_check_config_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(ROOT / "config.example.toml")]) == 0


def test_check_config_names_the_bad_key_and_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (ROOT / "config.example.toml").read_text(encoding="utf-8").replace(
            'role = "unit"', 'role = "mayor"', 1
        ),
        encoding="utf-8",
    )
    assert main(["check-config", str(bad)]) == 1
    line = capsys.readouterr().err.strip()
    assert "bad.toml" in line and ".role" in line and "\n" not in line


def test_run_with_a_bad_config_stops_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[telegram]\ntoken = "nope"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(bad)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "telegram.token" in result.stderr and "nope" not in result.stderr


def test_the_token_is_masked_in_messages_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "123456:SECRET-abcdefghijklmnopqrstuvwxyz"
    protect(token)
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{token}/getMe failed")
    except RuntimeError:
        logging.getLogger("httpx").warning("POST https://x/bot%s/getMe", token, exc_info=True)
    assert token not in caplog.text and caplog.text.count("<token>") == 2
