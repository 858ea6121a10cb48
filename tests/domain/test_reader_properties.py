"""Properties of the text reader: any Unicode, any length, and no exception escapes.

The reader runs on whatever arrives in a group chat or a private report, so these tests
feed it all of Unicode (Python strings cannot hold lone surrogates, so those are out),
very long texts, digits of other scripts, right-to-left text, zero-width characters and
emoji, and check what a user would notice: a known category and priority, a place that
names a real door or nothing, and a reading that does not change with the way the same
words were typed (spacing, full-width forms, capitals, invisible characters).
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.classify import (
    REPORT_HASHTAG,
    Classification,
    classify,
    detect_priority,
    normalize,
    parse_place,
)
from bot.domain.emergency import emergencies
from bot.domain.model import DEFAULT_CATEGORIES, Place, Priority, normalize_forms

CARE = (Place("3"), Place("5", "1"))
EMERGENCY_KEYS = {
    "emergency.gas", "emergency.fire", "emergency.violence", "emergency.medical",
    "emergency.welfare", "emergency.manhole", "emergency.burst_pipe", "emergency.lift",
}

# Pieces a report is made of, with the awkward ones a chat really carries.
_WORDS = [
    "3-2", "3－2", "3–2", "3号楼", "２单元", "三号楼二单元", "building 3 unit 2", "bldg", "12",
    "楼道", "杂物", "灯不亮", "楼道灯", "暖气", "漏水", "fire lane", "fire", "gas leak", "smoke",
    "急", "不急", "not urgent", "no rush", "独居老人", "毛病", "火灾隐患", "着火", "煤气",
    "1-2天", "1-2 天", "2026-11-24", "138-0000-1111", "8:00-9:30", "SN3-2", "#随手拍", "#report",
    "#reporting", "مرحبا", "שלום", "\u202e", "\u200f", "\u200b", "\ufeff", "🔥", "👋🏽", "👨‍👩‍👧",
    "٣", "３", "²", "①", "𝟗", "०", "\u0301", "ﬁre",
]
_PIECES = st.one_of(st.sampled_from(_WORDS), st.text(max_size=6))
REPORTS = st.one_of(
    st.text(),
    st.lists(_PIECES, max_size=20).map("".join),
    st.lists(_PIECES, max_size=20).map(" ".join),
)
# A piece repeated up to 4,096 times: Telegram's longest message and beyond.
LONG_REPORTS = st.builds(lambda piece, n: piece * n, st.sampled_from(_WORDS), st.integers(1, 4096))

# Every whitespace character Python (and the reader's regular expressions) knows; the
# last one is U+3000, the ideographic space.
_WHITESPACE = st.sampled_from([chr(c) for c in range(0x3001) if chr(c).isspace()])
_SEPARATORS = st.text(_WHITESPACE, min_size=1, max_size=3)
# Words as they come, several to a phrase ("not urgent" is two), and anything else.
_TOKENS = st.lists(
    st.one_of(
        st.sampled_from(_WORDS).map(str.split),
        st.text(st.characters(exclude_categories=["Cs"]).filter(lambda c: not c.isspace()),
                min_size=1, max_size=6).map(lambda word: [word]),
    ),
    max_size=8,
).map(lambda phrases: [word for phrase in phrases for word in phrase])
_INVISIBLE = st.characters(categories=["Cf"])

# Reports typed on an ordinary keyboard, to compare with the same keys in other forms.
_ASCII_REPORTS = st.lists(
    st.one_of(
        st.sampled_from([
            "building 3 unit 2", "bldg. 12 entrance 4", "3-2", "12-3", "fire", "gas leak",
            "smoke", "not urgent", "urgent", "elderly", "noise", "parking", "blocked",
            "fire lane", "broken streetlight", "heating", "radiator", "2026-11-24", "knife",
        ]),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=6),
    ),
    max_size=10,
).map(" ".join)
_DIGITS_OF = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"]


def reading(text: str) -> tuple[str, Place | None, Priority, bool]:
    """What a user sees of the reading: category, place, priority and why."""
    found = classify(text, DEFAULT_CATEGORIES, care_places=CARE)
    return found.category.key, found.place, found.priority, found.priority_from_text


def assert_sane(found: Classification) -> None:
    assert found.category in DEFAULT_CATEGORIES
    assert found.priority in Priority
    # Words and the care list only ever make an item more urgent than its category.
    assert found.priority.rank <= found.category.priority.rank
    assert found.priority_from_text == words_raised_it(found)
    if found.place is not None:
        building, unit = found.place.building, found.place.unit
        assert building.isascii() and building.isdigit() and len(building) <= 4
        assert unit == "" or (unit.isascii() and unit.isdigit() and len(unit) <= 3)
        assert Place.parse_label(found.place.label()) == found.place


def words_raised_it(found: Classification) -> bool:
    """Whether the item is more urgent than its category and the care list make it."""
    baseline = found.category.priority
    if found.place is not None and any(found.place.within(care) for care in CARE):
        baseline = min(baseline, Priority.PRIORITY, key=lambda p: p.rank)
    return found.priority.rank < baseline.rank


@settings(max_examples=300)
@given(REPORTS)
def test_any_text_reads_as_a_known_category_priority_and_a_real_place(text: str) -> None:
    found = classify(text, DEFAULT_CATEGORIES, care_places=CARE)
    assert_sane(found)
    assert parse_place(text) == found.place
    words = detect_priority(text)
    assert words is None or found.priority.rank <= words.rank


@settings(max_examples=60)
@given(LONG_REPORTS)
def test_very_long_texts_read_like_short_ones(text: str) -> None:
    assert_sane(classify(text, DEFAULT_CATEGORIES, care_places=CARE))
    assert set(emergencies(text)) <= EMERGENCY_KEYS


@settings(max_examples=200)
@given(_TOKENS, st.data())
def test_spacing_does_not_change_the_reading(tokens: list[str], data: st.DataObject) -> None:
    """"not  urgent" with two spaces, or "fire\\nlane" over a line break, is the phrase."""
    spaced = "".join(data.draw(_SEPARATORS) + token for token in tokens)
    spaced += data.draw(st.one_of(st.just(""), _SEPARATORS))
    assert reading(spaced) == reading(" ".join(tokens))
    assert emergencies(spaced) == emergencies(" ".join(tokens))


@settings(max_examples=200)
@given(REPORTS, st.lists(st.tuples(st.integers(min_value=0), _INVISIBLE), max_size=8))
def test_invisible_characters_do_not_change_the_reading(
    text: str, inserts: list[tuple[int, str]]
) -> None:
    """Zero-width spaces and direction marks that copy-and-paste leaves in "3\\u200b号楼"."""
    marked = text
    for position, char in inserts:
        at = position % (len(marked) + 1)
        marked = marked[:at] + char + marked[at:]
    assert reading(marked) == reading(text)
    assert emergencies(marked) == emergencies(text)


def full_width(text: str) -> str:
    """What a Chinese input method in full-width mode types for ``text``."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


@settings(max_examples=200)
@given(_ASCII_REPORTS)
def test_full_width_and_capitals_read_like_plain_ascii(text: str) -> None:
    assert reading(full_width(text)) == reading(text)
    assert reading(text.upper()) == reading(text)
    assert emergencies(full_width(text)) == emergencies(text)
    assert emergencies(text.upper()) == emergencies(text)


@settings(max_examples=200)
@given(_ASCII_REPORTS, st.sampled_from(_DIGITS_OF))
def test_digits_of_any_script_read_like_ascii_digits(text: str, digits: str) -> None:
    other = text.translate(str.maketrans("0123456789", digits))
    assert reading(other) == reading(text)


@settings(max_examples=200)
@given(REPORTS)
def test_reading_the_normalized_text_again_changes_nothing(text: str) -> None:
    assert reading(normalize(text)) == reading(text)
    assert emergencies(normalize(text)) == emergencies(text)


@settings(max_examples=200)
@given(REPORTS)
def test_emergencies_never_raise_and_name_catalog_keys(text: str) -> None:
    found = emergencies(text)
    assert set(found) <= EMERGENCY_KEYS
    assert len(found) == len(set(found))


def test_precautions_are_no_emergencies_but_real_ones_still_are() -> None:
    """A blocked fire lane or a fire hazard is reported every week; neither means 119."""
    assert emergencies("e-bikes blocking the fire lane") == []
    assert emergencies("楼道堆放杂物，存在火灾隐患") == []
    assert emergencies("the fire exit is locked") == []
    assert emergencies("楼道杂物有火灾隐患，刚才已经着火了") == ["emergency.fire"]
    assert emergencies("ＦＩＲＥ in the stairwell") == ["emergency.fire"]
    assert emergencies("煤\u200b气味很重") == ["emergency.gas"]
    assert classify("楼道堆放杂物，存在火灾隐患", DEFAULT_CATEGORIES).priority is Priority.NORMAL


@settings(max_examples=200)
@given(st.text())
def test_the_report_hashtag_is_found_before_any_text(text: str) -> None:
    assert REPORT_HASHTAG.search("#随手拍" + text)
    assert REPORT_HASHTAG.search("#report " + text)
    assert REPORT_HASHTAG.search(f"{text} #REPORT")
    if "#" not in text:
        assert not REPORT_HASHTAG.search(text)


def test_the_report_hashtag_is_a_whole_tag() -> None:
    assert REPORT_HASHTAG.search("#随手拍3-2楼道堆物")  # no space needed before Chinese text
    assert not REPORT_HASHTAG.search("#reporting a light")
    assert not REPORT_HASHTAG.search("#report_2")


# ------------------------------------------------------------ the command form of a place


@settings(max_examples=300)
@given(st.one_of(st.text(), st.lists(_PIECES, max_size=4).map("".join)))
def test_a_place_label_parses_to_a_real_door_or_value_error(label: str) -> None:
    try:
        place = Place.parse_label(label)
    except ValueError:
        return
    for part in (place.building, place.unit):
        assert len(part) <= 16 and part.isascii() and (part == "" or part.isalnum())
        assert part == part.upper()
    assert not (place.unit and not place.building)
    assert Place.parse_label(place.label()) == place


@settings(max_examples=200)
@given(
    st.integers(0, 9999), st.integers(0, 999), st.sampled_from(["-", "－", "–", "—", "−", " - "]),
    st.sampled_from(["0123456789", *_DIGITS_OF]), st.lists(_INVISIBLE, max_size=2),
)
def test_a_place_label_reads_however_it_was_typed(
    building: int, unit: int, dash: str, digits: str, invisible: list[str]
) -> None:
    """"3–2" from a phone, "３－２" from a Chinese keyboard, "٣-٢": all door 3-2."""
    typed = f"{building}{dash}{''.join(invisible)}{unit}".translate(
        str.maketrans("0123456789", digits)
    )
    assert Place.parse_label(typed) == Place(str(building), str(unit))


@settings(max_examples=200)
@given(st.text())
def test_normalize_forms_leaves_nothing_invisible_or_foreign_digits(text: str) -> None:
    plain = normalize_forms(text)
    assert not any(unicodedata.category(c) == "Cf" for c in plain)
    assert all(c.isascii() for c in plain if unicodedata.category(c) == "Nd")
    assert normalize_forms(plain) == plain
