"""Tests for bot.domain.classify: places, priority words and categories from free text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.classify import (
    Classification,
    classify,
    classify_category,
    detect_priority,
    parse_place,
    without_hashtag,
)
from bot.domain.model import DEFAULT_CATEGORIES, Category, Kind, Place, Priority, Role


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("3-2", Place("3", "2")),
        ("3－2楼道堆满了", Place("3", "2")),
        ("3号楼2单元", Place("3", "2")),
        ("3栋2单元", Place("3", "2")),
        ("3幢2单元", Place("3", "2")),
        ("3号楼", Place("3")),
        ("3栋", Place("3")),
        ("3幢", Place("3")),
        ("3号楼 2单元", Place("3", "2")),
        ("building 3 unit 2", Place("3", "2")),
        ("Building 3, Unit 2: boxes everywhere", Place("3", "2")),
        ("bldg 3", Place("3")),
        ("Building 3", Place("3")),
        ("BLDG. 12 entrance 4", Place("12", "4")),
        ("3号楼2门", Place("3", "2")),
        ("3号楼2号门口", Place("3", "2")),
        ("３号楼２单元", Place("3", "2")),
        ("１２－３", Place("12", "3")),
        ("三号楼二单元", Place("3", "2")),
        ("十二栋", Place("12")),
        ("二十三号楼十单元", Place("23", "10")),
        ("A座", None),
        ("电动车堵住了3号楼2单元门口", Place("3", "2")),
        ("3号楼202室漏水", Place("3")),
        ("3-2 和 5-1 都有", Place("3", "2")),
        ("5号楼的事，见3-2", Place("5")),
        ("住在03-02", Place("3", "2")),
    ],
)
def test_parse_place_reads_every_form(text: str, place: Place | None) -> None:
    assert parse_place(text) == place


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-24",
        "2026-11-24 上午",
        "电话138-0000-1111",
        "+86 138-0000-1111",
        "10:30",
        "8:00-9:30 停水",
        "等了1-2天",
        "3-5层都没暖气",
        "温度只有12-15度",
        "SN3-2",
        "1.5-2",
        "11月3号楼下吵架",
        "3号下午",
        "3楼",
        "2单元",
        "",
        "no place here",
        "12345号楼",
    ],
)
def test_parse_place_ignores_dates_phones_times_and_quantities(text: str) -> None:
    assert parse_place(text) is None


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("紧急！水管爆裂", Priority.URGENT),
        ("很急", Priority.URGENT),
        ("请马上来", Priority.URGENT),
        ("水管冻裂了", Priority.URGENT),
        ("楼道着火", Priority.URGENT),
        ("有燃气味", Priority.URGENT),
        ("URGENT: pipe burst", Priority.URGENT),
        ("Emergency", Priority.URGENT),
        ("独居老人家里不热", Priority.PRIORITY),
        ("孤老", Priority.PRIORITY),
        ("残疾人行动不便", Priority.PRIORITY),
        ("elderly man living alone", Priority.PRIORITY),
        ("Disabled resident", Priority.PRIORITY),
        ("生病的老人，紧急", Priority.URGENT),
        ("不急，有空来看看", None),
        ("not urgent", None),
        ("电梯又出毛病了", None),
        ("路灯不亮", None),
        ("", None),
    ],
)
def test_detect_priority(text: str, priority: Priority | None) -> None:
    assert detect_priority(text) is priority


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("3号楼楼道堆满杂物", "clutter"),
        ("Stairwell full of clutter", "clutter"),
        ("电动车乱停，堵住消防通道", "parking"),
        ("E-bikes parked in front of the door", "parking"),
        ("楼上楼下吵架", "dispute"),
        ("有人冒充客服诈骗", "safety"),
        ("有燃气异味", "safety"),
        ("暖气不热", "heating"),
        ("No heating since yesterday", "heating"),
        ("水管冻裂了，在漏水", "water"),
        ("垃圾没人清扫", "sanitation"),
        ("路灯坏了", "facility"),
        ("楼道灯不亮", "facility"),
        ("电梯停了", "property"),
        ("Elevator stuck", "property"),
        ("想请人帮忙代购药品", "wish"),
        ("你好", "other"),
        ("", "other"),
        ("swish swish", "other"),
    ],
)
def test_classify_category(text: str, key: str) -> None:
    assert classify_category(text, DEFAULT_CATEGORIES).key == key


def _category(key: str, *keywords: str) -> Category:
    return Category(key, key, key, Kind.REQUEST, Role.GRID, Priority.NORMAL, keywords)


def test_classify_category_tie_goes_to_the_earlier_category() -> None:
    first, second = _category("a", "ab"), _category("b", "cd")
    assert classify_category("ab cd", [first, second]) is first
    assert classify_category("ab cd", [second, first]) is second


def test_classify_category_latin_keywords_ignore_case() -> None:
    categories = [_category("lift", "Elevator"), _category("other")]
    assert classify_category("the ELEVATOR is stuck", categories).key == "lift"


def test_classify_category_without_other_falls_back_to_the_last() -> None:
    categories = [_category("a", "x"), _category("b", "y")]
    assert classify_category("nothing", categories).key == "b"


def test_classify_combines_category_place_and_words() -> None:
    result = classify("3号楼2单元楼道堆满杂物，紧急", DEFAULT_CATEGORIES)
    assert result == Classification(
        category=DEFAULT_CATEGORIES[0],
        place=Place("3", "2"),
        priority=Priority.URGENT,
        priority_from_text=True,
    )


def test_classify_keeps_category_default_when_words_are_not_more_urgent() -> None:
    result = classify("暖气不热，家里有老人", DEFAULT_CATEGORIES)
    assert result.category.key == "heating"
    assert result.priority is Priority.URGENT
    assert result.priority_from_text is False


def test_classify_care_place_raises_to_priority() -> None:
    care = [Place("3", "2")]
    raised = classify("3-2楼道堆物", DEFAULT_CATEGORIES, care_places=care)
    assert raised.priority is Priority.PRIORITY
    assert raised.priority_from_text is False
    elsewhere = classify("3-1楼道堆物", DEFAULT_CATEGORIES, care_places=care)
    assert elsewhere.priority is Priority.NORMAL
    whole_building = classify("3-1楼道堆物", DEFAULT_CATEGORIES, care_places=[Place("3")])
    assert whole_building.priority is Priority.PRIORITY


def test_classify_care_list_never_lowers_priority_and_ignores_empty_places() -> None:
    urgent = classify("3-2 暖气不热", DEFAULT_CATEGORIES, care_places=[Place("3")])
    assert urgent.priority is Priority.URGENT
    no_place = classify("楼道堆物", DEFAULT_CATEGORIES, care_places=[Place()])
    assert no_place.priority is Priority.NORMAL
    empty_care = classify("3-2 楼道堆物", DEFAULT_CATEGORIES, care_places=[Place()])
    assert empty_care.priority is Priority.NORMAL


def test_classify_words_raise_above_the_care_list() -> None:
    result = classify("3-2 心愿，独居老人", DEFAULT_CATEGORIES)
    assert result.category.key == "wish"
    assert result.priority is Priority.PRIORITY
    assert result.priority_from_text is True


@settings(max_examples=300)
@given(st.text())
def test_classify_never_raises_and_picks_a_listed_category(text: str) -> None:
    result = classify(text, DEFAULT_CATEGORIES, care_places=[Place("3")])
    assert result.category in DEFAULT_CATEGORIES
    assert result.priority in Priority


_PLACE_TEXT = st.text(
    alphabet=st.sampled_from(
        list("0123456789-－:./ 号楼栋幢单元门座一二三十月天buildingunit") + ["\u200f", "🔥"]
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(_PLACE_TEXT)
def test_parse_place_never_raises_on_place_like_noise(text: str) -> None:
    parse_place(text)
    detect_priority(text)


@pytest.mark.parametrize(
    "text",
    [
        "3" * 100_000,
        "3 " * 50_000,
        "3-" * 50_000,
        "3号" * 50_000,
        "三" * 100_000,
        "building " * 11_000,
        "building 3 " * 9_000,
        "急" * 100_000,
        "xgas" * 25_000,
        "🔥" * 100_000,
        "مرحبا " * 16_000,
        " " * 100_000,
    ],
)
def test_long_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    result = classify(text, DEFAULT_CATEGORIES, care_places=[Place("3")])
    assert result.category in DEFAULT_CATEGORIES
    assert time.perf_counter() - started < 1.0


def test_the_hashtag_is_stripped_until_none_is_left() -> None:
    assert without_hashtag("#随#随手拍手拍 楼道堆物 #report") == "楼道堆物"
