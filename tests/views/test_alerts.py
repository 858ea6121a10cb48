"""The alerts' words alone: pings, the climb of an unclaimed item, the resident's answer
passed to the group or coordinators, and the bot's own troubles (fast: no bot, no database).
Their delivery is in tests/test_escalation.py, tests/test_residents.py and others."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.model import Priority, Role, Status
from bot.domain.routing import Head
from bot.views import alerts
from tests.domain.test_issue_machine import fresh_issue


def test_ping() -> None:
    assert alerts.ping("zh", "new", 5) == "📌 新事件 #5 由您负责，请到网格群里查看并认领。"
    assert (alerts.ping("en", "escalated", 5)
            == "⏫ #5 was left unclaimed and passed up to you: please see the grid group and "
               "claim it.")


def test_climbed_mentions_the_head_with_the_window_of_the_priority() -> None:
    issue = replace(fresh_issue(), priority=Priority.URGENT)
    head = Head(7, Role.BUILDING, "李<四>")
    assert alerts.climbed("zh", issue, head) == (
        '⏫ #1 30 分钟无人认领，已升级给楼长 <a href="tg://user?id=7">李&lt;四&gt;</a>，请尽快处理。')
    assert alerts.climbed("en", fresh_issue(), head) == (
        '⏫ #1: unclaimed for 24 hours, passed up to the building head '
        '<a href="tg://user?id=7">李&lt;四&gt;</a>. Please take it.')


def test_reopened_names_the_answer_and_mentions_the_assignee() -> None:
    assert alerts.reopened("zh", 1, "partly", 2, "黄福军") == (
        '↩️ #1 居民反馈：🤏 修好一部分。已重新打开，请 <a href="tg://user?id=2">黄福军</a> 跟进。')
    assert alerts.reopened("en", 1, "no", 2, "Huang") == (
        '↩️ #1: the resident says “👎 Not fixed”. Reopened; '
        '<a href="tg://user?id=2">Huang</a>, please follow up.')


def test_coordinators_are_asked_with_close_and_reopen() -> None:
    issue = replace(fresh_issue(), status=Status.RESOLVED)
    text, markup = alerts.ask_coordinators("zh", issue)
    assert text == "❓ #1 居民说不清是否修好，请协调员判断：确认办结，或重新打开。"
    assert markup == {"inline_keyboard": [[
        {"text": "👍 确认办结", "callback_data": "issue:close:1"},
        {"text": "↩️ 重新打开", "callback_data": "issue:reopen:1"},
    ]]}
    text, _ = alerts.ask_coordinators("en", issue)
    assert text == ("❓ #1: the resident cannot tell whether it is fixed. Coordinators, "
                    "please close or reopen it.")


def test_downtime_counts_whole_minutes() -> None:
    gone = timedelta(hours=2, minutes=5, seconds=59)
    assert alerts.downtime("zh", gone).startswith("⚠️ 机器人停止运行了约 2 小时 5 分钟，现已恢复。")
    assert alerts.downtime("en", gone).startswith(
        "⚠️ The bot was down for about 2 h 5 min and is back.")


def test_notices_of_the_bots_own_troubles() -> None:
    assert alerts.chat_lost("zh", "songhe-1") == (
        "⚠️ 机器人已被移出网格「songhe-1」的群，绑定已停用。请重新拉入并发送 /bind。")
    assert alerts.update_unreadable("en", 42).startswith(
        "⚠️ An update from Telegram could not be read (update 42); it was set aside")
    assert alerts.media_rejected("zh", 9, "media.too_big") == (
        "⚠️ #9 的附件未能保存：文件太大（超过 20 MB），无法保存。 事件本身已登记。")
    assert alerts.media_rejected("en", 9, "media.not_image") == (
        "⚠️ An attachment of #9 could not be kept: This is not an image. "
        "The issue itself is recorded.")


def test_a_report_kept_from_an_unbound_group() -> None:
    assert "/bind 网格代码" in alerts.kept_unbound("zh")
    assert alerts.unbound_group("zh", "<新群>", -100123) == (
        "📥 群「<新群>」（ID -100123）还没有绑定网格，群里已经有人上报问题，先存着了。"
        "请到这个群里发送 /bind 网格代码，存着的上报会自动登记为事件。")
    assert alerts.unbound_group("en", "New", -1).startswith("📥 The group “New” (id -1) ")
