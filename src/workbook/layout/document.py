"""Rendered book HTML in, a PDF (fonts embedded, metadata, bookmarks) out, via WeasyPrint."""
from __future__ import annotations

import logging
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import weasyprint

from ..errors import Diagnostic, OutputError
from ..model.manuscript import Manuscript
from ..render.fetcher import BookFetchError, SafeFetcher


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
    from ..render.templates import book_date

    when = book_date(manuscript).replace(tzinfo=None)
    return [weasyprint.Attachment(url=path.as_uri(), url_fetcher=fetcher, name=path.name, created=when, modified=when)
            for path in manuscript.config.attachment_files]



def _problems(manuscript: Manuscript, fetcher: SafeFetcher, records: list[logging.LogRecord]) -> None:
    """Raise OutputError for WeasyPrint errors; record missing glyphs as one warning of the manuscript."""
    from ..source.glyphs import fold_notdef

    problems, notdef = [], []
    for record in records:
        message = record.getMessage()
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
    from ..source.overflow import overflow_warnings

    for warning in overflow_warnings(manuscript, document):
        if warning not in manuscript.warnings:
            manuscript.warnings.append(warning)


def _stylesheet(text: str, base_url: str, fetcher: SafeFetcher) -> weasyprint.CSS:
    """`text` parsed once per process and fetcher (the parts of a book share their styles and fonts)."""
    from weasyprint.text.fonts import FontConfiguration

    shared = fetcher.__dict__.get("_workbook_shared")
    if shared is None:
        shared = fetcher.__dict__["_workbook_shared"] = {"fonts": FontConfiguration(), "css": {}, "images": {}}
    key = (text, base_url)
    sheets = shared["css"]  # the few recently used, oldest first (a part's own small sheet is used once)
    sheet = sheets.pop(key, None) or weasyprint.CSS(string=text, base_url=base_url, url_fetcher=fetcher,
                                                    font_config=shared["fonts"])
    sheets[key] = sheet
    while len(sheets) > 8:
        del sheets[next(iter(sheets))]
    return sheet


def html_to_document(manuscript: Manuscript, html: str, fetcher: SafeFetcher | None = None,
                     css: list[str] | None = None) -> weasyprint.Document:
    """Lay out `html` with the book folder as base; any refused resource or WeasyPrint error fails.

    `css`: stylesheets that follow the document's own, parsed once per fetcher and laid out with one
    font configuration and picture cache (the parts of an edition share them).
    """
    fetcher = fetcher or SafeFetcher.for_book(manuscript.config)
    base_url = manuscript.config.root.as_uri() + "/"
    with weasyprint_log() as log:
        try:
            source = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            refused = refuse_attachment_links(source)
            if refused:
                raise OutputError(refused)
            if css:
                sheets = [_stylesheet(text, base_url, fetcher) for text in css]
                shared = fetcher.__dict__["_workbook_shared"]
                document = source.render(stylesheets=sheets, font_config=shared["fonts"], cache=shared["images"])
            else:
                document = source.render()
        except BookFetchError as exc:
            file, line = locate(manuscript, exc.url)
            raise OutputError([Diagnostic(file, line, f"{exc.url}: {exc.reason}")]) from None
    _problems(manuscript, fetcher, log.records)
    _overflows(manuscript, document)
    return document


def document_to_pdf(manuscript: Manuscript, document: weasyprint.Document, *, forms: bool = False,
                    fetcher: SafeFetcher | None = None, attachments: bool = False) -> bytes:
    """The PDF bytes of a laid-out document (reproducible: fixed identifier, dates from the book).

    `forms=True` turns `appearance: auto` form elements into AcroForm fields; `attachments=True`
    embeds the files book.yaml declares (the reader's PDF does; covers and previews don't).
    """
    fetcher = fetcher or SafeFetcher.for_book(manuscript.config)
    with weasyprint_log() as log:
        try:
            pdf = document.write_pdf(pdf_identifier=manuscript.config.identifier.encode(), uncompressed_pdf=False,
                                     finisher=_full_bleed_box, pdf_forms=forms,
                                     attachments=declared_attachments(manuscript, fetcher) if attachments else None)
        except BookFetchError as exc:
            file, line = locate(manuscript, exc.url)
            raise OutputError([Diagnostic(file, line, f"{exc.url}: {exc.reason}")]) from None
    _problems(manuscript, fetcher, log.records)
    return pdf


def _full_bleed_box(document: weasyprint.Document, pdf) -> None:
    """BleedBox = MediaBox (the CSS bleed area): WeasyPrint caps the BleedBox at 10 pt (3.5 mm) past
    the trim, which is wrong for a larger configured bleed. Pages without bleed are unchanged."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Page" and "MediaBox" in obj and "BleedBox" in obj:
            obj["BleedBox"] = obj["MediaBox"]


def html_to_pdf(manuscript: Manuscript, html: str, fetcher: SafeFetcher | None = None, attachments: bool = False,
                *, forms: bool = False) -> bytes:
    """Lay out `html` and write it as PDF bytes."""
    document = html_to_document(manuscript, html, fetcher)
    return document_to_pdf(manuscript, document, forms=forms, fetcher=fetcher, attachments=attachments)


