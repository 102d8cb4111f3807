"""A BuildSession in, the book laid out once (its parts joined, page data for the EPUB) and each PDF
edition made from those pages (derive.py) out.

Every edition shares one layout: the reader's PDF, the print PDF and the EPUB's page list come from
the same laid-out pages, so a build lays each part out once and every page number is the same in
all of them. A book with its own layouts/pdf.html is laid out as one document instead (its template
cannot be cut into parts); its editions are derived from that document the same way.
"""
from __future__ import annotations

from collections.abc import Callable

import weasyprint

from ..model.manuscript import Manuscript
from ..model.pages import EDITIONS, LAYOUT, EditionName
from ..render.templates import book_date
from .answerfields import Space, book_fields, writing_spaces
from .derive import Edition
from .fill import fill_targets, lay_out_filled
from .fonts import FontFiles, part_fonts
from .join import Folios, merge_parts, release_memory
from .pagelist import anchor_pages, page_labels
from .parts import PartResult, picture_hashes, splittable
from .scheduler import Scheduler, jobs
from .session import BuildSession, LaidOut, Need
from .singles import (
    FOLIO_CHUNK,
    Single,
    blank_html,
    folio_chunks,
    lay_out_single,
    read_single,
    single_key,
    write_single,
)


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
    (fill.py).
    """
    if session.document is None:
        session.document, _extra = lay_out_filled(session.typesetter, session.renderer.pdf_html(),
                                                  fill_targets(session.manuscript))
    return session.document


def edition_pdf(session: BuildSession, edition: EditionName, *, whole: bool = False) -> bytes:
    """The edition's PDF ("screen": the reader's, "print": the printer's), made from the book's one layout.

    `whole`: lay the book out as one document even where it could be cut into parts (the reference
    the joined parts are compared with).
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown PDF edition {edition!r}; choose from {', '.join(EDITIONS)}")
    return derived_pdf(session, _edition(session.manuscript, edition), whole=whole)


def derived_pdf(session: BuildSession, derived: Edition, *, whole: bool = False) -> bytes:
    """The book's laid-out pages joined and made into the edition `derived` says (derive.py): the reader's
    PDF, the print PDF or a printer's interior (targets/printfiles.py)."""
    manuscript = session.manuscript
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
        spaces = writing_spaces(document)
    else:
        labels = [(0, "/r")]  # roman front matter, then arabic from the first chapter (as the folios print)
        if len(result.results) > 1:
            labels.append((result.results[0].pages + int(result.blanks[1]), "/D"))
        parts = [_written(r) for r in result.results]
        spaces = _joined_spaces(result)
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
    if derived.name == "screen":
        derived.cover, names, files = cover_page(session)
        fonts.files.update(files)
        fonts.parts.append(names)
        if manuscript.config.settings.fillable:
            derived.fields = book_fields(manuscript, spaces)
    if derived.pad_pages:
        derived.pad, names, files = notes_pages(session)
        fonts.files.update(files)
        fonts.parts.append(names)
    release_memory()  # what laying out the cover, the blank page and the folios held is not stacked onto the join
    return merge_parts(parts, blanks, blank, ghosts, labels, session.cache, fonts, derived, stamps)


def page_count(session: BuildSession) -> int:
    """How many pages the book's layout has (every part and the notes pages before chapters), laid out
    now if it is not yet."""
    result = laid_out(session, "pdf")
    if result is None:
        return len(whole_document(session).pages)
    return sum(r.pages for r in result.results) + sum(result.blanks)


# Ruled notes pages as a printer's padding: page 1 is a left-hand notes page (as blank_html's), page 4
# a right-hand one (after a page with content on the left, a break to the next left-hand page).
NOTES_LEFT, NOTES_RIGHT = 1, 4


def notes_pages(session: BuildSession) -> Single:
    """A PDF whose pages NOTES_LEFT and NOTES_RIGHT are empty ruled notes pages (pdf.css `:blank`), on the
    left and on the right, laid out like the book's, with the font files they use."""
    html = blank_html(session.renderer).replace(
        "</body>", '<div style="break-before: page"></div><div style="break-before: left"></div></body>', 1)
    return one_page(session, "notes-pages", html, None)


def _joined_spaces(result: LaidOut) -> list[Space]:
    """The parts' writing spaces on the pages of the joined PDF (each part after the ones before it and the
    blank pages between them)."""
    return [space.at(offset) for part, offset in result.placed() for space in part.spaces]


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
                                          for path in manuscript.config.attachment_files], tags=True)


def cover_page(session: BuildSession) -> Single:
    """The reader's cover as a one-page PDF at the trim size (the same design as the EPUB's cover
    picture), with the font files it uses."""
    return one_page(session, "cover-page", session.renderer.cover_html(), 0,
                    picture_hashes(session.manuscript, [], cover=True))


def folio_pages(session: BuildSession, result: LaidOut) -> tuple[Folios, dict[str, str], dict[str, bytes]]:
    """The chapters' folios for the joined pages (singles.py), from the first chapter's first page on
    (none on the notes pages that go before chapters), with the font files they use."""
    prints: list[bool] = []
    for index, (part, blank) in enumerate(zip(result.results[1:], result.blanks[1:], strict=True)):
        if blank and index:  # the page before the first chapter is not counted: that chapter prints 1
            prints.append(False)
        prints += [True] * part.pages
    pdfs, names, files = [], {}, {}
    for chunk in folio_chunks(session.renderer, len(prints)):
        pdf, chunk_names, chunk_files = one_page(session, "folios", chunk, None)
        pdfs.append(pdf)
        names.update(chunk_names)
        files.update(chunk_files)
    first = result.results[0].pages + int(result.blanks[1])
    return Folios(pdfs, FOLIO_CHUNK, first, prints), names, files


def blank_page(session: BuildSession) -> Single:
    """A one-page PDF of the left-hand page before a chapter that would open on the left, with the font
    files it uses (singles.blank_html)."""
    return one_page(session, "blank-page", blank_html(session.renderer), 1)


def one_page(session: BuildSession, kind: str, html: str, index: int | None, pictures: str = "") -> Single:
    """Page `index` of `html` (None: every page) as a PDF with the font files it uses: laid out by a worker
    during this build's layout, kept in the cache by its HTML and pictures, or laid out now."""
    tagged = kind == "cover-page" and session.typesetter.tags  # the others are artifacts in the joined PDF
    key = single_key(kind, html, pictures, tagged)
    single = session.singles.get(key) or read_single(session.cache, kind, key)
    if single is None:
        single = lay_out_single(session.typesetter, html, index, tagged)
        write_single(session.cache, kind, key, single)
    return single


def edition_pages(session: BuildSession) -> tuple[dict[str, int], list[str | None]]:
    """Where every id of the book lands (page index) and what each page prints as its number (the same
    in every edition)."""
    result = laid_out(session, "pages")
    if result is None:
        document = whole_document(session)
        return anchor_pages(document), page_labels(document)
    return result.pages()
