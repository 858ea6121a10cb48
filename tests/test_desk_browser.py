"""The desk in a real headless browser: Playwright for Python driving Debian's chromium
(``/usr/bin/chromium``; Playwright's own browser download is not used), against the bot's
Runner on 127.0.0.1 with the emulator and a real database. One browser for the file.

Screenshots of the issue table and the building map are written to ``artifacts/desk/``
(git-ignored; the path is printed)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

from tests.conftest import COORDINATOR, GRID, GRID_HEAD, UNIT_HEAD, Bot
from tests.test_desk import GROUP2, OTHER_HEAD, PUBLIC_URL, WEB, base, init_data, reported

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HAVE_CHROMIUM = Path(CHROMIUM).exists()
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "desk"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert HAVE_CHROMIUM, "install chromium: apt-get install -y chromium (see README)"
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def desk(make_bot: Callable[..., Bot]) -> AsyncIterator[Bot]:
    running = make_bot(extra=WEB)
    running.emu.add_group(GROUP2, "松鹤社区第二网格工作群")
    running.emu.add_user(OTHER_HEAD, "钱网格长")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def telegram_context(browser: Browser, init: str | None) -> BrowserContext:
    """A browser as Telegram's Mini App view is: telegram-web-app.js gives ``initData``
    (None: an ordinary browser, the script defines nothing)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    body = "" if init is None else (
        "window.Telegram = {WebApp: {initData: " + json.dumps(init)
        + ", ready() {}, expand() {}}};")

    async def serve(route: Route) -> None:
        await route.fulfill(status=200, content_type="application/javascript", body=body)

    await context.route("https://telegram.org/**", serve)
    return context


async def rows(page: Page) -> set[int]:
    return {int(n) for n in re.findall(r'data-issue="(\d+)"', await page.content())}


async def test_the_desk_in_a_browser(desk: Bot, browser: Browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    clutter = await reported(desk, "3号楼2单元楼道堆满纸箱")
    scooter = await reported(desk, "小区门口电动车乱停放")
    loose = await reported(desk, "楼道里有人堆杂物")
    lamp = await reported(desk, "3号楼路灯坏了")
    theirs = await reported(desk, "5号楼门口垃圾没人收", chat=GROUP2, user=OTHER_HEAD)
    now = int(desk.clock.now().timestamp())

    # Inside Telegram: the Mini App's initData signs the coordinator in by itself.
    signed = init_data(COORDINATOR, now)
    context = await telegram_context(browser, signed)
    page = await context.new_page()
    await page.goto(base(desk) + "/")
    await page.wait_for_url("**/issues")
    assert await rows(page) == {clutter, scooter, loose, lamp, theirs}
    table = ARTIFACTS / "issue-table.png"
    await page.evaluate("document.fonts.ready.then(() => true)")
    await page.screenshot(path=str(table), full_page=True)

    # Search: a three-character and a two-character Chinese word; a filter.
    await page.fill("#q", "电动车")
    await page.click("#apply")
    await page.wait_for_load_state()
    assert await rows(page) == {scooter}
    await page.fill("#q", "楼道")
    await page.click("#apply")
    await page.wait_for_load_state()
    assert await rows(page) == {clutter, loose}
    await page.select_option("#grid", GRID)
    await page.fill("#q", "")
    await page.select_option("#category", "clutter")
    await page.click("#apply")
    await page.wait_for_load_state()
    assert await rows(page) == {clutter, loose}

    # An action on the desk: the place of #loose, and the card in the group changes.
    await page.click(f'a[href="/issues/{loose}"]')
    await page.fill("#fix-place", "3-2")
    await page.click("#fix button")
    await page.wait_for_selector("#done")
    await desk.settled()
    assert "3号楼2单元" in desk.card(loose).plain()
    assert desk.issues()[loose - 1]["assignee_user_id"] == UNIT_HEAD

    # A form whose CSRF token was taken out is refused.
    await page.evaluate("document.querySelector('#close input[name=csrf]').remove()")
    await page.click("#close button")
    await page.wait_for_load_state()
    assert "表单已过期" in await page.inner_text("main")
    await desk.settled()
    assert desk.issues()[loose - 1]["status"] != "closed"

    # The building map: a tile per building and unit, each linking to its list.
    await page.goto(f"{base(desk)}/map/{GRID}")
    tile = page.locator('a.tile[data-place="3-2"]')
    assert (await tile.inner_text()).split()[-1] == "2"
    await page.evaluate("document.fonts.ready.then(() => true)")
    await page.screenshot(path=str(ARTIFACTS / "building-map.png"), full_page=True)
    await tile.click()
    await page.wait_for_url("**/issues?*")
    assert await rows(page) == {clutter, loose}
    await context.close()

    # The same initData again (a replay), a forged one, an expired one: refused.
    expired = init_data(COORDINATOR, now - 601)  # older than initdata_max_age
    for init in (signed, init_data(COORDINATOR, now + 5)[:-4] + "0000", expired):
        context = await telegram_context(browser, init)
        page = await context.new_page()
        await page.goto(base(desk) + "/")
        await page.wait_for_selector(".error")
        assert "登录无效" in await page.inner_text("main")
        await context.close()

    # A desktop browser: /desk in private gives a one-time link; a head sees only their grid.
    desk.emu.send_text(GRID_HEAD, GRID_HEAD, "/desk")
    await desk.settled()
    found = re.search(re.escape(PUBLIC_URL) + r"(/login/\S+)", desk.replies(GRID_HEAD)[-1])
    assert found
    context = await telegram_context(browser, None)
    page = await context.new_page()
    await page.goto(base(desk) + found.group(1))
    await page.wait_for_url("**/issues")
    assert await rows(page) == {clutter, scooter, loose, lamp}
    response = await page.goto(f"{base(desk)}/issues/{theirs}")
    assert response is not None and response.status == 404
    await context.close()
    context = await telegram_context(browser, None)
    page = await context.new_page()
    await page.goto(base(desk) + found.group(1))  # used already
    assert "登录无效" in await page.inner_text("main")
    await context.close()
    # A link left unused past its few minutes: refused too.
    desk.emu.send_text(GRID_HEAD, GRID_HEAD, "/desk")
    await desk.settled()
    late = re.search(re.escape(PUBLIC_URL) + r"(/login/\S+)", desk.replies(GRID_HEAD)[-1])
    assert late and late.group(1) != found.group(1)
    desk.clock.advance(timedelta(minutes=11))
    context = await telegram_context(browser, None)
    page = await context.new_page()
    await page.goto(base(desk) + late.group(1))
    assert "登录无效" in await page.inner_text("main")
    await context.close()
    print(f"\nscreenshots: {table} and {ARTIFACTS / 'building-map.png'}")
