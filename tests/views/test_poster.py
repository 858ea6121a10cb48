"""A QR poster's words alone (fast: no picture, no database); the poster itself is in
tests/test_qr.py."""

from __future__ import annotations

from bot.domain.model import Place
from bot.views.poster import poster_title, poster_words

GRID = "松鹤社区第一网格"


def test_the_title_names_the_grid_and_the_door() -> None:
    assert poster_title("zh", GRID, Place("3", "2")) == "松鹤社区第一网格 3号楼2单元"
    assert poster_title("zh", GRID, Place("3")) == "松鹤社区第一网格 3号楼"
    assert poster_title("en", GRID, Place("3", "2")) == "松鹤社区第一网格 building 3, unit 2"


def test_the_words_in_the_order_the_poster_draws_them() -> None:
    assert poster_words("zh", GRID, Place("3")) == (
        "松鹤社区第一网格 3号楼", "居民报事二维码", "请用 Telegram 扫描二维码，向社区反映问题")
    assert poster_words("en", GRID, Place("3")) == (
        "松鹤社区第一网格 building 3", "Residents' report code",
        "Scan with Telegram to report a problem to the community")
