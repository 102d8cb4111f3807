"""Tagged part PDFs joined into one (pikepdf) in, one structure tree for the joined pages out: the parts'
trees merged in reading order, the parent tree and ID tree rebuilt, XMP with the PDF/UA identification;
form elements added to it later; untagged editions stripped of it.

WeasyPrint makes every part's tree page by page (tagging.py). The join copies the parts' pages; their
trees are copied after them (`copy_foreign` then maps each element's page and each link's annotation
onto the copies), appended under one Document in part order, which is reading order. Fragments of one
HTML element that a page break split (same id, same type, one after the other) become one element again;
elements on pages the join dropped (the half-title the cover replaces) go. The parent tree is then made
from the tree itself: per page an array MCID -> element, then one entry per annotation the tree points
at, so it is consistent by construction. Every HTML id becomes its element's /ID (listed in /IDTree):
the fields find their prompt's element by it (`add_form_element`), in this PDF or after it was saved.
"""
from __future__ import annotations

import io
from collections.abc import Mapping

import pikepdf

from .tagging import ID_KEY, is_element, is_mcid, kids

_KEPT_EMPTY = ("/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TH", "/TD")  # an empty cell keeps its table whole


def tagged(pdf: pikepdf.Pdf) -> bool:
    """Does `pdf` have a structure tree with a Document element (a tagged part or joined run)?"""
    root = pdf.Root.get("/StructTreeRoot")
    return root is not None and any(is_element(top) for top in kids(root))


def document_element(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    """The Document element at the top of a tagged PDF's structure tree."""
    return next(top for top in kids(pdf.Root.StructTreeRoot) if is_element(top))


def merge_trees(out: pikepdf.Pdf, sources: list[pikepdf.Pdf], first: int = 0,
                final: bool = True) -> dict[str, pikepdf.Dictionary]:
    """One structure tree for `out`, whose pages were copied from `sources` (`out` itself may be one of
    them: the join's base). The sources' Document kids go under out's Document in the order of
    `sources`; `first` sources go before out's own (the cover, put in front of the base).

    `final`: the HTML ids become the elements' /ID (in /IDTree) and the private key goes; a run of parts
    that is joined again later keeps the private key instead (a part's stand-in for an id of another
    run must not take that id). Returns the elements by HTML id (`final` only).
    """
    document = document_element(out)
    own = [(-1, kid) for kid in kids(document) if is_element(kid)]
    before: list[tuple[int, pikepdf.Dictionary]] = []
    after: list[tuple[int, pikepdf.Dictionary]] = []
    for index, source in enumerate(sources):
        if source is out:
            continue
        top = document_element(source)
        if "/P" in top:
            del top["/P"]  # else copy_foreign drags the source's whole StructTreeRoot and ParentTree along
        copied = out.copy_foreign(top)
        moved = [kid for kid in kids(copied) if is_element(kid)]
        for kid in moved:
            kid.P = document
        (before if index < first else after).extend((index, kid) for kid in moved)
    walk = _Walk({page.obj.objgen for page in out.pages}, final)
    tops = _join_fragments([kid for _index, kid in [*before, *own, *after]])
    sources_of = {kid.objgen: index for index, kid in [*before, *own, *after]}
    kept = []
    for kid in tops:
        if walk.element(kid, sources_of.get(kid.objgen, -1), None):
            if "/Pg" in kid and kid.Pg.objgen not in walk.pages:
                del kid["/Pg"]  # its content is all on other pages (a fragment moved)
            kept.append(kid)
    document.K = pikepdf.Array(kept)
    ids = _assign_ids(out, walk) if final else {}
    _write_parent_tree(out, walk.per_page, walk.per_annotation)
    return ids


def _ident(element) -> bytes | None:
    value = element.get(ID_KEY)
    return bytes(value) if value is not None else None


def _join_fragments(found: list) -> list:
    """Consecutive elements with the same HTML id and type (one element a page break split) become one;
    kids of the later fragments move to the first, MCIDs of another page as marked-content references."""
    merged: list = []
    last_ident = None
    for kid in found:
        ident = _ident(kid) if is_element(kid) else None
        last = merged[-1] if merged else None
        if ident is not None and ident == last_ident and last is not None and kid.get("/S") == last.get("/S"):
            page = last.get("/Pg")
            moved = kids(last)
            at = kid.get("/Pg")
            for grandchild in kids(kid):
                if is_mcid(grandchild):
                    if at is not None and (page is None or at.objgen != page.objgen):
                        grandchild = pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=at, MCID=int(grandchild))
                elif is_element(grandchild):
                    grandchild.P = last
                    if "/Pg" not in grandchild and at is not None:
                        grandchild.Pg = at
                moved.append(grandchild)
            last.K = pikepdf.Array(moved)
            continue
        merged.append(kid)
        last_ident = ident
    return merged


class _Walk:
    """One pass over the merged tree: fragments joined, table header IDs made unique, content on pages
    not in the document dropped and elements left empty with it, and what the parent tree and the ID
    tree are made of collected."""

    def __init__(self, pages: set, final: bool, headers: bool = True):
        self.pages = pages
        self.final = final
        self.headers = headers  # make table header IDs unique (a merge; not when the tree is only re-read)
        self.per_page: dict[tuple[int, int], dict[int, pikepdf.Dictionary]] = {}
        self.per_annotation: dict[tuple[int, int], pikepdf.Dictionary] = {}
        self.candidates: dict[bytes, list[pikepdf.Dictionary]] = {}
        self.with_id: list[pikepdf.Dictionary] = []

    def element(self, element: pikepdf.Dictionary, source: int, page) -> bool:
        """Tidy `element` and what is under it; True if it stays: it keeps some content, or has an id (a
        notes page's empty lines are where its field goes), or is part of a table's frame."""
        at = element.get("/Pg")
        page = at if at is not None else page
        tag = element.get("/S")
        if self.headers and tag in ("/TH", "/TD"):
            self._headers(element, source)
        ident = _ident(element)
        if ident is not None:
            self.candidates.setdefault(ident, []).append(element)
            if self.final:
                del element[ID_KEY]
        elif "/ID" in element:
            self.with_id.append(element)
        found = kids(element)
        kept = []
        for kid in _join_fragments(found):
            if is_mcid(kid):
                if page is not None and page.objgen in self.pages:
                    kept.append(kid)
                    self.per_page.setdefault(page.objgen, {})[int(kid)] = element
            elif not isinstance(kid, pikepdf.Dictionary):
                continue
            elif kid.get("/Type") == "/MCR":
                on = kid.get("/Pg", page)
                if on is not None and on.objgen in self.pages:
                    kept.append(kid)
                    self.per_page.setdefault(on.objgen, {})[int(kid.MCID)] = element
            elif kid.get("/Type") == "/OBJR":
                on = kid.get("/Pg", page)
                if on is not None and on.objgen in self.pages:
                    kept.append(kid)
                    self.per_annotation[kid.Obj.objgen] = element
            elif "/S" in kid:
                if self.element(kid, source, page):
                    if "/Pg" in kid and kid.Pg.objgen not in self.pages:
                        del kid["/Pg"]  # its content is all on other pages (a fragment moved)
                    kept.append(kid)
        if len(kept) != len(found) or not isinstance(element.get("/K"), pikepdf.Array):
            element.K = pikepdf.Array(kept)
        return bool(kept) or ident is not None or "/ID" in element or tag in _KEPT_EMPTY

    def _headers(self, element: pikepdf.Dictionary, source: int) -> None:
        """Table header IDs unique in the joined PDF (WeasyPrint numbers them per part by object number):
        prefixed by the source's place, in the headers and in the cells that name them."""
        if element.get("/S") == "/TH" and "/ID" in element:
            element.ID = pikepdf.String(f"{source + 1}.".encode() + bytes(element.ID))
            if "/A" in element and isinstance(element.A, pikepdf.Dictionary) and "/Scope" not in element.A:
                element.A.Scope = pikepdf.Name.Column
        attributes = element.get("/A")
        for attribute in (list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]):
            if isinstance(attribute, pikepdf.Dictionary) and "/Headers" in attribute:
                attribute.Headers = pikepdf.Array([pikepdf.String(f"{source + 1}.".encode() + bytes(h))
                                                   for h in attribute.Headers])


def _assign_ids(out: pikepdf.Pdf, walk: _Walk) -> dict[str, pikepdf.Dictionary]:
    """Each HTML id as the /ID of its element (the first with content where several carry it: a link's
    stand-in in another part is empty); every /ID in the /IDTree."""
    with_id = list(walk.with_id)
    taken = {bytes(element.ID) for element in with_id}
    ids: dict[str, pikepdf.Dictionary] = {}
    for ident, elements in walk.candidates.items():
        if ident in taken:
            continue
        chosen = next((e for e in elements if kids(e) and "/ID" not in e), None) or \
            next((e for e in elements if "/ID" not in e), None)
        if chosen is None:
            continue
        chosen.ID = pikepdf.String(ident)
        with_id.append(chosen)
        taken.add(ident)
        ids[ident.decode("utf-8", "replace")] = chosen
    write_id_tree(out, {bytes(element.ID): element for element in with_id})
    return ids


def write_id_tree(out: pikepdf.Pdf, entries: Mapping[bytes, pikepdf.Object]) -> None:
    """The /IDTree as one flat /Names node, its ids in byte order (none: no /IDTree)."""
    root = out.Root.StructTreeRoot
    if not entries:
        if "/IDTree" in root:
            del root["/IDTree"]
        return
    flat: list = []
    for key in sorted(entries):
        flat += [pikepdf.String(key), entries[key]]
    root.IDTree = out.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(flat)))


def rebuild_parent_tree(out: pikepdf.Pdf) -> None:
    """The parent tree made from the structure tree as it stands (content on pages not in the document
    and elements left empty by it dropped)."""
    walk = _Walk({page.obj.objgen for page in out.pages}, final=False, headers=False)
    for top in kids(out.Root.StructTreeRoot):
        if is_element(top):
            walk.element(top, 0, None)
    _write_parent_tree(out, walk.per_page, walk.per_annotation)


def _write_parent_tree(out: pikepdf.Pdf, per_page: dict, per_annotation: dict) -> None:
    """Per page (in page order) an array MCID -> element, then one key per annotation an OBJR points at;
    pages' /StructParents, annotations' /StructParent and /ParentTreeNextKey to match."""
    nums: list = []
    key = 0
    pages = [page.obj for page in out.pages]
    for page in pages:
        if "/StructParents" in page:
            del page["/StructParents"]
        mcids = per_page.get(page.objgen)
        if mcids:
            nums += [key, out.make_indirect(pikepdf.Array([mcids.get(i) for i in range(max(mcids) + 1)]))]
            page.StructParents = key
            key += 1
        page.Tabs = pikepdf.Name.S
    for page in pages:
        for annotation in page.get("/Annots", []):
            element = per_annotation.get(annotation.objgen)
            if element is None:
                if "/StructParent" in annotation:
                    del annotation["/StructParent"]
                continue
            nums += [key, element]
            annotation.StructParent = key
            key += 1
    root = out.Root.StructTreeRoot
    root.ParentTree = out.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = key


def artifact(drawing: bytes) -> bytes:
    """Content drawn over the laid-out pages (folios, marks) as an artifact: not part of the text."""
    return b"/Artifact BMC\n" + drawing + b"\nEMC\n"


def artifact_page(out: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """All of a page's drawing (a page laid out without tags: the notes page before a chapter) an artifact."""
    page.contents_add(pikepdf.Stream(out, b"/Artifact BMC\n"), prepend=True)
    page.contents_add(pikepdf.Stream(out, b"\nEMC\n"))


def finish_tags(out: pikepdf.Pdf) -> None:
    """What a tagged PDF declares in its catalogue and metadata: marked, its title shown, its language,
    and XMP with the PDF/UA identification, the title and the book's identifier (its dates from the
    document information, never the clock: the same book gives the same file)."""
    root = out.Root
    root.MarkInfo = pikepdf.Dictionary(Marked=True)
    preferences = root.get("/ViewerPreferences")
    if preferences is None:
        root.ViewerPreferences = preferences = pikepdf.Dictionary()
    preferences.DisplayDocTitle = True
    if "/Lang" not in root:
        root.Lang = pikepdf.String("und")
    info = out.docinfo
    title = str(info.get("/Title", ""))
    identifier = bytes(out.trailer.ID[0]).decode("utf-8", "replace") if "/ID" in out.trailer else ""
    with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.load_from_docinfo(info, delete_missing=False)
        meta.register_xml_namespace("http://www.aiim.org/pdfua/ns/id/", "pdfuaid")
        meta["pdfuaid:part"] = "1"
        if title:
            meta["dc:title"] = title
        if identifier:
            meta["dc:identifier"] = identifier
        created = meta.get("xmp:CreateDate")
        if created:
            meta["xmp:MetadataDate"] = meta.get("xmp:ModifyDate", created)


def finish_tree(pdf: pikepdf.Pdf) -> bool:
    """The tree of an open one-document PDF made whole, in place (see finish_document); False if untagged."""
    if not tagged(pdf):
        return False
    merge_trees(pdf, [pdf])
    finish_tags(pdf)
    return True


def finish_document(data: bytes) -> bytes:
    """A tagged PDF of one document (the worksheets) with its tree made whole as a joined PDF's is:
    fragments joined, ids as /ID, the parent tree rebuilt, XMP. An untagged PDF comes back as it is."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if not finish_tree(pdf):
            return data
        buffer = io.BytesIO()
        pdf.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
        return buffer.getvalue()


def strip_tags(out: pikepdf.Pdf) -> None:
    """No structure tree (the print editions: PDF/X files carry none); the marked content stays, harmless."""
    for key in ("/StructTreeRoot", "/MarkInfo"):
        if key in out.Root:
            del out.Root[key]
    for page in out.pages:
        for key in ("/StructParents", "/Tabs"):
            if key in page.obj:
                del page.obj[key]
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                del annotation["/StructParent"]


def add_form_element(pdf: pikepdf.Pdf, element_id: str, widget: pikepdf.Dictionary, page: pikepdf.Page) -> bool:
    """A /Form element for `widget` (an indirect widget annotation on `page`) inside the element whose HTML
    id was `element_id` (a prompt's: right after its first P, the question, so the field is read after
    the question that names it; else at its end). Sets the widget's /StructParent and adds it to the
    parent tree. False when the PDF has no structure tree or no element with that id."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None or "/IDTree" not in root:
        return False
    element = pikepdf.NameTree(root.IDTree).get(element_id)
    if element is None:
        return False
    reference = pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=widget, Pg=page.obj)
    form = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Form, P=element,
                                                Pg=page.obj, K=pikepdf.Array([reference])))
    found = kids(element)
    at = next((i + 1 for i, kid in enumerate(found) if is_element(kid) and kid.get("/S") == "/P"), len(found))
    element.K = pikepdf.Array([*found[:at], form, *found[at:]])
    tree = root.get("/ParentTree")
    if tree is None or "/Kids" in tree or "/Nums" not in tree or "/ParentTreeNextKey" not in root:  # not ours: anew
        rebuild_parent_tree(pdf)
    else:  # the next key is the largest, so the entry goes last and the numbers stay in order
        key = int(root.get("/ParentTreeNextKey", 0))
        tree.Nums.append(key)
        tree.Nums.append(form)
        widget.StructParent = key
        root.ParentTreeNextKey = key + 1
    page.obj.Tabs = pikepdf.Name.S
    return True
