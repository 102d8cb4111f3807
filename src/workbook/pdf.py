"""Rendered book HTML in, a PDF (fonts embedded, metadata, bookmarks) out, via WeasyPrint."""
from __future__ import annotations

import logging
import urllib.parse
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


def declared_attachments(manuscript: Manuscript, fetcher: SafeFetcher) -> list[weasyprint.Attachment]:
    """The files book.yaml lists under `attachments:`, fetched through the same checks, dated reproducibly."""
    from .render import book_date

    when = book_date(manuscript).replace(tzinfo=None)
    return [weasyprint.Attachment(url=path.as_uri(), url_fetcher=fetcher, name=path.name, created=when, modified=when)
            for path in manuscript.config.attachment_files]


def html_to_pdf(manuscript: Manuscript, html: str, fetcher: SafeFetcher | None = None,
                attachments: bool = False) -> bytes:
    """Lay out `html` with the book folder as base; any refused resource or WeasyPrint error fails.

    `attachments`: embed the files book.yaml declares (the reader's PDF does; covers and previews don't).
    """
    fetcher = fetcher or SafeFetcher.for_book(manuscript.config)
    base_url = manuscript.config.root.as_uri() + "/"
    with weasyprint_log() as log:
        try:
            document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            refused = refuse_attachment_links(document)
            if refused:
                raise OutputError(refused)
            pdf = document.write_pdf(pdf_identifier=manuscript.config.identifier.encode(), uncompressed_pdf=False,
                                     attachments=declared_attachments(manuscript, fetcher) if attachments else None)
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
    return pdf


def build_pdf(manuscript: Manuscript, renderer: Renderer | None = None) -> bytes:
    """The reader's PDF of the whole book."""
    renderer = renderer or Renderer(manuscript)
    return html_to_pdf(manuscript, renderer.pdf_html(), renderer.fetcher, attachments=True)


def cover_png(manuscript: Manuscript, renderer: Renderer | None = None, height_px: int = 2400) -> bytes:
    """The cover page rendered as PNG (the same design as the PDF's first page)."""
    import io

    import pypdfium2

    renderer = renderer or Renderer(manuscript)
    pdf = html_to_pdf(manuscript, renderer.cover_html(), renderer.fetcher)
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
