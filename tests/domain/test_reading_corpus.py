"""The text reader against reports written apart from its keyword tables (``reading_corpus``).

Life-safety reports must all come out urgent with their hint; nothing else may raise an
alarm; denials and all-clears must not be urgent from their words; places must read as
before; and the category must be an acceptable one for at least 90 % of the reports. The
figures per category and per kind of case are printed at the end of the run
(``tests/domain/conftest.py``), also under ``-q``; ``-s`` shows them in place as well.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pytest

from bot.domain.classify import Classification, classify
from bot.domain.emergency import emergencies
from bot.domain.model import DEFAULT_CATEGORIES, Priority
from tests.domain.reading_corpus import CORPUS, Case

LIFE = [c for c in CORPUS if c.life]
CALM = [c for c in CORPUS if not c.life]
MIN_ACCURACY = 0.90
# The groups the summary reports besides the categories, in this order.
TAGS = ("life", "neg", "mixed", "en", "typo", "holdout", "holdout2", "holdout3", "holdout4")


def read(case: Case) -> Classification:
    return classify(case.text, DEFAULT_CATEGORIES)


def _id(case: Case) -> str:
    return f"{CORPUS.index(case):03d}"


@pytest.mark.parametrize("case", LIFE, ids=_id)
def test_every_life_safety_report_is_urgent_and_shows_its_hint(case: Case) -> None:
    found = read(case)
    assert found.priority is Priority.URGENT, case.text
    assert set(case.hints) <= set(found.emergencies), case.text
    assert found.confident, case.text


def test_the_classification_names_the_same_emergencies_as_the_hint_reader() -> None:
    assert [c.text for c in CORPUS if read(c).emergencies != tuple(emergencies(c.text))] == []


def test_nothing_else_raises_an_alarm() -> None:
    """Telling people to call 119 for a stairwell of boxes teaches them to ignore it."""
    false_alarms = [(c.text, emergencies(c.text)) for c in CALM if emergencies(c.text)]
    assert false_alarms == []


def test_urgency_is_read_as_a_careful_coordinator_would() -> None:
    wrong = [
        (c.text, read(c).priority.value, read(c).category.key)
        for c in CORPUS
        if c.urgent is not None and (read(c).priority is Priority.URGENT) != c.urgent
    ]
    assert wrong == []


def test_denials_and_all_clears_are_not_urgent_from_their_words() -> None:
    raised = [
        c.text for c in CORPUS
        if "neg" in c.tags and read(c).priority_from_text and read(c).priority is Priority.URGENT
    ]
    assert raised == []


def test_where_there_is_no_signal_the_reader_says_so() -> None:
    guessed = [c.text for c in CORPUS if c.ok == {"other"} and read(c).confident]
    assert guessed == []


def test_places_read_as_written_and_never_from_dates_phones_or_floors() -> None:
    wrong = [
        (c.text, c.place, found.label() if found else None)
        for c in CORPUS
        if ((found := read(c).place) and found.label()) != c.place
    ]
    assert wrong == []


def _line(name: str, cases: list[Case], right: Callable[[Case], bool]) -> str:
    hits = sum(map(right, cases))
    return f"  {name:<11} {hits:>3}/{len(cases):<3} {hits / len(cases):6.1%}"


def accuracy_table() -> tuple[float, str]:
    """Overall accuracy and the summary: per category (by the first acceptable one), per
    kind of case, life-safety results and the misses."""
    by_primary: dict[str, list[Case]] = defaultdict(list)
    for c in CORPUS:
        by_primary[c.primary].append(c)

    def right(c: Case) -> bool:
        return read(c).category.key in c.ok

    lines = ["reading accuracy by category (tests/domain/reading_corpus):"]
    lines += [_line(cat.key, by_primary[cat.key], right)
              for cat in DEFAULT_CATEGORIES if by_primary[cat.key]]
    lines.append(_line("overall", list(CORPUS), right))
    lines.append("  by kind of case:")
    lines += [_line(tag, [c for c in CORPUS if tag in c.tags], right)
              for tag in TAGS if any(tag in c.tags for c in CORPUS)]
    urgent = sum(read(c).priority is Priority.URGENT for c in LIFE)
    hinted = sum(set(c.hints) <= set(read(c).emergencies) for c in LIFE)
    alarms = sum(bool(read(c).emergencies) for c in CALM)
    lines.append(f"  life-safety: {urgent}/{len(LIFE)} urgent, {hinted}/{len(LIFE)} with their "
                 f"hint; false alarms {alarms}/{len(CALM)}")
    misses = [c for c in CORPUS if not right(c)]
    if misses:
        lines.append("  misses (read ∉ acceptable, confident?):")
        lines += [f"    {read(c).category.key:>10} ∉ {'|'.join(sorted(c.ok)):<26} "
                  f"{'confident' if read(c).confident else 'unsure   '} {c.text}"
                  for c in misses]
    return sum(map(right, CORPUS)) / len(CORPUS), "\n".join(lines)


def test_category_accuracy(record_property: pytest.RecordProperty) -> None:
    overall, summary = accuracy_table()
    record_property("reading_summary", summary)
    print(summary)
    assert overall >= MIN_ACCURACY, summary
