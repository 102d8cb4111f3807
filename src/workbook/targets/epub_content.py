"""Rendered XHTML content documents in, EPUB-ready ones out: pictures renamed into the package,
dead links unwrapped, a worksheet pointer under each prompt, page-break markers inserted."""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import lxml.etree

from ..errors import Diagnostic, OutputError
from ..files.bookfiles import image_path
from ..layout.pagelist import PageBreak, marker_id
from ..source.resources import WEB_SCHEMES

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
X = f"{{{XHTML}}}"
# Elements whose children may not include a bare <span>: a marker for them goes elsewhere.
_NO_PHRASING = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "nav", "head", "html", "svg"}
_FIRST_CHILD = {"li", "dt", "dd", "td", "th"}


@dataclass
class Content:
    """One content document being prepared: its package file name and parsed tree."""

    file_name: str
    root: lxml.etree._Element

    def ids(self) -> list[str]:
        """Ids a page-break marker can be placed before, in document order."""
        found = []
        for element in self.root.iter(f"{X}*"):
            ident = element.get("id")
            if not ident or element.tag == f"{X}html":
                continue
            parent = element.getparent()
            local = lxml.etree.QName(element).localname
            parent_local = lxml.etree.QName(parent).localname if parent is not None else "html"
            if any(lxml.etree.QName(a).namespace != XHTML for a in element.iterancestors()):
                continue
            if parent_local in _NO_PHRASING and local not in _FIRST_CHILD:
                continue
            found.append(ident)
        return found

    def serialise(self) -> bytes:
        return lxml.etree.tostring(self.root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def parse(file_name: str, data: bytes) -> Content:
    """Parse a rendered document; a template or chapter that is not well-formed XHTML fails with its name."""
    try:
        root = lxml.etree.fromstring(data)
    except lxml.etree.XMLSyntaxError as exc:
        # The position is in a file workbook generated, which the author never sees: name it as such
        # and point at what it is made from.
        raise OutputError([Diagnostic("epub", None, (
            f"generated file {file_name} could not be written because it is not well-formed XHTML "
            f"({exc.msg}, at line {exc.lineno} of the generated file); it is made from the book's "
            "chapters, book.yaml values and the EPUB layouts (a book's own layouts/ if it has them) — "
            "look there for raw HTML or template text that does not close"))]) from None
    return Content(file_name, root)


def relink_images(content: Content, names: dict[str, str]) -> None:
    """Point every <img> at its file in the package (`names`: book path -> package path)."""
    for img in content.root.iter(f"{X}img"):
        src = img.get("src") or ""
        path = image_path(src) or src
        if path in names:
            img.set("src", urllib.parse.quote(names[path]))
        if img.get("alt") is None:
            img.set("alt", "")


def unwrap_dead_links(content: Content, targets: dict[str, str]) -> None:
    """Links a reader cannot follow in an e-book (/url, other files) become plain text; #id links
    are pointed at the document that holds the id (`targets`: id -> file name)."""
    for link in list(content.root.iter(f"{X}a")):
        raw = link.get("href")
        if raw is None:
            continue
        href = raw.strip()
        if href.startswith("#"):
            holder = targets.get(urllib.parse.unquote(href[1:]))
            if holder is not None:
                if holder != content.file_name:
                    link.set("href", holder + href)
                continue
        elif urllib.parse.urlsplit(href).scheme.lower() in WEB_SCHEMES:
            continue
        link.tag = f"{X}span"
        for attribute in ("href", "title", "rel", "target"):
            link.attrib.pop(attribute, None)
        link.set("class", (link.get("class", "") + " dead-link").strip())


def worksheet_pointers(content: Content, chapter_number: int, template: str) -> None:
    """Under each prompt's lines, a short note: the same question is on the printable worksheets."""
    for box in content.root.iter(f"{X}div"):
        if "prompt" not in (box.get("class") or "").split():
            continue
        number = (box.get("id") or "").rsplit("-", 1)[-1]
        note = lxml.etree.SubElement(box, f"{X}p", {"class": "prompt-worksheet"})
        note.text = format_words(template, chapter=chapter_number, number=number)


def format_words(template: str, **values: object) -> str:
    """A locale phrase with {placeholders} filled; unknown placeholders are left as written."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], m[0])), str(template))


def insert_page_breaks(content: Content, breaks: list[PageBreak]) -> None:
    """Put `<span epub:type="pagebreak" role="doc-pagebreak" id="page-N" aria-label="N"/>` markers
    before the blocks where each printed page starts (inside list items and cells, at their start)."""
    by_id = {el.get("id"): el for el in content.root.iter(f"{X}*") if el.get("id")}
    body = content.root.find(f"{X}body")
    placed: dict[str, lxml.etree._Element] = {}  # first-child markers already put into an element
    for page in breaks:
        marker = lxml.etree.Element(f"{X}span", {f"{{{EPUB_NS}}}type": "pagebreak", "role": "doc-pagebreak",
                                                   "id": marker_id(page.label), "aria-label": page.label})
        before = page.before
        target = by_id.get(before) if before else None
        if before is None or target is None:
            if body is None:  # the EPUB layouts always have one; a book's own layouts/ might not
                raise OutputError([Diagnostic("epub", None, f"generated file {content.file_name} has no <body>; "
                                                            "check the EPUB layouts (a book's own layouts/ if it has them)")])
            body.append(marker)
            continue
        if lxml.etree.QName(target).localname in _FIRST_CHILD:
            previous = placed.get(before)
            if previous is None:
                marker.tail, target.text = target.text, None
                target.insert(0, marker)
            else:
                marker.tail, previous.tail = previous.tail, None
                previous.addnext(marker)
            placed[before] = marker
        else:
            # Markers for pages on which no block starts share the place: keep them in page order.
            target.addprevious(marker)
