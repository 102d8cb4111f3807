"""A running head's text and the width it may take in, the text cut at a word to fit one line (with an
ellipsis) out, measured with the shipped font the heads are set in."""
from __future__ import annotations

import functools
import re

from fontTools.ttLib import TTFont

from ..files.assets import font_files

HEAD_SIZE_PT = 8.5  # as pdf.css sets the running heads: Workbook Sans 400, 8.5 pt, letter-spacing 0.04em
HEAD_TRACKING_EM = 0.04
ELLIPSIS = "…"


@functools.cache
def _advances() -> tuple[dict[int, float], float]:
    """Advance widths (em) of the heads' font by code point, and the width of a character it lacks."""
    font = TTFont(font_files()["sans-400-normal"], lazy=True)
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[name][0] / per_em for code, name in font.getBestCmap().items()}
    return widths, 0.6


def text_width_mm(text: str, size_pt: float = HEAD_SIZE_PT, tracking_em: float = HEAD_TRACKING_EM) -> float:
    """How wide `text` is set on one line in the heads' font (no kerning), in mm."""
    widths, other = _advances()
    ems = sum(widths.get(ord(char), other) + tracking_em for char in text)
    return ems * size_pt * 25.4 / 72


def fit_head(text: str, width_mm: float) -> str:
    """`text` as it is, if it fits `width_mm` on one line; else its first words that fit, with an ellipsis."""
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()
    if text_width_mm(text) <= width_mm:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        shorter = " ".join(words).rstrip(",;:.–—\u00a0\u2060 ") + ELLIPSIS
        if text_width_mm(shorter) <= width_mm:
            return shorter
    cut = words[0]
    while cut and text_width_mm(cut + ELLIPSIS) > width_mm:
        cut = cut[:-1]
    return cut + ELLIPSIS
