"""Read a free-text report: where it is, how urgent it is, and what kind of problem.

Reports come from heads with cold hands and from elderly residents, so the reader is
forgiving (full-width digits, Chinese numerals, several address forms) but careful not
to invent a place out of a date, a phone number or a time: a wrong building pings the
wrong head, while a missing one only falls back to the grid's default.

What kind of problem: first the dangers to life (``emergency.read_hazards``): a gas smell
"in the stairwell" is a gas leak, whatever else the text says, and it is urgent and goes to
the head who acts. Otherwise the categories' keywords are weighed (longer, more specific
words count more; words that only say where, like "楼道", count little), and where no
category has a real signal the reader says so (``Classification.confident``) and files the
report under "other" rather than guessing, so the fix buttons can take over.

Every function here must accept any text without raising and in linear time, because it
runs on whatever arrives in a group chat. Hence all text is normalized first (``normalize``:
what looks alike is made alike, case-folded, every run of whitespace one space), every
regular expression has bounded repetitions guarded by look-behinds (no backtracking
blow-up on long digit runs), and keywords are found with plain substring search.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.emergency import Hazard, read_hazards
from bot.domain.model import Category, Place, Priority, Role
from bot.domain.model import normalize as normalize  # callers read text as the reader does

# fmt: off
_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
# fmt: on
_CN_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
# A number directly after one of these is part of something longer (a bigger number, a
# month's day, a code like "A3"), not a building number.
_NOT_BEFORE_NUMBER = "0-9a-z零〇一二两三四五六七八九十百千万月"

_CJK_PLACE = re.compile(
    rf"(?<![{_NOT_BEFORE_NUMBER}])"
    rf"(?P<b>[0-9]{{1,4}}|{_CN_NUMBER})\s{{0,2}}(?:号楼|栋|幢|座)"
    rf"(?:\s{{0,2}}(?P<u>[0-9]{{1,3}}|{_CN_NUMBER})\s{{0,2}}(?:单元|号门|门))?"
)
_LATIN_PLACE = re.compile(
    r"(?<![a-z0-9])(?:building|bldg|block|blk)\.?\s{0,2}(?:no\.?\s{0,2})?#?\s{0,2}"
    r"(?P<b>[0-9]{1,4})(?![0-9])"
    r"(?:\s{0,2},?\s{0,2}(?:unit|entrance|stairwell)\.?\s{0,2}#?\s{0,2}"
    r"(?P<u>[0-9]{1,3})(?![0-9]))?"
)
# "3-2" only when it stands alone: not a piece of a date (2026-11-24), a phone number
# (138-0000-1111), a time range (8:00-9:30), a decimal, a code (SN3-2) or a quantity
# range ("1-2天", "3-5层").
_DASH_PLACE = re.compile(
    r"(?<![0-9a-z\-:./])(?P<b>[0-9]{1,3})-(?P<u>[0-9]{1,2})"
    r"(?![0-9a-z\-:./%])(?!\s?(?:天|个|次|点|时|月|年|日|号|周|岁|人|名|位|分|元|块|米|层|倍|度))"
)

# Word tables read better as dense rows.
# fmt: off
# Dangers to life (gas, fire, a burst pipe, ...) are read by ``emergency.read_hazards``,
# which knows their denials ("没有煤气味了"); these are the words that only ask for haste.
_URGENT_WORDS = (
    "紧急", "急", "马上", "赶紧", "快来", "救命",
    "urgent", "emergency", "asap",
)
_CARE_WORDS = (
    "老人", "独居", "孤老", "孤寡", "空巢", "残疾", "困难", "低保", "病", "行动不便", "轮椅",
    "特殊",
    "elderly", "disabled", "alone", "wheelchair", "sick",
)
# Phrases that contain a signal word but mean the opposite or something else ("急眼" is
# Northeastern for losing one's temper); they are blanked out before the signal words are
# looked for.
_NOT_URGENT = (
    "不急", "不着急", "不紧急", "不是很急", "不太急", "不用急", "不用着急", "别急", "急眼",
    "not urgent", "no rush", "no hurry",
)
_NOT_CARE = ("毛病", "病毒")

# How much a keyword counts when it is found, where its length (``_weight``) misjudges it:
# words that only say where ("楼道灯不亮" is a light, "楼道里煤气味" a leak) or are said
# about anything ("帮忙", "broken") count little; a few single characters are unmistakable.
_WEIGHTS: Mapping[str, int] = {
    "楼道": 1, "走廊": 1, "过道": 1, "楼梯": 1, "缓台": 1, "楼到": 1, "楼上": 1, "楼下": 1,
    "对门": 1, "隔壁": 1, "stairwell": 1, "hallway": 1, "corridor": 1, "landing": 1,
    "upstairs": 1, "downstairs": 1, "next door": 2,
    "帮忙": 1, "help": 1, "维修": 1, "repair": 1, "broken": 1, "破损": 1, "危险": 1,
    "隐患": 1, "冷": 1, "声音": 1, "坑": 1,
    "偷": 3, "骗": 3, "撬": 3, "吵": 2, "骂": 2, "臭": 2, "脏": 2, "捐": 2, "擦": 1, "醉": 2,
    "抢": 2, "塌": 2, "教": 1, "陪": 2, "帮": 1, "鞋": 1, "车": 1, "辆": 2, "水": 1, "雪": 1,
    "冰": 1, "路": 1, "狗": 1, "凉": 1, "度": 1, "东西": 1, "通道": 1, "回收": 1, "丢了": 1,
    "墙角": 1, "按钮": 1, "空气": 1, "sign": 1, "loose": 1, "wall": 1, "tv": 1, "rude": 1,
    "电梯": 3, "被偷": 4, "屎": 2, "尿": 2, "粪": 2, "骚": 2,
}
# Phrases that only say where something is: blanked before the keywords vote, so that
# "单元门口停了辆车" is not about the entrance door (单元门, property).
_WHERE = ("单元门口", "楼门口", "家门口", "门口")
# fmt: on
# What a category's single words cannot say: two words near each other, within a clause
# (``_IN``), for the default categories (ignored when a configuration has no category of
# that key). They carry the reading of phrasings no keyword list foresees: a car (车) that
# is parked, blocked or in the way is parking; something put (放/摆/堆) in the stairwell
# is clutter; water (水) that is cloudy, off or smelly is water; a room at "12度" is
# heating. An e-bike or its battery charged indoors or on a "flying lead" (飞线充电) is a
# fire risk, filed under safety, not a parking matter, however often "电动车" is said.
_IN = "[^,.;!?。、]"
_CUES: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("safety", re.compile(
        rf"(?:电动车|电瓶车|电车|电池|电瓶|e-?bike|scooter|batter){_IN}{{0,20}}?"
        r"(?:充电|充|飞线|拉线|插排|插线板|charg|extension)|"
        rf"(?:充电|charg){_IN}{{0,12}}?(?:电动车|电瓶车|e-?bike|scooter|batter)"
    ), 6),
    ("safety", re.compile(
        rf"说是{_IN}{{0,8}}?(?:局|公司|银行|客服|社区|物业|警察|公安|派出所|法院|医院)|"
        r"(?:点|发)(?:了个?)?链接|验证码|(?:卡|账户|账号)(?:被)?冻结"
    ), 4),
    ("parking", re.compile(
        rf"车{_IN}{{0,8}}?(?:停|堵|挡|占|压)|(?:停|堵|挡|占)(?:满|着|了)?{_IN}{{0,3}}?车(?!位锁)"
    ), 3),
    ("clutter", re.compile(
        rf"(?:楼道|楼梯|走廊|过道|缓台|门口){_IN}{{0,10}}?(?:放|摆|堆|码|搁|扔|立|占|挡)|"
        rf"(?:放|摆|堆|码|搁){_IN}{{0,6}}?(?:楼道|楼梯|走廊|过道)"
    ), 3),
    ("water", re.compile(
        rf"水{_IN}{{0,4}}?(?:浑|发黄|黄|有味|怪味|白沫|太小|很小|停|不出|不来)|(?:停|没|断)水|"
        rf"(?:往下|顶上|棚顶|天花板|屋顶){_IN}{{0,4}}?(?:漏|滴|渗)|"
        r"\bno (?:hot |cold |running )?water|\bwater (?:is |has been |was )?(?:off|out|cut)"
    ), 3),
    ("heating", re.compile(
        rf"(?:屋|家|室|房间|卧室|客厅){_IN}{{0,6}}?(?:才|只有|不到|就)?"
        r"[0-9一二三四五六七八九十]{1,3}度|\bradiators?\b"
    ), 3),
    ("wish", re.compile(
        rf"(?:帮|陪|给|替){_IN}{{0,8}}?(?:老人|大爷|大娘|奶奶|爷爷|老太太|老头|残疾|孤寡)|"
        r"\b(?:help|assist|carry|accompany|take)\b[^.]{0,20}"
        r"\b(?:elderly|old (?:man|lady|woman)|grandma|grandpa|neighbou?r)"
    ), 3),
)
# "不是煤气，是…" names what it is not: those words must not vote. "是不是" only asks.
_NOT_IT = re.compile(r"(?<!是)(?:不是|并非)[^,.;!?。、]{0,4}")
# A category needs at least this much to be read from the text rather than guessed: one
# real keyword, not only a word that says where.
_MIN_SCORE = 2

# The hashtags that make a group message a report (SPEC §3): "#随手拍" or "#report", not
# "#reporting". Chinese needs no space after a tag, so "#随手拍3-2楼道堆物" is a report too.
# Stripped when a report's text is quoted back.
REPORT_HASHTAG = re.compile(r"#(?:随手拍|report(?![A-Za-z0-9_]))", re.IGNORECASE)


def without_hashtag(text: str) -> str:
    """The report's words without its hashtag, as quoted on cards and agendas; repeated
    until none is left, so "#随#随手拍手拍" cannot leave a "#随手拍" behind."""
    while True:
        stripped = REPORT_HASHTAG.sub("", text)
        if stripped == text:
            return text.strip()
        text = stripped


def _cn_to_int(numeral: str) -> int | None:
    """Value of a small Chinese numeral (一 .. 九十九), None if it is not one."""
    if numeral in _CN_DIGITS:
        return _CN_DIGITS[numeral]
    tens, sep, ones = numeral.partition("十")
    if not sep or "十" in ones:
        return None
    if tens and tens not in _CN_DIGITS:
        return None
    if ones and ones not in _CN_DIGITS:
        return None
    return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)


def _number(token: str | None) -> str | None:
    """A matched Arabic or Chinese number as a decimal string, None if absent or invalid."""
    if token is None:
        return None
    if token.isdigit():
        return str(int(token))
    value = _cn_to_int(token)
    return None if value is None else str(value)


def _candidates(text: str) -> Iterator[tuple[int, Place]]:
    """Every place mention in normalized ``text`` with its position."""
    for pattern in (_CJK_PLACE, _LATIN_PLACE, _DASH_PLACE):
        for match in pattern.finditer(text):
            building = _number(match.group("b"))
            if building is None:
                continue
            unit = _number(match.group("u")) or ""
            yield match.start(), Place(building, unit)


def _first_place(normalized: str) -> Place | None:
    """``parse_place`` on text already passed through ``normalize``."""
    found = min(_candidates(normalized), key=lambda c: c[0], default=None)
    return None if found is None else found[1]


def parse_place(text: str) -> Place | None:
    """The first building (and unit) mentioned in ``text``, or None if there is none."""
    return _first_place(normalize(text))


def _contains(text: str, word: str) -> bool:
    """Whether normalized ``text`` contains the normalized ``word``.

    Words starting with a Latin letter or digit must start a word ("wish" is not found
    in "swish") but may have any ending, so "e-bikes" and "heating" still count.
    Chinese has no word boundaries, so Chinese words match anywhere.
    """
    if not (word[:1].isascii() and word[:1].isalnum()):
        return word in text
    start = text.find(word)
    while start != -1:
        before = text[start - 1 : start]
        if not (before.isascii() and before.isalnum()):
            return True
        start = text.find(word, start + 1)
    return False


def _blank(text: str, phrases: Sequence[str]) -> str:
    """``text`` with every phrase replaced by a separator, so its words stop counting."""
    for phrase in phrases:
        text = text.replace(phrase, " ")
    return text


def _detect(normalized: str, hazards: Sequence[Hazard] | None = None) -> Priority | None:
    """``detect_priority`` on text already passed through ``normalize``; ``hazards`` when
    they were already read from it."""
    if hazards is None:
        hazards = read_hazards(normalized)
    if hazards:
        return Priority.URGENT
    without_denials = _blank(normalized, _NOT_URGENT)
    if any(_contains(without_denials, word) for word in _URGENT_WORDS):
        return Priority.URGENT
    without_false_friends = _blank(normalized, _NOT_CARE)
    if any(_contains(without_false_friends, word) for word in _CARE_WORDS):
        return Priority.PRIORITY
    return None


def detect_priority(text: str) -> Priority | None:
    """Urgent for a danger to life or an emergency word, priority for a hardship word,
    else None.

    Urgent wins over priority: a burst pipe at an elderly resident's home is urgent. "不急"
    (no hurry) cancels the haste words, never a danger: a gas smell is urgent however
    politely it is reported.
    """
    return _detect(normalize(text))


def _weight(word: str) -> int:
    """How much a found keyword counts: ``_WEIGHTS`` if listed, else its length for Chinese
    (a longer word is more specific: "楼道灯" beats "楼道") and two a word for Latin
    script (one English word says about as much as two Chinese characters)."""
    listed = _WEIGHTS.get(word)
    if listed is not None:
        return listed
    if word[:1].isascii():
        return 2 * len(word.split())
    return len(word)


def _score(normalized: str, category: Category) -> int:
    """Total weight of the category's keywords found, plus its cues (``_CUES``).

    "楼道灯不亮" mentions the stairwell (楼道, clutter) but is about a light; weighing
    lets "楼道灯"/"灯不亮" outvote "楼道".
    """
    anywhere, bounded, any_bounded = _keywords(category)
    keywords = sum(weight for k, weight in anywhere if k in normalized)
    if any_bounded is not None and any_bounded.search(normalized):
        keywords += sum(weight for k, weight in bounded if _contains(normalized, k))
    cues = sum(w for key, cue, w in _CUES if key == category.key and cue.search(normalized))
    return keywords + cues


Weighted = tuple[tuple[str, int], ...]


@functools.cache
def _keywords(category: Category) -> tuple[Weighted, Weighted, re.Pattern[str] | None]:
    """The category's keywords normalized like report text, with their weights; computed
    once per category. Split in two: words found anywhere (Chinese: a plain substring
    test) and words that must start a Latin word (``_contains``), with one pattern that
    finds whether any of the latter could be there at all: most reports are Chinese, and
    testing each English word on its own was most of the time spent reading them."""
    words = dict.fromkeys(k for k in map(normalize, category.keywords) if k)
    weighted = [(word, _weight(word)) for word in words]
    bounded = tuple(w for w in weighted if w[0][:1].isascii() and w[0][:1].isalnum())
    anywhere = tuple(w for w in weighted if w not in bounded)
    if not bounded:
        return anywhere, bounded, None
    starts = "|".join(re.escape(word) for word, _ in bounded)
    return anywhere, bounded, re.compile(f"(?<![a-z0-9])(?:{starts})")


@dataclass(frozen=True)
class _Reading:
    """A category as read, whether it was really read (not fallen back on or tied), and the
    dangers to life found on the way."""

    category: Category
    confident: bool
    hazards: tuple[Hazard, ...]


def _fallback(categories: Sequence[Category]) -> Category:
    """Where a report without a signal goes: "other" if configured, else the last one."""
    return next((c for c in categories if c.key == "other"), categories[-1])


def _read(normalized: str, categories: Sequence[Category]) -> _Reading:
    """The category of text already passed through ``normalize``, and how it was found."""
    return _read_cached(normalized, tuple(categories))


# A report is read twice on its way in (the emergency hint, then the issue): remember the
# last readings rather than score every category again.
@functools.lru_cache(maxsize=256)
def _read_cached(normalized: str, categories: tuple[Category, ...]) -> _Reading:
    if not categories:
        raise ValueError("no categories configured")
    hazards = read_hazards(normalized)
    voting = _blank(_NOT_IT.sub(" ", normalized), _WHERE)
    scores = {category.key: _score(voting, category) for category in categories}
    for hazard in hazards:
        homes = [c for c in categories if c.key in hazard.categories]
        if homes:
            # The hazard's own categories; the text's words pick among them ("暖气管爆了"
            # is heating, "水管冻裂" water), and on a tie the hazard's order decides.
            best = max(
                homes, key=lambda c: (scores[c.key], -hazard.categories.index(c.key))
            )
            return _Reading(best, True, hazards)
    best_score = max(scores.values())
    if best_score < _MIN_SCORE:
        return _Reading(_fallback(categories), False, hazards)
    leaders = [c for c in categories if scores[c.key] == best_score]
    return _Reading(leaders[0], len(leaders) == 1, hazards)


def classify_category(text: str, categories: Sequence[Category]) -> Category:
    """The category ``classify`` reads from ``text``: a hazard's own category if the text
    names a danger to life, else the one whose keywords weigh most.

    Ties go to the earlier category in the list (config order is the tie-break a
    coordinator controls); with no real signal, the "other" category if configured,
    else the last one. ``ValueError`` only for an empty category list (a config error).
    """
    return _read(normalize(text), categories).category


@dataclass(frozen=True)
class Classification:
    """What was read from a report; ``priority_from_text`` says words made it more urgent.

    ``confident`` is False when the category was not really read but fallen back on (no
    signal: "other") or picked by list order between equally likely ones; the card should
    then offer the category buttons rather than trust it. ``emergencies`` are the catalog
    keys of the hints to show at once (``emergency.<kind>``). ``urgent_role`` is set when
    the text describes a danger to life that a particular head must act on (police for gas,
    fire, violence, a person down) whatever the category says; ``role`` is the head to
    route to.
    """

    category: Category
    place: Place | None
    priority: Priority
    priority_from_text: bool
    confident: bool = True
    emergencies: tuple[str, ...] = ()
    urgent_role: Role | None = None

    @property
    def role(self) -> Role:
        """Who should handle it: the life-safety role if there is one, else the category's.

        A service that lets a resident pick the category should route to
        ``urgent_role or chosen_category.role`` in the same way.
        """
        return self.urgent_role or self.category.role


def classify(
    text: str, categories: Sequence[Category], *, care_places: Sequence[Place] = ()
) -> Classification:
    """Category, place, priority and dangers of a report in one pass.

    The priority is the most urgent of the category's default, the words in the text (a
    danger to life is always urgent), and ``priority`` when the place lies within a
    care-list address. An empty care place is ignored: it would otherwise raise every
    report in the grid. ``priority_from_text`` is True only when the words raised the
    priority above what category and care list give, so a card can say why an item jumped
    the queue.
    """
    normalized = normalize(text)
    reading = _read(normalized, categories)
    category = reading.category
    place = _first_place(normalized)
    baseline = category.priority
    if place is not None and any(
        not care.is_empty() and place.within(care) for care in care_places
    ):
        baseline = min(baseline, Priority.PRIORITY, key=lambda p: p.rank)
    detected = _detect(normalized, reading.hazards)
    from_text = detected is not None and detected.rank < baseline.rank
    priority = detected if detected is not None and from_text else baseline
    urgent_role = next((h.role for h in reading.hazards if h.role is not None), None)
    return Classification(
        category, place, priority, from_text, confident=reading.confident,
        emergencies=tuple(h.key for h in reading.hazards), urgent_role=urgent_role,
    )
