"""Composed pictures: before/after at one height within 1,280 px, contact sheets with one
numbered tile per item, and broken photos as grey panels rather than exceptions."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot import images
from bot.images import MAX_TILES, MAX_WIDTH, before_after, contact_sheet
from tests.conftest import jpeg

LABELS = ("之前", "之后")


def open_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("RGB")


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def test_before_and_after_side_by_side_at_one_height() -> None:
    picture = open_jpeg(before_after(
        jpeg("red", (1600, 1200)), jpeg("blue", (600, 900)), labels=LABELS
    ))
    width, height = picture.size
    assert width <= MAX_WIDTH and width > MAX_WIDTH - 10
    # 4:3 and 2:3 at one height h: 4h/3 + 2h/3 + gap = width.
    assert abs(2 * height + 8 - width) <= 4
    assert near(picture.getpixel((width // 4, height // 2)), (255, 0, 0))
    assert near(picture.getpixel((width - 50, height // 2)), (0, 0, 255))
    # Each label sits on a black box in its photo's top-left corner.
    assert near(picture.getpixel((3, 3)), (0, 0, 0))
    right_half = picture.crop((width * 2 // 3, 0, width, height // 4))
    assert right_half.convert("L").point(lambda v: 255 if v < 40 else 0).getbbox() is not None


def test_before_alone_keeps_its_shape_and_label() -> None:
    picture = open_jpeg(before_after(jpeg("green", (3000, 1000)), None, labels=LABELS))
    assert picture.size == (MAX_WIDTH, 427)
    assert near(picture.getpixel((3, 3)), (0, 0, 0))
    assert near(picture.getpixel((MAX_WIDTH // 2, 300)), (0, 128, 0))


def test_an_unreadable_after_photo_is_a_grey_panel() -> None:
    picture = open_jpeg(before_after(jpeg("red", (400, 300)), b"not an image", labels=LABELS))
    assert near(picture.getpixel((picture.width - 20, picture.height // 2)), images.GREY)


def test_contact_sheet_has_one_numbered_tile_per_item_and_grey_for_broken_ones() -> None:
    tiles = [(100 + i, jpeg("green", (800, 600)) if i % 3 else b"\xff\xd8 broken")
             for i in range(11)]
    sheet = open_jpeg(contact_sheet(tiles, columns=4, tile=320))
    assert sheet.size == (4 * 320, 3 * 320)
    for i in range(11):
        x, y = (i % 4) * 320, (i // 4) * 320
        centre = sheet.getpixel((x + 160, y + 200))
        assert near(centre, images.GREY if i % 3 == 0 else (0, 128, 0)), i
        assert near(sheet.getpixel((x + 4, y + 4)), (0, 0, 0)), f"tile {i} has no number box"
    # The twelfth cell stays empty.
    assert near(sheet.getpixel((3 * 320 + 160, 2 * 320 + 160)), (255, 255, 255))


def test_contact_sheet_caps_the_tiles_and_stays_a_valid_telegram_photo() -> None:
    photo = jpeg("red", (64, 48))
    sheet = open_jpeg(contact_sheet([(i, photo) for i in range(150)]))
    assert sheet.size == (4 * 320, 25 * 320)  # 100 tiles, four to a row
    with pytest.raises(ValueError):
        contact_sheet([])


@given(
    count=st.integers(1, MAX_TILES), columns=st.integers(-3, 40), tile=st.integers(-10, 5000)
)
def test_every_grid_shape_fits_telegram_photo_limits(count: int, columns: int, tile: int) -> None:
    cols, rows, side = images._shape(count, columns, tile)
    width, height = cols * side, rows * side
    assert cols * rows >= count and rows == -(-count // cols)
    assert width + height <= images.TELEGRAM_MAX_SIDES
    assert height <= 20 * width and width <= 20 * height or rows == 1
