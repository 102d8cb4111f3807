"""Rendered HTML in, a laid-out WeasyPrint document and its PDF (fonts embedded, reproducible) out; WeasyPrint's
problems become `file:line` diagnostics."""
from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from ..errors import Diagnostic, OutputError
from ..model.manuscript import Manuscript
from ..render.fetcher import BookFetchError, SafeFetcher
from ..source.glyphs import fold_notdef
from .overflow import overflow_warnings
from .tagging import write_tagged


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def weasyprint_log() -> Iterator[_Collector]:
    """Collect WeasyPrint's warnings and errors while rendering (they are only logged otherwise)."""
    collector = _Collector()
    loggers = [logging.getLogger("weasyprint"), logging.getLogger("weasyprint.progress")]
    previous = [(lg, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(collector)
        lg.propagate = False
    try:
        yield collector
    finally:
        for lg, propagate in previous:
            lg.removeHandler(collector)
            lg.propagate = propagate


def locate(manuscript: Manuscript, url: str) -> tuple[str, int | None]:
    """The chapter file and line that mention a resource URL, for error messages."""
    root = manuscript.config.root
    parsed = urllib.parse.urlsplit(url)
    candidates = {url}
    if parsed.scheme == "file":
        path = Path(urllib.parse.unquote(parsed.path))
        candidates.add(path.name)
        if path.is_relative_to(root):
            candidates.add(path.relative_to(root).as_posix())
    sources = [(chapter.rel_source, chapter.source) for chapter in manuscript.chapters]
    for folder in ("styles", "layouts"):  # a book's own overrides
        if (root / folder).is_dir():
            sources += [(p.relative_to(root).as_posix(), p) for p in sorted((root / folder).glob("*")) if p.is_file()]
    for rel, source in sources:
        text = source.read_text(encoding="utf-8-sig", errors="replace")
        for needle in sorted(candidates, key=len, reverse=True):
            at = text.find(needle)
            if at >= 0:
                return rel, text[:at].count("\n") + 1
    return "book.yaml", None


def refuse_attachment_links(document: weasyprint.HTML) -> list[Diagnostic]:
    """`<link rel=attachment>` and `<a rel=attachment>` make WeasyPrint embed the file they point at:
    refuse them in the very tree WeasyPrint lays out (a book's own layouts/ could add them)."""
    problems = []
    for element in document.etree_element.iter():
        if not isinstance(element.tag, str) or element.tag.rsplit("}", 1)[-1] not in ("a", "link", "area"):
            continue
        if "attachment" in (element.get("rel") or "").lower().split():
            tag = element.tag.rsplit("}", 1)[-1]
            problems.append(Diagnostic("layouts", None, f'<{tag} rel="attachment" href="{element.get("href", "")}"> would embed '
                                       "a file in the PDF; list files to attach under attachments: in book.yaml"))
            del element.attrib["rel"]
    return problems


_NO_ALT = re.compile(r'^Image ".*" has no required alt description$', re.S)


def _problems(manuscript: Manuscript, fetcher: SafeFetcher, records: list[logging.LogRecord]) -> None:
    """Raise OutputError for WeasyPrint errors; record missing glyphs as one warning of the manuscript.

    A picture without alt text is no error: the tagged PDF draws it as an artifact (tagging.py), and
    `check` warns about a book's own picture without alt text."""
    problems, notdef = [], []
    for record in records:
        message = record.getMessage()
        if record.levelno >= logging.ERROR and _NO_ALT.match(message):
            continue
        if record.levelno >= logging.ERROR:
            file, line = "pdf", None
            for url, reason in fetcher.refused:
                if url in message:
                    file, line = locate(manuscript, url)
                    message = f"{url}: {reason}"
            problems.append(Diagnostic(file, line, message))
        elif ".notdef glyph" in message:
            notdef.append(message)
    warning = fold_notdef(manuscript, notdef)  # the text check reported the chapters' own characters
    if warning is not None and warning not in manuscript.warnings:
        manuscript.warnings.append(warning)
    if problems:
        raise OutputError(problems)


def _overflows(manuscript: Manuscript, document: weasyprint.Document) -> None:
    """Record tables and lines wider than the page as warnings of the manuscript (overflow.py)."""
    for warning in overflow_warnings(manuscript, document):
        if warning not in manuscript.warnings:
            manuscript.warnings.append(warning)


class Typesetter:
    """One process's WeasyPrint state for a book: the book's fetcher, one font configuration, the
    stylesheets parsed so far and a picture cache, shared by every document it lays out (the parts of
    a book share their styles and fonts). A build makes one (BuildSession), a worker process one more."""

    MAX_SHEETS = 8  # the few recently used, oldest first (a part's own small sheet is used once)

    def __init__(self, manuscript: Manuscript, fetcher: SafeFetcher | None = None, *, tags: bool = True):
        self.manuscript = manuscript
        self.tags = tags  # write tagged PDFs (tagging.py); False only to measure what tags cost
        self.fetcher = fetcher or SafeFetcher.for_book(manuscript.config)
        self.base_url = manuscript.config.root.as_uri() + "/"
        self.fonts = FontConfiguration()
        self.images: dict = {}
        self._sheets: dict[str, weasyprint.CSS] = {}

    def stylesheet(self, text: str) -> weasyprint.CSS:
        """`text` parsed once (with this typesetter's fonts and fetcher)."""
        sheet = self._sheets.pop(text, None) or weasyprint.CSS(string=text, base_url=self.base_url,
                                                               url_fetcher=self.fetcher, font_config=self.fonts)
        self._sheets[text] = sheet
        while len(self._sheets) > self.MAX_SHEETS:
            del self._sheets[next(iter(self._sheets))]
        return sheet

    def document(self, html: str, css: list[str] | None = None) -> weasyprint.Document:
        """Lay out `html` with the book folder as base; any refused resource or WeasyPrint error fails.

        `css`: stylesheets that follow the document's own, parsed once and laid out with this
        typesetter's font configuration and picture cache.
        """
        manuscript, fetcher = self.manuscript, self.fetcher
        with weasyprint_log() as log:
            try:
                source = weasyprint.HTML(string=html, base_url=self.base_url, url_fetcher=fetcher)
                refused = refuse_attachment_links(source)
                if refused:
                    raise OutputError(refused)
                if css:
                    sheets = [self.stylesheet(text) for text in css]
                    document = source.render(stylesheets=sheets, font_config=self.fonts, cache=self.images)
                else:
                    document = source.render()
            except BookFetchError as exc:
                file, line = locate(manuscript, exc.url)
                raise OutputError([Diagnostic(file, line, f"{exc.url}: {exc.reason}")]) from None
        _problems(manuscript, fetcher, log.records)
        _overflows(manuscript, document)
        return document

    def pdf(self, document: weasyprint.Document, *, tags: bool | None = None) -> bytes:
        """The PDF bytes of a laid-out document (reproducible: fixed identifier, dates from the book).

        `tags`: a tagged PDF (tagging.py; default: the typesetter's `tags`); form fields are added after
        layout (answerfields.py). (The files book.yaml attaches are added to the
        reader's PDF after joining: layout/derive.py.)
        """
        manuscript, fetcher = self.manuscript, self.fetcher
        options = {"pdf_identifier": manuscript.config.identifier.encode(), "uncompressed_pdf": False,
                   "finisher": _full_bleed_box, "pdf_forms": False}
        with weasyprint_log() as log:
            try:
                pdf = write_tagged(document, **options) if (self.tags if tags is None else tags) \
                    else document.write_pdf(**options)
            except BookFetchError as exc:
                file, line = locate(manuscript, exc.url)
                raise OutputError([Diagnostic(file, line, f"{exc.url}: {exc.reason}")]) from None
        _problems(manuscript, fetcher, log.records)
        return pdf

    def html_to_pdf(self, html: str, *, tags: bool | None = None) -> bytes:
        """Lay out `html` and write it as PDF bytes."""
        return self.pdf(self.document(html), tags=tags)


def _full_bleed_box(document: weasyprint.Document, pdf) -> None:
    """BleedBox = MediaBox (the CSS bleed area): WeasyPrint caps the BleedBox at 10 pt (3.5 mm) past
    the trim, which is wrong for a larger configured bleed. Pages without bleed are unchanged."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Page" and "MediaBox" in obj and "BleedBox" in obj:
            obj["BleedBox"] = obj["MediaBox"]
