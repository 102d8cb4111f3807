"""Rendered book HTML in, a PDF (fonts embedded, metadata, bookmarks) out, via WeasyPrint."""
from __future__ import annotations

import logging
import urllib.parse
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import weasyprint

from .errors import Diagnostic, OutputError
from .fetcher import BookFetchError, SafeFetcher
from .manuscript import Manuscript
from .render import Renderer


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
    for chapter in manuscript.chapters:
        text = chapter.source.read_text(encoding="utf-8-sig", errors="replace")
        for needle in sorted(candidates, key=len, reverse=True):
            at = text.find(needle)
            if at >= 0:
                return chapter.rel_source, text[:at].count("\n") + 1
    return "book.yaml", None


def _render(manuscript: Manuscript, html: str) -> "weasyprint.Document":
    """Lay out `html` with the book folder as base; any refused resource or WeasyPrint error fails."""
    fetcher = SafeFetcher(manuscript.config.root)
    base_url = manuscript.config.root.as_uri() + "/"
    with weasyprint_log() as log:
        try:
            document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
        except BookFetchError as exc:
            file, line = locate(manuscript, exc.url)
            raise OutputError([Diagnostic(file, line, f"{exc.url}: {exc.reason}")]) from None
    problems = []
    for record in log.records:
        if record.levelno >= logging.ERROR:
            message = record.getMessage()
            file, line = "pdf", None
            for url, reason in fetcher.refused:
                if url in message:
                    file, line = locate(manuscript, url)
                    message = f"{url}: {reason}"
            problems.append(Diagnostic(file, line, message))
    if problems:
        raise OutputError(problems)
    return document


# Laid-out documents per renderer, so a build that makes both the PDF and the EPUB (whose page list
# needs the PDF's pages) lays the book out once.
_DOCUMENTS: "weakref.WeakKeyDictionary[Renderer, dict[str, weasyprint.Document]]" = weakref.WeakKeyDictionary()
EDITIONS = ("screen",)


def render_document(manuscript: Manuscript, renderer: Renderer | None = None, edition: str = "screen") -> "weasyprint.Document":
    """The book laid out as pages (a WeasyPrint Document) for `edition`; the PDF is written from it."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown PDF edition {edition!r}; choose from {', '.join(EDITIONS)}")
    renderer = renderer or Renderer(manuscript)
    cache = _DOCUMENTS.setdefault(renderer, {})
    if edition not in cache:
        cache[edition] = _render(manuscript, renderer.pdf_html())
    return cache[edition]


def write_pdf(manuscript: Manuscript, document: "weasyprint.Document") -> bytes:
    """A laid-out document as PDF bytes (fonts embedded, a stable identifier)."""
    with weasyprint_log():
        return document.write_pdf(pdf_identifier=manuscript.config.identifier.encode(), uncompressed_pdf=False)


def html_to_pdf(manuscript: Manuscript, html: str) -> bytes:
    """Lay out `html` with the book folder as base and write it as PDF; refused resources fail."""
    return write_pdf(manuscript, _render(manuscript, html))


def build_pdf(manuscript: Manuscript, renderer: Renderer | None = None) -> bytes:
    """The reader's PDF of the whole book."""
    return write_pdf(manuscript, render_document(manuscript, renderer, "screen"))


def cover_png(manuscript: Manuscript, renderer: Renderer | None = None, height_px: int = 2400) -> bytes:
    """The cover page rendered as PNG (the same design as the PDF's first page)."""
    import io

    import pypdfium2

    renderer = renderer or Renderer(manuscript)
    pdf = html_to_pdf(manuscript, renderer.cover_html())
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = height_px / page.get_height()
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
