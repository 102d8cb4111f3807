"""A book's templates in, the pages laid out on their own for the join out: the reader's cover, the blank
notes page before a chapter that would open on the left, and the chapters' folios (chapters are laid
out without them), each a PDF with the font files it uses, kept in the cache by its HTML.

Folio pages depend on nothing but the book's styles and how many pages print a folio: FOLIO_CHUNK pages
a document, page `at` of the chapters printing folio at + 1 on the right when `at` is even. So a build
can lay them out in a worker while the last parts are laid out (scheduler.py), and an edit that adds a
page lays out only the last chunk again.
"""
from __future__ import annotations

import json
import re
import struct

import weasyprint

from ..cache.store import Cache, _key
from ..model.pages import LAYOUT
from ..render.templates import Renderer
from .document import Typesetter
from .fonts import part_fonts

Single = tuple[bytes, dict[str, str], dict[str, bytes]]  # a PDF, its fonts' names -> font file keys, the files

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)

FOLIO_CHUNK = 64  # folio pages a document: a long book's folios need no more memory than a short one's

_FOLIO_STYLE = ("<style>html, body { background: none; } @page { background: none; }"
                " @page :left { @top-left { content: none; } } @page :right { @top-right { content: none; } }"
                " .folio { break-before: page; height: 1px; }"
                " html { break-before: %s; } @page :first { counter-reset: page %d; }</style>")


def folio_count(chapter_pages: list[int]) -> int:
    """Pages from the first chapter's first page to the end: the chapters' pages and the blank pages that
    put each chapter after the first on a right-hand page (the first one opens on the right)."""
    total = 0
    for index, pages in enumerate(chapter_pages):
        if index and total % 2:
            total += 1
        total += pages
    return total


def folio_chunks(renderer: Renderer, count: int) -> list[str]:
    """The HTML of the folio documents for `count` pages: FOLIO_CHUNK empty pages each (the last one
    fewer), laid out like the book's, that print only their folio."""
    html = renderer.pdf_html(LAYOUT, part_front=False, part_chapters=[])
    chunks = []
    for at in range(0, count, FOLIO_CHUNK):
        body = '<div class="folio"></div>' * min(FOLIO_CHUNK, count - at)
        chunk = html.replace("</head>", _FOLIO_STYLE % ("left" if at % 2 else "right", at + 1) + "</head>", 1)
        chunks.append(chunk.replace("</body>", body + "</body>", 1))
    return chunks


def blank_html(renderer: Renderer) -> str:
    """The left-hand page before a chapter that would open on the left (ruled for notes, see pdf.css):
    page 1 of this HTML, laid out as a right-hand page with nothing on it, then a chapter that opens on
    the right, as in a single render."""
    html = renderer.pdf_html(LAYOUT, part_front=False, part_chapters=[])
    return html.replace("</body>", '<div></div><section class="chapter"></section></body>', 1)


def single_key(kind: str, html: str, pictures: str = "", tagged: bool = False) -> str:
    return _key(kind, html, pictures, "tagged" if tagged else "")


def document_with_head_styles(typesetter: Typesetter, html: str) -> weasyprint.Document:
    """`html` laid out with the stylesheets of its head passed as the parts' are (each parsed once per
    process: the book's stylesheet is the same in every small document)."""
    body = html.find("<body")
    head = html[:body] if body >= 0 else html
    return typesetter.document(_STYLE.sub("", head) + html[len(head):], _STYLE.findall(head) or None)


def lay_out_single(typesetter: Typesetter, html: str, index: int | None, tagged: bool = False) -> Single:
    """Page `index` of `html` (None: every page) laid out, as a PDF with the font files it uses (`tagged`:
    with a structure tree, as the cover; folios and notes pages are drawn as artifacts in the joined PDF).
    The stylesheets in its head are laid out as the parts' are (parsed once per process: the book's
    stylesheet is the same in every folio document)."""
    document = document_with_head_styles(typesetter, html)
    page = document if index is None else document.copy(document.pages[index:index + 1])
    pdf = typesetter.pdf(page, tags=tagged)
    names, files = part_fonts(page, set())
    return pdf, names, files


def read_single(cache: Cache, kind: str, key: str) -> Single | None:
    """A single page's PDF from the cache, or None (missing, corrupt, or a font file it needs is gone)."""
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
    return None


def write_single(cache: Cache, kind: str, key: str, single: Single) -> None:
    pdf, names, files = single
    for font_key, data in files.items():
        cache.write_font_file(font_key, data)
    head = json.dumps(names).encode()
    cache.write(kind, key, struct.pack(">I", len(head)) + head + pdf)
