"""A book folder (or a loaded Manuscript) in, every problem found without rendering out (`file:line` diagnostics).

`workbook check` and `workbook build` both call this: config and chapter problems come from
loading the book; on top of that it looks for missing or unsafe images, images without alt text,
prompts that are not questions, duplicate ids and internal links that lead nowhere.
"""
from __future__ import annotations

import os
import re
import urllib.parse
import xml.etree.ElementTree as etree
from collections.abc import Iterable
from pathlib import Path

from ..errors import Diagnostic, Report, WorkbookError
from ..model.manuscript import Chapter, Manuscript
from ..model.placeholders import placeholders
from .glyphs import missing_glyph_warnings
from .load import load_book
from .overflow import long_word_warnings

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Question marks of the scripts books are written in: Latin, Spanish, full-width (CJK), Arabic, Greek
# (U+037E), Armenian, Ethiopic, reversed and the interrobang.
QUESTION_MARKS = ("?", "¿", "？", "؟", "\u037e", "՞", "፧", "⸮", "‽", "⁇", "⁈", "⁉")


class CheckReport(Report):
    """What `check` found: a Report of all diagnostics in source order, and the manuscript if it could be loaded."""

    def __init__(self, diagnostics: Iterable[Diagnostic] = (), manuscript: Manuscript | None = None) -> None:
        super().__init__(diagnostics)
        self.manuscript = manuscript

    def summary(self, ok: str | None = None) -> str:
        """Report.summary; when nothing was found: 'ok: 3 chapters, 12 prompts, no problems found'."""
        if ok is None and self.manuscript is not None:
            chapters = len(self.manuscript.chapters)
            prompts = len(self.manuscript.prompts)
            ok = f"ok: {chapters} chapter{'s' * (chapters != 1)}, {prompts} prompt{'s' * (prompts != 1)}, no problems found"
        return super().summary(ok or "ok")


def check_book(book_dir: str | Path) -> CheckReport:
    """Load the book in `book_dir` and check it; never raises for problems in the book."""
    try:
        manuscript = load_book(book_dir, tolerant=True)
    except WorkbookError as exc:
        return CheckReport(_ordered(exc.diagnostics))
    found = manuscript.errors + manuscript.warnings + check_manuscript(manuscript)
    return CheckReport(_ordered(found), manuscript)


def check_manuscript(manuscript: Manuscript) -> list[Diagnostic]:
    """The checks that need the converted chapters (the loader has already checked config and syntax)."""
    found: list[Diagnostic] = []
    by_file = {chapter.source.resolve(): chapter for chapter in manuscript.chapters}
    ids_of = {chapter.slug: _ids(chapter) for chapter in manuscript.chapters}
    for chapter in manuscript.chapters:
        found.extend(_check_chapter(manuscript, chapter, by_file, ids_of))
        found.extend(long_word_warnings(chapter))
    found.extend(missing_glyph_warnings(manuscript))
    s, lines = manuscript.config.settings, manuscript.config.lines
    found.extend(Diagnostic("book.yaml", lines.get((key,)), message, "warning")
                 for key, message in placeholders(s.title, s.author, s.description))
    return found


def _ordered(items: list[Diagnostic]) -> list[Diagnostic]:
    """Errors and warnings by file (book.yaml first), then line."""
    return sorted(dict.fromkeys(items), key=lambda d: (d.file != "book.yaml", d.file, d.line or 0))


def _fragment(chapter: Chapter) -> etree.Element:
    try:
        return etree.fromstring(f"<div>{chapter.html}</div>")
    except etree.ParseError:  # the loader has reported this already
        return etree.Element("div")


def _ids(chapter: Chapter) -> list[str]:
    ids = [chapter.anchor]
    ids.extend(ident for el in _fragment(chapter).iter() if (ident := el.get("id")))
    return ids


class _Source:
    """A chapter's text, to find the line an image or link was written on."""

    def __init__(self, chapter: Chapter):
        try:
            self.text = chapter.source.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        except (OSError, UnicodeDecodeError):
            self.text = ""
        self.used: dict[str, int] = {}

    def line(self, *needles: str) -> int | None:
        """The line of the next unseen occurrence of the first needle found (repeats move on)."""
        for needle in needles:
            if not needle:
                continue
            start = self.used.get(needle, 0)
            at = self.text.find(needle, start)
            if at < 0 and start:
                at = self.text.find(needle)
            if at >= 0:
                self.used[needle] = at + len(needle)
                return self.text[:at].count("\n") + 1
        return None


def _check_chapter(manuscript: Manuscript, chapter: Chapter, by_file: dict[Path, Chapter],
                   ids_of: dict[str, list[str]]) -> list[Diagnostic]:
    rel = chapter.rel_source
    source = _Source(chapter)
    found: list[Diagnostic] = []

    def problem(line: int | None, message: str, severity: str = "error") -> None:
        found.append(Diagnostic(rel, line, message, severity))

    for prompt in chapter.prompts:
        if not any(mark in prompt.text for mark in QUESTION_MARKS):
            problem(prompt.line, f"prompt {prompt.id} is not a question (no '?'): {_short(prompt.text)!r}; "
                                 "end it with a question mark, or drop the 💡 to make it a normal paragraph", "warning")

    own_ids = ids_of[chapter.slug]
    for ident in sorted({i for i in own_ids if own_ids.count(i) > 1}):
        shown = ident.removeprefix(f"{chapter.slug}--")
        source.line("{#" + shown, "#" + shown, shown)  # the first use is fine: point at the second
        problem(source.line("{#" + shown, "#" + shown, shown), f"id {shown!r} is used more than once in this chapter; "
                                                  "give each heading or {#id} a different name")

    # Images (missing, outside the book, no alt text) are checked when the chapter is read
    # (resources.check_images), since the EPUB needs that list anyway.
    fragment = _fragment(chapter)
    for link in fragment.iter("a"):
        href = link.get("href") or ""
        if not href or _SCHEME.match(href) or link.get("class") == "footnote-backref":
            continue
        if href.startswith("#"):
            target = href[1:]
            if target in own_ids or any(target in ids for ids in ids_of.values()):
                continue  # in this chapter, or a link to another chapter's file resolved by the manuscript
            shown = target.removeprefix(f"{chapter.slug}--")
            line = source.line(f"(#{shown})", f"#{shown}")
            owner = next((c for c in manuscript.chapters if c is not chapter
                          and shown in {i.split("--", 1)[-1] for i in ids_of[c.slug]}), None)
            if owner is not None:
                relative = Path(_relative(owner.source, chapter.source.parent)).as_posix()
                problem(line, f"link #{shown} is in another chapter; link to its file: [text]({relative}#{shown})",
                        "warning")
            else:
                problem(line, f"link #{shown} leads nowhere: no heading, prompt or {{#id}} in this chapter is called "
                              f"{shown!r} (it becomes plain text in the EPUB)", "warning")
            continue
        found.extend(_check_file_link(manuscript, chapter, href, source, by_file, ids_of))
    return found


def _relative(path: Path, start: Path) -> str:
    return os.path.relpath(path, start)


def _check_file_link(manuscript: Manuscript, chapter: Chapter, href: str, source: _Source,
                     by_file: dict[Path, Chapter], ids_of: dict[str, list[str]]) -> list[Diagnostic]:
    """A relative link: to another chapter (`02-next.md#section`) or to a file in the book."""
    root = manuscript.config.root.resolve()
    rel = chapter.rel_source
    path_part, _, anchor = href.partition("#")
    path_part = urllib.parse.unquote(path_part.split("?")[0])
    if not path_part.endswith(".md"):
        return []  # other relative links were reported when the chapter was read (resources.check_links)
    line = source.line(f"({href}", href, path_part)
    target = (chapter.source.parent / path_part).resolve()
    if not target.is_relative_to(root):
        return [Diagnostic(rel, line, f"link {href} leaves the book folder; readers of the PDF and EPUB cannot follow it")]
    if target in by_file:
        other = by_file[target]
        if anchor and anchor not in ids_of[other.slug] and f"{other.slug}--{anchor}" not in ids_of[other.slug]:
            return [Diagnostic(rel, line, f"link {href}: {other.rel_source} has no heading, prompt or {{#id}} called {anchor!r}")]
        return []
    if path_part.endswith(".md"):
        return [Diagnostic(rel, line, f"link {href}: {path_part} is not a chapter of this book (see book.yaml's chapters)")]
    if not target.exists():
        return [Diagnostic(rel, line, f"link {href}: file not found")]
    return [Diagnostic(rel, line, f"link {href} points at a file in the book folder; readers of the PDF and EPUB "
                                  "will not have it — link to a web address instead", "warning")]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
