"""The layout in the README ("How the code is laid out") is held by import-linter contracts
in pyproject.toml; a broken one fails here with import-linter's report of the offending
import chains."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `lint-imports`, run by this interpreter (so the venv's import-linter and packages), on the
# project's pyproject.toml, without writing a cache into the tree.
LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def test_import_contracts_are_kept() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_of_the_readme_has_its_contract() -> None:
    """A contract removed or renamed in pyproject.toml is a rule the README still promises."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    linter = config["tool"]["importlinter"]
    assert set(linter["root_packages"]) == {"bot", "handlers", "storage"}
    assert {c["id"] for c in linter["contracts"]} == {
        "domain", "views", "storage", "handlers-storage", "services", "telegram",
    }
