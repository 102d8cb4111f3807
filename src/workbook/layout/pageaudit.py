"""A laid-out WeasyPrint Document (the whole book, or one part of it) in, the page audit's findings out:
`PageFinding`s with the page (within the document), the chapter `file:line` and the message.

The rules are the book designer's (README, "The page audit"); what they read of the pages comes from
pagescan.py, and lines into the margin from overflow.py. A message may say "{next}" for the number of the
page after the finding's (the document's pages are numbered in the book only once the parts are joined).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import weasyprint

from ..model.manuscript import Chapter, Manuscript
from .overflow import page_chapter, page_overflows
from .pagescan import Block, Page, Scan, classes, scan_document
from .sourcelines import SourceLines

PX_MM = 25.4 / 96
HEAD_CLEARANCE_MM = 8.0  # a running head's text at least this far inside the top trim
EMPTY_FOOT = 0.25  # a page foot more than this share of the text area empty
LADDER = 2  # hyphenated lines in a row that are allowed
EARLY_BREAK = 0.5  # a justified line (not a paragraph's last) filling less than this share broke early
SHORT_WORD = 8  # a heading's or pull quote's last line of one word this short (or shorter) is a runt
_FORCED = {"page", "left", "right", "recto", "verso"}
_HYPHENS = ("-", "\u2010", "\u00ad")
_ONE_WORD = re.compile(r"\s*[^\s\u00a0\u202f]+\s*")
_UNSPLIT = {"pre", "td", "th"}  # lines a reader does not read as a paragraph's


@dataclass(frozen=True)
class PageFinding:
    """One finding: the page (index in its document), where in the book's files, and what."""

    page: int
    file: str
    line: int | None
    message: str

    def encode(self) -> list:
        return [self.page, self.file, self.line, self.message]

    @classmethod
    def decode(cls, item: list) -> PageFinding:
        page, file, line, message = item
        return cls(int(page), str(file), None if line is None else int(line), str(message))


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class _Auditor:
    def __init__(self, manuscript: Manuscript, scan: Scan):
        self.manuscript, self.scan, self.lines = manuscript, scan, SourceLines()
        self.found: list[PageFinding] = []
        self.prompt_of = {p.id: (c, p) for c in manuscript.chapters for p in c.prompts}
        self.block_of = {id(block.element): block for block in scan.blocks}

    def add(self, page: int, chapter: Chapter | None, line: int | None, message: str) -> None:
        file = chapter.rel_source if chapter is not None else "book.yaml"
        self.found.append(PageFinding(page, file, line, message))

    def block_line(self, chapter: Chapter | None, box: Any) -> int | None:
        """The source line of a top-level block box (a prompt by its id, a chapter title by its front matter)."""
        if chapter is None:
            return None
        element = box.element
        ident = element.get("id") if element is not None else None
        if ident in self.prompt_of:
            return self.prompt_of[ident][1].line
        if "chapter-title" in classes(box):
            return self.lines.title_line(chapter)
        text = " ".join("".join(element.itertext()).split()) if element is not None else ""
        return self.lines.text_line(chapter, text, "#" if _heading(box) is not None else "")

    def text_line(self, block: Block) -> int | None:
        if block.chapter is None:
            return None
        if "chapter-title" in (block.element.get("class") or "").split():
            return self.lines.title_line(block.chapter)
        return self.lines.text_line(block.chapter, block.text, {"heading": "#", "quote": ">"}.get(block.kind, ""))

    # -- the rules ---------------------------------------------------------------------------------------

    def prompts(self) -> None:
        """A prompt's question on one page and (some of) its writing lines on the next."""
        for ident, pieces in self.scan.prompts.items():
            if len(pieces) < 2 or ident not in self.prompt_of:
                continue
            chapter, prompt = self.prompt_of[ident]
            first = min(pieces)
            question, here = pieces[first]
            total = sum(count for _q, count in pieces.values())
            if here == 0:
                message = (f"prompt {ident} is split from its writing lines: the question is on this page, "
                           f"its {total} lines on page {{next}}")
            else:
                message = (f"prompt {ident} is split: {here} of its {total} writing lines are on this page, "
                           f"{total - here} on page {{next}}")
            self.add(first, chapter, prompt.line, message)

    def kept_with_next(self, page: Page, after: Page | None) -> None:
        """A heading or a lead-in ending in ":" in the last lines of a page, an example before its prompt."""
        if not page.blocks or after is None or after.section is not page.section or not after.blocks:
            return
        last, following = page.blocks[-1], after.blocks[0]
        block = self.block_of.get(id(last.element))
        heading = _heading(last)
        if heading is not None and (heading is not last or following.element is not last.element):
            self.add(page.index, page.chapter, self.block_line(page.chapter, heading),
                     f"the heading {_quoted(heading)} ends the page; what it introduces starts on page {{next}}")
        elif (len(page.blocks) > 1 and _heading(page.blocks[-2]) is not None and following.element is last.element
              and block is not None and sum(1 for line in block.lines if line.page == page.index) == 1):
            heading = _heading(page.blocks[-2])
            self.add(page.index, page.chapter, self.block_line(page.chapter, heading),
                     f"the heading {_quoted(heading)} has 1 line of its text under it at the foot of the page; "
                     "the rest is on page {next}")
        elif (last.element_tag == "p" and following.element is not last.element
              and _text(last).rstrip(" \u00a0\u201d\u2019\"'").endswith(":")):
            self.add(page.index, page.chapter, self.block_line(page.chapter, last),
                     f"the lead-in {_quoted(last)} ends the page; what it introduces starts on page {{next}}")
        elif "keep-with-caption" in classes(last) and "caption" in classes(following):
            self.add(page.index, page.chapter, self.block_line(page.chapter, following),
                     f"a picture ends the page; its caption {_quoted(following)} is on page {{next}}")
        elif "example" in classes(last) and "prompt" in classes(following):
            ident = following.element.get("id")
            self.add(page.index, page.chapter, self.block_line(page.chapter, last),
                     f"an example ends the page; the prompt it leads to ({ident}) starts on page {{next}}")

    def widows_orphans(self) -> None:
        """A paragraph that leaves one line at the foot of a page (orphan) or at the head of the next (widow)."""
        for block in self.scan.blocks:
            if block.tag in _UNSPLIT or block.kind == "prompt":
                continue
            pages = [line.page for line in block.lines]
            if pages[0] == pages[-1]:
                continue
            what = {"p": "paragraph", "li": "list item", "dd": "definition"}.get(block.tag, block.kind)
            if pages.count(pages[0]) == 1:
                self.add(pages[0], block.chapter, self.text_line(block),
                         f"a {what} leaves its first line alone at the foot of the page (an orphan); "
                         "the rest is on page {next}")
            if pages.count(pages[-1]) == 1:
                self.add(pages[-1], block.chapter, self.text_line(block),
                         f"the last line of a {what} stands alone at the head of the page (a widow)")

    def ladders(self) -> None:
        """More than LADDER hyphenated lines in a row."""
        for block in self.scan.blocks:
            run: list = []
            for line in [*block.lines, None]:
                if line is not None and line.text.endswith(_HYPHENS) and line is not block.lines[-1]:
                    run.append(line)
                    continue
                if len(run) > LADDER:
                    self.add(run[0].page, block.chapter, self.text_line(block),
                             f"{len(run)} hyphenated lines in a row (at most {LADDER}), from the line "
                             f"{_short(run[0].text, 40)!r}")
                run = []

    def runts(self) -> None:
        """A last line of one short word (a heading, pull quote, prompt question, paragraph, list item), or a
        paragraph's last line that is only the end of a word hyphenated on the line before."""
        for block in self.scan.blocks:
            if block.tag in _UNSPLIT or len(block.lines) < 2:
                continue
            last, before = block.lines[-1].text, block.lines[-2].text
            what = _block_kind(block)
            if _ONE_WORD.fullmatch(last) and before.rstrip().endswith(_HYPHENS) and not before.rstrip().endswith(" -"):
                self.add(block.lines[-1].page, block.chapter, self.text_line(block),
                         f"the last line of the {what} {_short(block.text)!r} is only the end of a hyphenated "
                         f"word, {last.strip()!r}")
                continue
            word = re.sub(r"[^\w]", "", last)
            broken = block.kind == "text" and block.element.find(".//br") is not None  # lines the author broke
            if _ONE_WORD.fullmatch(last) and len(word) <= SHORT_WORD and not broken:
                self.add(block.lines[-1].page, block.chapter, self.text_line(block),
                         f"the {what} {_short(block.text)!r} ends on one short word, {last.strip()!r}, on a line "
                         "of its own")

    def early_breaks(self) -> None:
        """A justified paragraph's line (not its last) less than half full: broken before the text that would
        have fitted (a line-breaking fault), not by the author (a hard line break)."""
        for block in self.scan.blocks:
            if block.kind != "text" or block.tag in _UNSPLIT or len(block.lines) < 2:
                continue
            if block.element.find(".//br") is not None:
                continue
            for line in block.lines[:-1]:
                style = getattr(line.box, "style", None)
                if style is None or style["text_align_all"] != "justify" or line.room <= 0:
                    continue
                if line.box.width < EARLY_BREAK * line.room:
                    self.add(line.page, block.chapter, self.text_line(block),
                             f"a line of the {_block_kind(block)} {_short(block.text)!r} ends early, after "
                             f"{_short(line.text, 30)!r} ({100 * line.box.width / line.room:.0f} % of the line); "
                             "what follows would have fitted")
                    break

    def foot(self, page: Page, after: Page | None) -> None:
        """A page of a chapter whose foot is more than a quarter empty, where the chapter goes on overleaf."""
        if (page.section is None or page.fill or after is None or after.section is not page.section
                or not page.blocks or not after.blocks):
            return
        last, following = page.blocks[-1], after.blocks[0]
        if following.element is last.element:
            return  # a block that runs on: nothing moved over
        if (last.style["break_after"] in _FORCED or following.style["break_before"] in _FORCED):
            return
        height = page.foot - page.top
        empty = page.foot - page.bottom
        if height <= 0 or empty <= EMPTY_FOOT * height:
            return
        self.add(page.index, page.chapter, self.block_line(page.chapter, following),
                 f"the foot of the page is {100 * empty / height:.0f} % empty ({empty * PX_MM:.0f} mm): "
                 f"{_what(following)} did not fit and starts page {{next}}")

    def heads(self) -> None:
        """Running heads on two lines, or within HEAD_CLEARANCE_MM of the top trim (once per head, with a count)."""
        seen: dict[tuple[str, str], list] = {}
        for page in self.scan.pages:
            for text, lines, top in page.heads:
                if lines > 1:
                    seen.setdefault((text, f"runs to {lines} lines"), []).append(page)
                if top * PX_MM < HEAD_CLEARANCE_MM:
                    seen.setdefault((text, f"is {top * PX_MM:.1f} mm from the top trim (at least "
                                           f"{HEAD_CLEARANCE_MM:.0f} mm)"), []).append(page)
        for (text, problem), pages in seen.items():
            chapter, line = self.head_source(text, pages[0])
            more = f" (on {len(pages)} pages)" if len(pages) > 1 else ""
            self.add(pages[0].index, chapter, line, f"the running head {_short(text)!r} {problem}{more}")

    def head_source(self, text: str, page: Page) -> tuple[Chapter | None, int | None]:
        words = _words(text)
        if words == _words(self.manuscript.config.settings.title):
            return None, self.lines.key_line(self.manuscript.config.root / "book.yaml", "title")
        for chapter in [page.chapter, *self.manuscript.chapters]:
            if chapter is not None and _words(chapter.title) == words:
                return chapter, self.lines.title_line(chapter)
        return page.chapter, None

    def glyphs(self) -> None:
        """Characters drawn as .notdef, once each, on the first page they are on."""
        seen: set[str] = set()
        for page in self.scan.pages:
            for char in page.notdef:
                if char in seen:
                    continue
                seen.add(char)
                chapters = [c for c in [page.chapter, *self.manuscript.chapters] if c is not None]
                place = next(((c, line) for c in chapters if (line := self.lines.char_line(c, char))), (None, None))
                self.add(page.index, place[0], place[1], f"{char!r} (U+{ord(char):04X}) has no glyph in the book's "
                                                          "fonts: it prints as an empty box (.notdef)")

    def overflows(self, document: weasyprint.Document) -> None:
        current = None
        for index, page in enumerate(document.pages):
            current = page_chapter(self.manuscript, page, current)
            for item in page_overflows(self.manuscript, page, current):
                self.found.append(PageFinding(index, item.file, item.line, item.message))


def audit_document(manuscript: Manuscript, document: weasyprint.Document) -> list[PageFinding]:
    """Every rule over the document's pages, findings in page order."""
    scan = scan_document(manuscript, document)
    auditor = _Auditor(manuscript, scan)
    auditor.prompts()
    for page, after in zip(scan.pages, [*scan.pages[1:], None], strict=True):
        auditor.kept_with_next(page, after)
        auditor.foot(page, after)
    auditor.widows_orphans()
    auditor.ladders()
    auditor.runts()
    auditor.early_breaks()
    auditor.heads()
    auditor.glyphs()
    auditor.overflows(document)
    return sorted(dict.fromkeys(auditor.found), key=lambda f: f.page)


def _block_kind(block: Block) -> str:
    if block.kind == "heading":
        return "heading"
    if block.kind == "quote":
        return "pull quote"
    if block.kind == "prompt":
        return "prompt question"
    return {"li": "list item", "dd": "definition"}.get(block.tag, "paragraph")


def _heading(box: Any) -> Any | None:
    """The heading a block box ends with: itself (h1–h6, a term), or a definition list's last term on the page."""
    if box.element_tag in ("h1", "h2", "h3", "h4", "h5", "h6", "dt"):
        return box
    if box.element_tag == "dl" and box.children and box.children[-1].element_tag == "dt":
        return box.children[-1]
    return None


def _text(box: Any) -> str:
    element = box.element
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _quoted(box: Any) -> str:
    return repr(_short(_text(box)))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _what(box: Any) -> str:
    """What a top-level block is, for a message."""
    names, tag = classes(box), box.element_tag
    if "prompt" in names:
        return f"prompt {box.element.get('id')}"
    if tag.startswith("h") and tag[1:].isdigit():
        return f"the heading {_quoted(box)}"
    for name, what in (("example", "an example"), ("callout", "a callout"), ("cta", "the call to action"),
                       ("pull-quote", "a pull quote"), ("further-reading", "the further reading list"),
                       ("footnote", "the footnotes")):
        if name in names:
            return what
    return {"table": "a table", "ul": "a list", "ol": "a list", "dl": "a list", "blockquote": "a quote",
            "figure": "a picture", "pre": "a code block"}.get(tag, "a paragraph")
