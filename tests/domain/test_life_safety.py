"""Life-safety reading, denials, the "no signal" flag and what the service gets to route by.

The corpus (``test_reading_corpus``) measures the reader on realistic reports; these tests
pin the rules themselves, one at a time.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import Classification, classify, classify_category, detect_priority
from bot.domain.emergency import HAZARDS, emergencies, hints
from bot.domain.model import (
    DEFAULT_CATEGORIES,
    Category,
    Kind,
    Place,
    Priority,
    Role,
    category_by_key,
)
from bot.i18n import catalog

WATER = category_by_key(DEFAULT_CATEGORIES, "water")


def test_every_hazard_hint_is_in_both_catalogs() -> None:
    for language in ("zh", "en"):
        missing = [h.key for h in HAZARDS if h.key not in catalog(language)]
        assert missing == [], language


@pytest.mark.parametrize(
    ("text", "key", "category", "role"),
    [
        ("楼道里煤气味很重", "emergency.gas", "safety", Role.POLICE),
        ("3号楼2单元楼道堆满纸箱，还有股燃气味", "emergency.gas", "safety", Role.POLICE),
        ("地下室着火了", "emergency.fire", "safety", Role.POLICE),
        ("楼下俩人动手了", "emergency.violence", "safety|dispute", Role.POLICE),
        ("老人在楼道晕倒了", "emergency.medical", "safety", Role.POLICE),
        ("独居老人几天没开门", "emergency.welfare", "safety", Role.POLICE),
        ("井盖丢了", "emergency.manhole", "facility", Role.GRID),
        ("暖气管爆了", "emergency.burst_pipe", "heating", Role.COMMUNITY),
        ("水管冻裂了", "emergency.burst_pipe", "water", Role.COMMUNITY),
        ("电梯里困人了", "emergency.lift", "property", Role.GRID),
    ],
)
def test_a_danger_to_life_is_urgent_goes_to_who_acts_and_shows_its_hint(
    text: str, key: str, category: str, role: Role
) -> None:
    found = classify(text, DEFAULT_CATEGORIES)
    assert found.priority is Priority.URGENT
    assert key in found.emergencies and key in emergencies(text)
    assert found.category.key in category.split("|")
    assert found.role is role
    assert found.confident


def test_the_life_safety_role_overrides_whatever_category_is_used() -> None:
    """A resident may pick "clutter" for a gas smell; the police head must still get it."""
    found = classify("楼道里煤气味很重", DEFAULT_CATEGORIES)
    assert found.urgent_role is Role.POLICE
    clutter = category_by_key(DEFAULT_CATEGORIES, "clutter")
    assert (found.urgent_role or clutter.role) is Role.POLICE
    # Hazards the category's own head handles leave the role to the category.
    assert classify("井盖丢了", DEFAULT_CATEGORIES).urgent_role is None
    assert classify("楼道堆满纸箱", DEFAULT_CATEGORIES).urgent_role is None


def test_without_its_home_category_a_hazard_still_reaches_the_police() -> None:
    only = (
        Category("clutter", "楼道堆物", "Clutter", Kind.PUBLIC_EVENT, Role.UNIT,
                 Priority.NORMAL, ("楼道", "纸箱")),
        Category("other", "其他", "Other", Kind.REQUEST, Role.GRID, Priority.NORMAL, ()),
    )
    found = classify("楼道里堆着纸箱，煤气味很重", only)
    assert found.category.key == "clutter"
    assert (found.priority, found.role, found.emergencies) == (
        Priority.URGENT, Role.POLICE, ("emergency.gas",))


@pytest.mark.parametrize(
    "text",
    [
        "没有煤气味了，谢谢大家",
        "昨天的煤气味已经没有了",
        "不是煤气，是楼下炖酸菜的味",
        "楼道里的火已经灭了",
        "刚才冒烟是有人烧纸，已经灭了",
        "万一着火了跑都跑不出去",
        "楼道堆放杂物，存在火灾隐患",
        "上回着火的那家已经修好了",
        "电梯修好了，没人被困",
        "井盖已经盖上了",
        "消防通道被堵了",
        "燃气费在哪交",
        "邻居在楼道抽烟，烟味很大",
        "I thought I smelled gas but it was just the drains",
        "The fire is out now",
        "电梯困人演练周五下午两点",
    ],
)
def test_denials_precautions_and_all_clears_are_no_emergency(text: str) -> None:
    assert emergencies(text) == []
    found = classify(text, DEFAULT_CATEGORIES)
    assert not (found.priority is Priority.URGENT and found.priority_from_text)
    assert found.urgent_role is None


def test_a_later_mention_still_counts_after_an_all_clear() -> None:
    assert emergencies("上周着火的事处理好了，今天楼道又冒烟了") == ["emergency.fire"]
    assert emergencies("楼道一股煤气味，结果是燃气管漏了") == ["emergency.gas"]


def test_no_hurry_lowers_haste_words_but_never_a_danger() -> None:
    assert detect_priority("不急，有空来看看") is None
    assert detect_priority("楼道有点煤气味，不急") is Priority.URGENT
    lamp = classify("楼道灯不亮，不着急", DEFAULT_CATEGORIES)
    assert lamp.priority is Priority.NORMAL
    heat = classify("暖气有点不热，不急", DEFAULT_CATEGORIES)
    assert (heat.category.key, heat.priority, heat.priority_from_text) == (
        "heating", Priority.URGENT, False)  # heating is urgent by default (SPEC §2)
    assert classify("邻居抽烟，说他还急眼", DEFAULT_CATEGORIES).priority is not Priority.URGENT


@pytest.mark.parametrize("text", ["你好", "", "收到", "👍", "3号楼2单元", "楼道里"])
def test_without_a_signal_the_reader_says_so(text: str) -> None:
    found = classify(text, DEFAULT_CATEGORIES)
    assert found.category.key == "other"
    assert found.confident is False


def test_a_tie_keeps_the_list_order_but_is_not_confident() -> None:
    a = Category("a", "a", "a", Kind.REQUEST, Role.GRID, Priority.NORMAL, ("ab",))
    b = Category("b", "b", "b", Kind.REQUEST, Role.GRID, Priority.NORMAL, ("cd",))
    found = classify("ab cd", [a, b])
    assert (found.category, found.confident) == (a, False)
    assert classify("ab", [a, b]).confident


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("有人把电动车推进楼道充电", "safety"),
        ("飞线充电太危险了", "safety"),
        ("电动车乱停，堵住消防通道", "parking"),
        ("冒充公检法打电话让转账", "safety"),
        ("有人上门推销净水器", "safety"),
        ("4号楼有群租房", "safety"),
        ("楼上装修噪音太大", "dispute"),
        ("暖气漏水了", "heating"),
        ("家里跑水了", "water"),
        ("下水道结冰了", "water"),
        ("楼前积雪没人扫", "sanitation"),
        ("电梯坏了", "property"),
        ("单元门锁坏了", "property"),
        ("小区里到处是狗屎", "sanitation"),
        ("遛狗不拴绳", "sanitation"),
        ("单元门上贴满小广告", "sanitation"),
    ],
)
def test_common_phrasings_are_read_right(text: str, key: str) -> None:
    assert classify_category(text, DEFAULT_CATEGORIES).key == key


def test_the_category_hint_is_not_repeated_when_a_hazard_says_it() -> None:
    assert hints("水管冻裂了", WATER, "zh") == (["emergency.burst_pipe"], "")
    assert hints("又停水了", WATER, "zh") == ([], WATER.emergency_hint_zh)
    gas = Category("gas", "燃气", "Gas", Kind.PUBLIC_EVENT, Role.COMMUNITY, Priority.URGENT,
                   ("燃气",), "立即拨打 119", "Call 119")
    assert hints("有燃气味", gas, "en") == (["emergency.gas"], "")
    assert hints("燃气费在哪交", gas, "en") == ([], "Call 119")


def test_the_classification_keeps_its_old_shape() -> None:
    """Older callers build and compare it with four fields; the new ones have defaults."""
    old = Classification(DEFAULT_CATEGORIES[0], Place("3", "2"), Priority.NORMAL, False)
    assert (old.confident, old.emergencies, old.urgent_role) == (True, (), None)
    assert old.role is DEFAULT_CATEGORIES[0].role
