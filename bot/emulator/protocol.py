"""The Bot API's wire conventions: how a request's parameters arrive and how errors answer.

PTB sends parameters as a query string, a JSON body or a multipart form in which every
non-string value is JSON-dumped; ``read_params`` undoes that so the methods see the values
the bot meant. Methods read integers through ``int_param`` and refuse a request by raising
``ApiError``, which the server turns into Telegram's ``{"ok": false, ...}`` body. Keeping
this in one place means every method refuses malformed input with the same wording.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

Params = dict[str, Any]
JSONDict = dict[str, Any]

# Parameters that are strings in the Bot API even when their content looks like JSON
# (a message text "123" or "true" must stay a string).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "file_id",
        "photo",
        "voice",
        "document",
        "parse_mode",
        "title",
        "description",
        "short_description",
        "name",
        "url",
        "inline_message_id",
        "language_code",
        "action",
    }
)
_JSON_LOOKING = re.compile(r"^(?:[\[{].*|true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$", re.S)


@dataclass
class Upload:
    """A file the bot uploaded in a multipart request (kept in ``Call.params``)."""

    filename: str
    content_type: str
    data: bytes


class ApiError(Exception):
    """A Bot API error answer; raised by handlers, turned into the JSON error body."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        out: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def _decode_value(name: str, value: str) -> Any:
    """Undo PTB's form encoding, which JSON-dumps every non-string parameter."""
    if name in _STRING_PARAMS or not _JSON_LOOKING.match(value):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request) -> Params:
    params: Params = {name: _decode_value(name, v) for name, v in request.query.items()}
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            params[name] = Upload(value.filename, value.content_type, value.file.read())
        else:
            params[name] = _decode_value(name, str(value))
    return params


def int_param(params: Params, name: str) -> int:
    value = params.get(name)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise bad_request(f"{name} is empty" if value is None else f"invalid {name}") from None


def optional_int(params: Params, name: str) -> int | None:
    return None if params.get(name) is None else int_param(params, name)
