"""The token never reaches a log, whoever logs and wherever the record goes.

A Bot API URL carries the token, and libraries log URLs (httpx at INFO) and put them in
exception messages. A formatter only protects the handlers we configure; the record factory
here masks the message and the traceback as each record is made, so every handler (ours,
a test runner's, a library's) only ever sees ``<token>``.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

MASK = "<token>"
_secrets: set[str] = set()
_installed = False


def mask(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def protect(secret: str) -> None:
    """Mask ``secret`` in every log record from now on (idempotent, process-wide)."""
    global _installed
    if not secret:
        return
    # The part after the bot id is the secret, and it is the same in every spelling of the
    # URL (a file URL quotes the colon as %3A).
    _secrets.update({secret, secret.split(":", 1)[-1]})
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            if mask(text) != text:
                # Formatters print exc_text when it is set instead of formatting exc_info.
                record.exc_text = mask(text)
        return record

    logging.setLogRecordFactory(factory)
