"""The figures a community reports upward, as plain values (SPEC §1: "64 public events
handled..."): counted by storage, shown by views."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Kind


@dataclass(frozen=True)
class KindCount:
    """For one kind of issue in a period: how many were reported and how many closed."""

    kind: Kind
    created: int
    closed: int
