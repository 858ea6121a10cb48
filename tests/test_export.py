"""/export and ``fiveheads export``: the .xlsx read back with openpyxl (same rows, Chinese
intact), the CSV read back with csv, the Open311 requests with their fields."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.cli import main
from tests.conftest import COORDINATOR, GRID_HEAD, GROUP, POLICE, UNIT_HEAD, Bot, jpeg

TZ = ZoneInfo("Asia/Shanghai")
HEADER = ["编号", "网格", "位置", "分类", "类别", "紧急程度", "状态", "负责人", "转办部门",
          "上报时间", "办结时间", "例会决定", "内容"]
STATUS = {"open": "待分派", "assigned": "已指派", "in_progress": "处理中",
          "resolved": "已解决待核实", "closed": "已办结", "referred": "已转办",
          "rejected": "已驳回"}


def local(stamp: str | None) -> datetime | None:
    if stamp is None:
        return None
    return datetime.fromisoformat(stamp).astimezone(TZ).replace(tzinfo=None, microsecond=0)


async def drive_a_day(bot: Bot) -> None:
    """Reports, a claim, a meeting decision and visits, all through the bot."""
    bot.emu.send_photo(GROUP, UNIT_HEAD, jpeg(), caption="3-2 楼道杂物堆放，消防通道堵住了")
    bot.emu.send_text(GROUP, GRID_HEAD, "#随手拍 5号楼 路灯不亮")
    bot.emu.send_photo(GROUP, GRID_HEAD, jpeg(), caption="=SUM(A1:A9) 邻里吵架")  # no formula
    await bot.settled()
    bot.press(GROUP, UNIT_HEAD, "issue:claim:1")
    bot.emu.send_text(GROUP, COORDINATOR, "/decide #1 周五前清理完毕，物业配合")
    bot.emu.send_text(GROUP, UNIT_HEAD, "/visit 3-2 5 12 送去慰问品")
    bot.emu.send_text(GROUP, GRID_HEAD, "/visit 7 2 3")
    await bot.settled()
    with bot.db() as conn:  # a resident's shared location, as intake would store it
        conn.execute("UPDATE issues SET latitude = 45.75, longitude = 126.63 WHERE id = 2")


def expected_issue_rows(bot: Bot) -> list[list[Any]]:
    labels = {c.key: c.zh for c in bot.config.categories}
    kinds = {"public_event": "公共事件", "dispute": "矛盾纠纷", "request": "群众诉求",
             "wish": "微心愿"}
    priorities = {"urgent": "紧急", "priority": "优先", "normal": "一般", "planned": "计划"}
    names = {UNIT_HEAD: "黄福军", GRID_HEAD: "张网格长", POLICE: "李警长"}
    rows = []
    for r in bot.issues():
        place = (f"{r['building']}号楼{r['unit']}单元" if r["unit"]
                 else f"{r['building']}号楼" if r["building"] else "未注明位置")
        decisions = [
            f"{local(e['at']).date().isoformat()}：{json.loads(e['data'])['text']}"  # type: ignore[union-attr]
            for e in bot.query("SELECT at, data FROM events WHERE issue_id = ? AND"
                               " type = 'decision' ORDER BY id", (r["id"],))
        ]
        rows.append([
            r["id"], "松鹤社区第一网格", place, labels[r["category"]], kinds[r["kind"]],
            priorities[r["priority"]], STATUS[r["status"]],
            names.get(r["assignee_user_id"], ""), r["department"] or "", local(r["created_at"]),
            local(r["closed_at"]), "\n".join(decisions), r["text"],
        ])
    return rows


async def test_export_sends_a_workbook_with_the_same_rows(bot: Bot) -> None:
    await drive_a_day(bot)
    asked = bot.emu.send_text(COORDINATOR, COORDINATOR, "/export")
    await bot.settled()
    (document,) = [m for m in bot.emu.bot_messages(COORDINATOR) if m.kind == "document"]
    assert document.reply_to == asked["message_id"] and "2026-01-01 至 2026-12-31" in (
        document.plain())
    (call,) = [c for c in bot.emu.calls_to("sendDocument") if c.status == 200]
    assert call.params["document"].filename == "fiveheads-2026-01-01-2026-12-31.xlsx"
    assert document.file_id is not None
    book = openpyxl.load_workbook(io.BytesIO(bot.emu.file_bytes(document.file_id)))
    assert book.sheetnames == ["事件", "走访", "统计"]
    rows = [[("" if v is None else v) for v in row]
            for row in book["事件"].iter_rows(values_only=True)]
    expected = [[("" if v is None else v) for v in row] for row in expected_issue_rows(bot)]
    assert rows[0] == HEADER
    assert rows[1:] == expected
    assert len(rows) == 4
    assert "楼道杂物堆放" in rows[1][12] and "周五前清理完毕，物业配合" in rows[1][11]
    assert rows[1][7] == "黄福军"  # the assignee who claimed it
    formula = book["事件"].cell(row=4, column=13)
    assert formula.data_type == "s" and formula.value == "=SUM(A1:A9) 邻里吵架"
    visits = list(book["走访"].iter_rows(values_only=True))
    assert visits[0] == ("走访时间", "网格", "位置", "走访户数", "服务人数", "走访人", "备注")
    assert [v[1:] for v in visits[1:]] == [
        ("松鹤社区第一网格", "3号楼2单元", 5, 12, "黄福军", "送去慰问品"),
        ("松鹤社区第一网格", "7号楼", 2, 3, "张网格长", None),
    ]
    figures = list(book["统计"].iter_rows(values_only=True))
    total = next(r for r in figures if r[0] == "全社区")
    assert total[1:5] == (1, 1, 1, 0)  # reported: public events, disputes, requests, wishes
    assert total[12:14] == (7, 15)  # households visited, people served
    assert any(r[0] == "单元长" and r[1] == 1 and r[2] is None for r in figures)  # below N


async def test_the_command_line_writes_csv_and_open311(
    bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    await drive_a_day(bot)
    config = bot.config.path
    out = tmp_path / "issues.csv"
    period = ["--from", "2026-01-01", "--to", "2026-12-31"]
    assert await asyncio.to_thread(
        main, ["export", "--config", config, "--format", "csv", *period, str(out)]) == 0
    assert "csv written" in capsys.readouterr().out
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER

    def as_text(value: Any) -> str:
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return "" if value is None else str(value)

    expected = [[as_text(v) for v in row] for row in expected_issue_rows(bot)]
    expected[2][12] = "'" + expected[2][12] if expected[2][12].startswith("=") else expected[2][12]
    assert rows[1:] == expected

    target = tmp_path / "requests.json"
    assert await asyncio.to_thread(
        main, ["export", "--config", config, "--format", "open311", str(target)]) == 0
    requests = json.loads(target.read_text(encoding="utf-8"))
    assert [r["service_request_id"] for r in requests] == ["1", "2", "3"]
    fields = {"service_request_id", "status", "service_code", "service_name", "description",
              "requested_datetime", "updated_datetime", "address", "lat", "long", "media_url"}
    assert all(fields <= set(r) for r in requests)
    first, second, _ = requests
    assert first["status"] == "open" and first["service_code"] == "clutter"
    assert first["service_name"] == "楼道堆物" and "楼道杂物堆放" in first["description"]
    assert first["address"] == "松鹤社区第一网格 3号楼2单元"
    assert first["media_url"] is None and first["lat"] is None
    assert (second["lat"], second["long"]) == (45.75, 126.63)
    created = datetime.fromisoformat(first["requested_datetime"])
    assert created.utcoffset() is not None and created.utcoffset().total_seconds() == 8 * 3600
    assert "api.telegram.org" not in target.read_text(encoding="utf-8")


async def test_a_closed_item_is_closed_in_open311(bot: Bot, tmp_path: Path) -> None:
    bot.emu.send_text(GROUP, GRID_HEAD, "#随手拍 5号楼 路灯不亮")
    await bot.settled()
    with bot.db() as conn:
        conn.execute("UPDATE issues SET status = 'closed', closed_at = updated_at, verified = 1")
    target = tmp_path / "requests.json"
    assert await asyncio.to_thread(main, ["export", "--config", bot.config.path, "--format",
                                          "open311", "--from", "2026-11-01", str(target)]) == 0
    (request,) = json.loads(target.read_text(encoding="utf-8"))
    assert request["status"] == "closed"


async def test_export_refuses_bad_dates_and_people_without_the_right(bot: Bot) -> None:
    cases = {
        (COORDINATOR, COORDINATOR, "/export 2026-02-30"): "不是日期",
        (COORDINATOR, COORDINATOR, "/export 2026-12-01 2026-01-01"): "晚于截止日期",
        (COORDINATOR, COORDINATOR, "/export a b c"): "用法：/export",
        (GROUP, GRID_HEAD, "/export"): "只有协调员可以这样做",
    }
    sent = {key: bot.emu.send_text(*key) for key in cases}
    await bot.settled()
    for key, expected in cases.items():
        said = [m.plain() for m in bot.emu.bot_messages(key[0])
                if m.reply_to == sent[key]["message_id"]]
        assert len(said) == 1 and expected in said[0], said
    assert bot.emu.calls_to("sendDocument") == []


async def test_the_command_line_refuses_an_unknown_format(bot: Bot, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as bad:
        await asyncio.to_thread(main, ["export", "--config", bot.config.path, "--format", "pdf",
                                       str(tmp_path / "x.pdf")])
    assert bad.value.code == 2
    assert not (tmp_path / "x.pdf").exists()


async def test_an_export_of_one_grid_holds_that_grids_rows(make_bot: Any) -> None:
    """``ExportService.build`` with a grid (the scale benchmark's "one grid's month"):
    only that grid's issues and visits, and of the grids' figures only its row."""
    from bot.domain.figures import Period
    from bot.services.export import Format

    group2, grid2 = -1001000000002, "songhe-2"
    bot = make_bot(grids=[("songhe-1", "松鹤社区第一网格", GROUP),
                          (grid2, "松鹤社区第二网格", group2)])
    bot.emu.add_group(group2, "松鹤社区第二网格工作群")
    await bot.start()
    try:
        await drive_a_day(bot)
        bot.emu.send_text(group2, GRID_HEAD, "#随手拍 9号楼 路灯不亮")
        await bot.settled()
        (second,) = [r["id"] for r in bot.issues() if r["grid_key"] == grid2]
        assert bot.runner is not None
        export = bot.runner.services.export
        period = Period(datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date())
        raw = await export.build(period, Format.XLSX, "zh", grid2)
        book = openpyxl.load_workbook(io.BytesIO(raw))
        rows = list(book["事件"].iter_rows(values_only=True))
        assert [r[0] for r in rows[1:]] == [second] and rows[1][1] == "松鹤社区第二网格"
        assert list(book["走访"].iter_rows(values_only=True))[1:] == []
        scopes = [r[0] for r in book["统计"].iter_rows(values_only=True)]
        assert "全社区" in scopes and "松鹤社区第二网格" in scopes
        assert "松鹤社区第一网格" not in scopes
        whole = openpyxl.load_workbook(io.BytesIO(
            await export.build(period, Format.XLSX, "zh")))
        assert len(list(whole["事件"].iter_rows(values_only=True))) == 5
    finally:
        await bot.stop()
