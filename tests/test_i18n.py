"""Every user-facing string lives in both catalogs with the same keys and placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from bot.domain.lifecycle import Action
from bot.domain.model import Priority, Role, Status
from bot.i18n import catalog, language_for, placeholders, t
from handlers.cards import REJECT_REASONS

ROOT = Path(__file__).resolve().parent.parent


def test_zh_and_en_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_every_literal_key_used_in_the_code_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(
        r"""(?:UserError|reply_key\(update, ctx,|\bt\(\s*[\w.]+,)\s*"([a-z_]+\.[a-z_.]+)\""""
    )
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    lifecycle = (ROOT / "bot/domain/lifecycle.py").read_text(encoding="utf-8")
    used |= set(re.findall(r'"(perm\.[a-z_]+)"', lifecycle))
    media = (ROOT / "bot/media.py").read_text(encoding="utf-8")
    used |= set(re.findall(r'"(media\.[a-z_]+)"', media))
    assert used, "the scan found nothing: the pattern is broken"
    missing = sorted(k for k in used if k not in catalog("zh"))
    assert missing == []


def test_keys_built_from_enums_exist() -> None:
    keys = catalog("zh").keys()
    for status in Status:
        assert f"status.{status.value}" in keys
    for role in Role:
        assert f"role.{role.value}" in keys
    for priority in Priority:
        assert f"priority.{priority.value}" in keys
    for action in Action:
        assert f"event.{action.value}" in keys
    for reason in REJECT_REASONS:
        assert f"reject.{reason}" in keys


def test_language_choice() -> None:
    assert language_for("en-GB") == "en"
    assert language_for("zh-hans") == "zh"
    assert language_for("ru") == "zh"  # the configured default
    assert language_for(None, "en") == "en"
    assert t("xx", "status.closed") == "已办结"


def test_every_event_type_has_a_label() -> None:
    """/show names each event of an issue's history from the catalog."""
    # Events are logged by name (add_event), by the domain (Event("…"), and an action's own
    # name for every change decide() makes).
    patterns = (re.compile(r'add_event\(\s*conn,\s*[^,]+,\s*[^,]+,\s*"([a-z_]+)"'),
                re.compile(r'\bEvent\(\s*"([a-z_]+)"'))
    types: set[str] = {action.value for action in Action}
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in patterns:
                types |= set(pattern.findall(text))
    assert {"reported", "escalated", "decision", "relay_to_group"} <= types
    assert sorted(k for k in types if f"event.{k}" not in catalog("en")) == []
