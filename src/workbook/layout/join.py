"""The PDFs of an edition's parts in, one PDF out: pages in order (with the blank pages right-hand openers
need), one set of named destinations and bookmarks, page labels, and one subset per font file (fontmerge.py).

The first part (the front matter) is the base: its document information, language, viewer settings
and attached files stay. Links between parts were written as links to named destinations; the joined
PDF has every part's destinations (not the stand-ins a part carries for ids that live elsewhere), so
they land where a single render would have put them.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import io
import warnings
from dataclasses import dataclass

import pikepdf

from ..cache.store import Cache, _key
from .derive import Edition, draw_over
from .fonts import FontFiles, FontJoiner
from .structure import artifact_page, finish_tags, merge_trees, strip_tags, tagged


@dataclass
class Folios:
    """The chapters' folios, stamped on the joined pages: PDFs of `chunk` pages each that print only
    their folio (laid out like the book's pages), from page `first` of the joined PDF on; `prints[j]`
    is False for a page that prints none (a notes page before a chapter)."""

    pdfs: list[bytes]
    chunk: int
    first: int
    prints: list[bool]


@dataclass
class Bookmark:
    title: str
    page: int  # index in the joined PDF
    top: float | None
    closed: bool
    children: list[Bookmark]


def _page_index(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: index for index, page in enumerate(pdf.pages)}


def _destinations(pdf: pikepdf.Pdf, skip: set[str]) -> list[tuple[str, int, list]]:
    """The part's named destinations: (name, page index in the part, the rest of the destination array)."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    pages = _page_index(pdf)
    found = []
    for name, target in pikepdf.NameTree(names.Dests).items():
        array = target.get("/D") if isinstance(target, pikepdf.Dictionary) else target
        if str(name) in skip or not isinstance(array, pikepdf.Array) or not len(array):
            continue
        page = array[0]
        if not page.is_indirect or page.objgen not in pages:
            continue
        found.append((str(name), pages[page.objgen], [_plain(array[i]) for i in range(1, len(array))]))
    return found


def _plain(value):
    """A destination's view parameters as plain Python values (a long book has tens of thousands)."""
    if isinstance(value, pikepdf.Name):
        return str(value)
    if value is None or isinstance(value, (int, float, bool)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bookmarks(pdf: pikepdf.Pdf, offset: int) -> list[Bookmark]:
    pages = _page_index(pdf)

    def convert(items) -> list[Bookmark]:
        marks = []
        for item in items:
            destination = item.destination
            if isinstance(destination, pikepdf.Array) and len(destination) and destination[0].is_indirect:
                page = pages.get(destination[0].objgen)
                top = float(destination[3]) if len(destination) > 3 and destination[3] is not None \
                    and isinstance(destination[3], (int, float, pikepdf.Object)) else None
                if page is not None:
                    marks.append(Bookmark(str(item.title), offset + page, top, item.is_closed, convert(item.children)))
                    continue
            marks.extend(convert(item.children))
        return marks

    with pdf.open_outline() as outline:
        return convert(outline.root)


def release_memory() -> None:
    """Hand memory freed after a long step back to the system (glibc keeps it otherwise), so the
    joining that follows does not stack its peak on top of the layout's."""
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


CHUNK = 16  # parts joined at a time: a long book is joined in runs of this many, then the runs


def merge_parts(parts: list[bytes], blanks: list[bool], blank_page: bytes | None, ghosts: list[set[str]],
                labels: list[tuple[int, str]], cache: Cache | None = None, fonts: FontFiles | None = None,
                edition: Edition | None = None, folios: Folios | None = None) -> bytes:
    """Join the parts' PDFs into one.

    `blanks[i]`: a blank page (the first page of `blank_page`) goes before part i. `ghosts[i]`: names
    part i carries only as stand-ins. `labels`: (first page index, PDF label style such as "/r", "/D").
    A joined PDF keeps its sources open until it is written, so more than CHUNK parts are joined in
    runs first: what is open at once stays about the same for a book of any length. With a `cache`
    folder, joined runs are kept there (keyed by the bytes of their parts): after an edit only the run
    with the edited chapter is joined again. `fonts`: the font files behind the parts' fonts; the joined
    PDF gets one subset of each (a run's fonts are merged the same way, and cut again by the last join).
    `edition`: what makes the joined pages one edition (derive.py), done in the last join; `folios`:
    the chapters' folios, stamped in the last join (chapters are laid out without them).
    """
    if len(parts) > CHUNK:
        runs = []
        for at in range(0, len(parts), CHUNK):
            run, joined = _cached_join(parts[at:at + CHUNK], blanks[at:at + CHUNK], blank_page,
                                       ghosts[at:at + CHUNK], cache, fonts)
            runs.append(run)
            if joined:  # a run from the cache held nothing worth handing back
                release_memory()
        return merge_parts(runs, [False] * len(runs), None, [set() for _ in runs], labels, fonts=fonts,
                           edition=edition, folios=folios)
    return _join(parts, blanks, blank_page, ghosts, labels, fonts, edition, folios)


def _cached_join(parts: list[bytes], blanks: list[bool], blank_page: bytes | None, ghosts: list[set[str]],
                 cache: Cache | None, fonts: FontFiles | None) -> tuple[bytes, bool]:
    """A run of parts joined (its fonts too: one subset per font file, which the last join cuts again
    for the whole book), kept in the cache by the bytes of its parts; and whether it was joined now."""
    key = _key("run", *parts, repr(blanks), repr([sorted(g) for g in ghosts]), blank_page or b"")
    entry = (cache.read("runs", key) if cache else None) or b""
    digest, data = entry[:32], entry[32:]  # a run is used only if it is whole: its SHA-256 comes first
    if data and hashlib.sha256(data).digest() == digest:
        return data, False
    data = _join(parts, blanks, blank_page, ghosts, [], fonts, None, None)
    if cache:
        cache.write("runs", key, hashlib.sha256(data).digest() + data)
    return data, True


def _join(parts: list[bytes], blanks: list[bool], blank_page: bytes | None, ghosts: list[set[str]],
          labels: list[tuple[int, str]], fonts: FontFiles | None, edition: Edition | None,
          folios: Folios | None) -> bytes:
    sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
    blank = pikepdf.open(io.BytesIO(blank_page)) if blank_page and any(blanks) else None
    cover = pikepdf.open(io.BytesIO(edition.cover)) if edition is not None and edition.cover else None
    pad = pikepdf.open(io.BytesIO(edition.pad)) if edition is not None and edition.pad and edition.pad_pages else None
    stamps = [pikepdf.open(io.BytesIO(data)) for data in folios.pdfs] if folios is not None else []
    try:
        out = sources[0]
        destinations: list[tuple[str, int, list]] = []
        bookmarks: list[Bookmark] = []
        page_count = 0
        joiner = FontJoiner(fonts, whole=edition is not None and edition.whole_fonts) if fonts is not None else None
        for single in (cover, blank, pad, *stamps):
            if joiner is not None and single is not None:
                joiner.take(single)
        tags = (edition is None or edition.tags) and all(tagged(source) for source in sources)
        untagged: list[pikepdf.Page] = []  # pages laid out without tags (the blank notes page): artifacts
        for index, source in enumerate(sources):
            if joiner is not None:
                joiner.take(source)
            own_pages = len(source.pages)
            offset = page_count + int(blanks[index] and blank is not None)
            destinations += [(name, offset + page, rest) for name, page, rest in _destinations(source, ghosts[index])]
            bookmarks += _bookmarks(source, offset)
            if blanks[index] and blank is not None:  # the first source is the base: its blank goes in front
                out.pages.insert(0, blank.pages[0]) if index == 0 else out.pages.append(blank.pages[0])
                untagged.append(out.pages[0 if index == 0 else -1])
            if index:
                with warnings.catch_warnings():  # named destinations are rebuilt below, for all parts
                    warnings.simplefilter("ignore", getattr(pikepdf, "PageCopyWarning", UserWarning))
                    out.pages.extend(source.pages)
            page_count = offset + own_pages
        if cover is not None:  # the reader's cover in place of the half-title
            out.pages.insert(0, cover.pages[0])
            del out.pages[1]
            if not tagged(cover):
                untagged.append(out.pages[0])
        if pad is not None and edition is not None:  # ruled notes pages up to the page count a printer wants
            for index in edition.pad_pages:
                out.pages.append(pad.pages[index])
        if tags:
            with_cover = cover is not None and tagged(cover)
            merge_trees(out, [cover, *sources] if cover is not None and with_cover else sources,
                        first=int(with_cover), final=edition is not None)
            for page in untagged:
                artifact_page(out, page)
        else:
            strip_tags(out)
        if folios is not None:
            _stamp(out, stamps, folios)
        _write_destinations(out, destinations)
        _write_bookmarks(out, bookmarks)
        if edition is not None:
            edition.finish(out)
            if tags:
                finish_tags(out)
        if labels:
            nums = []
            for first, style in labels:
                nums += [first, pikepdf.Dictionary(S=pikepdf.Name(style))]
            out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
        if joiner is not None:
            joiner.put_back(out)
        buffer = io.BytesIO()
        out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
        return buffer.getvalue()
    finally:
        for source in sources:
            source.close()
        if blank is not None:
            blank.close()
        for single in (cover, pad, *stamps):
            if single is not None:
                single.close()


def _stamp(out: pikepdf.Pdf, stamps: list[pikepdf.Pdf], folios: Folios) -> None:
    """Draw each folio page over its page of the joined PDF, as a form XObject with a name of its own
    (pages of a part share one resource dictionary; the names are fixed, so the bytes are too)."""
    pages, stamp_pages = list(out.pages), [list(stamp.pages) for stamp in stamps]
    for offset, prints in enumerate(folios.prints):
        if not prints:
            continue
        name = f"/WorkbookFolio{offset}"
        draw_over(out, pages[folios.first + offset], "/XObject", name,
                  out.copy_foreign(stamp_pages[offset // folios.chunk][offset % folios.chunk].as_form_xobject()),
                  f"q {name} Do Q\n".encode())


def _write_destinations(out: pikepdf.Pdf, destinations: list[tuple[str, int, list]]) -> None:
    """The named destinations as one name tree node: its keys in byte order, as the PDF format wants
    (a tree of one node is valid at any size, and is written in one pass: inserting thousands of names
    one by one into pikepdf's NameTree rebalances it every time)."""
    names = out.Root.get("/Names")
    if names is None:
        out.Root.Names = names = pikepdf.Dictionary()
    entries: dict[str, pikepdf.Array] = {}
    pages = [page.obj for page in out.pages]  # pikepdf's out.pages[i] walks the page tree each time
    for name, page, rest in destinations:
        if name not in entries:  # the first of two equal ids wins, as in a single render
            entries[name] = pikepdf.Array([pages[page],
                                           *(pikepdf.Name(v) if isinstance(v, str) else v for v in rest)])
    keys = sorted((bytes(pikepdf.String(name)), name) for name in entries)
    flat: list = []
    for key, name in keys:
        flat += [pikepdf.String(key), entries[name]]
    names.Dests = out.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(flat)))


def _write_bookmarks(out: pikepdf.Pdf, bookmarks: list[Bookmark]) -> None:
    def item(mark: Bookmark) -> pikepdf.OutlineItem:
        entry = pikepdf.OutlineItem(mark.title, mark.page, pikepdf.PageLocation.XYZ, top=mark.top)
        entry.is_closed = mark.closed
        entry.children.extend(item(child) for child in mark.children)
        return entry

    with out.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(item(mark) for mark in bookmarks)
