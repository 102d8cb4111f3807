"""A trim size in, the page geometry of the book (margins, bleed, type size) and its @page CSS out.

Type and margins scale with the page: about 11 pt on A4/Letter and about 9.75 pt on A5/6x9in,
with a measure of roughly 65 characters. Writing lines never scale (handwriting does not shrink).
The book is laid out once, at its trim size, with margins mirrored (inner edge toward the binding);
the reader's PDF shows those pages as they are and the print PDF adds bleed and crop marks around
them (derive.py), so both editions share every page and every page number.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, get_args

EditionName = Literal["screen", "print"]  # the PDFs made from the one layout: the reader's and the printer's
EDITIONS: tuple[EditionName, ...] = get_args(EditionName)
LayoutName = Literal["book"]  # the name of that layout (in the cache, the scheduler and the templates)
LAYOUT: LayoutName = get_args(LayoutName)[0]
SMALL, LARGE = 148.0, 210.0  # page widths (mm) of the small and the large reference size
SMALL_PT, LARGE_PT = 9.75, 11.0
MEASURE_PER_PT = 11.6  # mm of measure per pt of type: ~65 characters of Source Serif
LINE_PITCH_MM = 8.5  # the pitch of writing lines, their rule included (book.css: .prompt-lines .line, border-box)
LINE_RULE_PT = 0.5  # its bottom rule, as in book.css (inside the 8.5 mm)
# How far past the text area the running heads (and a notes page's title) and the folios print, in the
# margins (pdf.css: a head's 8.5 pt line 4 mm above the text, a folio's 9 pt line 6 mm below it; their type
# is in pt, so the same at every trim). Measured on the laid-out pages: 7.2 mm of ink above the text for
# a head in capitals, 7.5 mm with an accent over one (É), 9.8 mm below it for a folio; half a mm to spare.
HEAD_REACH_MM = 8.0
FOLIO_REACH_MM = 10.3


@dataclass(frozen=True)
class Margins:
    """The least margins (mm) a layout must have, on each side of the text area; 0: the book's own."""

    top: float = 0.0
    bottom: float = 0.0
    inner: float = 0.0
    outer: float = 0.0

    def rounded(self) -> Margins:
        """Rounded up to the 0.1 mm the geometry's CSS is written to."""
        return Margins(*(math.ceil(v * 10 - 1e-6) / 10 for v in (self.top, self.bottom, self.inner, self.outer)))


@dataclass(frozen=True)
class PageGeometry:
    """Trim size, margins (mm), the print edition's bleed (mm) and body type size (pt) of the book."""

    width: float
    height: float
    top: float
    bottom: float
    inner: float
    outer: float
    font_size: float
    bleed: float = 0.0

    @property
    def content_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def line_pitch_px(self) -> float:
        """The writing-line pitch in CSS px (WeasyPrint's layout unit): 8.5 mm, the 0.5 pt rule included."""
        return LINE_PITCH_MM * 96 / 25.4

    def at_least(self, least: Margins) -> PageGeometry:
        """This geometry with each margin at least as wide as `least` asks (the type size is kept)."""
        return replace(self, top=max(self.top, round(least.top, 1)), bottom=max(self.bottom, round(least.bottom, 1)),
                       inner=max(self.inner, round(least.inner, 1)), outer=max(self.outer, round(least.outer, 1)))

    def holds(self, least: Margins) -> bool:
        """Whether every margin is at least as wide as `least` asks."""
        return all(have >= need - 1e-6 for have, need in ((self.top, least.top), (self.bottom, least.bottom),
                                                           (self.inner, least.inner), (self.outer, least.outer)))

    def css(self) -> str:
        """The @page rules and the root type size for this geometry."""
        rules = [
            f"@page {{ size: {self.width:g}mm {self.height:g}mm; "
            f"margin: {self.top:.1f}mm {self.outer:.1f}mm {self.bottom:.1f}mm {self.inner:.1f}mm; }}",
            f"@page :left {{ margin-left: {self.outer:.1f}mm; margin-right: {self.inner:.1f}mm; }}",
            f"@page :right {{ margin-left: {self.inner:.1f}mm; margin-right: {self.outer:.1f}mm; }}",
            "@page cover { margin: 0; }",
            f"html {{ font-size: {self.font_size:.2f}pt; }}",
        ]
        return "\n".join(rules)


def type_size(width: float) -> float:
    """Body type (pt) for a page width (mm), interpolated between A5 and A4 and clamped."""
    t = (width - SMALL) / (LARGE - SMALL)
    return round(min(max(SMALL_PT + t * (LARGE_PT - SMALL_PT), 9.5), 11.5), 2)


def geometry(width: float, height: float, bleed: float = 3.2) -> PageGeometry:
    """The page design for a trim size (mm); `bleed` is what the print edition adds around each page."""
    size = type_size(width)
    margins = width - size * MEASURE_PER_PT
    margins = min(max(margins, 30.0), width * 0.4)  # at least 15 mm a side, at most 20 % each
    inner, outer = margins * 0.54, margins * 0.46  # the binding eats part of the inner margin
    return PageGeometry(width, height, top=round(height * 0.085, 1), bottom=round(height * 0.095, 1),
                        inner=round(inner, 1), outer=round(outer, 1), font_size=size, bleed=bleed)
