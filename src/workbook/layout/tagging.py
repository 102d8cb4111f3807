"""A laid-out WeasyPrint document in, its tagged PDF out (worker side): WeasyPrint's structure tree with each
element's HTML id, margin boxes and pictures without alt text as artifacts.

WeasyPrint 70 (`pdf_tags=True`) tags headings, paragraphs, lists, tables, figures and links, and draws
backgrounds and borders (the writing lines) as artifacts. What it leaves to us:
- every structure element is made page by page, so a section or paragraph that crosses a page break is
  two elements; its tag builder is wrapped here so that an element made for an HTML element with an id
  carries that id (`/WorkbookId`), and the join (structure.py) puts the fragments together again;
- the text of margin boxes (running heads, front-matter folios) gets marked content that no element
  reaches: it becomes `/Artifact` here, in the page's content bytes;
- a picture with an empty or missing alt (QR codes beside printed addresses, decorative pictures)
  becomes a Figure without /Alt: it is taken out of the tree, so its drawing is an artifact too.
The join rebuilds the parent tree from the tree, so what is dropped here needs no other bookkeeping.
"""
from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pikepdf
import weasyprint

LOG = logging.getLogger("workbook")
ID_KEY = "/WorkbookId"  # private key: the HTML id of the element a structure element was made for
_BDC = re.compile(rb"/(\w+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
_LOCK = threading.Lock()

try:  # WeasyPrint's private tag builder (weasyprint.pdf.tags, version 70); without it no ids are added
    import pydyf
    from weasyprint.pdf import tags as _tags

    _ORIGINAL = _tags._build_box_tree
except (ImportError, AttributeError):  # pragma: no cover - another WeasyPrint than pyproject pins
    _tags, _ORIGINAL = None, None


def _with_ids(box, parent, pdf, page_number, nums, annotations, tags):
    """WeasyPrint's `_build_box_tree`, with the HTML id of the box's element on the elements it makes, and
    a table header's scope (its `scope` attribute: row, else column)."""
    for element in _ORIGINAL(box, parent, pdf, page_number, nums, annotations, tags):
        html = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None) if html is not None else None
        ident = html.get("id") if html is not None and tag not in (None, "html", "body") else None
        if ident and "WorkbookId" not in element:
            element["WorkbookId"] = pydyf.String(ident)
        if tag == "th" and element.get("S") == "/TH" and "A" in element:
            element["A"]["Scope"] = "/Row" if html.get("scope") == "row" else "/Column"
        yield element


@contextmanager
def _ids() -> Iterator[bool]:
    """WeasyPrint's tag builder wrapped for the length of one write (its recursion looks the name up in its
    module, so the whole tree goes through the wrapper); False where the builder is not there."""
    if _tags is None or _ORIGINAL is None:
        LOG.warning("WeasyPrint has no weasyprint.pdf.tags._build_box_tree: elements split by a page break "
                    "stay split in the tagged PDF")
        yield False
        return
    with _LOCK:
        _tags._build_box_tree = _with_ids
        try:
            yield True
        finally:
            _tags._build_box_tree = _ORIGINAL


def write_tagged(document: weasyprint.Document, **options) -> bytes:
    """The document's PDF with WeasyPrint's structure tree, ids on its elements, artifacts repaired."""
    with _ids():
        data = document.write_pdf(pdf_tags=True, **options)
    return repair(data)


def kids(element: pikepdf.Object) -> list:
    """An element's /K as a list (a single kid or none are allowed too)."""
    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def is_mcid(kid) -> bool:
    return isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and kid._type_code == pikepdf.ObjectType.integer)


def is_element(kid) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.get("/Type") not in ("/MCR", "/OBJR")


def repair(data: bytes) -> bytes:
    """Figures without /Alt out of the tree; marked content no element reaches made `/Artifact`."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return data
        _drop_figures_without_alt(root)
        reached = reachable_mcids(root)
        changed = False
        for page in pdf.pages:
            changed |= artifact_orphans(pdf, page, reached.get(page.obj.objgen, set()))
        buffer = io.BytesIO()
        pdf.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
        return buffer.getvalue()


def _drop_figures_without_alt(root: pikepdf.Dictionary) -> None:
    def visit(element) -> None:
        if "/K" not in element:
            return
        found = kids(element)
        kept = [kid for kid in found if not (is_element(kid) and kid.get("/S") == "/Figure" and "/Alt" not in kid)]
        if len(kept) != len(found):
            element.K = pikepdf.Array(kept)
        for kid in kept:
            if is_element(kid):
                visit(kid)

    visit(root)


def reachable_mcids(root: pikepdf.Dictionary) -> dict[tuple[int, int], set[int]]:
    """Page (objgen) -> the MCIDs the structure tree under `root` reaches on it."""
    found: dict[tuple[int, int], set[int]] = {}

    def visit(element, page) -> None:
        page = element.get("/Pg", page)
        for kid in kids(element):
            if is_mcid(kid):
                if page is not None:
                    found.setdefault(page.objgen, set()).add(int(kid))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                at = kid.get("/Pg", page)
                if at is not None:
                    found.setdefault(at.objgen, set()).add(int(kid.MCID))
            elif is_element(kid):
                visit(kid, page)

    for top in kids(root):
        if is_element(top):
            visit(top, None)
    return found


def artifact_orphans(pdf: pikepdf.Pdf, page: pikepdf.Page, reached: set[int]) -> bool:
    """Rewrite `/Tag <</MCID n>> BDC` to `/Artifact BMC` in the page's content for each MCID not in
    `reached`. Bytes-level: WeasyPrint writes text as hex strings, so the pattern cannot occur inside one."""
    contents = page.obj.get("/Contents")
    if contents is None:
        return False
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    data = b"\n".join(stream.read_bytes() for stream in streams)
    new = _BDC.sub(lambda m: m[0] if int(m[2]) in reached else b"/Artifact BMC", data)
    if new == data:
        return False
    page.obj.Contents = pikepdf.Stream(pdf, new)
    return True
