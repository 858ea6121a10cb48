"""QR posters: the printed code scans back to the exact link, the place's name is drawn in a
real CJK font, and without any CJK font a poster is still made, with one warning."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops

from bot import posters
from bot.posters import find_cjk_font, make_poster

LINK = "https://t.me/fiveheads_bot?start=qAbCdEfGhIjKlMnOpQrSt"
TITLE = "松鹤社区第一网格 3号楼2单元"
SUBTITLE = "居民报事二维码"
INSTRUCTION = "请用 Telegram 扫描二维码，向社区反映问题"


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def title_region(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L").crop((0, 60, 1240, 380))


@pytest.mark.parametrize("link", [
    LINK,
    # The longest code the format allows behind the longest bot username Telegram allows.
    "https://t.me/" + "b" * 29 + "bot?start=q" + "Z_-9" * 5 + "zzz",
])
def test_the_poster_scans_back_to_its_exact_link(link: str) -> None:
    png = make_poster(link, TITLE, SUBTITLE, INSTRUCTION)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == posters.POSTER_SIZE
    assert round(image.info["dpi"][0]) == posters.POSTER_DPI
    assert decode(png) == [link]


def test_the_packaged_font_draws_the_chinese_title() -> None:
    assert find_cjk_font() is not None, "the font dependency is missing"
    one = make_poster(LINK, "松鹤社区第一网格 3号楼2单元", SUBTITLE, INSTRUCTION)
    other = make_poster(LINK, "银杏社区第二网格 5号楼1单元", SUBTITLE, INSTRUCTION)
    ink = title_region(one).point(lambda v: 255 if v < 128 else 0).getbbox()
    assert ink is not None, "the title region is blank"
    # Missing glyphs all draw the same box; different characters drawing differently
    # means they were really drawn.
    assert ImageChops.difference(title_region(one), title_region(other)).getbbox() is not None


def test_without_any_cjk_font_the_poster_is_still_made_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(posters, "find_cjk_font", lambda: None)
    monkeypatch.setattr(posters, "_warned_no_font", False)
    with caplog.at_level(logging.WARNING, logger="bot.posters"):
        first = make_poster(LINK, TITLE, SUBTITLE, INSTRUCTION)
        make_poster(LINK, TITLE, SUBTITLE, INSTRUCTION)
    warnings = [r for r in caplog.records if "no CJK font" in r.getMessage()]
    assert len(warnings) == 1
    assert decode(first) == [LINK]
    assert title_region(first).point(lambda v: 255 if v < 128 else 0).getbbox() is not None


def test_the_font_override_comes_first_and_a_wrong_one_is_said(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    packaged = find_cjk_font()
    assert packaged is not None
    copy = tmp_path / "my-font.otf"
    copy.symlink_to(packaged)
    monkeypatch.setenv(posters.FONT_ENV, str(copy))
    assert find_cjk_font() == copy
    monkeypatch.setenv(posters.FONT_ENV, str(tmp_path / "missing.ttf"))
    with caplog.at_level(logging.WARNING, logger="bot.posters"):
        assert find_cjk_font() == packaged
    assert any("missing.ttf" in r.getMessage() for r in caplog.records)
