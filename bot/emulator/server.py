"""The emulator as an HTTP server: the aiohttp app, its routes, and getUpdates long polling.

``BotApiEmulator`` composes the Bot API methods and the scripting API over the shared state
and serves them on a random port of 127.0.0.1, where PTB reaches it through ``base_url``
and ``base_file_url``. A request passes the same gates in the same order as on Telegram's
side: the token, then an injected failure if one is queued, then flood control, then the
method; every request is recorded as a ``Call`` (one dropped by a connection reset
queued with ``reset_next`` before acting has status 0). getUpdates is the one method that
waits, so it lives here with the server's lifecycle: ``stop`` must release its long polls.
"""

import asyncio
import contextlib
import json
import time
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from bot.emulator.core import Call
from bot.emulator.methods import BotApiMethods
from bot.emulator.protocol import ApiError, JSONDict, Params, read_params
from bot.emulator.scripting import Scripting


class BotApiEmulator(Scripting, BotApiMethods):
    """The emulated Bot API server with the scripting and inspection helpers tests use."""

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Listen on a random local port and publish the URLs PTB needs."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.api_base_url = f"http://127.0.0.1:{port}/bot"
        self.file_base_url = f"http://127.0.0.1:{port}/file/bot"

    async def stop(self) -> None:
        """Release pending long polls first, so shutdown does not wait for their timeout."""
        self._stopping = True
        self._update_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        params = await read_params(request)
        for hook in list(self.hooks):
            hook(method, params)
        resets = self._resets.get(method.lower())
        reset = resets.pop(0) if resets else None
        if reset is False:  # dropped on the way: Telegram never saw the request
            self.calls.append(Call(method, params, at, 0, "connection reset"))
            return self._reset(request)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            result = await self._dispatch(method, params)
            status, body = 200, {"ok": True, "result": result}
            self.calls.append(Call(method, params, at, 200, result))
        except ApiError as error:
            status, body = error.status, error.body()
            self.calls.append(Call(method, params, at, status, error.description))
        if reset:  # Telegram acted, the answer is lost
            return self._reset(request)
        delays = self._delays.get(method.lower())
        if delays:
            await asyncio.sleep(delays.pop(0))
        return web.json_response(
            body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    @staticmethod
    def _reset(request: web.Request) -> web.Response:
        """Close the connection without an answer: the client sees a reset (its HTTP
        library raises a protocol or connection error; PTB a NetworkError)."""
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)  # never written: the connection is gone

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        resets = self._resets.get("file")
        if resets:
            resets.pop(0)
            return self._reset(request)
        stored = self._files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _dispatch(self, method: str, params: Params) -> Any:
        injections = self._failures.get(method.lower())
        if injections:
            injection = injections[0]
            injection.times -= 1
            if injection.times <= 0:
                injections.pop(0)
            parameters = None
            if injection.retry_after is not None:
                parameters = {"retry_after": injection.retry_after}
            raise ApiError(injection.status, injection.description, parameters)
        if method.lower() == "getupdates":
            return await self._get_updates(params)
        handler = self._handlers.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        self._flood.check(params)
        return handler(params)

    # ----------------------------------------------------------------- long polling

    async def _get_updates(self, params: Params) -> list[JSONDict]:
        self._poll_generation += 1
        generation = self._poll_generation
        self._update_event.set()  # an older long poll ends with 409, as on Telegram
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0 and not self._redelivery_pending:
            self._first_unconfirmed = max(self._first_unconfirmed, offset)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            batch = [u for u in self._updates if u["update_id"] >= self._first_unconfirmed]
            batch = batch[:limit]
            remaining = deadline - time.monotonic()
            if batch or self._stopping or remaining <= 0:
                break
            self._update_event.clear()
            # Woken by a new update, or the long poll's time is up: the loop checks which.
            # asyncio.timeout: 3.11's wait_for can drop a cancellation that meets a wake-up.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._update_event.wait()
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        if batch:
            self._redelivery_pending = False
        return batch
