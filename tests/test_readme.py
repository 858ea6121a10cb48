"""The README's two commands are the ones that work: CI runs the test command verbatim."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = (ROOT / ".ci/run").read_text(encoding="utf-8").strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```sh\n{command}\n```" in readme


def test_readme_demo_command_runs_the_demo() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -q -e . && .venv/bin/fiveheads demo" in readme
