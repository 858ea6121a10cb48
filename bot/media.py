"""Untrusted images in, clean JPEGs out; content-addressed storage on disk.

Photos come from anyone who scans a QR code, so decoding them is an attack surface and a
privacy hazard: a phone photo carries the GPS position of the resident's home in its EXIF.
:func:`reencode_image` therefore decodes within fixed caps (bytes, pixels, formats), applies
the EXIF orientation so the picture still looks right, and writes a brand-new JPEG that
carries no metadata at all. It is a plain synchronous function because Pillow blocks and
holds the GIL in places: async callers run it with ``asyncio.to_thread``.

Every rejection is a :class:`MediaRejected` carrying an i18n catalog key, so the handler
answers the user in their language and nothing else can escape from bad input.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "ALLOWED_FORMATS",
    "JPEG_QUALITY",
    "MAX_PIXELS",
    "MAX_SIDE",
    "MediaRejected",
    "StoredImage",
    "reencode_image",
    "store_bytes",
]

# 40 megapixels is above any phone camera; an RGBA decode of it is 160 MB, the most memory
# one report may take on a small machine.
MAX_PIXELS = 40_000_000
# Formats phones and messengers actually send. Everything else Pillow can parse (EPS, PSD,
# FITS, ...) is more decoder code exposed to strangers for no benefit. MPO is the
# multi-picture JPEG some cameras write; HEIF is absent because Pillow cannot read it.
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"})
# Longest side kept: sharp on any phone screen, and a few hundred kB per photo stored
# (issue #11: stored images at most 1,600 px on the long edge).
MAX_SIDE = 1600
JPEG_QUALITY = 85

_SUFFIX_RE = re.compile(r"^\.[a-z0-9]{1,10}$")
# What Pillow's decoders raise on malformed input besides OSError; none of them means a
# bug of ours, they all mean "this is not a usable image". Warning is there for processes
# that turn warnings into errors: Pillow warns about malformed metadata. The warning
# filters are deliberately not touched here: warnings.catch_warnings() swaps process-wide
# state and is not thread-safe, and this function runs in worker threads.
_DECODE_ERRORS = (
    OSError, EOFError, ValueError, SyntaxError, IndexError, KeyError, TypeError,
    ZeroDivisionError, struct.error, zlib.error, Warning,
)


class MediaRejected(Exception):
    """An upload refused; ``key`` is the i18n catalog key of the answer to the user.

    Keys: media.empty, media.too_big, media.not_image, media.unsupported_format, media.bomb.
    Corrupt or truncated data counts as media.not_image: the user's remedy is the same.
    """

    def __init__(self, key: str, detail: str = "") -> None:
        self.key = key
        self.detail = detail
        super().__init__(f"{key}: {detail}" if detail else key)


@dataclass(frozen=True)
class StoredImage:
    """A re-encoded JPEG and what callers need to store and show it."""

    data: bytes
    width: int
    height: int
    sha256: str


def reencode_image(
    data: bytes, *, max_bytes: int = 20_000_000, max_pixels: int = MAX_PIXELS
) -> StoredImage:
    """Decode ``data`` within the caps and return it as a metadata-free RGB JPEG.

    The caps are checked from the cheapest up: byte length before parsing, format and
    pixel count from the header before any pixel is decoded. Raises only MediaRejected.
    """
    if not data:
        raise MediaRejected("media.empty")
    if len(data) > max_bytes:
        raise MediaRejected("media.too_big", f"{len(data)} bytes > {max_bytes}")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ALLOWED_FORMATS:
                raise MediaRejected("media.unsupported_format", str(image.format))
            width, height = image.size
            if width * height > max_pixels:
                raise MediaRejected("media.bomb", f"{width}x{height}")
            clean = _clean_copy(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow checks its own process-wide limit inside open(): above it, it warns (an
        # exception where warnings are errors, as under pytest), above twice it, it raises.
        raise MediaRejected("media.bomb", str(exc)) from None
    except UnidentifiedImageError:
        raise MediaRejected("media.not_image") from None
    except _DECODE_ERRORS as exc:
        raise MediaRejected("media.not_image", f"{type(exc).__name__}: {exc}") from None
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY)
    encoded = out.getvalue()
    return StoredImage(
        data=encoded,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )


def _clean_copy(image: Image.Image) -> Image.Image:
    """The first frame, upright, at most MAX_SIDE, flattened onto white, with no metadata.

    The result is a new image whose ``info`` is empty, so no EXIF, ICC profile, XMP or
    comment can be carried into the saved JPEG by Pillow's defaults.
    """
    if image.format in ("JPEG", "MPO"):
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers MAX_SIDE:
        # a 48 MP photo then never occupies full-size memory. The box keeps the photo's
        # aspect ratio: draft() scales only while both sides stay at least the box's, so a
        # square box would never engage for a 4:3 photo (a 12 MP photo decodes at half size,
        # about three times faster; `fiveheads bench --only photos` measures it).
        scale = min(1.0, MAX_SIDE / max(image.size))
        image.draft("RGB", (max(1, math.ceil(image.width * scale)),
                            max(1, math.ceil(image.height * scale))))
    image.load()
    upright = ImageOps.exif_transpose(image)
    has_alpha = "A" in upright.getbands() or "transparency" in upright.info
    # Converted before resizing: palette and bilevel images would otherwise be resized
    # with nearest-neighbour sampling.
    pixels = upright.convert("RGBA") if has_alpha else _to_rgb(upright)
    pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new("RGB", pixels.size, "white")
    clean.paste(pixels, mask=pixels.getchannel("A") if has_alpha else None)
    return clean


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB from any mode; 16-bit and float greyscale are stretched, not clipped to white."""
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        low, high = cast(tuple[float, float], image.getextrema())
        span = float(high - low) or 1.0
        image = image.convert("F").point(lambda v: (v - low) * 255.0 / span).convert("L")
    return image.convert("RGB")


def store_bytes(media_dir: Path, data: bytes, suffix: str) -> Path:
    """Write ``data`` to ``media_dir/ab/<sha256><suffix>`` and return that path.

    The name is the content's hash, so storing the same photo twice (an update delivered
    again, a restart mid-album) writes nothing new and never makes a second file. The file
    appears atomically (temporary file, fsync, os.replace): a crash leaves either the whole
    file or none, never a half-written photo under the final name.
    """
    if not _SUFFIX_RE.match(suffix):
        raise ValueError(f"suffix must look like '.jpg', got {suffix!r}")
    digest = hashlib.sha256(data).hexdigest()
    folder = media_dir / digest[:2]
    path = folder / f"{digest}{suffix}"
    if path.is_file() and path.stat().st_size == len(data):
        return path
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return path


def _fsync_dir(folder: Path) -> None:
    """Make the new directory entry durable too, so a power cut cannot undo the rename."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
