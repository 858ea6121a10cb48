"""Emergencies a report may describe, so the person is told at once whom to call (SPEC §3:
"gas smell → call 119 now"), before the bot asks anything else."""

from __future__ import annotations

import re

from bot.domain.classify import normalize
from bot.domain.model import Category

# Catalog key suffix -> words that signal it, matched on ``normalize``d text (case-folded,
# full-width and zero-width forms undone). Checked in this order; several may apply.
_SIGNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gas", re.compile(r"煤气|燃气|天然气|液化气|gas ?(smell|leak)|smell (of )?gas")),
    ("fire", re.compile(r"着火|失火|起火|火灾|冒烟|烧起来|\bfire\b|\bsmoke\b")),
    ("violence", re.compile(r"打人|持刀|砍人|家暴|行凶|抢劫|\bknife\b|\bassault|\bviolen")),
    ("medical", re.compile(
        r"晕倒|昏迷|摔倒|不省人事|心脏病|中风|急救|出血|流血|"
        r"\bfaint|\bunconscious|\bcollapsed|\bbleeding|\bstroke\b|\bheart attack")),
)
# Phrases that contain a sign but name a precaution, not an emergency: a blocked fire lane
# is a parking report, and "火灾隐患" (a fire hazard) is what grid heads call stairwell
# clutter. Telling someone to call 119 for those teaches them to ignore the real warning.
_FALSE_ALARMS = re.compile(
    r"火灾隐患|\bfire[ -]?(?:lane|exit|door|escape|extinguisher|hydrant|hazard)"
)


def emergencies(text: str) -> list[str]:
    """The kinds of emergency the text mentions, as ``emergency.<kind>`` catalog keys."""
    plain = _FALSE_ALARMS.sub(" ", normalize(text))
    return [f"emergency.{kind}" for kind, pattern in _SIGNS if pattern.search(plain)]


def hints(text: str, category: Category, language: str) -> tuple[list[str], str]:
    """What to say at once about a report: emergency catalog keys from its words, and its
    category's own hint (config data, already in the right language) or ""."""
    return emergencies(text), category.emergency_hint(language)
