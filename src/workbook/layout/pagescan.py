"""A laid-out WeasyPrint Document in, what the page audit reads of each page out: the chapter section it
shows, its top-level blocks, its lines (each with the block it belongs to), the prompts' pieces, its
running heads, how far down its content reaches, and the characters its fonts drew as .notdef.

One walk over each page's boxes; the rules (pageaudit.py) compare what the walk found page by page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder

from ..files.assets import font_files
from ..files.scripts import cmap_of
from ..model.manuscript import Chapter, Manuscript
from .fill import page_foot

_UNKNOWN = 0x10000000  # Pango's PANGO_GLYPH_UNKNOWN_FLAG: no font has the character (the .notdef box is drawn)
_EMPTY = 0x0FFFFFFF  # PANGO_GLYPH_EMPTY: a zero-width glyph, nothing drawn
_SECTIONS = ("chapter", "how-to-use")


@dataclass
class Line:
    """One line box: the page it is on, its text, and what it belongs to."""

    page: int
    text: str
    box: Any
    room: float = 0.0  # the width its block gives the line (CSS px)


@dataclass
class Block:
    """A block whose lines the rules follow over pages: a paragraph, list item, heading, quote line."""

    element: Any
    tag: str
    kind: str  # "heading", "quote" (a pull quote's paragraph), "prompt" (a prompt's question) or "text"
    chapter: Chapter | None
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self.element.itertext()).split())


@dataclass
class Page:
    """What one page shows, as far as the rules need it."""

    index: int
    section: Any = None  # the element of the chapter (or how-to-use) section on the page
    chapter: Chapter | None = None
    blocks: list[Any] = field(default_factory=list)  # the section's top-level block boxes on the page
    top: float = 0.0  # the content area's top and foot (above the footnotes), CSS px
    foot: float = 0.0
    bottom: float = 0.0  # how far down the page's content reaches
    fill: bool = False  # a block that fills its page (a {fill=page} prompt, a notes page)
    heads: list[tuple[str, int, float]] = field(default_factory=list)  # running heads: text, lines, top (px)
    notdef: list[str] = field(default_factory=list)  # characters drawn as .notdef


@dataclass
class Scan:
    """The pages of one document, the blocks whose lines were seen, and each prompt's pieces by page."""

    pages: list[Page]
    blocks: list[Block]
    prompts: dict[str, dict[int, tuple[bool, int]]]  # prompt id -> page -> (its question there, writing lines there)


def classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None and hasattr(element, "get") else []


_CACHE: dict[str, frozenset[str]] = {}  # this process's set of characters every shipped font has


def _drawn() -> frozenset[str]:
    """Characters every shipped font has (and white space): text made only of these needs no look at its glyphs."""
    if "safe" not in _CACHE:
        codes = frozenset.intersection(*[cmap_of(str(path)) for path in font_files().values()])
        _CACHE["safe"] = frozenset(map(chr, codes)) | frozenset(" \t\n\u00a0\u200b\u00ad")
    return _CACHE["safe"]


def notdef_chars(box: Any) -> list[str]:
    """The characters of a text box that its glyph string draws as .notdef (glyph 0, or Pango's unknown glyph).

    WeasyPrint keeps a text box's Pango layout but frees its lines after the layout; it is shaped again here
    (as drawing the PDF does) only for text with a character outside every shipped font's.
    """
    if _drawn().issuperset(box.text):
        return []
    layout = box.pango_layout
    layout.reactivate(box.style)
    found: list[str] = []
    try:
        encoded = layout.text.encode()
        line, _index = layout.get_first_line()
        run = line.runs
        while run:
            item = run.data
            glyphs = item.glyphs
            for number in range(glyphs.num_glyphs):
                glyph = glyphs.glyphs[number].glyph
                if glyph == _EMPTY:
                    continue
                if glyph & _UNKNOWN:
                    found.append(chr(glyph - _UNKNOWN))
                elif glyph == 0:
                    at = item.item.offset + glyphs.log_clusters[number]
                    found.append(encoded[at:].decode(errors="ignore")[:1])
            run = run.next
    finally:
        layout.deactivate()
    return [char for char in found if char]


def _bottom(box: Any) -> float | None:
    """How far down a box shows something: a line, a picture, a block's border box (a paragraph, a writing
    line, a tinted prompt). The document's own containers (html, body, the sections) do not count."""
    if isinstance(box, boxes.LineBox):
        return box.position_y + box.height
    if isinstance(box, boxes.ReplacedBox) or (isinstance(box, boxes.BlockBox)
                                              and box.element_tag not in ("html", "body", "section")):
        return box.border_box_y() + box.border_height()
    return None


def scan_document(manuscript: Manuscript, document: weasyprint.Document) -> Scan:
    """Walk every page's boxes once."""
    sections: dict[str, Chapter] = {chapter.anchor: chapter for chapter in manuscript.chapters}
    if manuscript.how_to_use is not None:
        sections[manuscript.how_to_use.anchor] = manuscript.how_to_use
    blocks: dict[int, Block] = {}
    prompts: dict[str, dict[int, tuple[bool, int]]] = {}
    pages = []
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        found = Page(index, top=page_box.content_box_y(), foot=page_foot(page_box))
        found.bottom = found.top
        for child in page_box.children:
            if isinstance(child, boxes.MarginBox):
                _head(found, child)
            elif type(child).__name__ != "FootnoteAreaBox":
                _walk(found, child, sections, blocks, prompts)
        pages.append(found)
    return Scan(pages, list(blocks.values()), prompts)


def _head(page: Page, box: Any) -> None:
    """A running head (a top margin box with text): its text, its lines, the top of its text."""
    if not box.at_keyword.startswith("@top"):
        return
    texts = [child for child in box.descendants() if isinstance(child, boxes.TextBox) and child.text.strip()]
    if texts:
        lines = sum(1 for child in box.children if isinstance(child, boxes.LineBox))
        text = " ".join(" ".join(t.text for t in texts).split())
        page.heads.append((text, lines, min(t.position_y for t in texts)))
    for child in texts:
        page.notdef += notdef_chars(child)


def _walk(page: Page, root: Any, sections: dict[str, Chapter], blocks: dict[int, Block],
          prompts: dict[str, dict[int, tuple[bool, int]]]) -> None:
    """Everything on the page under `root` (the html box), in document order."""
    stack: list[tuple[Any, str | None, str, float]] = [(root, None, "text", 0.0)]
    while stack:
        box, prompt, kind, room = stack.pop()
        if isinstance(box, AbsolutePlaceholder):  # list markers, the parts' invisible link stand-ins
            continue
        names = classes(box)
        element = getattr(box, "element", None)
        if isinstance(box, boxes.BlockBox) and box.element_tag == "section":
            anchor = element.get("id") if element is not None else None
            if any(name in _SECTIONS for name in names) and anchor in sections:
                page.section, page.chapter = element, sections[anchor]
                page.blocks = [child for child in box.children if isinstance(child, boxes.BlockLevelBox)
                               and not isinstance(child, AbsolutePlaceholder)]
            if "notes-page" in names:
                page.fill = True
        if "prompt" in names and element is not None:
            prompt = element.get("id")
            pieces = prompts.setdefault(prompt, {})
            pieces.setdefault(page.index, (False, 0))
        if "prompt-fill" in names:
            page.fill = True
        if prompt is not None and ("prompt-question" in names or "line" in names):
            question, count = prompts[prompt][page.index]
            prompts[prompt][page.index] = (question or "prompt-question" in names, count + ("line" in names))
        if "pull-quote" in names:
            kind = "quote"
        bottom = _bottom(box) if box is not root else None
        if bottom is not None:
            page.bottom = max(page.bottom, bottom)
        if isinstance(box, boxes.LineBox):
            _line(page, box, prompt, kind, blocks, room)
            continue
        if isinstance(box, boxes.BlockContainerBox) and box.width is not None:
            room = box.width
        stack.extend((child, prompt, kind, room) for child in reversed(getattr(box, "children", ())))


def _line(page: Page, box: Any, prompt: str | None, kind: str, blocks: dict[int, Block], room: float) -> None:
    texts = [child for child in box.descendants() if isinstance(child, boxes.TextBox)]
    for child in texts:
        page.notdef += notdef_chars(child)
    element = box.element
    if element is None:
        return
    block = blocks.get(id(element))
    if block is None:
        tag = box.element_tag
        if prompt is not None:
            kind = "prompt"
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") or (tag == "dt"):
            kind = "heading"
        elif kind != "quote":
            kind = "text"
        block = blocks[id(element)] = Block(element, tag, kind, page.chapter)
    # An inline block on the line (a title's halves, title_lines) draws lines of its own: those are what a
    # reader sees, so those are the block's lines.
    rows = [line for child in box.children if isinstance(child, boxes.InlineBlockBox)
            for line in child.descendants() if isinstance(line, boxes.LineBox)] or [box]
    for row in rows:
        text = "".join(child.text for child in row.descendants() if isinstance(child, boxes.TextBox))
        block.lines.append(Line(page.index, text.strip(), row, room if row is box else row.width))
