"""The book's reader's PDF and one reader's name (date, group, chapters, note) in, that reader's copy out:
the owner page and the title page laid out again with the name, a line "For NAME" stamped on every other
page, the document's title and subject naming the reader; every other byte of the pages as they were.

A copy costs one small layout, never the book's: the personal document (pdf.html with `personal`) is the
half-title (page 0, not used: it keeps the pages' sides and numbers as in the book), the owner page (1),
the title page (2) and two empty pages that print only the copy's line (3: a left-hand page's, 4: a
right-hand one's; the book's page i takes the one whose index has the parity of i). Pages 1 and 2 take
the place of the book's: their content and resources go into the book's page objects (so its named
destinations, bookmarks and page labels stay), their structure elements replace the ones of the old
pages in the tree (same place, the parent tree's entries of those pages rewritten, ids in the ID tree).
The line on the other pages is drawn over them as an artifact (derive.draw_over), as the folios are.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import pikepdf

from ..errors import Diagnostic, WorkbookError
from ..model.manuscript import Manuscript
from ..model.pages import LAYOUT
from ..render.templates import Renderer
from .derive import draw_over
from .document import Typesetter
from .singles import document_with_head_styles
from .structure import document_element, tagged, write_id_tree
from .tagging import ID_KEY, is_element, is_mcid, kids

OWNER_ID, TITLE_ID = "owner", "titlepage"  # the ids of the pages a copy lays out again (pdf.html)
PERSONAL_PAGES = {1: OWNER_ID, 2: TITLE_ID}  # page of the personal document -> the book page's id
STAMP_PAGES = (3, 4)  # the personal document's pages that print only the line


class PersonalPageError(WorkbookError):
    """A copy's own pages cannot be made (the text does not fit its page, the book has no such pages)."""


@dataclass(frozen=True)
class Personal:
    """What a copy prints about its reader (pdf.html's `personal`)."""

    name: str
    stamp: str  # the line on every page: "Voor Anna de Vries"
    details: str  # date and group on one line ("" when neither)
    chapters: str  # the chosen chapters, "2. Grenzen, 4. Zelfcompassie" ("" when none)
    note: str

    @property
    def title(self) -> str:
        return self.stamp


def personal_for(manuscript: Manuscript, name: str, date: str | None = None, group: str | None = None,
                 chapters: Iterable[str] = (), note: str | None = None) -> Personal:
    """A reader's Personal in the book's language (the words `copy_for`, `group`); `chapters` are slugs."""
    words = manuscript.config.words
    stamp = str(words["copy_for"]).replace("{name}", name)
    details = " · ".join(part for part in (date, f"{words['group']} {group}" if group else None) if part)
    by_slug = {chapter.slug: chapter for chapter in manuscript.chapters}
    chosen = ", ".join(f"{by_slug[s].number}. {by_slug[s].title}" for s in chapters if s in by_slug)
    return Personal(name, stamp, details, chosen, note or "")


def personal_pages(typesetter: Typesetter, renderer: Renderer, personal: Personal) -> bytes:
    """The personal document laid out and written tagged (its stylesheets parsed once per process, as the
    parts'; the copy's own small one each time). PersonalPageError if its pages are not the five expected
    (a note that runs onto another page)."""
    html = renderer.pdf_html(LAYOUT, part_chapters=[], personal=personal)
    document = document_with_head_styles(typesetter, html)
    if len(document.pages) != 1 + len(PERSONAL_PAGES) + len(STAMP_PAGES):
        raise PersonalPageError([Diagnostic("book.yaml", None, f"the copy for {personal.name!r} does not fit its "
                                            "title page; shorten the note, the group or the name")])
    return typesetter.pdf(document, tags=True)


def personal_copy(base: bytes, pages: bytes, personal: Personal, book_title: str) -> bytes:
    """The reader's copy: `base` (the book's reader's PDF) with the owner and title pages of `pages` (the
    personal document, personal_pages) in place of its own, its line stamped on every other page, and
    the document's title and subject naming the reader. Deterministic: the same inputs, the same bytes."""
    with pikepdf.open(io.BytesIO(base)) as out, pikepdf.open(io.BytesIO(pages)) as own:
        book_pages = list(out.pages)
        targets = {index: book_pages[_page_of(out, ident, book_pages)] for index, ident in PERSONAL_PAGES.items()}
        if tagged(out):
            if not tagged(own):
                raise RuntimeError("the personal pages were laid out without tags")
            _swap_elements(out, own, targets)
        for index, page in targets.items():
            source = own.pages[index].obj
            page.obj.Contents = out.copy_foreign(source.Contents)
            page.obj.Resources = out.copy_foreign(source.Resources)
            if "/Annots" in page.obj:
                del page.obj["/Annots"]
        stamps = [out.copy_foreign(own.pages[index].as_form_xobject()) for index in STAMP_PAGES]
        swapped = {page.obj.objgen for page in targets.values()}
        for number, page in enumerate(book_pages):
            if page.obj.objgen in swapped:
                continue  # laid out with the line
            name = f"/WorkbookCopy{number % 2}"  # a part's pages may share one resource dictionary
            draw_over(out, page, "/XObject", name, stamps[number % 2], f"q {name} Do Q\n".encode())
        _name_document(out, f"{book_title} – {personal.name}", " · ".join(filter(None, [personal.stamp, personal.details])))
        buffer = io.BytesIO()
        out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
        return buffer.getvalue()


def _page_of(out: pikepdf.Pdf, ident: str, pages: list[pikepdf.Page]) -> int:
    """The index of the page the named destination `ident` is on."""
    names = out.Root.get("/Names")
    target = pikepdf.NameTree(names.Dests).get(ident) if names is not None and "/Dests" in names else None
    array = target.get("/D") if isinstance(target, pikepdf.Dictionary) else target
    if isinstance(array, pikepdf.Array) and len(array):
        objgen = array[0].objgen
        for index, page in enumerate(pages):
            if page.obj.objgen == objgen:
                return index
    raise PersonalPageError([Diagnostic("layouts/pdf.html", None, f"the book's PDF has no page with id {ident!r}; "
                                        "personal copies need the owner and title pages of workbook's own pdf.html")])


def _content_pages(element: pikepdf.Dictionary, page=None) -> set[tuple[int, int]]:
    """The pages (objgen) the content of `element` and its descendants is on."""
    at = element.get("/Pg", page)
    found: set[tuple[int, int]] = set()
    for kid in kids(element):
        if is_mcid(kid):
            if at is not None:
                found.add(at.objgen)
        elif isinstance(kid, pikepdf.Dictionary):
            if kid.get("/Type") in ("/MCR", "/OBJR"):
                on = kid.get("/Pg", at)
                if on is not None:
                    found.add(on.objgen)
            elif "/S" in kid:
                found |= _content_pages(kid, at)
    return found


def _swap_elements(out: pikepdf.Pdf, own: pikepdf.Pdf, targets: dict[int, pikepdf.Page]) -> None:
    """The structure elements of the book's target pages replaced by those of the personal pages (at the
    place of the first one removed), the parent tree's arrays of those pages and the ID tree to match."""
    document = document_element(out)
    target_pages = {page.obj.objgen for page in targets.values()}
    tops = _tops_on(out, document, targets.values())
    if not tops or any(not _content_pages(top) <= target_pages for top in tops):
        raise RuntimeError("the owner and title pages share structure elements with other pages")
    own_pages = {own.pages[index].obj.objgen: index for index in targets}
    new_tops = []
    for top in (kid for kid in kids(document_element(own)) if is_element(kid)):
        span = _content_pages(top)
        if span and span <= set(own_pages):
            _mark_pages(top, own_pages)
            if "/P" in top:
                del top["/P"]  # else copy_foreign takes the whole tree along
            new_tops.append(top)
    copied = [cast(pikepdf.Dictionary, out.copy_foreign(top)) for top in new_tops]
    by_index = {index: page.obj for index, page in targets.items()}
    arrays: dict[int, dict[int, pikepdf.Dictionary]] = {index: {} for index in targets}
    ids: dict[bytes, pikepdf.Dictionary] = {}
    for top in copied:
        top.P = document
        _settle(top, by_index, arrays, ids, None)
    removed_ids = {bytes(top.ID) for top in tops if "/ID" in top}
    gone = {top.objgen for top in tops}
    everything = kids(document)
    at = next(n for n, kid in enumerate(everything) if kid.objgen in gone)
    kept = [kid for kid in everything if not (is_element(kid) and kid.objgen in gone)]
    document.K = pikepdf.Array(kept[:at] + copied + kept[at:])
    _update_parent_tree(out, targets, arrays)
    _update_id_tree(out, removed_ids, ids)


def _tops_on(out: pikepdf.Pdf, document: pikepdf.Dictionary, pages: Iterable[pikepdf.Page]) -> list[pikepdf.Dictionary]:
    """The Document's kids that hold the marked content of `pages` (found through the parent tree, not by
    walking the whole book's tree)."""
    nums = out.Root.StructTreeRoot.ParentTree.get("/Nums", pikepdf.Array())
    arrays = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    found: dict[tuple[int, int], pikepdf.Dictionary] = {}
    for page in pages:
        key = page.obj.get("/StructParents")
        for element in arrays.get(int(key), ()) if key is not None else ():
            while isinstance(element, pikepdf.Dictionary) and "/P" in element and element.P.objgen != document.objgen:
                element = element.P
            if isinstance(element, pikepdf.Dictionary) and "/P" in element:
                found.setdefault(element.objgen, element)
    return list(found.values())


def _mark_pages(element: pikepdf.Dictionary, own_pages: dict[tuple[int, int], int]) -> None:
    """Each /Pg under `element` (in the personal document) becomes a stand-in name (/WorkbookPage1), so copying
    the elements does not copy the personal document's pages; _settle points them at the book's pages."""
    for holder in [element, *(kid for kid in kids(element) if isinstance(kid, pikepdf.Dictionary))]:
        page = holder.get("/Pg")
        if page is not None and not isinstance(page, pikepdf.Name):
            holder.Pg = pikepdf.Name(f"/WorkbookPage{own_pages[page.objgen]}")
    for kid in kids(element):
        if is_element(kid):
            _mark_pages(kid, own_pages)


def _settle(element: pikepdf.Dictionary, pages: dict[int, pikepdf.Dictionary],
            arrays: dict[int, dict[int, pikepdf.Dictionary]], ids: dict[bytes, pikepdf.Dictionary], at: int | None) -> None:
    """The stand-in pages of a copied element replaced by the book's; its MCIDs collected per page for the
    parent tree; its HTML id made its /ID."""
    mark = element.get("/Pg")
    if isinstance(mark, pikepdf.Name):
        at = int(str(mark)[len("/WorkbookPage"):])
        element.Pg = pages[at]
    ident = element.get(ID_KEY)
    if ident is not None:
        ids.setdefault(bytes(ident), element)
        element.ID = pikepdf.String(bytes(ident))
        del element[ID_KEY]
    for kid in kids(element):
        if is_mcid(kid):
            if at is not None:
                arrays[at][int(kid)] = element
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            on = kid.get("/Pg")
            index = at
            if isinstance(on, pikepdf.Name):
                index = int(str(on)[len("/WorkbookPage"):])
                kid.Pg = pages[index]
            if index is not None:
                arrays[index][int(kid.MCID)] = element
        elif is_element(kid):
            _settle(kid, pages, arrays, ids, at)


def _update_parent_tree(out: pikepdf.Pdf, targets: dict[int, pikepdf.Page],
                        arrays: dict[int, dict[int, pikepdf.Dictionary]]) -> None:
    """Each target page's entry in the parent tree (a flat /Nums, as structure.py writes it) holds its new
    MCID -> element array; a page that had none gets the next key."""
    root = out.Root.StructTreeRoot
    nums = root.ParentTree.Nums
    position = {int(nums[i]): i + 1 for i in range(0, len(nums), 2)}
    for index, page in targets.items():
        mcids = arrays[index]
        array = out.make_indirect(pikepdf.Array([mcids.get(i) for i in range(max(mcids) + 1)])) if mcids else None
        key = page.obj.get("/StructParents")
        if key is not None and int(key) in position:
            if array is None:
                del page.obj["/StructParents"]
                nums[position[int(key)]] = pikepdf.Array()
            else:
                nums[position[int(key)]] = array
        elif array is not None:
            fresh = int(root.get("/ParentTreeNextKey", 0))
            nums.append(fresh)
            nums.append(array)
            page.obj.StructParents = fresh
            root.ParentTreeNextKey = fresh + 1


def _update_id_tree(out: pikepdf.Pdf, removed: set[bytes], added: dict[bytes, pikepdf.Dictionary]) -> None:
    """The ID tree (one flat /Names node, as structure.py writes it) without the removed elements' ids and
    with the new elements', in byte order."""
    tree = out.Root.StructTreeRoot.get("/IDTree")
    flat = list(tree.Names) if tree is not None and "/Names" in tree else []
    entries = {bytes(flat[i]): flat[i + 1] for i in range(0, len(flat), 2) if bytes(flat[i]) not in removed}
    entries.update(added)
    write_id_tree(out, entries)


def _name_document(out: pikepdf.Pdf, title: str, subject: str) -> None:
    """The document information's and the XMP's title and subject (dc:description) naming the reader."""
    out.docinfo["/Title"] = pikepdf.String(title)
    out.docinfo["/Subject"] = pikepdf.String(subject)
    with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = title
        meta["dc:description"] = subject
