"""A laid-out PDF (WeasyPrint Document) and the ids of the EPUB's documents in, page-break places out.

Each printed page gets the label its footer prints ("ii", "12"); its page-break marker goes
before the first block (an element with an id) that starts on that page, so "page 12" in the
EPUB lands where page 12 of the PDF begins, to the block.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_FOLIO = re.compile(r"^(\d+|[ivxlcdm]+|[IVXLCDM]+)$")


def _text(box) -> str:
    parts = []
    stack = [box]
    while stack:
        current = stack.pop()
        text = getattr(current, "text", None)
        if isinstance(text, str):
            parts.append(text)
        stack.extend(reversed(getattr(current, "children", []) or []))
    return "".join(parts).strip()


def page_labels(document) -> list[str | None]:
    """The page number each page prints in its margins (None for a page that prints none, e.g. the cover).

    Read from the laid-out margin boxes, so it is what the PDF shows whatever the CSS counters do;
    bottom margin boxes are preferred over top ones (running heads live at the top).
    """
    labels: list[str | None] = []
    for page in document.pages:
        boxes = [child for child in getattr(page._page_box, "children", [])
                 if getattr(child, "at_keyword", "").startswith("@")]
        boxes.sort(key=lambda box: (not box.at_keyword.startswith("@bottom"), box.at_keyword))
        label = None
        for box in boxes:
            text = _text(box)
            if _FOLIO.match(text):
                label = text
                break
        labels.append(label)
    return labels


def anchor_pages(document) -> dict[str, int]:
    """Anchor id -> index of the first page it is on."""
    pages: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            pages.setdefault(name, index)
    return pages


@dataclass
class PageBreak:
    """One printed page: its label and where its marker goes (document name, id of the block it precedes)."""

    label: str
    page_index: int
    document: str
    before: str | None  # None: at the end of the document


@dataclass
class PageMap:
    """Where the page-break markers go, in reading order."""

    breaks: list[PageBreak] = field(default_factory=list)

    def for_document(self, name: str) -> list[PageBreak]:
        return [b for b in self.breaks if b.document == name]


def map_pages(documents: Sequence[tuple[str, Iterable[str]]], anchors: dict[str, int],
              labels: Sequence[str | None]) -> PageMap:
    """Place every labelled page before the first block of the EPUB that starts on it.

    `documents` are the EPUB's content documents in reading order, each with its element ids in
    document order. Ids the PDF does not have, or that sit on an earlier page than a block before
    them (floated footnotes, for instance), are skipped. A page on which no block starts (a long
    paragraph running on, a blank left-hand page) shares the place of the next block.
    """
    sequence: list[tuple[str, str, int]] = []
    last_page = -1
    for name, ids in documents:
        for ident in ids:
            page = anchors.get(ident)
            if page is None or page < last_page:
                continue
            sequence.append((name, ident, page))
            last_page = page
    result = PageMap()
    if not sequence:
        return result
    position = 0
    first_page = sequence[0][2]
    seen: set[str] = set()
    for index, label in enumerate(labels):
        if label is None or index < first_page or label in seen:
            continue
        seen.add(label)
        while position < len(sequence) and sequence[position][2] < index:
            position += 1
        if position < len(sequence):
            name, ident, _page = sequence[position]
            result.breaks.append(PageBreak(label, index, name, ident))
        else:
            result.breaks.append(PageBreak(label, index, sequence[-1][0], None))
    return result


def marker_id(label: str) -> str:
    """The id of a page's marker: page-12, page-iii."""
    return f"page-{label}"
