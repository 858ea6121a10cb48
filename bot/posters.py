"""Printable QR posters for building doors and notice boards, and the font that draws them.

Chinese text needs a CJK font, and a fresh machine has none: the package therefore depends
on a wheel that ships Noto Sans CJK (SIL OFL 1.1). ``FIVEHEADS_FONT`` overrides it, and
common system fonts are the next choice. With no CJK font at all a poster is still made,
with Pillow's built-in font (Chinese shows as boxes, the QR code still scans) and one
warning in the log, because a poster without a readable title beats no poster.

Plain synchronous Pillow code: async callers run it with ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
import logging
import os
from importlib.util import find_spec
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONT_ENV = "FIVEHEADS_FONT"
# The dependency that ships Noto Sans CJK; its module holds the .otf file.
PACKAGED_FONT_MODULE = "cvttf_NotoSansCJK_Regular"
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-droid/DroidSansFallback.ttf",
)
# The packaged font is the Traditional-Chinese flavour of Noto Sans CJK; with libraqm the
# OpenType "locl" feature switches it to mainland glyph forms.
TEXT_LANGUAGE = "zh-Hans"

# A5 portrait at 150 dpi: prints sharp on A4 or A5 and stays a small PNG.
POSTER_SIZE = (1240, 1748)
POSTER_DPI = 150
MARGIN = 80
QR_SIDE = 900

AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont

_warned_no_font = False


def _packaged_font() -> Path | None:
    spec = find_spec(PACKAGED_FONT_MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for path in sorted(Path(folder).glob("*.otf")):
            return path
    return None


def find_cjk_font() -> Path | None:
    """The first usable CJK font: ``FIVEHEADS_FONT``, the packaged one, then system fonts."""
    override = os.environ.get(FONT_ENV)
    if override:
        path = Path(override)
        if path.is_file():
            return path
        log.warning("%s=%s is not a file; looking for another CJK font", FONT_ENV, override)
    packaged = _packaged_font()
    if packaged is not None:
        return packaged
    for candidate in SYSTEM_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def load_font(size: int, font: Path | None = None) -> AnyFont:
    """``font`` (or the CJK font found) at ``size`` pixels; Pillow's own font if none exists."""
    global _warned_no_font
    path = font or find_cjk_font()
    if path is not None:
        return ImageFont.truetype(str(path), size)
    if not _warned_no_font:
        _warned_no_font = True
        log.warning(
            "no CJK font found (set %s or install fiveheads with its dependencies): "
            "Chinese text in images will show as boxes", FONT_ENV,
        )
    return ImageFont.load_default(size)


def language_of(font: AnyFont) -> str | None:
    """Mainland glyph forms where the layout engine can select them (libraqm), else None."""
    if isinstance(font, ImageFont.FreeTypeFont) and font.layout_engine == ImageFont.Layout.RAQM:
        return TEXT_LANGUAGE
    return None


def text_width(draw: ImageDraw.ImageDraw, text: str, font: AnyFont) -> float:
    return draw.textlength(text, font=font, language=language_of(font))


def draw_text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: AnyFont,
    fill: str | tuple[int, int, int], anchor: str = "la",
) -> None:
    draw.text(xy, text, font=font, fill=fill, anchor=anchor, language=language_of(font))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: AnyFont, width: int) -> list[str]:
    """Greedy line breaking: at spaces where possible ("网格 3号楼"), else between characters.

    Chinese has no spaces inside words, so breaking between any two characters is correct.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(draw, candidate, font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and text_width(draw, current + char, font) > width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font: Path | None, sizes: range, width: int,
    max_lines: int,
) -> tuple[AnyFont, list[str], int]:
    """The largest size at which ``text`` fits in ``max_lines`` lines, else the smallest.

    Returns the font, its lines and the line height in pixels; no text is ever dropped.
    """
    for size in sizes:
        face = load_font(size, font)
        lines = _wrap(draw, text, face, width)
        if len(lines) <= max_lines:
            break
    return face, lines, round(size * 1.3)


def _qr_image(link: str, side: int) -> Image.Image:
    # Error correction M or better (segno raises it when the data leaves room), a 4-module
    # quiet zone, and whole pixels per module so the printer does not blur the edges.
    qr = segno.make(link, error="m", micro=False)
    modules = qr.symbol_size(scale=1, border=4)[0]
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=max(side // modules, 1), border=4)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def make_poster(
    link: str, title: str, subtitle: str, instruction: str, *, font: Path | None = None
) -> bytes:
    """A PNG poster: the place in large type, the QR code of ``link``, what to do with it."""
    poster = Image.new("RGB", POSTER_SIZE, "white")
    draw = ImageDraw.Draw(poster)
    width = POSTER_SIZE[0] - 2 * MARGIN
    centre = POSTER_SIZE[0] / 2

    y = float(MARGIN)
    title_font, title_lines, step = _fit(draw, title, font, range(112, 55, -8), width, 2)
    for line in title_lines:
        draw_text(draw, (centre, y), line, title_font, "black", anchor="ma")
        y += step
    y += 10
    sub_font, sub_lines, step = _fit(draw, subtitle, font, range(56, 31, -4), width, 2)
    for line in sub_lines:
        draw_text(draw, (centre, y), line, sub_font, (60, 60, 60), anchor="ma")
        y += step

    qr = _qr_image(link, QR_SIDE)
    top = max(int(y) + 20, 420)
    poster.paste(qr, (int(centre - qr.width / 2), top))
    y = top + qr.height + 30

    ins_font, ins_lines, step = _fit(draw, instruction, font, range(60, 39, -4), width, 1)
    for line in ins_lines:
        draw_text(draw, (centre, y), line, ins_font, "black", anchor="ma")
        y += step
    # The link in small type, for whoever cannot scan.
    draw_text(draw, (centre, POSTER_SIZE[1] - MARGIN), link, load_font(30, font),
              (90, 90, 90), anchor="md")

    out = io.BytesIO()
    poster.save(out, "PNG", dpi=(POSTER_DPI, POSTER_DPI), optimize=True)
    return out.getvalue()
