"""An emulated Telegram Bot API served over HTTP on 127.0.0.1.

Tests and ``fiveheads demo`` run the real ``telegram.ext.Application`` against this server
(through ``base_url``/``base_file_url``) so that request encoding, response parsing, retries
and rate limiting are exercised exactly as in production, without a token or a network.
The emulator hands out scripted updates through ``getUpdates``, records every call, serves
file downloads and enforces Telegram's limits (message sizes, callback data, flood control)
the way Telegram answers them, so a bot that passes here does not hit them for real.

It deliberately imports nothing from the rest of the project: it stands for Telegram.
One module per concern:

- ``protocol``: parameter decoding and error answers, as on the wire;
- ``rendering``: HTML parse mode, entities, UTF-16 lengths, keyboard rows;
- ``flood``: flood limits and the 429 answers;
- ``files``: stored files, PhotoSizes and image inspection;
- ``core``: the shared state of the emulated Telegram;
- ``methods``: the Bot API methods the bot calls;
- ``scripting``: what tests and the demo do as users, and what they inspect;
- ``server``: the HTTP server, routing and getUpdates long polling (``BotApiEmulator``).
"""

from bot.emulator.core import BotMessage, Call
from bot.emulator.files import StoredFile
from bot.emulator.flood import FloodLimits
from bot.emulator.methods import (
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_MESSAGE_LENGTH,
)
from bot.emulator.protocol import JSONDict, Params, Upload
from bot.emulator.server import BotApiEmulator

__all__ = [
    "MAX_CALLBACK_ANSWER_LENGTH",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_DOWNLOAD_SIZE",
    "MAX_MESSAGE_LENGTH",
    "BotApiEmulator",
    "BotMessage",
    "Call",
    "FloodLimits",
    "JSONDict",
    "Params",
    "StoredFile",
    "Upload",
]
