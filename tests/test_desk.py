"""The coordinators' desk (issue #12) over real HTTP on 127.0.0.1, served by the Runner in
the bot's own loop, with the emulator and a real database: sign-in (Mini App initData, a
one-time /desk link) and its refusals, who sees which grid, filters and search, actions
that edit the card in the group, CSRF, figures, map, exports and photos."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.conftest import (
    COMMUNITY,
    COORDINATOR,
    GRID,
    GRID_HEAD,
    GROUP,
    OUTSIDER,
    TOKEN,
    UNIT_HEAD,
    Bot,
    jpeg,
)

GROUP2 = -1001000000002
GRID2 = "songhe-2"
OTHER_HEAD = 950
PUBLIC_URL = "http://desk.example.org"

WEB = f"""
[web]
listen = "127.0.0.1:0"
public_url = "{PUBLIC_URL}"
session_days = 1
initdata_max_age = 600
[[grids]]
key = "{GRID2}"
name = "松鹤社区第二网格"
chat_id = {GROUP2}
[[grids.heads]]
role = "grid"
user_id = {OTHER_HEAD}
name = "钱网格长"
"""


def init_data(user_id: int, auth_date: int, *, token: str = TOKEN, **extra: str) -> str:
    """initData as Telegram signs it (core.telegram.org/bots/webapps, "Validating data")."""
    # A fresh query_id each time, as Telegram's: two sign-ins are two different initData.
    fields = {"auth_date": str(auth_date), "query_id": f"AAH{user_id}{secrets.token_hex(4)}",
              "user": json.dumps({"id": user_id, "first_name": "x"}), **extra}
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


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


def base(bot: Bot) -> str:
    assert bot.runner is not None and bot.runner.web is not None
    return bot.runner.web.url


def client() -> aiohttp.ClientSession:
    # unsafe: keep cookies for an IP address host (127.0.0.1).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(bot: Bot, session: aiohttp.ClientSession, user_id: int) -> aiohttp.ClientResponse:
    now = int(bot.clock.now().timestamp())
    return await session.post(f"{base(bot)}/auth/webapp",
                              data={"init_data": init_data(user_id, now)},
                              allow_redirects=False)


async def csrf_of(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as response:
        page = await response.text()
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, page[:500]
    return found.group(1)


async def reported(bot: Bot, text: str, *, chat: int = GROUP, user: int = GRID_HEAD) -> int:
    bot.emu.send_text(chat, user, f"#随手拍 {text}")
    await bot.settled()
    return int(bot.issues()[-1]["id"])


async def test_initdata_sign_in_and_its_refusals(desk: Bot) -> None:
    now = int(desk.clock.now().timestamp())
    async with client() as s:
        good = init_data(COORDINATOR, now)
        r = await s.post(f"{base(desk)}/auth/webapp", data={"init_data": good},
                         allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/issues"
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # public_url is http here (see the test below)
        async with s.get(f"{base(desk)}/issues") as page:
            assert page.status == 200 and "事项" in await page.text()
    async with client() as s:
        # The same initData again: a replay.
        r = await s.post(f"{base(desk)}/auth/webapp", data={"init_data": good},
                         allow_redirects=False)
        assert r.status == 403
        # Forged: another user id under the old hash; signed with another token.
        forged = good.replace(f"%22id%22%3A+{COORDINATOR}", "%22id%22%3A+901")
        assert forged != good
        for raw in (forged, init_data(COORDINATOR, now + 1, token="1:other-token"),
                    init_data(COORDINATOR, now - 601),  # older than initdata_max_age
                    init_data(OUTSIDER, now + 2),  # signed well, but no desk for them
                    "", "hash=abc&auth_date=1"):
            r = await s.post(f"{base(desk)}/auth/webapp", data={"init_data": raw},
                             allow_redirects=False)
            assert r.status == 403, raw
        async with s.get(f"{base(desk)}/issues", allow_redirects=False) as page:
            assert page.status == 303 and page.headers["Location"] == "/"
        # A cookie made up by hand is no session either.
        s.cookie_jar.update_cookies({"desk_session": "eyJ1IjoxMDB9.00"})
        async with s.get(f"{base(desk)}/issues", allow_redirects=False) as page:
            assert page.status == 303


async def test_the_cookie_is_secure_over_https(make_bot: Callable[..., Bot]) -> None:
    bot = make_bot(extra=WEB.replace(PUBLIC_URL, "https://desk.example.org"))
    await bot.start()
    try:
        async with client() as s:
            r = await sign_in(bot, s, COORDINATOR)
            assert r.status == 303 and "Secure" in r.headers["Set-Cookie"]
    finally:
        await bot.stop()


async def test_one_time_link_from_desk_command(desk: Bot) -> None:
    desk.emu.send_text(GROUP, COORDINATOR, "/desk")
    await desk.settled()
    assert "私聊" in desk.replies(GROUP)[-1]  # no link in a group
    desk.emu.send_text(COORDINATOR, COORDINATOR, "/desk")
    await desk.settled()
    answer = desk.replies(COORDINATOR)[-1]
    link = re.search(re.escape(PUBLIC_URL) + r"/login/(\S+)", answer)
    assert link, answer
    assert desk.query("SELECT COUNT(*) AS n FROM web_logins WHERE token_hash = ?",
                      (link.group(1),))[0]["n"] == 0  # only its hash is kept
    # The menu button opens the desk as a Mini App.
    calls = desk.emu.calls_to("setChatMenuButton")
    assert any(c.params.get("chat_id") == COORDINATOR for c in calls)
    url = f"{base(desk)}/login/{link.group(1)}"
    async with client() as s:
        r = await s.get(url, allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/issues"
        async with s.get(f"{base(desk)}/issues") as page:
            assert page.status == 200
    async with client() as s:
        r = await s.get(url, allow_redirects=False)
        assert r.status == 403  # used
    # A link not used within its minutes is refused.
    desk.emu.send_text(COORDINATOR, COORDINATOR, "/desk")
    await desk.settled()
    late = re.search(r"/login/(\S+)", desk.replies(COORDINATOR)[-1])
    assert late
    desk.clock.advance(timedelta(minutes=11))
    async with client() as s:
        r = await s.get(f"{base(desk)}/login/{late.group(1)}", allow_redirects=False)
        assert r.status == 403
        r = await s.get(f"{base(desk)}/login/not-a-token", allow_redirects=False)
        assert r.status == 403
    # Residents and strangers get no link.
    desk.emu.send_text(OUTSIDER, OUTSIDER, "/desk")
    await desk.settled()
    assert "/login/" not in desk.replies(OUTSIDER)[-1]


async def test_a_head_sees_only_their_grid(desk: Bot) -> None:
    mine = await reported(desk, "3号楼2单元楼道堆满纸箱")
    theirs = await reported(desk, "5号楼楼道灯坏了", chat=GROUP2, user=OTHER_HEAD)
    desk.emu.send_photo(GROUP2, OTHER_HEAD, jpeg("blue"), caption="#随手拍 6号楼门口垃圾")
    await desk.settled()
    photo_issue = int(desk.issues()[-1]["id"])
    media = desk.query("SELECT id, path FROM media WHERE issue_id = ?", (photo_issue,))
    assert media and media[0]["path"]
    async with client() as s:
        assert (await sign_in(desk, s, GRID_HEAD)).status == 303
        async with s.get(f"{base(desk)}/issues") as page:
            text = await page.text()
            assert f'data-issue="{mine}"' in text and f'data-issue="{theirs}"' not in text
        for url in (f"/issues/{theirs}", f"/issues/{photo_issue}/media/{media[0]['id']}",
                    f"/issues?grid={GRID2}", "/map/" + GRID2, "/figures", "/export/csv"):
            async with s.get(base(desk) + url) as page:
                body = await page.text()
                if url.startswith("/issues?"):
                    assert f'data-issue="{theirs}"' not in body
                else:
                    assert page.status in (403, 404), url
        token = await csrf_of(s, f"{base(desk)}/issues/{mine}")
        async with s.post(f"{base(desk)}/issues/{theirs}/close", data={"csrf": token}) as r:
            assert r.status == 404
        assert desk.issues()[theirs - 1]["status"] != "closed"
    async with client() as s:
        assert (await sign_in(desk, s, OTHER_HEAD)).status == 303
        async with s.get(f"{base(desk)}/issues/{photo_issue}") as page:
            assert f"/issues/{photo_issue}/media/{media[0]['id']}" in await page.text()
        async with s.get(f"{base(desk)}/issues/{photo_issue}/media/{media[0]['id']}") as r:
            assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
            assert (await r.read())[:2] == b"\xff\xd8"
    desk.emu.send_voice(GROUP, GRID_HEAD, b"OggS-voice", duration=4)  # a voice report
    await desk.settled()
    voiced = int(desk.issues()[-1]["id"])
    voice = desk.query("SELECT id FROM media WHERE issue_id = ? AND kind = 'voice'", (voiced,))
    async with client() as s:
        assert (await sign_in(desk, s, GRID_HEAD)).status == 303
        async with s.get(f"{base(desk)}/issues/{voiced}") as page:
            assert f'<audio controls preload="none" src="/issues/{voiced}/media/' in (
                await page.text())
        async with s.get(f"{base(desk)}/issues/{voiced}/media/{voice[0]['id']}") as r:
            assert r.status == 200 and await r.read() == b"OggS-voice"
        # A media number of another issue under this issue's number: not found.
        async with s.get(f"{base(desk)}/issues/{voiced}/media/{media[0]['id']}") as r:
            assert r.status == 404
    async with client() as s:  # not signed in: no photo
        async with s.get(f"{base(desk)}/issues/{photo_issue}/media/{media[0]['id']}",
                         allow_redirects=False) as r:
            assert r.status == 303


async def test_filters_and_search(desk: Bot) -> None:
    clutter = await reported(desk, "3号楼2单元楼道堆满纸箱")
    scooter = await reported(desk, "小区门口电动车乱停放")
    lamp = await reported(desk, "2号楼路灯坏了")
    desk.clock.advance(timedelta(days=2))
    later = await reported(desk, "4号楼有人吵架纠纷")
    desk.press(GROUP, GRID_HEAD, f"issue:claim:{lamp}")
    await desk.settled()

    async with client() as s:
        assert (await sign_in(desk, s, COORDINATOR)).status == 303

        async def rows(**query: str) -> set[int]:
            async with s.get(f"{base(desk)}/issues", params=query) as page:
                assert page.status == 200
                return {int(n) for n in re.findall(r'data-issue="(\d+)"', await page.text())}

        assert await rows() == {clutter, scooter, lamp, later}
        assert await rows(q="电动车") == {scooter}  # three characters: the trigram index
        assert await rows(q="楼道") == {clutter}  # two characters: found too
        assert await rows(q="路灯") == {lamp}
        assert await rows(q="楼道 纸箱") == {clutter}
        assert await rows(q="没有这个词") == set()
        assert await rows(status="in_progress") == {lamp}
        assert await rows(category="parking") == {scooter}
        assert await rows(category="dispute") == {later}
        assert await rows(kind="dispute") == {later}
        assert await rows(grid=GRID, q="楼") == {clutter, lamp, later}
        assert await rows(assignee=str(UNIT_HEAD)) == {clutter}
        day = desk.clock.now().astimezone(desk.config.tz).date()
        assert await rows(**{"from": day.isoformat()}) == {later}
        assert await rows(to=(day - timedelta(days=1)).isoformat()) == {clutter, scooter, lamp}
        assert await rows(building="3", unit="2", unresolved="1") == {clutter}
        priority = desk.issues()[later - 1]["priority"]
        assert later in await rows(priority=priority)
        assert await rows(overdue="1") == set()
        desk.clock.advance(timedelta(days=60))
        # The session (session_days = 1) has ended: back to the sign-in page.
        async with s.get(f"{base(desk)}/issues", allow_redirects=False) as page:
            assert page.status == 303
        assert (await sign_in(desk, s, COORDINATOR)).status == 303
        assert await rows(overdue="1") == {clutter, scooter, lamp, later}


async def test_actions_edit_the_card_and_need_csrf(desk: Bot) -> None:
    number = await reported(desk, "楼道里堆满了纸箱")
    assert "3号楼2单元" not in desk.card(number).plain()
    async with client() as s:
        assert (await sign_in(desk, s, COORDINATOR)).status == 303
        page_url = f"{base(desk)}/issues/{number}"
        # Without the CSRF token, or with a wrong one: refused, nothing changes.
        for data in ({"place": "3-2"}, {"place": "3-2", "csrf": "0" * 64}):
            async with s.post(f"{page_url}/fix", data=data) as r:
                assert r.status == 403
        assert desk.issues()[number - 1]["building"] == ""
        token = await csrf_of(s, page_url)
        async with s.post(f"{page_url}/fix", data={"csrf": token, "place": "3-2"}) as r:
            assert r.status == 200 and "群里的卡片也已更新" in await r.text()
        await desk.settled()
        issue = desk.issues()[number - 1]
        assert (issue["building"], issue["unit"], issue["assignee_user_id"]) == (
            "3", "2", UNIT_HEAD)
        assert "3号楼2单元" in desk.card(number).plain()
        async with s.post(f"{page_url}/assign",
                          data={"csrf": token, "target": str(COMMUNITY)}) as r:
            assert r.status == 200
        await desk.settled()
        assert desk.issues()[number - 1]["assignee_user_id"] == COMMUNITY
        assert "王社区长" in desk.card(number).plain()
        async with s.post(f"{page_url}/decide", data={"csrf": token, "text": "下周清理"}) as r:
            assert "下周清理" in await r.text()
        async with s.post(f"{page_url}/close", data={"csrf": token}) as r:
            assert r.status == 200
        await desk.settled()
        assert desk.issues()[number - 1]["status"] == "closed"
        assert "已办结" in desk.card(number).plain()
        # Closed twice: the chat's refusal, shown on the page.
        async with s.post(f"{page_url}/close", data={"csrf": token}) as r:
            assert r.status == 400 and 'id="error"' in await r.text()
    # A head acts with a head's rights: the unit head may not reassign.
    other = await reported(desk, "3号楼2单元楼道堆满杂物")
    async with client() as s:
        assert (await sign_in(desk, s, UNIT_HEAD)).status == 303
        token = await csrf_of(s, f"{base(desk)}/issues/{other}")
        async with s.post(f"{base(desk)}/issues/{other}/assign",
                          data={"csrf": token, "target": str(COMMUNITY)}) as r:
            assert r.status == 403
        assert desk.issues()[other - 1]["assignee_user_id"] == UNIT_HEAD


async def test_figures_map_and_exports(desk: Bot) -> None:
    await reported(desk, "3号楼2单元楼道堆满纸箱")
    await reported(desk, "3号楼2单元楼道有杂物")
    async with client() as s:
        assert (await sign_in(desk, s, COORDINATOR)).status == 303
        async with s.get(f"{base(desk)}/figures") as page:
            assert page.status == 200 and "/figures/chart.png" in await page.text()
        async with s.get(f"{base(desk)}/figures/chart.png") as r:
            assert r.status == 200 and (await r.read())[:4] == b"\x89PNG"
        for fmt, start in (("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("open311", b"[")):
            async with s.get(f"{base(desk)}/export/{fmt}") as r:
                assert r.status == 200 and "attachment" in r.headers["Content-Disposition"]
                assert (await r.read()).startswith(start), fmt
        async with s.get(f"{base(desk)}/map/{GRID}") as page:
            text = await page.text()
            assert page.status == 200
            tile = re.search(r'<a class="tile (\w+)" href="([^"]+)" data-place="3-2">', text)
            assert tile and tile.group(1) == "few", text
        async with s.get(base(desk) + tile.group(2).replace("&amp;", "&")) as page:
            assert len(re.findall(r'data-issue="\d+"', await page.text())) == 2
        async with s.get(f"{base(desk)}/lang/en", allow_redirects=True) as page:
            assert "Issues" in await page.text()
