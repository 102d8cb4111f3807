"""A laid-out WeasyPrint Document in, warnings out for tables and lines wider than the page's text area, at
the chapter `file:line` where their text is written."""
from __future__ import annotations

import weasyprint
from weasyprint.formatting_structure import boxes

from ..errors import Diagnostic
from ..model.manuscript import Chapter, Manuscript
from ..source.overflow import shorten

TOLERANCE_PX = 2.0  # rounding and hanging punctuation
MAX_WARNINGS = 20  # per document
_PX_MM = 25.4 / 96


def _text(box, limit: int = 60) -> str:
    """The first `limit` characters of text inside `box`."""
    parts: list[str] = []
    for child in box.descendants() if hasattr(box, "descendants") else ():
        if isinstance(child, boxes.TextBox):
            parts.append(child.text.replace("\u200b", ""))
            if sum(map(len, parts)) >= limit:
                break
    return " ".join(" ".join(parts).split())[:limit]


def _source_line(chapters: list[Chapter], needles: list[str], table: bool = False) -> tuple[str, int | None]:
    """The file and line where the first of `needles` is written (table rows start with `|`)."""
    for chapter in chapters:
        try:
            lines = chapter.source.read_text(encoding="utf-8-sig", errors="replace").splitlines()
        except OSError:
            continue
        for needle in (n for n in needles if len(n) >= 2):
            for number, line in enumerate(lines, start=1):
                if needle in line and (not table or "|" in line or "<t" in line):
                    return chapter.rel_source, number
    return (chapters[0].rel_source if chapters else "pdf"), None


def overflow_warnings(manuscript: Manuscript, document: weasyprint.Document) -> list[Diagnostic]:
    """Tables wider than the page's text area and lines that run past it (their ends are cut off)."""
    found: list[Diagnostic] = []
    current: Chapter | None = None
    for page in document.pages:
        current = page_chapter(manuscript, page, current)
        found += page_overflows(manuscript, page, current, MAX_WARNINGS - len(found))
        if len(found) >= MAX_WARNINGS:
            break
    return list(dict.fromkeys(found))


def page_chapter(manuscript: Manuscript, page, current: Chapter | None) -> Chapter | None:
    """The chapter a page belongs to: the one that starts on it, else `current` (the previous page's)."""
    by_anchor = {chapter.anchor: chapter for chapter in manuscript.chapters}
    starting = [by_anchor[name] for name in page.anchors if name in by_anchor]
    return starting[0] if starting else current


def page_overflows(manuscript: Manuscript, page, current: Chapter | None, limit: int = MAX_WARNINGS) -> list[Diagnostic]:
    """Tables and lines of one laid-out page wider than its text area (at most `limit`), at the line of
    `current`'s file (or another chapter's) where their text is written."""
    found: list[Diagnostic] = []
    page_box = page._page_box
    left = page_box.content_box_x() - TOLERANCE_PX
    right = page_box.content_box_x() + page_box.width + TOLERANCE_PX
    width_mm = page_box.width * _PX_MM
    order = ([current] if current else []) + [c for c in manuscript.chapters if c is not current]
    stack = [child for child in page_box.children if not isinstance(child, boxes.MarginBox)]
    while stack and len(found) < limit:
        box = stack.pop()
        if isinstance(box, boxes.TableBox):
            start, end = box.position_x, box.position_x + box.margin_width()
            if start < left or end > right:
                cells = [_text(cell, 30) for row_group in box.children for row in row_group.children
                         for cell in row.children][:3]
                file, line = _source_line(order, cells, table=True)
                columns = len(box.column_widths or [])
                found.append(Diagnostic(file, line, f"a table of {columns} columns is {(end - start) * _PX_MM:.0f} mm "
                                        f"wide, the page's text {width_mm:.0f} mm: its edge is cut off; split it, "
                                        "drop columns or make it a list", "warning"))
            continue
        if isinstance(box, boxes.LineBox):
            for child in box.descendants():
                if isinstance(child, boxes.TextBox) and (child.position_x < left
                                                         or child.position_x + child.width > right):
                    text = child.text.replace("\u200b", "").strip()
                    file, line = _source_line(order, [text[:30], text[:12]])
                    end = max(text_box.position_x + text_box.width for text_box in box.descendants()
                              if isinstance(text_box, boxes.TextBox))  # the line's end, past its other pieces
                    past = (end - right) * _PX_MM
                    found.append(Diagnostic(file, line, f"a line runs {past:.0f} mm "
                                            f"past the page's text at {shorten(text)!r}: its end is cut off; add "
                                            "spaces or break the text", "warning"))
                    break
            continue
        stack.extend(reversed(getattr(box, "children", ())))
    return found
