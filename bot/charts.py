"""The /stats chart: closed items per kind per month, as a PNG.

Matplotlib's object-oriented API on the Agg canvas (no pyplot, no global backend, no
display), in the CJK font the package ships (``bot.posters.find_cjk_font``), passed to each
text element rather than set in the global rcParams, so two charts drawn at once in
different threads cannot disturb each other. Plain synchronous code: async callers run it
with ``asyncio.to_thread``. Matplotlib is imported on first use, so a bot that never draws a
chart never pays for it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.domain.figures import MonthCount
from bot.domain.model import Kind
from bot.posters import find_cjk_font

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

# One colour per kind, told apart also in grey print.
COLOURS: dict[Kind, str] = {
    Kind.PUBLIC_EVENT: "#1f77b4",
    Kind.DISPUTE: "#d62728",
    Kind.REQUEST: "#2ca02c",
    Kind.WISH: "#ff7f0e",
}
WIDTH_INCHES, HEIGHT_INCHES, DPI = 9.0, 5.0, 120


def _font(size: float) -> FontProperties:
    from matplotlib.font_manager import FontProperties

    path = find_cjk_font()
    if path is None:
        return FontProperties(size=size)
    return FontProperties(fname=str(path), size=size)


def closed_by_month(
    months: Sequence[MonthCount], kind_labels: Mapping[Kind, str], title: str, y_label: str,
) -> bytes:
    """Stacked bars, one per month, one colour per kind; the PNG's bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    positions = list(range(len(months)))
    bottoms = [0] * len(months)
    for kind in Kind:
        heights = [dict(m.closed).get(kind, 0) for m in months]
        axes.bar(positions, heights, bottom=bottoms, color=COLOURS[kind],
                 label=kind_labels[kind], width=0.7)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for x, total in zip(positions, bottoms, strict=True):
        if total:
            axes.annotate(str(total), (x, total), ha="center", va="bottom",
                          fontproperties=_font(9))
    axes.set_xticks(positions)
    # Many months stay legible: the labels turn when there are more than a year's.
    axes.set_xticklabels([m.label for m in months], rotation=45 if len(months) > 12 else 0,
                         fontproperties=_font(9))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*bottoms, 1]) * 1.3)  # room for the legend
    axes.set_ylabel(y_label, fontproperties=_font(11))
    axes.set_title(title, fontproperties=_font(14))
    axes.legend(prop=_font(10), loc="upper left", frameon=False, ncols=len(Kind))
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
