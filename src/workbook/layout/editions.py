"""A BuildSession in, the book laid out once (its parts joined, page data for the EPUB) and each PDF
edition made from those pages (derive.py) out.

Every edition shares one layout: the reader's PDF, the print PDF and the EPUB's page list come from
the same laid-out pages, so a build lays each part out once and every page number is the same in
all of them. A book with its own layouts/pdf.html is laid out as one document instead (its template
cannot be cut into parts); its editions are derived from that document the same way.
"""
from __future__ import annotations

import json
import struct
from collections.abc import Callable

import weasyprint

from ..cache.store import _key
from ..model.manuscript import Manuscript
from ..model.pages import EDITIONS, LAYOUT, EditionName
from ..render.templates import book_date
from .derive import Edition
from .fill import fill_hint, fill_targets, lay_out_filled, store_fill_hint
from .fonts import FontFiles, part_fonts
from .join import Folios, merge_parts, release_memory
from .pagelist import anchor_pages, page_labels
from .parts import PartResult, picture_hashes, splittable
from .scheduler import Scheduler, jobs
from .session import BuildSession, LaidOut, Need


def lay_out(session: BuildSession, need: Need,
            on_progress: Callable[[int, int, str], None] | None = None) -> tuple[int, int, int]:
    """Lay the book out once in parts for what the outputs need ("pdf": the parts' PDFs too; "pages":
    only where ids land), unless the session has that layout already.

    `on_progress(done, total, label)` hears of every part laid out or taken from the cache.
    Returns (parts in the layout, layouts made, parts taken from the cache).
    """
    done = session.laid_out
    if (done is not None and (need == "pages" or done.need == "pdf")) or not splittable(session.renderer):
        return 0, 0, 0
    workers = jobs() if session.jobs is None else session.jobs
    if session.manuscript.config.settings.allow_remote:  # one network deadline and one download per picture
        workers = 1
    scheduler = Scheduler(session, {LAYOUT: need}, workers, on_progress)
    scheduler.run()
    edition = scheduler.editions[0]
    results = scheduler.results(edition)
    counts = [result.pages for result in results]
    starts = [start for start in edition.starts(counts) if start is not None]  # every count is known now
    session.laid_out = LaidOut(need, results, starts, edition.blank_before(counts),
                               [part.ghosts for part in edition.parts],
                               FontFiles(scheduler.font_files, [result.fonts for result in results]))
    made = len(edition.parts), scheduler.laid_out, scheduler.from_cache
    del scheduler
    release_memory()
    return made


def laid_out(session: BuildSession, need: Need) -> LaidOut | None:
    """The book's parts as laid out for `need` (laid out now if they are not yet), or None for a book
    that is laid out as one document (its own pdf.html)."""
    lay_out(session, need)
    return session.laid_out


def whole_document(session: BuildSession) -> weasyprint.Document:
    """The whole book laid out as one WeasyPrint Document (the pages of every PDF edition), once a session.

    `{fill=page}` prompts and notes pages get as many writing lines as fill the rest of their page
    (fill.py). The previous build's line counts are the first guess (checked like any other pass):
    after an edit the book is usually laid out once instead of twice.
    """
    if session.document is None:
        manuscript, renderer = session.manuscript, session.renderer
        fill_ids = fill_targets(manuscript)
        extra = fill_hint(session.cache, manuscript, fill_ids)
        session.document, extra = lay_out_filled(session.typesetter, renderer.pdf_html(), fill_ids,
                                                 renderer.geometry().line_pitch_px, extra)
        store_fill_hint(session.cache, manuscript, fill_ids, extra)
    return session.document


def edition_pdf(session: BuildSession, edition: EditionName, *, whole: bool = False) -> bytes:
    """The edition's PDF ("screen": the reader's, "print": the printer's), made from the book's one layout.

    `whole`: lay the book out as one document even where it could be cut into parts (the reference
    the joined parts are compared with).
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown PDF edition {edition!r}; choose from {', '.join(EDITIONS)}")
    manuscript = session.manuscript
    derived = _edition(manuscript, edition)
    result = None if whole else laid_out(session, "pdf")
    if result is None:  # a book with its own pdf.html: one document, derived the same way
        document = whole_document(session)
        pdf = session.typesetter.pdf(document)
        names, files = part_fonts(document, set())
        first = manuscript.chapters and anchor_pages(document).get(manuscript.chapters[0].anchor)
        labels = [(0, "/r")] + ([(first, "/D")] if first else [])
        parts, blanks, fonts, blank = [pdf], [False], FontFiles(files, [names]), None
        ghosts: list[set[str]] = [set()]
        stamps = None
    else:
        labels = [(0, "/r")]  # roman front matter, then arabic from the first chapter (as the folios print)
        if len(result.results) > 1:
            labels.append((result.results[0].pages + int(result.blanks[1]), "/D"))
        parts = [_written(r) for r in result.results]
        blanks, ghosts = result.blanks, result.ghosts
        fonts = FontFiles(dict(result.fonts.files), list(result.fonts.parts))
        blank, stamps = None, None
        if any(result.blanks):
            blank, names, files = blank_page(session)
            fonts.files.update(files)
            fonts.parts.append(names)
        if len(result.results) > 1:
            folios = folio_pages(session, result)
            fonts.files.update(folios[2])
            fonts.parts.append(folios[1])
            stamps = folios[0]
    if edition == "screen":
        derived.cover, names, files = cover_page(session)
        fonts.files.update(files)
        fonts.parts.append(names)
    release_memory()  # what laying out the cover, the blank page and the folios held is not stacked onto the join
    return merge_parts(parts, blanks, blank, ghosts, labels, session.cache, fonts, derived, stamps)


def _written(result: PartResult) -> bytes:
    if result.pdf is None:  # a bug: the layout was made for "pdf", which writes every part's PDF
        raise RuntimeError("a part of the layout has no PDF")
    return result.pdf


def _edition(manuscript: Manuscript, edition: EditionName) -> Edition:
    """What turns the laid-out pages into `edition`: bleed, marks and no links for print; the reader's
    PDF keeps its links and carries the files book.yaml attaches."""
    if edition == "print":
        return Edition("print", bleed_mm=manuscript.config.settings.bleed, links=False)
    when = book_date(manuscript).strftime("D:%Y%m%d%H%M%SZ")
    return Edition("screen", attachments=[(path.name, path.read_bytes(), when)
                                          for path in manuscript.config.attachment_files])


def cover_page(session: BuildSession) -> tuple[bytes, dict[str, str], dict[str, bytes]]:
    """The reader's cover as a one-page PDF at the trim size (the same design as the EPUB's cover
    picture), with the font files it uses."""
    return _one_page(session, "cover-page", session.renderer.cover_html(), 0,
                     picture_hashes(session.manuscript, [], cover=True))


FOLIO_CHUNK = 128  # folio pages laid out at a time: a long book's folios need no more memory than a short one's


def folio_pages(session: BuildSession, result: LaidOut) -> tuple[Folios, dict[str, str], dict[str, bytes]]:
    """The chapters' folios for the joined pages (chapters are laid out without them, pdfparts.py):
    empty pages laid out like the book's, from the first chapter's first page on, that print only their
    folio (none on the notes pages that go before chapters), FOLIO_CHUNK pages a document, with the
    font files they use."""
    prints: list[bool] = []
    for index, (part, blank) in enumerate(zip(result.results[1:], result.blanks[1:], strict=True)):
        if blank and index:  # the page before the first chapter is not counted: that chapter prints 1
            prints.append(False)
        prints += [True] * part.pages
    html = session.renderer.pdf_html(LAYOUT, part_front=False, part_chapters=[])
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
        pdf, chunk_names, chunk_files = _one_page(session, "folios",
                                                  chunk.replace("</body>", body + "</body>", 1), None, "")
        pdfs.append(pdf)
        names.update(chunk_names)
        files.update(chunk_files)
    first = result.results[0].pages + int(result.blanks[1])
    return Folios(pdfs, FOLIO_CHUNK, first, prints), names, files


def blank_page(session: BuildSession) -> tuple[bytes, dict[str, str], dict[str, bytes]]:
    """A one-page PDF of the left-hand page before a chapter that would open on the left (ruled for
    notes, see pdf.css), with the font files it uses: laid out as a right-hand page with nothing on it,
    then a chapter that opens on the right, as in a single render."""
    html = session.renderer.pdf_html(LAYOUT, part_front=False, part_chapters=[])
    html = html.replace("</body>", '<div></div><section class="chapter"></section></body>', 1)
    return _one_page(session, "blank-page", html, 1, "")


def _one_page(session: BuildSession, kind: str, html: str, index: int | None,
              pictures: str) -> tuple[bytes, dict[str, str], dict[str, bytes]]:
    """Page `index` of `html` (None: every page) laid out, as a PDF with the font files it uses; kept in
    the cache by its HTML and pictures (an entry whose font files are gone or corrupt is laid out again)."""
    cache = session.cache
    key = _key(kind, html, pictures)
    entry = cache.read(kind, key) or b""
    try:
        (length,) = struct.unpack(">I", entry[:4])
        names = {str(k): str(v) for k, v in json.loads(entry[4:4 + length]).items()}
        pdf = entry[4 + length:]
        kept = {k: cache.read_font_file(k) for k in names.values()}
        if pdf.startswith(b"%PDF-") and all(data is not None for data in kept.values()):
            return pdf, names, {k: d for k, d in kept.items() if d is not None}
    except (ValueError, struct.error, UnicodeDecodeError, AttributeError):
        pass
    document = session.typesetter.document(html)
    page = document if index is None else document.copy(document.pages[index:index + 1])
    pdf = session.typesetter.pdf(page)
    names, files = part_fonts(page, set())
    for font_key, data in files.items():
        cache.write_font_file(font_key, data)
    head = json.dumps(names).encode()
    cache.write(kind, key, struct.pack(">I", len(head)) + head + pdf)
    return pdf, names, files


def edition_pages(session: BuildSession) -> tuple[dict[str, int], list[str | None]]:
    """Where every id of the book lands (page index) and what each page prints as its number (the same
    in every edition)."""
    result = laid_out(session, "pages")
    if result is None:
        document = whole_document(session)
        return anchor_pages(document), page_labels(document)
    return result.pages()
