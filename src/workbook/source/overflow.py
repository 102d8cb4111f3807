"""A chapter's text in, a warning out for words too long to fit a line (found before any layout; what a
laid-out page shows wider than its text area is layout/overflow.py's)."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import Diagnostic
from ..model.manuscript import Chapter
from .typography import LONG_RUN, LONG_WORD


def shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_HIDDEN = re.compile(r"\]\([^)\n]*\)|<[^>\n]*>|\bdata:[^\s)\"']+")


def long_word_warnings(chapter: Chapter) -> list[Diagnostic]:
    """Words of more than LONG_WORD characters in a chapter's text (not in link targets or tags): they are
    broken every few characters to fit the page (typography.py); one warning per chapter."""
    try:
        text = Path(chapter.source).read_text(encoding="utf-8-sig", errors="replace").replace("\r\n", "\n")
    except OSError:
        return []
    shown = _HIDDEN.sub(lambda m: "\n" * m.group().count("\n"), text)
    runs = list(LONG_RUN.finditer(shown))
    if not runs:
        return []
    first = runs[0]
    line = shown[: first.start()].count("\n") + 1
    more = f" (and {len(runs) - 1} more)" if len(runs) > 1 else ""
    return [Diagnostic(chapter.rel_source, line, f"a word of {len(first.group())} characters without a space or hyphen "
                                                 f"({shorten(first.group())!r}){more}: it is broken every few characters to "
                                                 f"fit the page; words of more than {LONG_WORD} characters are not words — "
                                                 "add spaces", "warning")]
