"""The relay's words alone: signatures, the note past the cap, an issue's state (fast: no bot,
no database). Relaying itself, and its cap, are in tests/test_residents.py."""

from __future__ import annotations

import pytest

from bot.domain.model import Role, Status
from bot.views.relay import from_head, from_resident, held_note, role_label, status_label
from tests.domain.test_issue_machine import fresh_issue


@pytest.mark.parametrize("lang,roles,expected", [
    ("zh", {Role.GRID, Role.UNIT}, "【单元长 · #1】已清理"),
    ("en", {Role.GRID, Role.UNIT}, "[unit head · #1] 已清理"),
    ("zh", {Role.COMMUNITY, Role.POLICE}, "【警长 · #1】已清理"),
    ("zh", set(), "【社区 · #1】已清理"),
    ("en", set(), "[community · #1] 已清理"),
])
def test_a_head_signs_with_the_role_nearest_the_resident(
    lang: str, roles: set[Role], expected: str
) -> None:
    assert from_head(lang, fresh_issue(), frozenset(roles), "已清理") == expected


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_sign_alone(role: Role) -> None:
    signed = from_head("en", fresh_issue(), frozenset({role}), "ok")
    assert signed == f"[{role_label('en', role)} · #1] ok"


def test_a_resident_signs_with_the_place_and_no_name() -> None:
    assert from_resident("zh", fresh_issue(), "谢谢") == "💬 居民（3号楼2单元）回复 #1：谢谢"
    assert (from_resident("en", fresh_issue(), "thanks")
            == "💬 Resident (building 3, unit 2) replies on #1: thanks")


def test_the_note_past_the_cap_depends_on_who_sent() -> None:
    assert held_note("zh", 3, by_resident=True) == (
        "您在短时间内就 #3 发了很多条消息。这些内容都已记录在这件事上，五长们能看到；"
        "请稍等一分钟再继续发，谢谢理解。")
    assert held_note("en", 3, by_resident=False) == (
        "Too many replies went to the resident of #3 in a short time. Those over the limit "
        "are saved on the issue (/show 3) but were not passed on; please wait a minute "
        "before sending more.")


def test_status_label() -> None:
    assert status_label("zh", Status.IN_PROGRESS) == "处理中"
    assert status_label("en", Status.RESOLVED) == "resolved, awaiting verification"
