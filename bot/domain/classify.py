"""Read a free-text report: where it is, how urgent it is, and what kind of problem.

Reports come from heads with cold hands and from elderly residents, so the reader is
forgiving (full-width digits, Chinese numerals, several address forms) but careful not
to invent a place out of a date, a phone number or a time: a wrong building pings the
wrong head, while a missing one only falls back to the grid's default.

Every function here must accept any text without raising and in linear time, because it
runs on whatever arrives in a group chat. Hence all text is normalized first (``normalize``:
what looks alike is made alike, case-folded, every run of whitespace one space), every
regular expression has bounded repetitions guarded by look-behinds (no backtracking
blow-up on long digit runs), and keywords are found with plain substring search.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.domain.model import Category, Place, Priority, normalize_forms

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
_URGENT_WORDS = (
    "紧急", "急", "马上", "爆裂", "冻裂", "着火", "火灾", "起火", "煤气", "燃气味", "燃气泄漏",
    "urgent", "emergency", "burst", "asap",
)
_CARE_WORDS = (
    "老人", "独居", "孤老", "孤寡", "空巢", "残疾", "困难", "低保", "病", "行动不便", "轮椅",
    "特殊",
    "elderly", "disabled", "alone", "wheelchair", "sick",
)
# Phrases that contain a signal word but mean the opposite or something else ("火灾隐患" is
# a fire hazard, such as clutter in a stairwell, not a fire); they are blanked out before
# the signal words are looked for.
_NOT_URGENT = (
    "不急", "不着急", "不紧急", "不是很急", "不太急", "火灾隐患", "not urgent", "no rush",
)
_NOT_CARE = ("毛病", "病毒")
# fmt: on

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


def normalize(text: str) -> str:
    """``text`` as the reader sees it: ``normalize_forms`` (full-width, zero-width, dashes,
    digits of any script), case-folded (BUILDING = building), and every run of whitespace
    one space, so "not  urgent" or "fire\nlane" still read as the phrase they are."""
    return " ".join(normalize_forms(text).casefold().split())


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


def _detect(normalized: str) -> Priority | None:
    """``detect_priority`` on text already passed through ``normalize``."""
    without_denials = _blank(normalized, _NOT_URGENT)
    if any(_contains(without_denials, word) for word in _URGENT_WORDS):
        return Priority.URGENT
    without_false_friends = _blank(normalized, _NOT_CARE)
    if any(_contains(without_false_friends, word) for word in _CARE_WORDS):
        return Priority.PRIORITY
    return None


def detect_priority(text: str) -> Priority | None:
    """Urgent if an emergency word appears, priority for a hardship word, else None.

    Urgent wins over priority: a burst pipe at an elderly resident's home is urgent.
    """
    return _detect(normalize(text))


def _score(normalized: str, category: Category) -> int:
    """Total length of the category's keywords found: longer words are more specific.

    "楼道灯不亮" mentions the stairwell (楼道, clutter) but is about a light; weighing by
    length lets "楼道灯"/"灯不亮" outvote "楼道".
    """
    return sum(len(k) for k in _keywords(category) if _contains(normalized, k))


@functools.cache
def _keywords(category: Category) -> frozenset[str]:
    """The category's keywords normalized like report text, computed once per category."""
    return frozenset(k for k in map(normalize, category.keywords) if k)


def _classify_normalized(normalized: str, categories: Sequence[Category]) -> Category:
    """``classify_category`` on text already passed through ``normalize``."""
    if not categories:
        raise ValueError("no categories configured")
    best: Category | None = None
    best_score = 0
    for category in categories:
        score = _score(normalized, category)
        if score > best_score:
            best, best_score = category, score
    if best is not None:
        return best
    return next((c for c in categories if c.key == "other"), categories[-1])


def classify_category(text: str, categories: Sequence[Category]) -> Category:
    """The category whose keywords best match ``text``.

    Ties go to the earlier category in the list (config order is the tie-break a
    coordinator controls); with no match at all, the "other" category if configured,
    else the last one. ``ValueError`` only for an empty category list (a config error).
    """
    return _classify_normalized(normalize(text), categories)


@dataclass(frozen=True)
class Classification:
    """What was read from a report; ``priority_from_text`` says words made it more urgent."""

    category: Category
    place: Place | None
    priority: Priority
    priority_from_text: bool


def classify(
    text: str, categories: Sequence[Category], *, care_places: Sequence[Place] = ()
) -> Classification:
    """Category, place and priority of a report in one pass.

    The priority is the most urgent of the category's default, the words in the text,
    and ``priority`` when the place lies within a care-list address. An empty care
    place is ignored: it would otherwise raise every report in the grid.
    ``priority_from_text`` is True only when the words raised the priority above what
    category and care list give, so a card can say why an item jumped the queue.
    """
    normalized = normalize(text)
    category = _classify_normalized(normalized, categories)
    place = _first_place(normalized)
    baseline = category.priority
    if place is not None and any(
        not care.is_empty() and place.within(care) for care in care_places
    ):
        baseline = min(baseline, Priority.PRIORITY, key=lambda p: p.rank)
    detected = _detect(normalized)
    from_text = detected is not None and detected.rank < baseline.rank
    priority = detected if detected is not None and from_text else baseline
    return Classification(category, place, priority, from_text)
