"""The vocabulary of the grid: roles, issue kinds, priorities, statuses, places, categories.

Everything here is an immutable value so that services, storage and handlers can pass
it around freely and compare it with ``==``. The enums are ``StrEnum`` because their
values are what the database, the config file and callback data store.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=512)
def normalize(text: str) -> str:
    """``text`` as the reader sees it: ``normalize_forms`` (full-width, zero-width, dashes,
    digits of any script), case-folded (BUILDING = building), and every run of whitespace
    one space, so "not  urgent" or "fire\nlane" still read as the phrase they are.

    Here rather than in ``classify`` because both the category reader and the emergency
    reader (``emergency``, which ``classify`` consults) must see exactly the same text.
    Remembered, as a report's text is read several times on its way in.
    """
    return " ".join(normalize_forms(text).casefold().split())


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


# Keyword lists read better as dense rows than one word per line. Each list holds the words
# residents and heads actually type (Northeastern usage such as 缓台 for a landing, 埋汰 for
# dirty, 跑水 for a gushing leak, and the common typos 暖器/暧气/电悌), not only the label's
# own words: the reader (``classify``) weighs them by length, so the longer, more specific
# phrase wins a mixed text. Words that only say *where* ("楼道", "stairwell") are weighed
# down there, since a gas smell or a broken light "in the stairwell" is not clutter.
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
            "楼梯", "楼梯口", "楼梯间", "缓台", "拐角", "楼到", "堆了", "堆着", "一堆", "纸壳",
            "破烂", "旧沙发", "沙发", "旧冰箱", "柜子", "鞋架", "鞋柜", "花盆", "大缸", "酸菜缸",
            "白菜", "挡道", "过不去", "放东西", "乱放", "占用楼道", "清走", "扔那", "堵楼道",
            "床垫", "椅子", "桌子", "婴儿车", "鞋", "废品", "泡沫箱", "纸板", "杂七杂八",
            "走不了人", "通道", "东西", "储物", "绊倒", "仓库", "坛子", "鱼缸", "木头",
            "stairwell", "clutter", "hallway", "corridor", "junk", "boxes", "mattress",
            "furniture", "stuff", "landing", "chairs", "piled", "stacked", "belongings",
            "stroller", "pram", "blocking the stairs",
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
            "电瓶车", "单车", "共享单车", "乱停车", "停在", "停着", "停得", "私家车",
            "面包车", "货车", "大货车", "三轮车", "外来车", "车辆", "地锁", "车主", "挪车",
            "堵门", "堵路", "堵着", "挡着门", "轮胎", "轿车", "汽车", "小车", "车", "辆", "suv",
            "车停", "停放", "压着", "占着", "开不出去", "乱停乱放", "横七竖八", "停车位",
            "parking", "parked", "e-bike", "ebike", "bicycle", "bike", "blocked", "fire lane",
            "cars", "blocking", "truck", "van", "garage", "plate",
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
            "吵起来", "吵", "骂人", "骂", "对门", "楼上", "楼下", "隔壁", "装修", "砸墙", "电钻",
            "半夜", "大声", "声音", "狗叫", "叫个不停", "跳绳", "跑跳", "唱k", "音响", "广场舞",
            "油烟", "抽烟", "烟味", "急眼", "不讲理", "不乐意", "不承认", "不给修", "说了好几",
            "说他", "跟他说", "圈地", "婆媳", "两口子", "闹心", "睡不着", "吵得", "嗡嗡",
            "咚咚", "空调外机", "排风", "麻将", "低音炮", "乱叫", "狗", "养狗", "宠物", "鸽子",
            "不挪", "不听", "不改", "不让", "晾衣",
            "quarrel", "dispute", "noise", "noisy", "neighbour", "neighbor", "fight",
            "upstairs", "downstairs", "next door", "drums", "music", "loud", "renovation",
            "drilling", "shouting", "asked him", "asked her", "complain", "tv", "party",
            "barking", "stomping", "argue", "argument", "rude",
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
            "骗", "偷", "撬", "砸车", "冒充", "公检法", "公安局", "派出所", "转账", "洗钱",
            "安全账户", "理财", "投资", "返利", "稳赚", "保健品", "忽悠", "上当", "免费体检",
            "送鸡蛋", "扫码", "进群", "听课", "养老项目", "养老诈骗", "推销", "上门推销",
            "挨家挨户", "群租", "出租屋", "隔断", "上下铺", "充电", "飞线", "私拉电线", "电池",
            "高空抛物", "防诈", "反诈", "喝多", "醉", "转悠", "吓人", "陌生", "隐患", "危险",
            "骗子", "假冒", "假装", "自称", "打钱", "要钱", "交钱", "汇款", "出车祸", "高价回收",
            "回收", "传单", "闹事", "小混混", "流氓", "打砸", "抢", "尾随", "跟踪", "撬锁",
            "门把手", "入室", "丢了", "插线板", "大功率", "私拉", "被偷", "链接", "冻结",
            "验证码", "中奖", "退款", "刷单", "贷款", "银行卡", "医保卡", "社保卡",
            "fraud", "scam", "theft", "stolen", "suspicious", "burglar", "drunk", "gas", "fire",
            "smoke",
            "steal", "thief", "pretending", "police", "door to door", "selling", "salesman",
            "safe account", "stranger", "broke into", "break-in", "charging", "extension cord",
            "door handles", "trying doors", "break in", "fake", "claiming to be", "wire money",
            "transfer money",
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
            "暖器", "暧气", "热力", "热力公司", "供热站", "供热公司", "取暖", "取暖费", "冰凉",
            "冰窖", "冷得", "冻得", "贼冷", "嘎嘎冷", "冷", "棉袄", "放气", "不过水", "测温",
            "温度", "上边热", "下边凉", "呼呼的热", "暖气管", "温乎", "不够热", "凉", "度",
            "空气", "管网", "热网", "电暖", "供暖费", "暖气费", "采暖费", "地热", "地暖", "回水",
            "憋气", "羽绒服", "热力站", "暖气漏", "暖气跑水",
            "heating", "radiator", "heat", "cold", "warm", "freezing", "degrees", "chilly",
            "temperature", "banging",
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
            "下水", "上水", "水龙头", "出水", "放不出水", "水表", "发黄", "铁锈", "返水", "返味",
            "冻住", "淌水", "管子", "管道", "渗水", "消防栓", "一滴水", "来水", "水流", "水",
            "滴水", "冻上", "排不下去", "马桶", "地漏", "水质", "水费", "水箱", "水泵", "怪味",
            "water", "pipe", "leak", "burst", "flood", "tap", "faucet", "drain", "sewer",
            "toilet", "drip",
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
            "耗子", "扫雪", "清雪", "铲雪", "雪堆", "狗屎", "狗粪", "狗便", "拉屎", "遛狗",
            "拴绳", "小广告", "广告", "牛皮癣", "乱贴", "乱涂", "乱画", "烟头", "塑料袋", "埋汰",
            "脏", "打扫", "苍蝇", "溢出", "垃圾箱", "垃圾桶", "拉走", "扔垃圾", "擦", "雪",
            "没人清", "没人扫", "没人收", "剩饭", "死猫", "死狗", "满地", "落叶", "鸽子粪",
            "臭味", "蚊子", "化粪池", "污水", "垃圾点", "瓶子", "鞭炮", "纸屑", "瓜子皮",
            "果皮", "屎", "尿", "粪", "骚",
            "garbage", "trash", "rubbish", "litter", "dirty", "smell", "rats", "snow",
            "poop", "dog mess", "leash", "flyers", "shovel", "clean", "bins", "dead cat",
            "dead rat", "dead bird", "filthy", "stink",
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
            "人行道", "地砖", "翘起来", "大坑", "坑", "凉亭", "亭子", "顶棚", "刮坏", "道闸",
            "滑梯", "秋千", "扶手", "栏杆", "座椅", "路灯杆", "电线杆", "冰溜子", "房檐", "结冰",
            "路滑", "太滑", "下水井", "窨井", "健身", "器材", "花坛", "主路", "小广场", "广场",
            "围墙", "塌", "篮球架", "篮筐", "球场", "游乐场", "游乐设施", "路", "地面", "栅栏",
            "指示牌", "宣传栏", "公告栏", "信报箱", "树枝", "树倒", "车棚", "晾衣架", "冰",
            "streetlight", "street light", "manhole", "road", "pothole", "bench", "fence",
            "broken",
            "path", "pavement", "sidewalk", "playground", "swing", "slide", "railing", "lamp",
            "icy", "ice", "wall", "hoop", "basketball", "court", "ramp", "loose", "sign",
            "tree", "branch",
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
            "电悌", "门锁", "锁坏", "楼宇门", "对讲", "门铃", "闭门器", "门卡", "刷卡", "刷不开",
            "物业费", "楼顶", "屋顶", "外墙", "保温层", "墙皮", "脱落", "水印", "高层", "发霉",
            "返潮", "防水", "声控", "按钮", "墙角",
            "elevator", "lift", "property", "intercom", "cctv", "repair",
            "door lock", "buzzer", "management", "roof", "entry door", "out of order",
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
            "帮着", "找人", "想有人", "有人陪", "陪他", "陪她", "教教", "想要", "愿望", "买菜",
            "代买", "换个灯泡", "春联", "捐", "旧衣", "棉衣", "志愿", "义务", "读报", "腿脚不好",
            "出不了门", "想学", "学用", "教", "送饭", "送顿", "陪", "取钱", "挂号", "智能手机",
            "帮",
            "wish", "help", "errand", "tutoring",
            "volunteer", "would love", "shopping", "groceries", "would anyone", "could anyone",
            "can anyone", "accompany", "appointment", "take him", "take her", "carry",
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
