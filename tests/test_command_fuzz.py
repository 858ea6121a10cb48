"""Every command's arguments, in any script and any length: a value or a clear answer.

First the readers in ``bot.domain.args`` on their own, where thousands of inputs cost
nothing; then command lines made up by hypothesis sent through the real Application by a
coordinator, a head and a stranger, in the group and in private: each gets exactly one
answer, no handler fails, and a bad argument changes nothing that is stored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.args import (
    QrArgs,
    bind_args,
    decide_args,
    grid_arg,
    qr_args,
    show_args,
)
from bot.domain.model import GRID_KEY_RE, Place, normalize_forms
from bot.errors import UserError
from bot.i18n import t
from bot.services.agenda import DECISION_MAX
from tests.conftest import COORDINATOR, GRID_HEAD, GROUP, OUTSIDER, UNIT_HEAD, Bot, jpeg

# What python-telegram-bot hands a command: the message's words after the command.
ARGS = st.one_of(
    st.text().map(lambda text: text.split()),
    st.lists(st.text(), max_size=4),
    st.lists(st.sampled_from(["1", "#12", "＃１２", "٣", "0", "songhe-1", "SONGHE-1", "3-2",
                              "３－２", "3–2", "revoke", "REVOKE", "-", "🔥", "\u202e"]),
             max_size=4),
)
_DIGITS_OF = ["0123456789", "０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९"]


def in_digits(number: int, digits: str) -> str:
    return str(number).translate(str.maketrans("0123456789", digits))


def shows_nothing_hidden(text: str) -> bool:
    """A refusal quotes an argument without invisible characters (no direction tricks)."""
    return not any(unicodedata.category(c) == "Cf" for c in text)


# ------------------------------------------------------------------ the readers alone


@settings(max_examples=300)
@given(ARGS)
def test_show_reads_one_issue_number_or_answers_with_its_usage(args: list[str]) -> None:
    try:
        number = show_args(args)
    except UserError as refused:
        assert (refused.key, refused.params) == ("show.usage", {})
        return
    assert len(args) == 1
    assert str(number) == normalize_forms(args[0]).strip().lstrip("#").lstrip("0")


@given(st.integers(1, 999_999_999), st.sampled_from(_DIGITS_OF), st.sampled_from(["", "#", "＃"]))
def test_an_issue_number_reads_in_any_digits_with_or_without_a_hash(
    number: int, digits: str, hash_mark: str
) -> None:
    assert show_args([hash_mark + in_digits(number, digits)]) == number


@pytest.mark.parametrize("token", ["0", "#0", "1234567890", "12a", "##1", "-1", "1.5", "#", ""])
def test_what_is_no_issue_number(token: str) -> None:
    with pytest.raises(UserError, match="show.usage"):
        show_args([token])


@settings(max_examples=300)
@given(ARGS, st.sampled_from(["open.which_grid", "agenda.which_grid"]))
def test_open_and_agenda_read_an_optional_grid_key(args: list[str], usage: str) -> None:
    try:
        key = grid_arg(args, usage)
    except UserError as refused:
        if len(args) > 1:
            assert (refused.key, refused.params) == (usage, {})
        else:
            assert refused.key == "grid.unknown"
            echoed = refused.params["key"]
            assert len(echoed) <= 32 and shows_nothing_hidden(echoed)
        return
    assert (key is None) == (not args)
    assert key is None or GRID_KEY_RE.fullmatch(key)


@settings(max_examples=300)
@given(ARGS)
def test_bind_reads_exactly_one_grid_key(args: list[str]) -> None:
    try:
        key = bind_args(args)
    except UserError as refused:
        assert (refused.key, refused.params) == ("bind.usage", {})
        return
    assert len(args) == 1 and GRID_KEY_RE.fullmatch(key)


def test_a_grid_key_forgives_capitals_and_full_width_forms() -> None:
    assert bind_args(["Songhe-1"]) == bind_args(["ｓｏｎｇｈｅ－１"]) == "songhe-1"
    assert grid_arg(["SONGHE-1"], "open.which_grid") == "songhe-1"
    with pytest.raises(UserError, match="bind.usage"):
        bind_args(["songhe 1"])
    with pytest.raises(UserError, match="open.which_grid"):
        grid_arg(["songhe-1", "songhe-2"], "open.which_grid")


@settings(max_examples=300)
@given(ARGS, st.booleans())
def test_qr_reads_a_door_and_revoke_or_answers_with_its_usage(
    args: list[str], private: bool
) -> None:
    try:
        asked = qr_args(args, private=private)
    except UserError as refused:
        assert refused.key in ("qr.usage_private" if private else "qr.usage", "qr.bad_place")
        if refused.key == "qr.bad_place":
            assert len(refused.params["place"]) <= 16
            assert shows_nothing_hidden(refused.params["place"])
        return
    assert not asked.place.is_empty()
    assert Place.parse_label(asked.place.label()) == asked.place
    assert (asked.grid_key is not None) == private
    assert asked.grid_key is None or GRID_KEY_RE.fullmatch(asked.grid_key)
    assert len(args) == 1 + private + asked.revoke


@given(
    st.integers(0, 999), st.integers(1, 99), st.sampled_from(["-", "－", "–"]),
    st.sampled_from(["", "revoke", "REVOKE", "ｒｅｖｏｋｅ"]), st.booleans(),
)
def test_qr_reads_the_place_however_it_was_typed(
    building: int, unit: int, dash: str, revoke: str, private: bool
) -> None:
    args = [f"{building}{dash}{unit}", *([revoke] if revoke else [])]
    if private:
        args.insert(0, "Songhe-1")
    assert qr_args(args, private=private) == QrArgs(
        "songhe-1" if private else None, Place(str(building), str(unit)), bool(revoke)
    )


def test_qr_refuses_what_names_no_door() -> None:
    for args in (["-"], ["3-2-1"], ["revoke", "revoke", "revoke"], [""], ["3号楼"]):
        with pytest.raises(UserError) as refused:
            qr_args(args, private=False)
        assert refused.value.key in ("qr.bad_place", "qr.usage")
    with pytest.raises(UserError, match="qr.usage_private"):
        qr_args(["3-2"], private=True)
    with pytest.raises(UserError, match="qr.bad_place"):
        qr_args(["x" * 5000], private=False)


_DECISION_TEXT = st.one_of(
    st.text(),
    st.text(min_size=DECISION_MAX - 2, max_size=DECISION_MAX + 2),
    st.builds(
        lambda command, number, sep, decision: f"/{command}{sep}{number}{sep}{decision}",
        st.sampled_from(["decide", "DECIDE", "Decide@fiveheads_bot"]),
        st.one_of(st.integers(-3, 10**10).map(str), st.text(max_size=4)),
        st.sampled_from([" ", "\n", "\u3000", "  "]),
        st.text(),
    ),
)


@settings(max_examples=300)
@given(_DECISION_TEXT)
def test_decide_reads_a_number_and_a_visible_decision(text: str) -> None:
    try:
        number, decision = decide_args(text, max_length=DECISION_MAX)
    except UserError as refused:
        assert (refused.key, refused.params) == ("decide.usage", {})
        return
    assert 1 <= number <= 999_999_999
    assert decision == decision.strip() and 1 <= len(decision) <= DECISION_MAX
    assert any(unicodedata.category(c)[0] not in "CZ" for c in decision)
    assert decision in text


def test_decide_keeps_the_decisions_lines_and_takes_the_command_in_any_case() -> None:
    text = "/DECIDE@FiveHeads_Bot ＃１２  物业周五前清走\n下次会议复查 "
    assert decide_args(text, max_length=DECISION_MAX) == (12, "物业周五前清走\n下次会议复查")
    for bad in ("/decide 12", "/decide 12 \u200b\u200f", "/decide x 清走", "/decide 0 清走",
                "/decide 12 " + "清" * (DECISION_MAX + 1)):
        with pytest.raises(UserError, match="decide.usage"):
            decide_args(bad, max_length=DECISION_MAX)


# ------------------------------------------------------------ through the real bot


def parse(command: str, text: str, *, private: bool) -> object:
    """What the command's reader makes of the line (``UserError`` when it is bad)."""
    args = text.split()[1:]
    if command == "show":
        return show_args(args)
    if command in ("open", "agenda"):
        return grid_arg(args, f"{command}.which_grid")
    if command == "bind":
        return bind_args(args)
    if command == "qr":
        return qr_args(args, private=private)
    if command == "decide":
        return decide_args(text, max_length=DECISION_MAX)
    return None  # /report reads no arguments: it needs a reply


COMMANDS = ["show", "open", "bind", "qr", "decide", "agenda", "report"]
_WORDS = st.sampled_from([
    "1", "#1", "＃１", "١", "2", "songhe-1", "SONGHE-1", "nowhere", "3-2", "３－２", "3–2",
    "revoke", "REVOKE", "-", "\u202e", "🔥" * 3, "<b>x</b>", "物业周五前清走", "3号楼",
])
_ARGUMENT = st.one_of(
    _WORDS, _WORDS, _WORDS,
    st.text(max_size=12),
    st.text(min_size=300, max_size=1500),
    st.integers(-2, 10**10).map(str),
)
_SEPARATOR = st.sampled_from([" ", "\n", "\u3000", "\t", "  "])


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[str, str]:
    """(command, the whole line), as someone in a hurry or a mischief would type it."""
    command = draw(st.sampled_from(COMMANDS))
    typed = "".join(c.upper() if draw(st.booleans()) else c for c in command)
    line = "/" + typed + draw(st.sampled_from(["", "@fiveheads_bot", "@FiveHeads_Bot"]))
    for argument in draw(st.lists(_ARGUMENT, max_size=4)):
        line += draw(_SEPARATOR) + argument
    return command, line[:4096]  # Telegram delivers at most 4,096 characters


@pytest.fixture
async def seeded(bot: Bot) -> AsyncIterator[Bot]:
    """One running bot with issue #1 in the grid, shared by every generated example."""
    bot.extra["report"] = bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物")
    await bot.settled()
    yield bot


# Lines that do something, so every run also walks the paths past the readers:
# (command, line), sender, in the group, as a reply to the report of #1.
GOOD_LINES = [
    (("decide", "/decide 1 物业周五前清走"), COORDINATOR, True, False),
    (("decide", "/DECIDE@fiveheads_bot ＃１\u3000周五前\n清走"), COORDINATOR, False, False),
    (("qr", "/qr 3-2"), COORDINATOR, True, False),
    (("qr", "/QR Songhe-1 3–2 REVOKE"), COORDINATOR, False, False),
    (("show", "/show ＃１"), GRID_HEAD, True, False),
    (("show", "/show 1"), OUTSIDER, False, False),
    (("open", "/open"), GRID_HEAD, True, False),
    (("agenda", "/agenda songhe-1"), GRID_HEAD, False, False),
    (("bind", "/bind songhe-1"), COORDINATOR, True, False),
    (("report", "/report 3-2"), GRID_HEAD, True, False),
    (("report", "/report 3-2"), GRID_HEAD, True, True),
]


def with_good_lines(test: Callable[..., Any]) -> Callable[..., Any]:
    for line, sender, in_group, as_reply in reversed(GOOD_LINES):
        test = example(line=line, sender=sender, in_group=in_group, as_reply=as_reply)(test)
    return test


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    line=command_lines(),
    sender=st.sampled_from([COORDINATOR, GRID_HEAD, OUTSIDER]),
    in_group=st.booleans(),
    as_reply=st.booleans(),
)
@with_good_lines
async def test_every_command_line_gets_one_answer_and_bad_ones_change_nothing(
    seeded: Bot, line: tuple[str, str], sender: int, in_group: bool, as_reply: bool
) -> None:
    """In the group a line may reply to the report of #1: /report then meets an issue
    that already exists and must not make a second one."""
    bot = seeded
    command, text = line
    chat = GROUP if in_group else sender
    reply_to = bot.extra["report"]["message_id"] if in_group and as_reply else None
    seen = {(m.chat_id, m.message_id) for m in bot.emu.bot_messages()}
    decisions = len(bot.query("SELECT id FROM events WHERE type = 'decision'"))

    sent = bot.emu.send_text(chat, sender, text, reply_to=reply_to)
    await bot.settled()

    new = [m for m in bot.emu.bot_messages() if (m.chat_id, m.message_id) not in seen]
    assert [(m.chat_id, m.reply_to) for m in new] == [(chat, sent["message_id"])], text
    assert bot.query("SELECT update_id, error FROM inbox WHERE error IS NOT NULL") == []
    assert len(bot.issues()) == 1
    bad: UserError | None = None
    try:
        value = parse(command, text, private=not in_group)
    except UserError as refused:
        bad, value = refused, None
    recorded = len(bot.query("SELECT id FROM events WHERE type = 'decision'")) - decisions
    # Only a coordinator's well-formed decision on the one issue there is gets recorded.
    decided = sender == COORDINATOR and isinstance(value, tuple) and value[0] == 1
    assert recorded == (1 if command == "decide" and decided else 0)
    if bad is not None and sender == COORDINATOR and (command, in_group) != ("bind", False):
        # A coordinator may use every command, so what they hear is the reader's answer.
        assert new[0].plain() == t("zh", bad.key, **bad.params)
