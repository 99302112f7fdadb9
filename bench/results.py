"""Figures and their table: each LBX number is shown as a ratio of a raw baseline.

A figure knows its baseline and its target, so the verdict printed next to it is computed
in one place. Verdicts are information for the reader; nothing here fails or exits non-zero.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class Target:
    """What a figure should reach: a ratio to its baseline, or a ceiling on its value."""

    kind: Literal["ratio_at_least", "value_below"]
    threshold: float

    def describe(self) -> str:
        """The target as the table prints it."""
        if self.kind == "ratio_at_least":
            return f">= {self.threshold:.2f} x baseline"
        return f"< {self.threshold:g}"

    def met(self, figure: Figure) -> bool:
        """True when the figure reaches the target."""
        if self.kind == "value_below":
            return figure.value < self.threshold
        ratio = figure.ratio
        return ratio is not None and ratio >= self.threshold


@dataclass(frozen=True)
class Figure:
    """One measured number, with what it is compared to."""

    name: str
    value: float
    unit: str
    count: int
    baseline: Figure | None = None
    key: str = ""
    """A short label (``A``) that other rows use when they print their ratio to this one."""
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """The value divided by the baseline's value (None without a baseline)."""
        if self.baseline is None or self.baseline.value == 0:
            return None
        return self.value / self.baseline.value

    @property
    def verdict(self) -> str:
        """PASS or MISS against the target, or an empty string when there is none."""
        if self.target is None:
            return ""
        return "PASS" if self.target.met(self) else "MISS"


def rate(
    name: str,
    count: int,
    seconds: float,
    unit: str,
    *,
    baseline: Figure | None = None,
    target: Target | None = None,
    note: str = "",
    key: str = "",
) -> Figure:
    """A throughput figure: ``count`` operations in ``seconds``."""
    value = count / seconds if seconds > 0 else 0.0
    return Figure(name, value, unit, count, baseline, key, target, note)


def median_ms(samples: Sequence[float]) -> float:
    """The median of durations in seconds, in milliseconds."""
    return statistics.median(samples) * 1000 if samples else 0.0


def percentile_ms(samples: Sequence[float], fraction: float) -> float:
    """A nearest-rank percentile of durations in seconds, in milliseconds."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index] * 1000


def table(title: str, figures: Sequence[Figure]) -> Group:
    """A rich table of figures with ratio, target and verdict, and their notes below it.

    The notes are printed under the table rather than in a column, so that the table stays
    readable in an 80-column terminal or a log file.
    """
    out = Table(title=title, title_justify="left")
    out.add_column("#", justify="right")
    out.add_column("measure")
    out.add_column("result", justify="right")
    out.add_column("unit")
    out.add_column("n", justify="right")
    out.add_column("vs baseline", justify="right")
    out.add_column("target")
    out.add_column("verdict")
    notes = []
    for number, figure in enumerate(figures, start=1):
        verdict = figure.verdict
        style = {"PASS": "green", "MISS": "bold red"}.get(verdict, "")
        out.add_row(
            str(number),
            figure.name,
            f"{figure.value:,.1f}",
            figure.unit,
            f"{figure.count:,}",
            _ratio_cell(figure),
            figure.target.describe() if figure.target else "",
            f"[{style}]{verdict}[/]" if verdict else "",
        )
        if figure.note:
            notes.append(Text(f"  {number}. {figure.note}"))
    return Group(out, *notes)


def _ratio_cell(figure: Figure) -> str:
    ratio = figure.ratio
    if ratio is None or figure.baseline is None:
        return ""
    return f"{ratio:.2f} x {figure.baseline.key or figure.baseline.name}"
