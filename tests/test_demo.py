"""`fiveheads demo` plays the whole day offline and prints a transcript a person can follow.

The expected bot texts come from the zh catalog, so a wording change in the catalog does not
break this test, while a demo that stops showing a step does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.demo import run_demo
from bot.i18n import t

ROOT = Path(__file__).resolve().parent.parent


def entries(output: str) -> list[str]:
    """Transcript entries: a line that starts a chat event plus its indented continuation."""
    blocks: list[str] = []
    for line in output.splitlines():
        if line.startswith(" ") and blocks:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return blocks


def check_morning(output: str) -> None:
    output = output[:output.index("=== 9.")]  # the heads' morning, before the resident
    # The four reports, as the group saw them.
    for report in ("3号楼2单元楼道堆满纸箱，堵住了", "5号楼门口路灯坏了", "🎤 voice",
                   "#随手拍 3号楼楼下电动车乱停，堵住消防通道"):
        assert report in output, report
    # One card each, numbered in order, with the category read from the text.
    group_posts = [e for e in entries(output) if e.startswith("[松鹤社区第一网格工作群] 🤖 bot: ")]
    cards = [e for e in group_posts if re.search(r"[🔴🟠🟢🔵] #\d ", e.splitlines()[0])]
    numbers = [re.search(r" #(\d) (\S+)", card.splitlines()[0]) for card in cards]
    assert [(m.group(1), m.group(2)) for m in numbers if m] == [
        ("1", "楼道堆物"), ("2", "公共设施"), ("3", "其他"), ("4", "车辆乱停"),
    ]
    assert "📎 " + t("zh", "card.photos", count=3) in cards[1]  # the album is one issue
    # The responsible head is named on each card and pinged in private.
    for card, who in zip(cards, ("黄福军（单元长）", "张丽（网格长）", "张丽（网格长）",
                                 "赵强（楼长）"), strict=True):
        assert "👷 负责：" + who in card
    assert f"[private: 赵强] 🤖 bot: {t('zh', 'ping.new', number=4)}" in output
    # Claim, resolved, confirm: the first card is edited in place through to closed.
    edits = [e for e in entries(output) if "✎ bot edited message" in e and " #1 " in e]
    statuses = [re.search(r"状态：(\S+)", e) for e in edits]
    assert [m.group(1) for m in statuses if m] == [
        t("zh", f"status.{s}") for s in ("in_progress", "resolved", "closed")
    ]
    # The voice report #3 is fixed with ✏️ and /place: its card reads right afterwards.
    fixed = [e for e in entries(output) if "✎ bot edited message" in e and " #3 " in e][-1]
    assert "#3 公共设施" in fixed and "松鹤社区第一网格 · 5号楼" in fixed
    assert "还不知道具体位置" not in fixed
    # Someone who is no head is refused, with the reason shown to them.
    assert f"🤖 alert to 邻居老周: {t('zh', 'perm.not_head')}" in output
    # /open lists what is still open, and the closed #1 is not among them.
    open_list = output[output.index("张丽: /open"):]
    assert t("zh", "open.header", grid="松鹤社区第一网格", count=3).replace("<b>", "").replace(
        "</b>", "") in open_list
    for number in ("#2 公共设施", "#3 其他", "#4 车辆乱停"):
        assert number in open_list
    assert "#1 " not in open_list


def check_resident(output: str) -> None:
    """The afternoon: poster, private report, relays both ways, verification."""
    afternoon = output[output.index("=== 9."):]
    link = re.search(r"https://t\.me/fiveheads_bot\?start=(q[\w-]+)", afternoon)
    assert link, "the poster's link is shown"
    assert f"居民陈阿姨: /start {link.group(1)}" in afternoon
    in_group = [e for e in entries(afternoon) if e.startswith("[松鹤社区第一网格工作群]")]
    group_lines = "\n".join(in_group)
    assert "上报：居民" in group_lines and "陈阿姨" not in group_lines  # anonymous in the group
    assert "【网格长 · #5】今天下午物业来换灯" in afternoon
    assert "💬 居民（3号楼2单元）回复 #5：三楼和四楼之间那盏" in afternoon
    assert t("zh", "verify.question", number=5) in afternoon
    assert t("zh", "verify.thanks_fixed", number=5) in afternoon
    last_card = [e for e in entries(afternoon) if "✎ bot edited message" in e and "#5" in e][-1]
    assert "状态：" + t("zh", "status.closed") in last_card


def check_agenda(output: str) -> None:
    """The day ends with the 9th's agenda: unresolved items, the decision, the photos."""
    agenda = output[output.index("=== 17."):]
    assert "2026-12-09" in agenda
    unresolved = agenda[agenda.index("📌"):]
    for number in ("#2 ", "#3 ", "#4 "):
        assert number in unresolved
    assert "#1 " not in unresolved and "#5 " not in unresolved
    assert "物业本周内清理消防通道" in unresolved  # the decision recorded at step 16
    assert "[private: 刘书记] 🤖 bot:" in agenda  # the coordinators' summary


async def test_demo_plays_the_morning_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_demo() == 0
    output = capsys.readouterr().out
    check_morning(output)
    check_resident(output)
    check_agenda(output)


def test_demo_command_prints_the_transcript() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=ROOT, capture_output=True, encoding="utf-8", timeout=60, check=False,
        # The transcript is Chinese; a terminal with a non-UTF-8 locale must not fail the test.
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 0, done.stderr
    check_morning(done.stdout)
    check_resident(done.stdout)
    check_agenda(done.stdout)
    assert done.stderr == ""  # quiet: no log lines around the transcript
