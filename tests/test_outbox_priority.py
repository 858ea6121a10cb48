"""Urgent work first (issue hole 4): a resident's burst of replies once held a fire report's
card and warning back for a minute and a half behind fifty relays in the group's queue.

Urgent cards go first, relays and notices last, first in first out within a class, and
nothing waits for ever; a burst of texts is joined into one message, and each issue passes
on at most ``residents.relay_per_minute`` replies a minute in each direction.

Group flood limits are enforced on both sides, shortened to 3 messages a second so the
tests run in seconds. A chat that is "behind" is made so by Telegram's own answer: its next
message gets RetryAfter 30 s, and the test moves the bot's clock past it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import RateLimits
from bot.clock import iso
from bot.emulator import BotApiEmulator, BotMessage, FloodLimits
from bot.views.html_text import utf16_len
from storage import outbox
from storage.db import Store
from tests.conftest import (
    COORDINATOR,
    GRID_HEAD,
    GROUP,
    HEADS,
    RESIDENT,
    TOKEN,
    UNIT_HEAD,
    Bot,
)
from tests.test_residents import report

GROUP_LIMITS = RateLimits(group_max=3, group_period=1.0)
FIRE = "#随手拍 3号楼2单元楼道着火了"
NOTE = "请稍等一分钟"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """The emulator of conftest, enforcing Telegram's group limit (shortened like the bot's)."""
    flood = FloodLimits(overall_per_second=30, group_max=3, group_period=1.0)
    async with BotApiEmulator(token=TOKEN, flood=flood) as emulator:
        emulator.add_group(GROUP, "松鹤社区第一网格工作群")
        for _, user_id, name, _ in HEADS:
            emulator.add_user(user_id, name)
        emulator.add_user(COORDINATOR, "刘书记")
        emulator.add_user(RESIDENT, "居民老王", username="laowang_1956")
        yield emulator


@pytest.fixture
async def bot(make_bot: Callable[..., Bot]) -> AsyncIterator[Bot]:
    running = make_bot(limits=GROUP_LIMITS)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def fall_behind(emu: BotApiEmulator, chat_id: int) -> None:
    """Telegram answers the bot's next message to ``chat_id`` with RetryAfter 30 s."""

    def hook(method: str, params: dict[str, Any]) -> None:
        if method.lower() == "sendmessage" and str(params.get("chat_id")) == str(chat_id):
            emu.hooks.remove(hook)
            emu.fail_next("sendMessage", retry_after=30)

    emu.hooks.append(hook)


async def handled(bot: Bot) -> None:
    """Every update handled, and the outbox holds only what a chat behind waits to send (an
    update's messages are committed with it, so a chat learns it is behind only once the
    sender has tried it)."""

    def done() -> bool:
        return bot.emu.pending_updates() == 0 and not bot.query(
            "SELECT 1 FROM inbox WHERE processed_at IS NULL"
        ) and not bot.query(
            """SELECT 1 FROM outbox o WHERE o.status = 'pending' AND NOT EXISTS (
                   SELECT 1 FROM outbox w WHERE w.chat_id = o.chat_id
                     AND w.status = 'pending' AND w.last_error = 'RetryAfter')"""
        )

    await bot.emu.wait_for(done, timeout=30)


async def catch_up(bot: Bot) -> None:
    """The RetryAfter wait passes (on the bot's clock) and everything is sent."""
    assert bot.runner is not None
    bot.clock.advance(timedelta(seconds=31))
    bot.runner.sender.wake()
    await bot.settled()


def event_texts(bot: Bot, issue_id: int, type_: str) -> list[str]:
    rows = bot.query(
        "SELECT data FROM events WHERE issue_id = ? AND type = ? ORDER BY id", (issue_id, type_)
    )
    return [json.loads(r["data"])["text"] for r in rows]


def relays(messages: list[BotMessage], number: int) -> list[BotMessage]:
    return [m for m in messages if f"回复 #{number}：" in m.plain()]


async def test_a_fire_report_overtakes_a_residents_flood_of_replies(bot: Bot) -> None:
    """The measured case: 50 quick replies by a resident, then a head's fire report."""
    emu = bot.emu
    number = await report(bot)
    confirmation = next(m for m in reversed(emu.bot_messages(RESIDENT)) if "已登记" in m.plain())
    seen = len(emu.bot_messages(GROUP))
    fall_behind(emu, GROUP)  # the group's queue is full: nothing more goes out for now
    texts = [f"补充{i}：楼道纸箱越堆越多" for i in range(50)]
    for text in texts:
        emu.send_text(RESIDENT, RESIDENT, text, reply_to=confirmation.message_id)
    emu.send_text(GROUP, GRID_HEAD, FIRE)
    await handled(bot)
    await catch_up(bot)

    fire = bot.issues()[-1]
    assert fire["priority"] == "urgent"
    group = emu.bot_messages(GROUP)[seen:]
    relayed = relays(group, number)
    # Whom to call, then the fire's card: both before every relay still waiting.
    first = group[: len(group) - len(relayed)]
    assert group[len(first):] == relayed
    assert "119" in first[0].plain()
    assert first[-1].message_id == bot.card(fire["id"]).message_id
    classes = {(r["kind"], r["method"], r["issue_id"]): r["klass"] for r in bot.query(
        "SELECT kind, method, issue_id, klass FROM outbox WHERE chat_id = ?", (GROUP,)
    )}
    assert classes[("card", "", fire["id"])] == outbox.URGENT
    assert classes[("card", "", number)] == outbox.NORMAL
    assert classes[("call", "sendMessage", number)] == outbox.LOW
    # Six replies went on, joined into at most two messages (one may have been on its way);
    # the other 44 are kept on the issue, and the resident was asked once to wait.
    assert 1 <= len(relayed) <= 2
    shown = "\n".join(m.plain() for m in relayed)
    assert all(text in shown for text in texts[:6])
    assert not any(text in shown for text in texts[6:])
    assert shown.index(texts[0]) < shown.index(texts[5])
    assert all(m.reply_to == bot.card(number).message_id for m in relayed)
    notes = [m for m in emu.bot_messages(RESIDENT) if NOTE in m.plain()]
    assert len(notes) == 1 and f"#{number}" in notes[0].plain()
    assert event_texts(bot, number, "relay_to_group") == texts[:6]
    assert event_texts(bot, number, "relay_to_group_held") == texts[6:]
    assert emu.flood_violations == 0

    # A minute later the resident is heard again.
    bot.clock.advance(timedelta(minutes=1))
    emu.send_text(RESIDENT, RESIDENT, "现在清理了一半", reply_to=confirmation.message_id)
    await bot.settled()
    assert f"回复 #{number}：现在清理了一半" in emu.bot_messages(GROUP)[-1].plain()
    assert len([m for m in emu.bot_messages(RESIDENT) if NOTE in m.plain()]) == 1


async def test_urgent_cards_first_then_first_in_first_out(bot: Bot) -> None:
    emu = bot.emu
    fall_behind(emu, GROUP)
    reports = [
        "#随手拍 5号楼门口垃圾没清",
        "#随手拍 2号楼路灯不亮",
        FIRE,
        "#随手拍 7号楼1单元楼道堆满纸箱",
        "#随手拍 6号楼1单元燃气泄漏",
    ]
    for text in reports:
        emu.send_text(GROUP, GRID_HEAD, text)
    await handled(bot)
    await catch_up(bot)
    assert [r["priority"] == "urgent" for r in bot.issues()] == [
        False, False, True, False, True
    ]
    card_ids = {bot.card(n).message_id: n for n in range(1, 6)}
    order = [card_ids[m.message_id] for m in emu.bot_messages(GROUP) if m.message_id in card_ids]
    assert order == [3, 5, 1, 2, 4]
    assert emu.flood_violations == 0


async def test_heads_replies_to_a_resident_are_limited_the_same_way(bot: Bot) -> None:
    emu = bot.emu
    number = await report(bot)
    card = bot.card(number)
    fall_behind(emu, RESIDENT)
    texts = [f"第{i}条：明天上午去看" for i in range(10)]
    sent = [emu.send_text(GROUP, UNIT_HEAD, text, reply_to=card.message_id) for text in texts]
    await handled(bot)
    await catch_up(bot)

    to_resident = [m for m in emu.bot_messages(RESIDENT) if f"#{number}】" in m.plain()]
    assert 1 <= len(to_resident) <= 2
    shown = "\n".join(m.plain() for m in to_resident)
    assert all(text in shown for text in texts[:6])
    assert not any(text in shown for text in texts[6:])
    # One signature per message: the lines joined to it come from the same head.
    assert shown.count(f"【单元长 · #{number}】") == len(to_resident)
    # The head is told once, under the first reply that was not passed on.
    notes = [m for m in emu.bot_messages(GROUP) if "请稍等一分钟" in m.plain()]
    assert len(notes) == 1 and notes[0].reply_to == sent[6]["message_id"]
    assert event_texts(bot, number, "relay_to_resident") == texts[:6]
    assert event_texts(bot, number, "relay_to_resident_held") == texts[6:]
    # /show lists the replies that were kept back, with what they said.
    emu.send_text(GROUP, UNIT_HEAD, f"/show {number}")
    await bot.settled()
    history = emu.bot_messages(GROUP)[-1].plain()
    assert history.count("未转达") == 4
    assert all(text in history for text in texts)


async def test_a_long_burst_is_split_at_telegrams_limit(bot: Bot) -> None:
    emu = bot.emu
    number = await report(bot)
    confirmation = next(m for m in reversed(emu.bot_messages(RESIDENT)) if "已登记" in m.plain())
    seen = len(emu.bot_messages(GROUP))
    fall_behind(emu, GROUP)
    texts = [f"{i}" + "🔥" * 1000 for i in range(4)]  # 2,001 UTF-16 units each
    for text in texts:
        emu.send_text(RESIDENT, RESIDENT, text, reply_to=confirmation.message_id)
    await handled(bot)
    await catch_up(bot)
    relayed = relays(emu.bot_messages(GROUP)[seen:], number)
    assert 2 <= len(relayed) <= 3
    assert all(utf16_len(m.text) <= 4096 for m in relayed)
    shown = "\n".join(m.plain() for m in relayed)
    assert [shown.index(text) for text in texts] == sorted(shown.index(text) for text in texts)


async def test_replies_handled_again_after_a_crash_are_not_joined_twice(bot: Bot) -> None:
    """A crash after a reply was stored but before its update was marked done: the update
    is handled again at start-up, and a text joined to a waiting relay must not repeat."""
    emu = bot.emu
    number = await report(bot)
    confirmation = next(m for m in reversed(emu.bot_messages(RESIDENT)) if "已登记" in m.plain())
    (last,) = bot.query("SELECT MAX(update_id) AS id FROM inbox")
    fall_behind(emu, GROUP)
    texts = ["门口也堆了", "还有自行车", "晚上看不清"]
    for text in texts:
        emu.send_text(RESIDENT, RESIDENT, text, reply_to=confirmation.message_id)
    await handled(bot)
    await bot.stop()
    with bot.db() as conn:
        conn.execute("UPDATE inbox SET processed_at = NULL WHERE update_id > ?", (last["id"],))
    await bot.start()
    await handled(bot)
    await catch_up(bot)
    shown = "\n".join(m.plain() for m in relays(emu.bot_messages(GROUP), number))
    assert [shown.count(text) for text in texts] == [1, 1, 1]
    assert event_texts(bot, number, "relay_to_group") == texts


# --- the queue itself, on an injected clock ------------------------------------------------

T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = Store(tmp_path / "outbox.sqlite3")
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


async def put(store: Store, text: str, klass: int, at: datetime, chat_id: int = GROUP) -> None:
    async with store.transaction() as conn:
        await outbox.enqueue_call(
            conn, chat_id, "sendMessage", {"chat_id": chat_id, "text": text}, iso(at),
            klass=klass,
        )


async def send_next(store: Store, at: datetime) -> str:
    """What the sender takes next from the one chat at ``at``, marked sent."""
    (row,) = await outbox.ready(store, iso(at), set())
    assert await outbox.mark_sent(store, row, iso(at), 1)
    return str(row.payload["text"])


async def test_ready_takes_the_lowest_class_first_in_first_out_within_it(store: Store) -> None:
    queued = [("relay 1", outbox.LOW), ("card 1", outbox.NORMAL), ("urgent 1", outbox.URGENT),
              ("relay 2", outbox.LOW), ("urgent 2", outbox.URGENT), ("card 2", outbox.NORMAL)]
    for i, (text, klass) in enumerate(queued):
        await put(store, text, klass, T0 + timedelta(seconds=i))
    now = T0 + timedelta(seconds=10)
    assert [await send_next(store, now) for _ in queued] == [
        "urgent 1", "urgent 2", "card 1", "card 2", "relay 1", "relay 2"
    ]
    assert await outbox.ready(store, iso(now), set()) == []


async def test_a_steady_stream_of_urgent_rows_does_not_hold_a_relay_back(store: Store) -> None:
    """A row climbs one class for every aging period it waits: a relay queued behind an
    endless stream of urgent rows goes out after two periods, before the newer ones."""
    await put(store, "relay", outbox.LOW, T0)
    step = timedelta(seconds=10)
    at, waited = T0, None
    while at < T0 + 3 * outbox.AGING:
        at += step
        await put(store, f"urgent {at}", outbox.URGENT, at)  # one more arrives each time
        if await send_next(store, at) == "relay":
            waited = at - T0
            break
    assert waited is not None and 2 * outbox.AGING <= waited < 2 * outbox.AGING + step


async def test_a_chat_told_to_wait_sends_nothing_not_even_urgent(store: Store) -> None:
    await put(store, "relay", outbox.LOW, T0)
    await put(store, "other chat", outbox.LOW, T0, chat_id=RESIDENT)
    (relay, other) = await outbox.ready(store, iso(T0), set())
    await outbox.retry_later(store, relay, iso(T0 + timedelta(seconds=30)), "RetryAfter")
    assert await outbox.mark_sent(store, other, iso(T0), 1)
    await put(store, "urgent", outbox.URGENT, T0 + timedelta(seconds=1))
    assert await outbox.ready(store, iso(T0 + timedelta(seconds=29)), set()) == []
    after = T0 + timedelta(seconds=30)
    assert [await send_next(store, after) for _ in range(2)] == ["urgent", "relay"]


async def test_the_chat_with_the_most_to_send_takes_the_next_free_slot(store: Store) -> None:
    """Within a class, across chats, the longest queue goes first: a group drains at most
    20 messages a minute, so a burst to one group that waited behind every other group's
    single card (first in, first out) kept the whole run waiting for its tail. An urgent
    row still goes before it."""
    other = GROUP - 1
    await put(store, "other 1", outbox.NORMAL, T0, chat_id=other)
    for i in range(3):
        await put(store, f"burst {i}", outbox.NORMAL, T0 + timedelta(seconds=1 + i))
    now = T0 + timedelta(seconds=10)
    (first,) = await outbox.ready(store, iso(now), set(), limit=1)
    assert first.payload["text"] == "burst 0"
    await put(store, "fire", outbox.URGENT, now, chat_id=other)
    (urgent,) = await outbox.ready(store, iso(now), {GROUP}, limit=1)
    assert urgent.payload["text"] == "fire"
