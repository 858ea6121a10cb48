"""Cutting Telegram HTML to a length without breaking it.

Telegram refuses a message whose HTML has half an entity (``&quo``) or an unclosed tag, and
counts length in UTF-16 code units (an emoji is two). Text shown to people is cut here, by
tokens, never in the middle of one.
"""

from __future__ import annotations

import html
import re

ELLIPSIS = "…"
_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z0-9-]+)")


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def escape_within(text: str, budget: int) -> str:
    """``text`` HTML-escaped and cut so that the escaped form, with "…" when cut, takes at
    most ``budget`` UTF-16 units: the cut is measured after escaping and never splits an
    entity."""
    escaped = html.escape(text)
    if utf16_len(escaped) <= budget:
        return escaped
    room = budget - utf16_len(ELLIPSIS)
    out: list[str] = []
    for char in text:
        piece = html.escape(char)
        room -= utf16_len(piece)
        if room < 0:
            break
        out.append(piece)
    return "".join(out) + ELLIPSIS


def cut_html(source: str, limit: int) -> str:
    """``source`` (Telegram HTML) shortened to at most ``limit`` UTF-16 units with "…":
    whole entities and tags only, and every tag left open is closed again."""
    if utf16_len(source) <= limit:
        return source
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for token in _TOKEN.findall(source):
        tag = _TAG.match(token) if token.startswith("<") else None
        closing = "".join(f"</{name}>" for name in reversed(open_tags))
        if tag is not None and tag.group(1):
            need = 0  # a closing tag only shortens what must be appended at the end
        else:
            need = utf16_len(token) + (len(f"</{tag.group(2)}>") if tag else 0)
        if used + need + utf16_len(ELLIPSIS) + utf16_len(closing) > limit:
            break
        out.append(token)
        used += utf16_len(token)
        if tag is not None:
            if tag.group(1):
                if open_tags and open_tags[-1].lower() == tag.group(2).lower():
                    open_tags.pop()
            else:
                open_tags.append(tag.group(2))
    return "".join(out) + ELLIPSIS + "".join(f"</{name}>" for name in reversed(open_tags))


def mention(user_id: int, name: str) -> str:
    """An HTML mention that notifies, as telegram.helpers.mention_html writes it (views and
    services do not import telegram)."""
    return f'<a href="tg://user?id={user_id}">{html.escape(name)}</a>'


def split_message(lines: list[str], limit: int = 4000) -> list[str]:
    """Join lines into messages under Telegram's 4,096 UTF-16 units without splitting a line
    across two messages (a single line longer than the limit is shortened with "…", whole
    entities and tags only)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = cut_html(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if current and utf16_len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
