"""A card's sub-menus and the answers to button presses alone (fast: no bot, no database).
Pressing them on a real card is in tests/test_cards.py."""

from __future__ import annotations

from bot.domain.lifecycle import Action
from bot.domain.model import Role
from bot.domain.routing import Head
from bot.errors import UserError
from bot.views.menus import (
    ANSWER_LIMIT,
    REJECT_REASONS,
    assign_menu,
    done,
    no_buttons,
    refused,
    reject_menu,
    reject_reason,
    verify_thanks,
)

HEADS = (Head(7, Role.GRID, "王<芳>"), Head(8, Role.UNIT, "李四"), Head(8, Role.BUILDING, "李四"))


def test_assign_offers_every_head_but_the_assignee_by_name_and_role_then_back() -> None:
    prompt, keyboard = assign_menu("zh", 12, HEADS, assignee=7)
    assert prompt == "请选择转派给谁"
    assert keyboard == {"inline_keyboard": [
        [{"text": "李四 · 单元长", "callback_data": "issue:assignto:12:8"}],
        [{"text": "李四 · 楼长", "callback_data": "issue:assignto:12:8"}],
        [{"text": "« 返回", "callback_data": "issue:back:12"}],
    ]}


def test_assign_in_english_names_are_button_text_not_html() -> None:
    prompt, keyboard = assign_menu("en", 3, HEADS[:1], assignee=None)
    assert prompt == "Choose who takes it over"
    assert keyboard["inline_keyboard"] == [
        [{"text": "王<芳> · grid head", "callback_data": "issue:assignto:3:7"}],
        [{"text": "« Back", "callback_data": "issue:back:3"}],
    ]


def test_reject_offers_each_reason_then_back() -> None:
    prompt, keyboard = reject_menu("en", 5)
    assert prompt == "Choose a reason"
    assert keyboard == {"inline_keyboard": [
        [{"text": "duplicate", "callback_data": "issue:rejectwhy:5:duplicate"}],
        [{"text": "not actionable", "callback_data": "issue:rejectwhy:5:not_actionable"}],
        [{"text": "not this grid's matter", "callback_data": "issue:rejectwhy:5:out_of_scope"}],
        [{"text": "« Back", "callback_data": "issue:back:5"}],
    ]}
    assert [row[0]["text"] for row in reject_menu("zh", 5)[1]["inline_keyboard"]] == [
        "重复事件", "无法处理", "不属于本网格", "« 返回"]


def test_every_menu_button_fits_telegrams_callback_data_for_any_number() -> None:
    big = 10**12
    rows = (assign_menu("zh", big, [Head(10**15, Role.GRID, "x")], None)[1]["inline_keyboard"]
            + reject_menu("zh", big)[1]["inline_keyboard"])
    assert all(len(b["callback_data"].encode()) <= 64 for row in rows for b in row)
    assert {r["callback_data"].rsplit(":", 1)[1] for [r] in rows[-4:-1]} == set(REJECT_REASONS)


def test_the_reason_recorded_is_in_the_language_asked_for() -> None:
    assert reject_reason("zh", "duplicate") == "重复事件"
    assert reject_reason("en", "out_of_scope") == "not this grid's matter"


def test_answers_say_what_was_done() -> None:
    assert done("zh", Action.CLAIM, 12) == "已认领 #12"
    assert done("en", Action.ASSIGN, 12) == "#12 reassigned"
    assert done("zh", Action.REJECT, 3) == "#3 已驳回"
    assert verify_thanks("zh", "fixed", 4) == "谢谢确认！#4 已办结。"
    assert verify_thanks("en", "fixed", 4) == "Thank you! #4 is closed."


def test_a_refusal_is_cut_to_what_telegram_shows() -> None:
    assert refused("zh", UserError("issue.not_found", number=9)) == "没有找到事件 #9。"
    long = refused("en", UserError("grid.unknown", key="k" * 300))
    assert len(long) == ANSWER_LIMIT and long.startswith("No grid")


def test_an_answered_question_loses_its_buttons() -> None:
    assert no_buttons() == {"inline_keyboard": []}


def test_the_fix_menus_mark_what_is_there_now() -> None:
    from bot.domain.model import DEFAULT_CATEGORIES, Place, Priority
    from bot.views.menus import category_menu, fix_menu, place_menu, priority_menu

    prompt, keyboard = fix_menu("zh", 7)
    assert prompt == "要更正哪一项？"
    assert [[b["callback_data"] for b in row] for row in keyboard["inline_keyboard"]] == [
        ["issue:fixc:7", "issue:fixp:7"], ["issue:fixr:7"], ["issue:back:7"]]
    _, keyboard = category_menu("zh", 7, DEFAULT_CATEGORIES, "parking")
    assert keyboard["inline_keyboard"][0][1] == {"text": "✅ 车辆乱停",
                                                 "callback_data": "issue:setc:7:parking"}
    _, keyboard = place_menu("en", 7, [Place("3", "2"), Place("5")], Place("5"))
    assert [b["text"] for b in keyboard["inline_keyboard"][0]] == [
        "building 3, unit 2", "✅ building 5"]
    _, keyboard = priority_menu("zh", 7, Priority.NORMAL)
    assert [row[0]["text"] for row in keyboard["inline_keyboard"][:4]] == [
        "紧急", "优先", "✅ 一般", "计划"]
