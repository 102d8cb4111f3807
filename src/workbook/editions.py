"""A Manuscript and the editions a build needs in, each edition's joined PDF and its page data (where
every id lands, what every page prints as its number) out.

The editions a build needs are laid out together (scheduler.Scheduler), so the screen edition of the
reader's PDF and the print edition the EPUB's page list needs share the worker processes. A book with
its own layouts/pdf.html is laid out as one document instead (its template cannot be cut into parts).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from .fontmerge import FontFiles
from .manuscript import Manuscript
from .pagecache import cache_dir
from .pdfparts import PartResult, Start, splittable
from .scheduler import Scheduler, jobs
from .render import Renderer


@dataclass
class LaidOut:
    """One edition, laid out: its parts at their exact starts, and the blank pages between them."""

    edition: str
    need: str
    results: list[PartResult]
    starts: list[Start]
    blanks: list[bool]
    ghosts: list[set[str]]
    fonts: FontFiles

    def pages(self) -> tuple[dict[str, int], list[str | None]]:
        """Anchor id -> index of its first page, and each page's printed label, for the joined edition."""
        anchors: dict[str, int] = {}
        labels: list[str | None] = []
        for result, start, blank, ghosts in zip(self.results, self.starts, self.blanks, self.ghosts):
            if blank:
                labels.append(None)
            offset = len(labels)
            for name, page in result.anchors.items():
                if name not in ghosts:
                    anchors.setdefault(name, offset + page)
            labels += result.labels_at(start.folio)
        return anchors, labels


_LAID_OUT: "weakref.WeakKeyDictionary[Renderer, dict[str, LaidOut]]" = weakref.WeakKeyDictionary()


def lay_out(manuscript: Manuscript, renderer: Renderer, needs: dict[str, str],
            workers: int | None = None, on_progress=None) -> tuple[int, int, int]:
    """Lay out the editions in `needs` ({"screen": "pdf", "print": "pages"}, …) that are not laid out yet.

    `on_progress(done, total, label)` hears of every part laid out or taken from the cache.
    Returns (parts in those editions, layouts made, parts taken from the cache).
    """
    done = _LAID_OUT.setdefault(renderer, {})
    todo = {name: need for name, need in needs.items()
            if name not in done or (need == "pdf" and done[name].need != "pdf")}
    if not todo or not splittable(renderer):
        return 0, 0, 0
    workers = jobs() if workers is None else workers
    if manuscript.config.settings.allow_remote:  # one network deadline and one download per picture: one process
        workers = 1
    scheduler = Scheduler(manuscript, renderer, todo, workers, on_progress)
    scheduler.run()
    for edition in scheduler.editions:
        results = scheduler.results(edition)
        counts = [result.pages for result in results]
        starts = edition.starts(counts)
        done[edition.name] = LaidOut(edition.name, edition.need, results, starts, edition.blank_before(counts),
                                     [part.ghosts for part in edition.parts],
                                     FontFiles(scheduler.font_files, [result.fonts for result in results]))
    counts = sum(len(edition.parts) for edition in scheduler.editions), scheduler.laid_out, scheduler.from_cache
    del scheduler
    release_memory()
    return counts


def release_memory() -> None:
    """Hand memory freed after a long step back to the system (glibc keeps it otherwise), so the
    joining that follows does not stack its peak on top of the layout's."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def laid_out(manuscript: Manuscript, renderer: Renderer, edition: str, need: str) -> LaidOut | None:
    lay_out(manuscript, renderer, {edition: need})
    return _LAID_OUT.get(renderer, {}).get(edition)


def edition_pdf(manuscript: Manuscript, renderer: Renderer, edition: str) -> bytes:
    """The edition's PDF: its parts joined, or (a book with its own pdf.html) one render of the whole book."""
    from .pdf import document_to_pdf, render_document
    from .pdfmerge import merge_parts

    result = laid_out(manuscript, renderer, edition, "pdf")
    if result is None:
        return document_to_pdf(manuscript, render_document(manuscript, renderer, edition), fetcher=renderer.fetcher,
                               attachments=edition == "screen")
    labels = [(0, "/r")]  # roman front matter, then arabic from the first chapter (as the folios print)
    if len(result.results) > 1:
        labels.append((result.results[0].pages + int(result.blanks[1]), "/D"))
    blank = blank_page(manuscript, renderer, edition) if any(result.blanks) else None
    return merge_parts([r.pdf for r in result.results], result.blanks, blank, result.ghosts, labels,
                       cache_dir(renderer), result.fonts)


def edition_pages(manuscript: Manuscript, renderer: Renderer, edition: str) -> tuple[dict[str, int], list]:
    """Where every id of the edition lands (page index) and what each page prints as its number."""
    from .pagelist import anchor_pages, page_labels
    from .pdf import render_document

    result = laid_out(manuscript, renderer, edition, "pages")
    if result is None:
        document = render_document(manuscript, renderer, edition)
        return anchor_pages(document), page_labels(document)
    return result.pages()


def blank_page(manuscript: Manuscript, renderer: Renderer, edition: str) -> bytes:
    """A PDF whose first page is the edition's blank left-hand page before a chapter (crop marks, nothing else):
    a right-hand page with nothing on it, then a chapter that opens on the right, as in a single render."""
    from .pdf import document_to_pdf, html_to_document

    html = renderer.pdf_html(edition, part_front=False, part_chapters=[])
    html = html.replace("</body>", '<div></div><section class="chapter"></section></body>', 1)
    document = html_to_document(manuscript, html, renderer.fetcher)
    return document_to_pdf(manuscript, document.copy(document.pages[1:2]), fetcher=renderer.fetcher)
