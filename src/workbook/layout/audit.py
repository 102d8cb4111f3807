"""A BuildSession (or a book folder) in, the page audit of the book's laid-out pages out: one
`file:line: warning: page N: …` Diagnostic per finding, N the page's place in the PDF editions.

The audit reads the pages every PDF edition is made of: the parts as laid out (each part is audited where
it is laid out, while its boxes exist, and the findings are kept with the part in the cache, so an audit
after a build lays nothing out), or the one document of a book with its own layouts/pdf.html. The rules
are in pageaudit.py.
"""
from __future__ import annotations

from pathlib import Path

from ..cache.store import Cache, cache_folder
from ..errors import Diagnostic
from ..files.output import output_folder
from ..source.load import load_book
from .editions import laid_out, whole_document
from .pageaudit import PageFinding, audit_document
from .session import BuildSession


def audit_pages(session: BuildSession) -> list[Diagnostic]:
    """The page audit of the session's book, laid out now if it is not yet (the cache first)."""
    result = laid_out(session, "pages")
    if result is None:  # a book with its own pdf.html: one document
        return _diagnostics(audit_document(session.manuscript, whole_document(session)), 0)
    return [item for part, offset in result.placed() for item in _diagnostics(part.audit, offset)]


def _diagnostics(findings: list[PageFinding], offset: int) -> list[Diagnostic]:
    """Findings of a document whose first page is the book's page `offset` (0-based) as warnings."""
    items = []
    for finding in findings:
        page = offset + finding.page + 1
        message = finding.message.replace("{next}", str(page + 1))
        items.append(Diagnostic(finding.file, finding.line, f"page {page}: {message}", "warning"))
    return items


def audit_book(book_dir: str | Path, out_dir: str | Path | None = None, *, page_size: str | None = None,
               jobs: int | None = None) -> list[Diagnostic]:
    """Load the book in `book_dir`, lay it out through the cache `workbook build` into `out_dir` uses (default:
    dist/ beside the book) and audit its pages. Raises WorkbookError for a book that does not load or lay out."""
    book_dir = Path(book_dir)
    out = output_folder(book_dir, out_dir)
    cache = Cache(cache_folder(out))
    manuscript = load_book(book_dir, cache=cache, page_size=page_size)
    return audit_pages(BuildSession.start(manuscript, out, cache, jobs))
