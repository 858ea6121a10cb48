"""The vocabulary of the grid: roles, issue kinds, priorities, statuses, places, categories.

Everything here is an immutable value so that services, storage and handlers can pass
it around freely and compare it with ``==``. The enums are ``StrEnum`` because their
values are what the database, the config file and callback data store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """One of the five heads (五长); the value is the key used in config and commands."""

    COMMUNITY = "community"
    POLICE = "police"
    GRID = "grid"
    BUILDING = "building"
    UNIT = "unit"


class Kind(StrEnum):
    """What an issue counts as in the yearly community figures."""

    PUBLIC_EVENT = "public_event"
    DISPUTE = "dispute"
    REQUEST = "request"
    WISH = "wish"


class Priority(StrEnum):
    """How fast an issue must be acknowledged and resolved, most urgent first."""

    URGENT = "urgent"
    PRIORITY = "priority"
    NORMAL = "normal"
    PLANNED = "planned"

    @property
    def rank(self) -> int:
        """0 for urgent up to 3 for planned, so ``min`` by rank picks the most urgent."""
        return _PRIORITY_ORDER.index(self)

    def raised(self) -> Priority:
        """One rung more urgent (a "me too" or a failed verification); urgent stays urgent."""
        return _PRIORITY_ORDER[max(self.rank - 1, 0)]


_PRIORITY_ORDER: tuple[Priority, ...] = tuple(Priority)


class Status(StrEnum):
    """Where an issue stands in the closed loop (闭环)."""

    OPEN = "open"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REFERRED = "referred"
    REJECTED = "rejected"

    @property
    def unresolved(self) -> bool:
        """True while the issue still belongs on the meeting's unresolved list.

        A resolved issue still awaits verification by the reporter, so it counts too.
        """
        return self not in (Status.CLOSED, Status.REJECTED)


class ReporterKind(StrEnum):
    """Who reported: a head in the group chat or a resident in private chat."""

    HEAD = "head"
    RESIDENT = "resident"


# Grid and category keys end up in callback data (64 bytes) and deep links, so they stay
# short and ASCII.
GRID_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

_PART_MAX_LENGTH = 16
# The dashes phones and input methods put between a building and a unit number ("3–2"):
# NFKC leaves these alone, yet every one of them means "-".
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
_OTHER_SCRIPT_DIGIT = re.compile(r"(?![0-9])\d")


def normalize_forms(text: str) -> str:
    """``text`` with what looks alike made alike, for reading places and arguments.

    Invisible format characters (zero-width spaces, direction marks, which copy-and-paste
    leaves inside "3\u200b号楼") are dropped; NFKC makes full-width and circled forms
    plain ("３", "①" are "3", "1"); every dash becomes "-"; and the decimal digits of
    any script become ASCII ("٣" is "3"), so a place reads the same however it was typed.
    Linear in the length of ``text``.
    """
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    folded = unicodedata.normalize("NFKC", visible).translate(_DASHES)
    return _OTHER_SCRIPT_DIGIT.sub(lambda m: str(unicodedata.decimal(m[0])), folded)


def _normalize_part(part: str, field: str) -> str:
    """Canonical form of a building or unit name, so "03", "３" and "3" are one place.

    Only ASCII letters and digits (after ``normalize_forms``, so full-width forms and
    other scripts' digits count) are accepted: Chinese buildings are numbered or lettered
    (3号楼, A座), and a name like "3号楼" would silently never match "3". Numbers lose
    leading zeros and letters are upper-cased, because "a" and "A" are the same door.
    ``ValueError`` otherwise.
    """
    text = normalize_forms(part).strip()
    if not text:
        return ""
    if len(text) > _PART_MAX_LENGTH or not (text.isascii() and text.isalnum()):
        raise ValueError(f"invalid {field} {part!r}: letters and digits only")
    return str(int(text)) if text.isdigit() else text.upper()


@dataclass(frozen=True)
class Place:
    """A location inside a grid: optional building, optional unit (单元) in that building.

    The empty place means "somewhere in the grid". Fields are normalized on creation
    (see ``_normalize_part``) so equality means "same door".
    """

    building: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        building = _normalize_part(self.building, "building")
        unit = _normalize_part(self.unit, "unit")
        if unit and not building:
            raise ValueError("a unit needs a building")
        object.__setattr__(self, "building", building)
        object.__setattr__(self, "unit", unit)

    def label(self) -> str:
        """The short form used in commands and on cards: "3-2", "3" or ""."""
        if self.unit:
            return f"{self.building}-{self.unit}"
        return self.building

    @classmethod
    def parse_label(cls, label: str) -> Place:
        """Read the command form ("3-2", "3", "") back; ``ValueError`` on anything else.

        Read like the report text is (``normalize_forms``), so "3–2" typed with a phone's
        dash names the same door as the "3-2" the reader finds in a report.
        """
        text = normalize_forms(label).strip()
        if not text:
            return cls()
        parts = text.split("-")
        if len(parts) > 2 or any(not p.strip() for p in parts):
            raise ValueError(f"invalid place {label!r}: expected building or building-unit")
        return cls(*parts)

    def is_empty(self) -> bool:
        """True for "anywhere in the grid"."""
        return not self.building

    def within(self, other: Place) -> bool:
        """True if this place lies inside ``other`` (3-2 is within 3; all is within "")."""
        if other.is_empty():
            return True
        if self.building != other.building:
            return False
        return not other.unit or self.unit == other.unit


@dataclass(frozen=True)
class Category:
    """A kind of problem: who handles it, how urgent it is and which words reveal it."""

    key: str
    zh: str
    en: str
    kind: Kind
    role: Role
    priority: Priority
    keywords: tuple[str, ...]
    emergency_hint_zh: str = ""
    emergency_hint_en: str = ""

    def label(self, language: str) -> str:
        """The display name: Chinese for any "zh*" language, English otherwise."""
        return self.zh if language.lower().startswith("zh") else self.en

    def emergency_hint(self, language: str) -> str:
        """What to do at once for this kind of report ("" when nothing)."""
        return self.emergency_hint_zh if language.lower().startswith("zh") else (
            self.emergency_hint_en
        )


# Keyword lists read better as dense rows than one word per line.
# fmt: off
DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(
        key="clutter",
        zh="楼道堆物",
        en="Stairwell clutter",
        kind=Kind.PUBLIC_EVENT,
        role=Role.UNIT,
        priority=Priority.NORMAL,
        keywords=(
            "楼道", "杂物", "堆放", "乱堆", "堆物", "堆满", "纸箱", "旧家具", "过道", "走廊",
            "stairwell", "clutter", "hallway", "corridor", "junk", "boxes",
        ),
    ),
    Category(
        key="parking",
        zh="车辆乱停",
        en="Bad parking",
        kind=Kind.PUBLIC_EVENT,
        role=Role.BUILDING,
        priority=Priority.NORMAL,
        keywords=(
            "电动车", "乱停", "堵住", "消防通道", "停车", "自行车", "车位", "僵尸车", "占道",
            "parking", "parked", "e-bike", "ebike", "bicycle", "blocked", "fire lane",
        ),
    ),
    Category(
        key="dispute",
        zh="邻里纠纷",
        en="Neighbour dispute",
        kind=Kind.DISPUTE,
        role=Role.POLICE,
        priority=Priority.PRIORITY,
        keywords=(
            "吵架", "纠纷", "矛盾", "打架", "噪音", "扰民", "争吵", "吵闹", "邻居",
            "quarrel", "dispute", "noise", "noisy", "neighbour", "neighbor", "fight",
        ),
    ),
    Category(
        key="safety",
        zh="治安防诈",
        en="Safety and fraud",
        kind=Kind.PUBLIC_EVENT,
        role=Role.POLICE,
        priority=Priority.PRIORITY,
        keywords=(
            "诈骗", "盗窃", "被盗", "小偷", "可疑", "酒驾", "陌生人", "传销", "煤气", "燃气",
            "着火", "火灾", "冒烟",
            "fraud", "scam", "theft", "stolen", "suspicious", "burglar", "drunk", "gas", "fire",
            "smoke",
        ),
    ),
    Category(
        key="heating",
        zh="供暖",
        en="Heating",
        kind=Kind.REQUEST,
        role=Role.COMMUNITY,
        priority=Priority.URGENT,
        keywords=(
            "暖气", "供热", "供暖", "不热", "采暖", "暖气片", "室温", "太冷", "好冷",
            "heating", "radiator", "heat", "cold",
        ),
    ),
    Category(
        key="water",
        zh="供水",
        en="Water supply",
        kind=Kind.REQUEST,
        role=Role.COMMUNITY,
        priority=Priority.URGENT,
        keywords=(
            "水管", "冻裂", "停水", "漏水", "爆裂", "跑水", "水压", "自来水", "没水", "下水道",
            "water", "pipe", "leak", "burst", "flood",
        ),
        emergency_hint_zh="水管爆裂请先关闭入户总阀门，并通知楼下邻居。",
        emergency_hint_en="Burst pipe: close the main valve first and warn the neighbours below.",
    ),
    Category(
        key="sanitation",
        zh="环境卫生",
        en="Sanitation",
        kind=Kind.PUBLIC_EVENT,
        role=Role.GRID,
        priority=Priority.NORMAL,
        keywords=(
            "垃圾", "卫生", "清扫", "清理", "异味", "臭", "老鼠", "蟑螂", "粪便", "积雪",
            "garbage", "trash", "rubbish", "litter", "dirty", "smell", "rats", "snow",
        ),
    ),
    Category(
        key="facility",
        zh="公共设施",
        en="Public facilities",
        kind=Kind.REQUEST,
        role=Role.GRID,
        priority=Priority.NORMAL,
        keywords=(
            "路灯", "井盖", "道路", "健身器材", "路面", "坑洼", "灯不亮", "长椅", "护栏", "围栏",
            "台阶", "破损",
            "streetlight", "street light", "manhole", "road", "pothole", "bench", "fence",
            "broken",
        ),
    ),
    Category(
        key="property",
        zh="物业服务",
        en="Property management",
        kind=Kind.REQUEST,
        role=Role.GRID,
        priority=Priority.NORMAL,
        keywords=(
            "物业", "电梯", "门禁", "楼道灯", "单元门", "防盗门", "保安", "监控", "维修", "漏雨",
            "elevator", "lift", "property", "intercom", "cctv", "repair",
        ),
    ),
    Category(
        key="wish",
        zh="微心愿",
        en="Small wish",
        kind=Kind.WISH,
        role=Role.GRID,
        priority=Priority.PLANNED,
        keywords=(
            "心愿", "帮忙", "代购", "陪同", "陪伴", "求助", "捐赠", "辅导",
            "wish", "help", "errand", "tutoring",
        ),
    ),
    Category(
        key="other",
        zh="其他",
        en="Other",
        kind=Kind.REQUEST,
        role=Role.GRID,
        priority=Priority.NORMAL,
        keywords=(),
    ),
)
# fmt: on


def category_by_key(categories: Sequence[Category], key: str) -> Category:
    """The category with ``key``; ``KeyError`` so a stale key in storage is loud."""
    for category in categories:
        if category.key == key:
            return category
    raise KeyError(key)
