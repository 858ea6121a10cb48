"""Tests for bot.domain.model: enums, places and the default categories."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.model import (
    DEFAULT_CATEGORIES,
    Category,
    Kind,
    Place,
    Priority,
    ReporterKind,
    Role,
    Status,
    category_by_key,
)


def test_enum_values_are_the_stored_keys() -> None:
    assert [r.value for r in Role] == ["community", "police", "grid", "building", "unit"]
    assert [k.value for k in Kind] == ["public_event", "dispute", "request", "wish"]
    assert [p.value for p in Priority] == ["urgent", "priority", "normal", "planned"]
    assert [r.value for r in ReporterKind] == ["head", "resident"]
    assert Status("in_progress") is Status.IN_PROGRESS


def test_priority_rank_orders_most_urgent_first() -> None:
    assert [p.rank for p in Priority] == [0, 1, 2, 3]
    assert min(Priority, key=lambda p: p.rank) is Priority.URGENT


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Priority.PLANNED, Priority.NORMAL),
        (Priority.NORMAL, Priority.PRIORITY),
        (Priority.PRIORITY, Priority.URGENT),
        (Priority.URGENT, Priority.URGENT),
    ],
)
def test_priority_raised_climbs_one_rung(before: Priority, after: Priority) -> None:
    assert before.raised() is after


def test_unresolved_statuses() -> None:
    assert {s for s in Status if s.unresolved} == {
        Status.OPEN,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.REFERRED,
    }


@given(st.sampled_from(Status))
def test_unresolved_is_exactly_not_closed_or_rejected(status: Status) -> None:
    assert status.unresolved == (status not in (Status.CLOSED, Status.REJECTED))


@pytest.mark.parametrize(
    ("place", "label"),
    [(Place("3", "2"), "3-2"), (Place("3"), "3"), (Place(), ""), (Place("a", "1"), "A-1")],
)
def test_label(place: Place, label: str) -> None:
    assert place.label() == label


@pytest.mark.parametrize(
    ("label", "place"),
    [
        ("3-2", Place("3", "2")),
        (" 3-2 ", Place("3", "2")),
        ("3", Place("3")),
        ("", Place()),
        ("03-02", Place("3", "2")),
        ("３－２", Place("3", "2")),
        ("b-1", Place("B", "1")),
    ],
)
def test_parse_label(label: str, place: Place) -> None:
    assert Place.parse_label(label) == place


@pytest.mark.parametrize("junk", ["3-2-1", "-2", "3-", "3 2", "3号楼", "a/b", "-", "x" * 17])
def test_parse_label_rejects_junk(junk: str) -> None:
    with pytest.raises(ValueError):
        Place.parse_label(junk)


def test_place_is_normalized_so_equal_doors_compare_equal() -> None:
    assert Place("03", "２") == Place("3", "2")
    assert Place(" 3 ") == Place("3")


def test_unit_needs_a_building() -> None:
    with pytest.raises(ValueError):
        Place(unit="2")


def test_is_empty() -> None:
    assert Place().is_empty()
    assert not Place("3").is_empty()


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        (Place("3", "2"), Place("3"), True),
        (Place("3", "2"), Place("3", "2"), True),
        (Place("3"), Place("3", "2"), False),
        (Place("3", "1"), Place("3", "2"), False),
        (Place("4", "2"), Place("3"), False),
        (Place("3", "2"), Place(), True),
        (Place(), Place(), True),
        (Place(), Place("3"), False),
    ],
)
def test_within(inner: Place, outer: Place, expected: bool) -> None:
    assert inner.within(outer) is expected


_PARTS = st.one_of(
    st.integers(min_value=0, max_value=9999).map(str),
    st.text(alphabet="0123456789abzAZ０９ａＺ -", max_size=6),
    st.text(max_size=4),
)


def _place_or_none(building: str, unit: str) -> Place | None:
    try:
        return Place(building, unit)
    except ValueError:
        return None


@given(st.builds(_place_or_none, _PARTS, st.one_of(st.just(""), _PARTS)))
def test_label_round_trip(place: Place | None) -> None:
    if place is not None:
        assert Place.parse_label(place.label()) == place


def test_default_categories_follow_the_spec_table() -> None:
    table = [
        ("clutter", "楼道堆物", Kind.PUBLIC_EVENT, Role.UNIT, Priority.NORMAL),
        ("parking", "车辆乱停", Kind.PUBLIC_EVENT, Role.BUILDING, Priority.NORMAL),
        ("dispute", "邻里纠纷", Kind.DISPUTE, Role.POLICE, Priority.PRIORITY),
        ("safety", "治安防诈", Kind.PUBLIC_EVENT, Role.POLICE, Priority.PRIORITY),
        ("heating", "供暖", Kind.REQUEST, Role.COMMUNITY, Priority.URGENT),
        ("water", "供水", Kind.REQUEST, Role.COMMUNITY, Priority.URGENT),
        ("sanitation", "环境卫生", Kind.PUBLIC_EVENT, Role.GRID, Priority.NORMAL),
        ("facility", "公共设施", Kind.REQUEST, Role.GRID, Priority.NORMAL),
        ("property", "物业服务", Kind.REQUEST, Role.GRID, Priority.NORMAL),
        ("wish", "微心愿", Kind.WISH, Role.GRID, Priority.PLANNED),
        ("other", "其他", Kind.REQUEST, Role.GRID, Priority.NORMAL),
    ]
    assert [(c.key, c.zh, c.kind, c.role, c.priority) for c in DEFAULT_CATEGORIES] == table


def test_default_keywords_include_the_spec_examples() -> None:
    examples = {
        "clutter": ("楼道", "杂物", "堆放", "乱堆", "stairwell"),
        "parking": ("电动车", "乱停", "堵住", "消防通道", "parking"),
        "dispute": ("吵架", "纠纷", "矛盾", "打架", "噪音", "quarrel"),
        "safety": ("诈骗", "盗窃", "可疑", "酒驾", "fraud"),
        "heating": ("暖气", "供热", "不热", "heating"),
        "water": ("水管", "冻裂", "停水", "漏水", "water"),
        "sanitation": ("垃圾", "卫生", "清扫", "garbage"),
        "facility": ("路灯", "井盖", "道路", "健身器材", "streetlight"),
        "property": ("物业", "电梯", "门禁", "elevator"),
        "wish": ("心愿", "帮忙", "代购", "wish"),
    }
    for key, words in examples.items():
        assert set(words) <= set(category_by_key(DEFAULT_CATEGORIES, key).keywords), key
    assert category_by_key(DEFAULT_CATEGORIES, "other").keywords == ()


def test_category_label_by_language() -> None:
    water = category_by_key(DEFAULT_CATEGORIES, "water")
    assert water.label("zh") == "供水"
    assert water.label("zh-CN") == "供水"
    assert water.label("en") == "Water supply"


def test_category_by_key_missing_raises_key_error() -> None:
    with pytest.raises(KeyError):
        category_by_key(DEFAULT_CATEGORIES, "nope")


def test_categories_are_hashable_values() -> None:
    custom = Category("x", "某", "X", Kind.WISH, Role.GRID, Priority.PLANNED, ("x",))
    assert custom == Category("x", "某", "X", Kind.WISH, Role.GRID, Priority.PLANNED, ("x",))
    assert len({custom, *DEFAULT_CATEGORIES}) == 12
