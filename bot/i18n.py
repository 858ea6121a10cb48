"""Message catalogs: every user-facing string lives in ``bot/locales/<lang>.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


@cache
def catalog(language: str) -> dict[str, str]:
    text = resources.files("bot.locales").joinpath(f"{language}.toml").read_text("utf-8")
    out: dict[str, str] = {}
    _flatten("", tomllib.loads(text), out)
    return out


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def language_for(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """A user's Telegram language code picks English only when it says so; else the default."""
    if code and code.lower().startswith("en"):
        return "en"
    if code and code.lower().startswith("zh"):
        return "zh"
    return default


def t(language: str, key: str, /, **params: Any) -> str:
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    template = catalog(lang).get(key)
    if template is None:
        template = catalog(DEFAULT_LANGUAGE)[key]
    return template.format(**params) if params else template
