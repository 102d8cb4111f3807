"""A Manuscript in, the book laid out once (its parts joined, page data for the EPUB) and each PDF
edition made from those pages (derive.py) out.

Every edition shares one layout: the reader's PDF, the print PDF and the EPUB's page list come from
the same laid-out pages, so a build lays each part out once and every page number is the same in
all of them. A book with its own layouts/pdf.html is laid out as one document instead (its template
cannot be cut into parts); its editions are derived from that document the same way.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from ..cache.store import (
    _key,
    cache_dir,
    read_entry,
    read_font_file,
    write_entry,
    write_font_file,
)
from ..model.manuscript import Manuscript
from ..model.pages import EDITIONS, LAYOUT
from ..render.templates import Renderer
from .derive import Edition
from .fonts import FontFiles, part_fonts
from .join import Folios
from .parts import PartResult, Start, splittable
from .scheduler import Scheduler, jobs


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
    """Lay the book out once for what `needs` asks ({"screen": "pdf", "print": "pages"}, …: any edition
    that needs its PDF makes the layout write PDF parts), unless it is laid out already.

    `on_progress(done, total, label)` hears of every part laid out or taken from the cache.
    Returns (parts in the layout, layouts made, parts taken from the cache).
    """
    if needs:
        needs = {LAYOUT: "pdf" if "pdf" in needs.values() else "pages"}
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


def laid_out(manuscript: Manuscript, renderer: Renderer, need: str) -> LaidOut | None:
    lay_out(manuscript, renderer, {LAYOUT: need})
    return _LAID_OUT.get(renderer, {}).get(LAYOUT)


def edition_pdf(manuscript: Manuscript, renderer: Renderer, edition: str, *, whole: bool = False) -> bytes:
    """The edition's PDF ("screen": the reader's, "print": the printer's), made from the book's one layout.

    `whole`: lay the book out as one document even where it could be cut into parts (the reference
    the joined parts are compared with).
    """
    from .document import document_to_pdf
    from .fill import render_document
    from .join import merge_parts
    from .pagelist import anchor_pages

    if edition not in EDITIONS:
        raise ValueError(f"unknown PDF edition {edition!r}; choose from {', '.join(EDITIONS)}")
    derived = _edition(manuscript, renderer, edition)
    result = None if whole else laid_out(manuscript, renderer, "pdf")
    if result is None:  # a book with its own pdf.html: one document, derived the same way
        document = render_document(manuscript, renderer, LAYOUT)
        pdf = document_to_pdf(manuscript, document, fetcher=renderer.fetcher)
        names, files = part_fonts(document, set())
        first = manuscript.chapters and anchor_pages(document).get(manuscript.chapters[0].anchor)
        labels = [(0, "/r")] + ([(first, "/D")] if first else [])
        parts, blanks, ghosts, fonts, blank = [pdf], [False], [set()], FontFiles(files, [names]), None
        stamps = None
    else:
        labels = [(0, "/r")]  # roman front matter, then arabic from the first chapter (as the folios print)
        if len(result.results) > 1:
            labels.append((result.results[0].pages + int(result.blanks[1]), "/D"))
        parts, blanks, ghosts = [r.pdf for r in result.results], result.blanks, result.ghosts
        fonts = FontFiles(dict(result.fonts.files), list(result.fonts.parts))
        blank, stamps = None, None
        if any(result.blanks):
            blank, names, files = blank_page(manuscript, renderer)
            fonts.files.update(files)
            fonts.parts.append(names)
        if len(result.results) > 1:
            folios = folio_pages(manuscript, renderer, result)
            fonts.files.update(folios[2])
            fonts.parts.append(folios[1])
            stamps = folios[0]
    if edition == "screen":
        derived.cover, names, files = cover_page(manuscript, renderer)
        fonts.files.update(files)
        fonts.parts.append(names)
    release_memory()  # what laying out the cover, the blank page and the folios held is not stacked onto the join
    return merge_parts(parts, blanks, blank, ghosts, labels, cache_dir(renderer), fonts, derived, stamps)


def _edition(manuscript: Manuscript, renderer: Renderer, edition: str) -> Edition:
    """What turns the laid-out pages into `edition`: bleed, marks and no links for print; the reader's
    PDF keeps its links and carries the files book.yaml attaches."""
    from ..render.templates import book_date

    if edition == "print":
        return Edition("print", bleed_mm=manuscript.config.settings.bleed, links=False)
    when = book_date(manuscript).strftime("D:%Y%m%d%H%M%SZ")
    return Edition("screen", attachments=[(path.name, path.read_bytes(), when)
                                          for path in manuscript.config.attachment_files])


def cover_page(manuscript: Manuscript, renderer: Renderer) -> tuple[bytes, dict[str, str], dict[str, bytes]]:
    """The reader's cover as a one-page PDF at the trim size (the same design as the EPUB's cover
    picture), with the font files it uses."""
    from .parts import picture_hashes

    return _one_page(manuscript, renderer, "cover-page", renderer.cover_html(), 0,
                     picture_hashes(manuscript, [], cover=True))


FOLIO_CHUNK = 128  # folio pages laid out at a time: a long book's folios need no more memory than a short one's


def folio_pages(manuscript: Manuscript, renderer: Renderer, result: LaidOut) -> tuple[Folios, dict[str, str],
                                                                                    dict[str, bytes]]:
    """The chapters' folios for the joined pages (chapters are laid out without them, pdfparts.py):
    empty pages laid out like the book's, from the first chapter's first page on, that print only their
    folio (none on the notes pages that go before chapters), FOLIO_CHUNK pages a document, with the
    font files they use."""
    prints: list[bool] = []
    for index, (part, blank) in enumerate(zip(result.results[1:], result.blanks[1:])):
        if blank and index:  # the page before the first chapter is not counted: that chapter prints 1
            prints.append(False)
        prints += [True] * part.pages
    html = renderer.pdf_html(LAYOUT, part_front=False, part_chapters=[])
    style = ("<style>html, body { background: none; } @page { background: none; }"
             " @page :left { @top-left { content: none; } } @page :right { @top-right { content: none; } }"
             " .folio { break-before: page; height: 1px; } .folio.none { page: nofolio; }"
             " @page nofolio { @bottom-left { content: none; } @bottom-right { content: none; } }"
             " html { break-before: %s; } @page :first { counter-reset: page %d; }</style>")
    pdfs, names, files = [], {}, {}
    for at in range(0, len(prints), FOLIO_CHUNK):  # page `at` prints folio at + 1, on the right when at is even
        body = "".join('<div class="folio"></div>' if on else '<div class="folio none"></div>'
                       for on in prints[at:at + FOLIO_CHUNK])
        chunk = html.replace("</head>", style % ("left" if at % 2 else "right", at + 1) + "</head>", 1)
        pdf, chunk_names, chunk_files = _one_page(manuscript, renderer, "folios",
                                                  chunk.replace("</body>", body + "</body>", 1), None, "")
        pdfs.append(pdf)
        names.update(chunk_names)
        files.update(chunk_files)
    first = result.results[0].pages + int(result.blanks[1])
    return Folios(pdfs, FOLIO_CHUNK, first, prints), names, files


def blank_page(manuscript: Manuscript, renderer: Renderer) -> tuple[bytes, dict[str, str], dict[str, bytes]]:
    """A one-page PDF of the left-hand page before a chapter that would open on the left (ruled for
    notes, see pdf.css), with the font files it uses: laid out as a right-hand page with nothing on it,
    then a chapter that opens on the right, as in a single render."""
    html = renderer.pdf_html(LAYOUT, part_front=False, part_chapters=[])
    html = html.replace("</body>", '<div></div><section class="chapter"></section></body>', 1)
    return _one_page(manuscript, renderer, "blank-page", html, 1, "")


def _one_page(manuscript: Manuscript, renderer: Renderer, kind: str, html: str, index: int | None,
              pictures: str) -> tuple[bytes, dict[str, str], dict[str, bytes]]:
    """Page `index` of `html` (None: every page) laid out, as a PDF with the font files it uses; kept in
    the cache by its HTML and pictures (an entry whose font files are gone or corrupt is laid out again)."""
    import json
    import struct

    from .document import document_to_pdf, html_to_document

    folder = cache_dir(renderer)
    key = _key(kind, html, pictures)
    entry = read_entry(folder, kind, key) or b""
    try:
        (length,) = struct.unpack(">I", entry[:4])
        names = {str(k): str(v) for k, v in json.loads(entry[4:4 + length]).items()}
        pdf = entry[4 + length:]
        files = {k: read_font_file(folder, k) for k in names.values()}
        if pdf.startswith(b"%PDF-") and all(data is not None for data in files.values()):
            return pdf, names, {k: d for k, d in files.items() if d is not None}
    except (ValueError, struct.error, UnicodeDecodeError, AttributeError):
        pass
    document = html_to_document(manuscript, html, renderer.fetcher)
    page = document if index is None else document.copy(document.pages[index:index + 1])
    pdf = document_to_pdf(manuscript, page, fetcher=renderer.fetcher)
    names, files = part_fonts(page, set())
    for font_key, data in files.items():
        write_font_file(folder, font_key, data)
    head = json.dumps(names).encode()
    write_entry(folder, kind, key, struct.pack(">I", len(head)) + head + pdf)
    return pdf, names, files


def edition_pages(manuscript: Manuscript, renderer: Renderer, edition: str = LAYOUT) -> tuple[dict[str, int], list]:
    """Where every id of the book lands (page index) and what each page prints as its number (the same
    in every edition)."""
    from .fill import render_document
    from .pagelist import anchor_pages, page_labels

    result = laid_out(manuscript, renderer, "pages")
    if result is None:
        document = render_document(manuscript, renderer, LAYOUT)
        return anchor_pages(document), page_labels(document)
    return result.pages()
