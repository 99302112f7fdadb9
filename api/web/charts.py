"""Charts for the workspace, drawn on the server as inline SVG with matplotlib.

Why on the server: the page works without JavaScript, the numbers never leave through a
second channel, and a screen reader gets a ``<title>``/``<desc>`` plus the table beside
each chart. Output is deterministic (a fixed ``svg.hashsalt``, no date in the metadata),
so the same figures always give byte-identical markup. Only the object-oriented API is
used (no ``pyplot`` global state), so two requests may draw at the same time.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

mpl.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes

PALETTE = ("#0b4f8a", "#1d6b34", "#8a5a00", "#a4161a", "#5b3c88", "#00707a", "#4a5260")
"""Colours with at least 4.5:1 contrast on white, matching the workspace's stylesheet."""
STYLE: dict[Any, Any] = {"svg.hashsalt": "lbx", "svg.fonttype": "none", "font.size": 9,
         "font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False}
_PREAMBLE = re.compile(r"^.*?(?=<svg)", re.DOTALL)


@dataclass(frozen=True)
class Series:
    """One named line or set of bars: a value per label (None where there is none)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Caption:
    """What a chart shows, for people who cannot see it: a title and a longer description."""

    title: str
    description: str


def _figure(*, wide: bool = False) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(12, 3.4) if wide else (7.2, 3.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.grid(axis="y", color="#d4d9e0", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.yaxis.set_major_formatter(PLAIN)
    axes.xaxis.set_major_formatter(PLAIN)
    return figure, axes


def _plain(value: float, _: object = None) -> str:
    """A tick label without scientific notation, thousands set apart by a thin space."""
    return f"{value:,.0f}".replace(",", "\u2009").replace("-", "\u2212")


PLAIN = FuncFormatter(_plain)


def _svg(figure: Figure, caption: Caption, chart_id: str) -> str:
    """The figure as an inline ``<svg>`` element with its accessible name and description."""
    buffer = io.StringIO()
    with mpl.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    markup = _PREAMBLE.sub("", buffer.getvalue(), count=1)
    head, _, body = markup.partition(">")
    return (
        f'{head} role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(caption.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(caption.description)}</desc>{body}'
    )


def line_chart(chart_id: str, caption: Caption, labels: Sequence[str],
               series: Sequence[Series], *, right_axis: tuple[str, float] | None = None) -> str:
    """Lines over ``labels`` (months), one per series, as inline SVG.

    ``right_axis`` = (name, factor) adds a second scale on the right, ``factor`` times the
    left one (ARR beside MRR: one line, read on either scale).
    """
    with mpl.rc_context(STYLE):
        figure, axes = _figure()
        if right_axis is not None:
            name, factor = right_axis

            def up(values: Any) -> Any:
                return values * factor

            def down(values: Any) -> Any:
                return values / factor

            right = axes.secondary_yaxis("right", functions=(up, down))
            right.yaxis.set_major_formatter(PLAIN)
            right.set_ylabel(name)
        positions = range(len(labels))
        for index, one in enumerate(series):
            values = [float("nan") if v is None else v for v in one.values]
            axes.plot(positions, values, marker="o", markersize=3, linewidth=1.8,
                      color=PALETTE[index % len(PALETTE)], label=one.name)
        _label_x(axes, labels)
        if len(series) > 1:
            axes.legend(frameon=False, loc="upper left")
        elif series:
            axes.set_ylabel(series[0].name)
        return _svg(figure, caption, chart_id)


def bar_chart(chart_id: str, caption: Caption, labels: Sequence[str],
              series: Sequence[Series], *, stacked: bool = False,
              horizontal: bool = False, wide: bool = False) -> str:
    """Bars per label, side by side or stacked (negative values stack below zero)."""
    with mpl.rc_context(STYLE):
        figure, axes = _figure(wide=wide)
        positions = list(range(len(labels)))
        width = 0.8 if stacked or len(series) < 2 else 0.8 / len(series)  # noqa: PLR2004
        above, below = [0.0] * len(labels), [0.0] * len(labels)
        for index, one in enumerate(series):
            values = [v or 0.0 for v in one.values]
            if stacked:
                base = [below[i] if v < 0 else above[i] for i, v in enumerate(values)]
                for i, v in enumerate(values):
                    (below if v < 0 else above)[i] += v
                offsets: list[float] = [float(p) for p in positions]
            else:
                base = [0.0] * len(labels)
                offsets = [p - 0.4 + width * (index + 0.5) if len(series) > 1 else p
                           for p in positions]
            draw = axes.barh if horizontal else axes.bar
            draw(offsets, values, width, base, color=PALETTE[index % len(PALETTE)],
                 label=one.name)
        if horizontal:
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()
            axes.grid(axis="x", color="#d4d9e0", linewidth=0.6)
        else:
            _label_x(axes, labels)
            axes.axhline(0, color="#1a1d21", linewidth=0.8)
        if len(series) > 1:
            axes.legend(frameon=False, loc="best", fontsize=8)
        elif series and not horizontal:
            axes.set_ylabel(series[0].name)
        return _svg(figure, caption, chart_id)


def _label_x(axes: Axes, labels: Sequence[str]) -> None:
    step = max(1, len(labels) // 12)
    axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
