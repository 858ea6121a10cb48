"""Text as Telegram renders it: HTML parse mode, entities, UTF-16 lengths, keyboard rows.

The bot sends HTML and Telegram answers with visible text plus entities (or refuses tags it
cannot parse); users' texts arrive with entities for commands and hashtags. Both directions
count offsets in UTF-16 code units, as the Bot API does, so Chinese text and emoji line up
exactly as on the real server. Everything here is a pure function of its input.
"""

import html
import re

from bot.emulator.protocol import JSONDict, bad_request

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*)?)\s*/?>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Telegram's HTML parse mode: visible text and entities, or 400 "can't parse entities"."""
    plain: list[str] = []
    entities: list[JSONDict] = []
    stack: list[tuple[str, int, JSONDict]] = []
    offset = 0
    position = 0

    def add_text(chunk: str) -> None:
        nonlocal offset
        if "<" in chunk:
            at = len(source[:position].encode())
            raise bad_request(f"can't parse entities: unexpected character < at byte offset {at}")
        text = html.unescape(chunk)
        plain.append(text)
        offset += _utf16_len(text)

    for match in _TAG.finditer(source):
        add_text(source[position : match.start()])
        position = match.end()
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name not in _HTML_ENTITY_TYPES:
            raise bad_request(f'can\'t parse entities: unsupported start tag "{name}"')
        if not closing:
            entity: JSONDict = {"type": _HTML_ENTITY_TYPES[name]}
            href = _HREF.search(attrs)
            if name == "a" and href:
                entity["url"] = next(g for g in href.groups() if g is not None)
            if name == "blockquote" and "expandable" in attrs:
                entity["type"] = "expandable_blockquote"
            stack.append((name, offset, entity))
            continue
        if not stack or stack[-1][0] != name:
            raise bad_request(f'can\'t parse entities: unmatched end tag "{name}"')
        _, start, entity = stack.pop()
        if offset > start:
            entities.append({**entity, "offset": start, "length": offset - start})
    add_text(source[position:])
    if stack:
        raise bad_request(f'can\'t parse entities: unclosed start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def render(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    """Visible text and entities of a text the bot sent with ``parse_mode``."""
    if parse_mode is not None and parse_mode.lower() == "html":
        return _parse_html(text)
    return text, []


def visible_text(text: str, parse_mode: str | None) -> str:
    return render(text, parse_mode)[0]


def incoming_entities(text: str) -> list[JSONDict]:
    """Entities Telegram attaches to a user's text: the leading command and hashtags."""
    entities: list[JSONDict] = []
    command = _COMMAND.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])})
    for tag in _HASHTAG.finditer(text):
        entities.append(
            {
                "type": "hashtag",
                "offset": _utf16_len(text[: tag.start()]),
                "length": _utf16_len(tag[0]),
            }
        )
    return entities


def incoming_caption(caption: str | None) -> JSONDict:
    """The caption fields of a user's media message, with entities like ``incoming_entities``."""
    if caption is None:
        return {}
    content: JSONDict = {"caption": caption}
    entities = incoming_entities(caption)
    if entities:
        content["caption_entities"] = entities
    return content


def markup_rows(markup: JSONDict | None) -> list[list[str]]:
    """Button labels row by row, for the transcript (inline and reply keyboards alike)."""
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [[b.get("text", "") if isinstance(b, dict) else str(b) for b in row] for row in rows]
