"""The desk's web server: aiohttp in the bot's own event loop, started and stopped with the
``Runner``, its pages rendered on the server (Jinja2 via aiohttp-jinja2) in zh or en.

Routes: ``/`` (sign-in: the Mini App's initData, or a hint to send /desk), ``/login/TOKEN``
(a one-time link from /desk), ``/issues`` (the table: filters, search, paging),
``/issues/N`` (the issue: photos, voice, timeline, decisions, actions), ``/map/GRID``
(the building map), ``/figures`` (the /stats figures and chart), ``/export/FORMAT``.
Every POST carries the session's CSRF token; a missing or wrong one is refused (403)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup

from bot.clock import parse_iso
from bot.domain.model import Kind, Place, Priority, Status
from bot.errors import UserError
from bot.i18n import LANGUAGES, t
from bot.posters import find_cjk_font
from bot.services.desk import (
    DeskQuery,
    Format,
    SignInRefused,
    Viewer,
)
from bot.services.hub import Services
from bot.views.building_map import Tile
from bot.views.place import place_label
from bot.views.relay import role_label
from bot.views.stats import kind_label, stats_text
from bot.web.auth import COOKIE, LANG_COOKIE, Session, csrf_ok, csrf_token, make_cookie, read_cookie

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
KEY: web.AppKey[bytes] = web.AppKey("key", bytes)
LANG: web.RequestKey[str] = web.RequestKey("lang", str)
SESSION: web.RequestKey[Session | None] = web.RequestKey("session")
VIEWER: web.RequestKey[Viewer | None] = web.RequestKey("viewer")
PUBLIC = ("/", "/auth/webapp", "/lang/zh", "/lang/en", "/favicon.ico", "/font/cjk")
# Telegram's web client shows a Mini App in a frame; everyone else may not.
CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self' "
       "'unsafe-inline'; script-src 'self' 'unsafe-inline' https://telegram.org; "
       "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org")


def _status_of(error: UserError) -> int:
    if error.key in ("issue.not_found", "grid.unknown"):
        return 404
    if error.key.startswith("perm."):
        return 403
    return 400


class DeskServer:
    """The desk in the bot's process: ``start`` binds ``[web] listen``, ``stop`` closes it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        host, _, port = services.config.web_listen.rpartition(":")
        self.host = host.strip("[]")
        self.port = int(port)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Where the server answers (with the real port when ``listen`` asked for port 0)."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = build_web_app(self.services, await self.services.desk.session_secret())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("the desk listens on %s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def build_web_app(services: Services, key: bytes) -> web.Application:
    app = web.Application(middlewares=[_headers, _signed_in], client_max_size=64 * 1024)
    app[SERVICES] = services
    app[KEY] = key
    aiohttp_jinja2.setup(
        app, loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
    )
    app.router.add_get("/", index)
    app.router.add_get("/font/cjk", cjk_font)
    app.router.add_post("/auth/webapp", sign_in_webapp)
    app.router.add_get("/login/{token}", sign_in_link)
    app.router.add_post("/logout", sign_out)
    app.router.add_get("/lang/{lang}", choose_language)
    app.router.add_get("/issues", issue_table)
    app.router.add_get("/issues/{number:\\d+}", issue_page)
    app.router.add_get("/issues/{number:\\d+}/media/{media:\\d+}", issue_media)
    app.router.add_post("/issues/{number:\\d+}/{action:assign|refer|fix|close|decide}",
                        issue_action)
    app.router.add_get("/map", map_index)
    app.router.add_get("/map/{grid}", grid_map)
    app.router.add_get("/figures", figures_page)
    app.router.add_get("/figures/chart.png", figures_chart)
    app.router.add_get("/export/{fmt:xlsx|csv|open311}", export_file)
    return app


# ----------------------------------------------------------------------------- middleware


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # A sign-in link in a Referer would let the next site see it.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def _signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reads the session; pages other than sign-in need one (and a desk: a head who lost
    their seat is signed out); every POST needs its CSRF token."""
    services = request.app[SERVICES]
    key = request.app[KEY]
    session = read_cookie(key, request.cookies.get(COOKIE), services.clock.now().timestamp())
    viewer = await services.desk.viewer(session.user_id) if session else None
    chosen = request.cookies.get(LANG_COOKIE)
    lang = chosen if chosen in LANGUAGES else (
        session.language if session else services.config.language)
    request[LANG] = lang
    request[SESSION] = session if viewer else None
    request[VIEWER] = viewer
    public = request.path in PUBLIC or request.path.startswith("/login/")
    if viewer is None and not public:
        if request.method == "GET":
            raise web.HTTPSeeOther("/")
        return _page(request, "error.html", {"message": t(lang, "desk.signed_out")}, 401)
    if request.method == "POST" and request.path not in ("/auth/webapp",):
        form = await request.post()
        given = form.get("csrf")
        if session is None or not csrf_ok(key, session, given if isinstance(given, str)
                                          else None):
            return _page(request, "error.html", {"message": t(lang, "desk.csrf")}, 403)
    try:
        return await handler(request)
    except UserError as error:
        return _page(request, "error.html", {"message": t(lang, error.key, **error.params)},
                     _status_of(error))


def _context(request: web.Request) -> dict[str, Any]:
    """What every page may use (aiohttp-jinja2's context processors would store it on the
    request under a plain string key, which aiohttp now warns about)."""
    lang: str = request[LANG]
    services = request.app[SERVICES]
    session: Session | None = request.get(SESSION)
    tz = services.config.tz

    def when(stamp: datetime | str | None) -> str:
        if stamp is None:
            return ""
        moment = parse_iso(stamp) if isinstance(stamp, str) else stamp
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    def category_label(key: str) -> str:
        try:
            return services.issues.category(key).label(lang)
        except KeyError:
            return key

    return {
        "lang": lang,
        "_": lambda key, **kw: t(lang, "desk." + key, **kw),
        "t": lambda key, **kw: t(lang, key, **kw),
        "viewer": request.get(VIEWER),
        "csrf": csrf_token(request.app[KEY], session) if session else "",
        "when": when,
        "status_label": lambda s: t(lang, f"status.{Status(s).value}"),
        "priority_label": lambda p: t(lang, f"priority.{Priority(p).value}"),
        "kind_label": lambda k: kind_label(lang, Kind(k)),
        "category_label": category_label,
        "place_label": lambda p: place_label(lang, p),
        "role_label": lambda r: role_label(lang, r),
        "now": services.clock.now(),
    }


def _page(request: web.Request, template: str, context: dict[str, Any],
          status: int = 200) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, {**_context(request), **context},
                                              status=status)
    return response


def _redirect(to: str) -> web.Response:
    """A 303 to a page of the desk, returned (not raised) so cookies can go with it."""
    return web.Response(status=303, headers={"Location": to})


def _viewer(request: web.Request) -> Viewer:
    viewer: Viewer | None = request[VIEWER]
    assert viewer is not None  # the middleware let only signed-in people through
    return viewer


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]


# ----------------------------------------------------------------------------- sign-in


async def _start_session(request: web.Request, viewer: Viewer, to: str) -> web.StreamResponse:
    services = _services(request)
    config = services.config
    lang = await services.issues.notices.language_of(viewer.user_id)
    now = services.clock.now().timestamp()
    expires = int(now + config.web_session_days * 86400)
    value, _ = make_cookie(request.app[KEY], viewer.user_id, expires, lang)
    response = _redirect(to)
    response.set_cookie(
        COOKIE, value, max_age=int(config.web_session_days * 86400), httponly=True,
        samesite="Lax", path="/",
        secure=(config.web_public_url or "").startswith("https://"),
    )
    response.del_cookie(LANG_COOKIE, path="/")
    return response


def _refused(request: web.Request, why: SignInRefused) -> web.Response:
    log.info("desk sign-in refused: %s", why.reason)
    return _page(request, "error.html", {"message": t(request[LANG], "desk.refused")}, 403)


async def cjk_font(request: web.Request) -> web.StreamResponse:
    """The CJK font the package ships, for a browser with none (CSS asks for it last, so
    phones and desktops with a Chinese font never download it)."""
    path = find_cjk_font()
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=31536000",
                                           "Content-Type": "font/otf"})


async def index(request: web.Request) -> web.StreamResponse:
    if request[VIEWER] is not None:
        raise web.HTTPSeeOther("/issues")
    return _page(request, "signin.html", {})


async def sign_in_webapp(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    raw = form.get("init_data")
    try:
        if not isinstance(raw, str) or not raw:
            raise SignInRefused("no initData")
        viewer = await _services(request).desk.sign_in_initdata(raw)
    except SignInRefused as why:
        return _refused(request, why)
    return await _start_session(request, viewer, "/issues")


async def sign_in_link(request: web.Request) -> web.StreamResponse:
    try:
        viewer = await _services(request).desk.sign_in_link(request.match_info["token"])
    except SignInRefused as why:
        return _refused(request, why)
    return await _start_session(request, viewer, "/issues")


async def sign_out(request: web.Request) -> web.StreamResponse:
    response = _redirect("/")
    response.del_cookie(COOKIE, path="/")
    return response


async def choose_language(request: web.Request) -> web.StreamResponse:
    lang = request.match_info["lang"]
    back = request.query.get("next", "/issues")
    response = _redirect(back if back.startswith("/") and not back.startswith("//")
                                else "/issues")
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", path="/")
    return response


# ----------------------------------------------------------------------------- the table


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _member(enum: type[Any], text: str | None) -> Any:
    try:
        return enum(text) if text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 16 else None


def read_query(query: Any) -> DeskQuery:
    """The table's filters from the URL; a value that makes no sense filters nothing."""

    def get(name: str) -> str | None:
        value = query.get(name)
        return value.strip()[:200] if isinstance(value, str) and value.strip() else None

    return DeskQuery(
        grid=get("grid"), status=_member(Status, get("status")), kind=_member(Kind, get("kind")),
        category=get("category"), priority=_member(Priority, get("priority")),
        overdue=get("overdue") == "1", unresolved=get("unresolved") == "1",
        assignee=_int(get("assignee")), department=get("department"),
        building=query.get("building") if isinstance(query.get("building"), str) else None,
        unit=query.get("unit") if isinstance(query.get("unit"), str) else None,
        created_from=_day(get("from")), created_to=_day(get("to")), text=get("q"),
    )


async def issue_table(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    viewer = _viewer(request)
    query = read_query(request.query)
    page = _int(request.query.get("page")) or 1
    found = await services.desk.issues_page(viewer, query, page)
    grids = await services.desk.grid_names(viewer)
    heads: dict[int, str] = {}
    for key in grids:
        for head in await services.roster.heads(key):
            heads.setdefault(head.user_id, head.name)
    kept = {k: v for k, v in request.query.items() if k != "page" and v}

    def page_url(number: int) -> str:
        return "/issues?" + urlencode({**kept, "page": str(number)})

    names = {i.assignee_user_id: heads.get(i.assignee_user_id) or str(i.assignee_user_id)
             for i in found.items if i.assignee_user_id is not None}
    return _page(request, "issues.html", {
        "found": found, "query": request.query, "grids": grids, "heads": heads,
        "names": names, "page_url": page_url, "statuses": list(Status), "kinds": list(Kind),
        "priorities": list(Priority), "categories": services.config.categories,
        "departments": [d.label(services.config.language)
                        for d in services.config.departments],
        "overdue": lambda i: i.overdue(services.clock.now()),
    })


# ----------------------------------------------------------------------------- one issue


async def issue_page(request: web.Request, *, error: str | None = None,
                     status: int = 200) -> web.StreamResponse:
    services = _services(request)
    viewer = _viewer(request)
    number = int(request.match_info["number"])
    detail = await services.desk.detail(viewer, number)
    lang: str = request[LANG]
    events = []
    for e in detail.events:
        said = e.data.get("text") or e.data.get("reason") or e.data.get("note")
        events.append({
            "at": e.at, "type": e.type, "what": t(lang, f"event.{e.type}"),
            "who": (detail.names.get(e.actor_user_id, "") if e.actor_user_id else ""),
            "said": said if isinstance(said, str) and e.type != "reported" else "",
        })
    return _page(request, "issue.html", {
        "d": detail, "i": detail.issue, "events": events,
        "decisions": [e for e in events if e["type"] == "decision"],
        "photos": [m for m in detail.media if m.kind == "photo" and m.path],
        "voices": [m for m in detail.media if m.kind == "voice" and m.path],
        "categories": services.config.categories, "priorities": list(Priority),
        "departments": services.config.departments,
        "overdue": detail.issue.overdue(services.clock.now()),
        "error": error, "done": request.query.get("done") == "1",
    }, status)


async def issue_media(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    path, kind = await services.desk.media_file(
        _viewer(request), int(request.match_info["number"]), int(request.match_info["media"]))
    response = web.FileResponse(path, headers={
        "Content-Type": "image/jpeg" if kind == "photo" else "audio/ogg",
        "Cache-Control": "private, max-age=3600",
    })
    return response


def _field(form: Any, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


async def issue_action(request: web.Request) -> web.StreamResponse:
    """assign, refer, fix, close, decide: through the chat's services and rights, so the
    card in the group is edited too; a refusal is shown on the issue's page."""
    services = _services(request)
    viewer = _viewer(request)
    desk = services.desk
    number = int(request.match_info["number"])
    action = request.match_info["action"]
    form = await request.post()
    try:
        if action == "assign":
            target = _int(_field(form, "target"))
            if target is None:
                raise UserError("desk.choose")
            await desk.assign(viewer, number, target)
        elif action == "refer":
            await desk.refer(viewer, number, _field(form, "department", 64),
                             _field(form, "note") or None)
        elif action == "fix":
            place_text = _field(form, "place", 32)
            try:
                place = Place.parse_label(place_text) if place_text else None
            except ValueError:
                raise UserError("desk.bad_place") from None
            category = _field(form, "category", 64) or None
            priority = _member(Priority, _field(form, "priority", 16))
            if category is None and place is None and priority is None:
                raise UserError("desk.choose")
            await desk.fix(viewer, number, category=category, place=place, priority=priority)
        elif action == "close":
            await desk.close(viewer, number)
        else:
            await desk.decide(viewer, number, _field(form, "text", 2000))
    except UserError as error:
        if error.key == "issue.not_found":
            raise
        message = t(request[LANG], error.key, **error.params)
        return await issue_page(request, error=message, status=_status_of(error))
    raise web.HTTPSeeOther(f"/issues/{number}?done=1")


# ----------------------------------------------------------------------------- map, figures


async def map_index(request: web.Request) -> web.StreamResponse:
    grids = await _services(request).desk.grid_names(_viewer(request))
    if len(grids) == 1:
        raise web.HTTPSeeOther(f"/map/{next(iter(grids))}")
    return _page(request, "map_index.html", {"grids": grids})


def _tile(request: web.Request, grid_key: str, tile: Tile) -> dict[str, Any]:
    """A tile as the page shows it, with the link to its list of unresolved issues."""
    lang: str = request[LANG]
    where = {"grid": grid_key, "building": tile.building, "unresolved": "1"}
    if tile.unit is not None:
        where["unit"] = tile.unit
    if not tile.building:
        label = t(lang, "desk.map_unplaced")
    elif tile.unit is None:
        label = t(lang, "desk.map_whole")
    else:
        label = place_label(lang, tile.place)
    return {"tile": tile, "label": label, "url": "/issues?" + urlencode(where),
            "place": tile.place.label() if tile.building else "-"}


async def grid_map(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    viewer = _viewer(request)
    key = request.match_info["grid"]
    found = await services.desk.building_map(viewer, key)
    rows = [{"building": g.building.building, "whole": _tile(request, key, g.building),
             "units": [_tile(request, key, u) for u in g.units]} for g in found.groups]
    names = await services.desk.grid_names(viewer)
    return _page(request, "map.html", {
        "grid_key": key, "grid_name": names.get(key, key), "rows": rows, "map": found,
        "unplaced": _tile(request, key, found.unplaced) if found.unplaced else None,
    })


def _period(request: web.Request) -> Any:
    return _services(request).desk.period(_day(request.query.get("from")),
                                          _day(request.query.get("to")))


async def figures_page(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    viewer = _viewer(request)
    period = _period(request)
    figures = await services.desk.figures(viewer, period)
    lang: str = request[LANG]
    chunks = stats_text(lang, figures, await services.stats.grid_names())
    span = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    return _page(request, "figures.html", {
        "text": Markup("\n".join(chunks)),  # noqa: S704 - the view escapes what people wrote
        "period": period, "span": span,
    })


async def figures_chart(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    png = await services.desk.chart(_viewer(request), _period(request), request[LANG])
    return web.Response(body=png, content_type="image/png")


async def export_file(request: web.Request) -> web.StreamResponse:
    services = _services(request)
    fmt = Format(request.match_info["fmt"])
    name, data = await services.desk.export_file(_viewer(request), _period(request), fmt,
                                                 request[LANG])
    kinds = {
        Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Format.CSV: "text/csv", Format.OPEN311: "application/json",
    }
    return web.Response(body=data, headers={
        "Content-Type": kinds[fmt], "Content-Disposition": f'attachment; filename="{name}"',
    })


__all__ = ["DeskServer", "build_web_app"]
