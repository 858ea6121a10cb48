"""Pictures the bot composes: the before/after verification picture and the numbered contact
sheet of a meeting's unresolved items.

Plain synchronous Pillow functions with fixed caps on size and count: async callers run
them with ``asyncio.to_thread``. A photo Pillow cannot read becomes a grey panel instead of
an exception, so one broken file never stops a verification message or an agenda.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageOps

from bot.media import MAX_PIXELS
from bot.posters import AnyFont, draw_text, language_of, load_font

MAX_WIDTH = 1280
MAX_HEIGHT = 960
MAX_TILES = 100
JPEG_QUALITY = 85
GREY = (158, 158, 158)
# Telegram refuses a photo whose width plus height exceeds 10,000 pixels.
TELEGRAM_MAX_SIDES = 10_000


def _decode(data: bytes, box: tuple[int, int]) -> Image.Image | None:
    """The photo upright, in RGB, no larger than ``box``; None if it cannot be read."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            return None
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: thumbnails of big photos come cheap.
        image.draft("RGB", box)
        upright = ImageOps.exif_transpose(image).convert("RGB")
    except Exception:  # noqa: BLE001 - any decoder failure means "not a usable photo"
        return None
    upright.thumbnail(box)
    return upright


def _label(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, font: AnyFont) -> None:
    """White text on a black box whose corner is ``xy``: readable on any photo."""
    x, y = xy
    language = language_of(font)
    left, _, right, _ = draw.textbbox((0, 0), text, font=font, language=language)
    # One box height for every label, whatever its characters: a tidy row of numbers.
    _, top, _, bottom = draw.textbbox((0, 0), "国#0", font=font, language=language)
    pad = max((bottom - top) // 4, 4)
    draw.rectangle((x, y, x + right - left + 2 * pad, y + bottom - top + 2 * pad), fill="black")
    draw_text(draw, (x + pad - left, y + pad - top), text, font, "white")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def before_after(before: bytes, after: bytes | None, *, labels: tuple[str, str]) -> bytes:
    """A JPEG: the two photos side by side at one height, labelled; ``before`` alone if no after.

    At most ``MAX_WIDTH`` wide, so Telegram shows it whole without recompressing much.
    """
    box = (MAX_WIDTH, MAX_HEIGHT)
    photos = [_decode(before, box)]
    if after is not None:
        photos.append(_decode(after, box))
    panels = [p if p is not None else Image.new("RGB", (640, 480), GREY) for p in photos]
    height = min(p.height for p in panels)
    scaled = [p.resize((max(round(p.width * height / p.height), 1), height)) for p in panels]
    gap = 8 if len(scaled) == 2 else 0
    total = sum(p.width for p in scaled) + gap
    if total > MAX_WIDTH:
        factor = (MAX_WIDTH - gap) / (total - gap)
        height = max(int(height * factor), 1)
        scaled = [p.resize((max(int(p.width * factor), 1), height)) for p in scaled]
        total = sum(p.width for p in scaled) + gap
    canvas = Image.new("RGB", (total, height), "white")
    draw = ImageDraw.Draw(canvas)
    font = load_font(max(min(height // 12, 64), 20))
    x = 0
    for panel, label in zip(scaled, labels, strict=False):
        canvas.paste(panel, (x, 0))
        _label(draw, (x, 0), label, font)
        x += panel.width + gap
    return _jpeg(canvas)


def _shape(count: int, columns: int, tile: int) -> tuple[int, int, int]:
    """Columns, rows and tile size that Telegram accepts as one photo.

    At most 10 columns, no more than 20 rows per column (Telegram's 1:20 aspect limit), and
    tiles shrunk until width plus height stays within 10,000 pixels.
    """
    columns = min(max(columns, 1), 10, count)
    while math.ceil(count / columns) > 20 * columns:
        columns += 1
    rows = math.ceil(count / columns)
    tile = min(max(tile, 64), 480, TELEGRAM_MAX_SIDES // (columns + rows))
    return columns, rows, tile


def contact_sheet(tiles: list[tuple[int, bytes]], *, columns: int = 4, tile: int = 320) -> bytes:
    """A JPEG grid of square thumbnails, each marked with its issue number ("#123").

    At most ``MAX_TILES`` tiles (the first ones); an unreadable photo is a grey tile that
    still carries its number, so the count on the sheet matches the list.
    """
    if not tiles:
        raise ValueError("a contact sheet needs at least one tile")
    tiles = tiles[:MAX_TILES]
    columns, rows, tile = _shape(len(tiles), columns, tile)
    sheet = Image.new("RGB", (columns * tile, rows * tile), "white")
    draw = ImageDraw.Draw(sheet)
    font = load_font(max(tile // 6, 14))
    inner = tile - 4
    for index, (number, data) in enumerate(tiles):
        photo = _decode(data, (inner * 2, inner * 2))
        thumb = (
            ImageOps.fit(photo, (inner, inner)) if photo is not None
            else Image.new("RGB", (inner, inner), GREY)
        )
        x, y = (index % columns) * tile + 2, (index // columns) * tile + 2
        sheet.paste(thumb, (x, y))
        _label(draw, (x, y), f"#{number}", font)
    return _jpeg(sheet)
