"""Draw a QR code on a PDF page as vector squares (segno encodes, fpdf2 draws).

Why vector and not an embedded picture: the squares stay sharp at any zoom and on any
printer (a viewer may smooth an enlarged bitmap into grey), and the page holds only
coordinates computed from the text, so the same text always gives the same bytes: no
image file, no name or id derived from when or where it was made.

The code is error-correction level M (15 % of it may be smudged), byte mode, UTF-8 without
an ECI marker (``ST00012`` already names the encoding, and a bank app need not know ECI),
with the quiet zone of 4 modules the QR standard asks for kept blank inside the square.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import segno
from fpdf.enums import PathPaintRule

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fpdf import FPDF

QUIET_ZONE = 4
"""Blank modules around the symbol, on each side."""


def draw_qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """Draw ``text`` as a QR code in the ``size``-wide square at (``x``, ``y``), quiet zone in.

    Each row's runs of dark modules become rectangles of one path filled at once, so the
    rows join without the hairline seams separately filled squares can show.
    """
    matrix = encode(text)
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    left, top = x + QUIET_ZONE * module, y + QUIET_ZONE * module
    with pdf.new_path() as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        path.style.paint_rule = PathPaintRule.FILL_NONZERO
        for row_number, row in enumerate(matrix):
            for start, length in dark_runs(row):
                path.rectangle(left + start * module, top + row_number * module,
                               length * module, module)


def encode(text: str) -> tuple[bytearray, ...]:
    """The QR symbol of ``text`` (UTF-8 bytes, level M), one bytearray a row, 1 for dark."""
    return segno.make_qr(text.encode(), mode="byte", error="m", boost_error=False).matrix


def dark_runs(row: bytearray) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row, left to right."""
    start = None
    for column, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            yield start, column - start
            start = None
