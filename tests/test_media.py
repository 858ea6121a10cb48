"""Tests for bot.media: metadata is gone, orientation kept, every bad input refused cleanly."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.media import (
    ALLOWED_FORMATS,
    MAX_SIDE,
    MediaRejected,
    StoredImage,
    reencode_image,
    store_bytes,
)

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """Save an image to bytes in the given format."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def phone_photo(orientation: int = 1) -> bytes:
    """A 40x20 JPEG as a phone writes it: maker, GPS position, orientation, ICC, XMP."""
    exif = Image.Exif()
    exif[MAKE] = "SnoopPhone"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    return encode(
        image, "JPEG", exif=exif, icc_profile=b"fake-icc-profile",
        comment=b"taken at home", xmp=b"<x:xmpmeta>GPSLatitude</x:xmpmeta>",
    )


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG declaring a huge 1-bit image: the shape of a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def reopen(stored: StoredImage) -> Image.Image:
    """Decode a stored JPEG again, fully loaded."""
    image = Image.open(io.BytesIO(stored.data))
    image.load()
    return image


def test_phone_photo_source_really_carries_gps() -> None:
    """Guard for the next test: the input does contain what must be removed."""
    source = Image.open(io.BytesIO(phone_photo()))
    assert source.getexif()[MAKE] == "SnoopPhone"
    assert source.getexif().get_ifd(GPS_IFD)


def test_all_metadata_is_dropped() -> None:
    stored = reencode_image(phone_photo())
    image = reopen(stored)
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert not image.getexif()
    assert b"Exif" not in stored.data
    assert b"SnoopPhone" not in stored.data
    assert b"xmpmeta" not in stored.data
    assert b"taken at home" not in stored.data
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(image.info)


def test_exif_orientation_is_applied() -> None:
    stored = reencode_image(phone_photo(orientation=6))
    assert (stored.width, stored.height) == (20, 40)
    assert reopen(stored).size == (20, 40)


def test_result_describes_itself() -> None:
    stored = reencode_image(phone_photo())
    assert (stored.width, stored.height) == (40, 20)
    assert stored.sha256 == hashlib.sha256(stored.data).hexdigest()


def test_png_alpha_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 16, 32))
    result = reopen(reencode_image(encode(image, "PNG")))
    assert result.mode == "RGB"
    red, green, blue = result.getpixel((28, 16))  # type: ignore[misc]
    assert min(red, green, blue) > 240
    red, green, blue = result.getpixel((4, 16))  # type: ignore[misc]
    assert red > 200 and green < 60


def test_animation_keeps_first_frame() -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    red, _green, blue = reopen(reencode_image(data)).getpixel((8, 8))  # type: ignore[misc]
    assert red > 200 and blue < 60


def test_sixteen_bit_greyscale_is_not_blown_out() -> None:
    image = Image.new("I;16", (8, 8), 30000)
    image.putpixel((0, 0), 0)
    result = reopen(reencode_image(encode(image, "PNG")))
    assert result.getpixel((0, 0))[0] < 30  # type: ignore[index]


def test_large_image_is_downscaled_keeping_aspect() -> None:
    data = encode(Image.new("RGB", (2 * MAX_SIDE, 500), (10, 120, 10)), "PNG")
    stored = reencode_image(data)
    assert (stored.width, stored.height) == (MAX_SIDE, 250)


def test_empty_is_rejected() -> None:
    with pytest.raises(MediaRejected) as caught:
        reencode_image(b"")
    assert caught.value.key == "media.empty"


def test_too_many_bytes_rejected_before_decoding() -> None:
    data = phone_photo()
    with pytest.raises(MediaRejected) as caught:
        reencode_image(data, max_bytes=len(data) - 1)
    assert caught.value.key == "media.too_big"
    assert reencode_image(data, max_bytes=len(data)).width == 40


def test_text_is_not_an_image() -> None:
    with pytest.raises(MediaRejected) as caught:
        reencode_image("这不是图片 — not a picture\n".encode() * 20)
    assert caught.value.key == "media.not_image"


def test_format_outside_the_allowed_set_is_refused() -> None:
    data = encode(Image.new("RGB", (16, 16)), "ICO")
    assert Image.open(io.BytesIO(data)).format == "ICO"
    assert "ICO" not in ALLOWED_FORMATS
    with pytest.raises(MediaRejected) as caught:
        reencode_image(data)
    assert caught.value.key == "media.unsupported_format"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (30_000, 30_000),  # above our cap and Pillow's warning limit
        (100_000, 100_000),  # above twice Pillow's limit: Pillow raises itself
        (10_000, 5_000),  # above our cap only
    ],
)
def test_decompression_bomb_is_refused_from_the_header(width: int, height: int) -> None:
    data = png_header_only(width, height)
    assert len(data) < 200
    with pytest.raises(MediaRejected) as caught:
        reencode_image(data)
    assert caught.value.key == "media.bomb"


def test_pixel_cap_is_per_call() -> None:
    data = encode(Image.new("RGB", (100, 100)), "PNG")
    with pytest.raises(MediaRejected) as caught:
        reencode_image(data, max_pixels=9_999)
    assert caught.value.key == "media.bomb"
    assert reencode_image(data, max_pixels=10_000).width == 100


def test_truncated_jpeg_is_refused() -> None:
    noisy = Image.effect_noise((200, 200), 64).convert("RGB")
    data = encode(noisy, "JPEG")
    with pytest.raises(MediaRejected) as caught:
        reencode_image(data[: len(data) // 2])
    assert caught.value.key == "media.not_image"


def test_store_bytes_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    data = reencode_image(phone_photo()).data
    first = store_bytes(tmp_path, data, ".jpg")
    stamp = first.stat().st_mtime_ns
    second = store_bytes(tmp_path, data, ".jpg")
    assert first == second
    assert first.read_bytes() == data
    assert first.stat().st_mtime_ns == stamp
    assert first.parent.parent == tmp_path
    assert first.name.startswith(first.parent.name)
    assert len(first.stem) == 64
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first.name]


def test_store_bytes_refuses_a_path_like_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        store_bytes(tmp_path, b"x", "/../../etc")


SEEDS = [
    phone_photo(orientation=3),
    encode(Image.new("RGBA", (12, 9), (1, 2, 3, 4)), "PNG"),
    encode(Image.new("P", (12, 9)), "GIF"),
    encode(Image.new("RGB", (12, 9)), "WEBP"),
    encode(Image.new("RGB", (12, 9)), "TIFF"),
    encode(Image.new("RGB", (12, 9)), "BMP"),
]


@st.composite
def damaged_images(draw: st.DrawFn) -> bytes:
    """A valid image with a few bytes overwritten or cut short: reaches the decoders."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2048), damaged_images()))
def test_arbitrary_bytes_only_ever_raise_media_rejected(data: bytes) -> None:
    try:
        stored = reencode_image(data)
    except MediaRejected as rejected:
        assert rejected.key.startswith("media.")
    else:
        assert reopen(stored).format == "JPEG"
