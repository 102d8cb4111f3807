"""A Manuscript in, the book's layout cut into parts (the front matter, one part per chapter with its
notes page) out, each with its HTML; laying one part out (in a worker process); and the content-keyed
cache of laid-out parts.

A chapter is laid out once, wherever it lands: it opens on a right-hand page and prints no folio of
its own (the joined PDF stamps the folios, pdfmerge.py), so its pages are the same at any start. The
front matter is laid out with the contents' page numbers, once the chapters' page counts are known
(scheduler.py). Links to ids in other parts get invisible stand-ins so WeasyPrint keeps them; the
joined PDF points them at the real place. Laid-out parts are kept in `.workbook-cache/parts/`, keyed
by a hash of their HTML (chapter, templates, styles, settings), the pictures they show and their
start; a corrupt entry is laid out again.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..cache.store import _key
from ..errors import Diagnostic
from ..model.manuscript import Chapter, Manuscript
from ..model.pages import LayoutName
from ..render.fetcher import SafeFetcher
from ..render.templates import Renderer
from .answerfields import Space, writing_spaces
from .document import Typesetter
from .fill import fill_targets, lay_out_filled
from .fonts import part_fonts
from .pageaudit import PageFinding, audit_document
from .pagelist import anchor_pages, page_labels
from .singles import Single, lay_out_single

Need = Literal["pdf", "pages"]  # what the outputs need of a layout: the parts' PDFs, or only their pages


@dataclass(frozen=True)
class Start:
    """Where a part begins: the number its first page prints and whether that page is a right-hand one."""

    folio: int = 1
    right: bool = True


CHAPTER = Start(1, True)  # where every chapter is laid out: a right-hand page; its folios come later


@dataclass
class PartResult:
    """One laid-out part: its page count, where its ids land, the labels its pages print, and its PDF."""

    start: Start
    pages: int
    anchors: dict[str, int]  # id -> index of the first page (within the part) it is on
    labels: list[str | None]  # what each page prints as its number (None: nothing)
    extra: dict[str, int]  # writing lines added to fill blocks ({fill=page}, notes pages)
    pdf: bytes | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    toc: dict[str, str] = field(default_factory=dict)  # the contents' numbers it was laid out with (front)
    fonts: dict[str, str] = field(default_factory=dict)  # BaseFont -> key of the font file it was cut from
    font_files: dict[str, bytes] = field(default_factory=dict)  # bytes of files the worker sends the first time
    audit: list[PageFinding] = field(default_factory=list)  # the page audit of its pages (pageaudit.py)
    spaces: list[Space] = field(default_factory=list)  # its writing spaces, for fields (with the PDF; answerfields.py)

    def labels_at(self, folio: int) -> list[str | None]:
        """The labels the pages print when the part starts at `folio` (arabic folios shift, roman don't)."""
        shift = folio - self.start.folio
        return [str(int(label) + shift) if label and label.isdigit() else label for label in self.labels]


@dataclass
class Part:
    """One part of an edition: the front matter (chapter None) or one chapter with its notes page."""

    edition: LayoutName
    index: int
    chapter: Chapter | None
    html: str  # laid out as is, but for the start and (front matter) the contents' numbers
    css: str  # the template's stylesheet, taken out of html: parsed once per worker process
    key: str  # hash of everything the layout reads except the start
    ids: set[str]
    fill_ids: list[str]
    size: int  # length of its text, for guessing page counts
    ghosts: set[str] = field(default_factory=set)  # ids it links to that live in other parts

    @property
    def front(self) -> bool:
        return self.chapter is None


# -- the parts' HTML ---------------------------------------------------------------------------------

_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'\shref="#([^"]+)"')
_TAG = re.compile(r"<[^>]+>")


def splittable(renderer: Renderer) -> bool:
    """Parts need the project's pdf.html (a book's own layouts/pdf.html is rendered as one document)."""
    template = renderer.env.get_template("pdf.html")
    return not Path(template.filename or "").resolve().is_relative_to(renderer.manuscript.config.root.resolve())


def split(manuscript: Manuscript, renderer: Renderer, edition: LayoutName) -> list[Part]:
    """The edition's parts: the front matter, then one per chapter."""
    fill = set(fill_targets(manuscript))
    parts = []
    sheets: dict[str, str] = {}  # one copy of the stylesheet for all parts
    for index, chapter in enumerate([None, *manuscript.chapters]):
        if chapter is None:
            html = renderer.pdf_html(edition, part_front=True, part_chapters=[])
            pictures = [p for c in ([manuscript.how_to_use] if manuscript.how_to_use else []) for p in c.images]
            pictures_key = picture_hashes(manuscript, pictures, cover=True)
        else:
            html = renderer.pdf_html(edition, part_front=False, part_chapters=[chapter])
            pictures_key = picture_hashes(manuscript, chapter.images)
        key = _key("part", edition, html, pictures_key)
        begin = html.index("<style>")
        end = html.index("</style>", begin)
        css, html = html[begin + 7:end], html[:begin] + html[end + 8:]
        css = sheets.setdefault(css, css)
        ids = set(_ID.findall(html))
        fill_ids = [ident for ident in ids if ident in fill]
        size = len(_TAG.sub("", html[html.find("<body"):]))
        ghosts = {target for target in _HREF.findall(html) if target not in ids}
        parts.append(Part(edition, index, chapter, html, css, key, ids, sorted(fill_ids), size, ghosts))
    return parts


def part_html(part: Part, start: Start, toc: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The part's HTML and stylesheets for a start: its first page's side and number, and anchors for
    links out of it.

    Links to ids in other parts get an invisible stand-in here so WeasyPrint keeps the link; the
    merged PDF points them at the real place (its named destinations come from the owning part).
    """
    html = part.html
    if part.front:
        attr = ' data-page="{}"'
        html = re.sub(r'<a href="#([^"]+)" data-page="[^"]*">',
                      lambda m: f'<a href="#{m[1]}"{attr.format((toc or {}).get(m[1], ""))}>', html)
    css = [f"html {{ break-before: {'right' if start.right else 'left'}; }}",
           ".toc a[data-page]::after { content: leader('. ') attr(data-page); }",
           ".workbook-ghosts { position: absolute; top: 0; left: 0; width: 0; height: 0; overflow: hidden; }"]
    if not part.front:  # the joined PDF stamps a chapter's folios (they depend on where it lands)
        css.append("@page :left { @bottom-left { content: none; } } @page :right { @bottom-right { content: none; } }")
    missing = sorted(part.ghosts)
    if missing:
        ghosts = '<div class="workbook-ghosts" aria-hidden="true">' + "".join(
            f'<a id="{ident}"></a>' for ident in missing) + "</div>"
        at = html.find("<section")
        at = html.find(">", at) + 1
        html = html[:at] + ghosts + html[at:]
    return html, [part.css, "\n".join(css)]


# -- laying a part out (in a worker process) ----------------------------------------------------------

# A worker process's own state, set once by `init_worker` (the process pool's initializer) and read by
# every part that process lays out: its typesetter and the font files it has sent. Never a build's state:
# the build process passes its session's typesetter to `lay_out_part` instead.
_WORKER: dict = {}


def init_worker(manuscript: Manuscript, exclude: list[Path], parent: int | None = None, tags: bool = True) -> None:
    """Set up a worker process: its typesetter for the book (fetcher, fonts, parsed styles), and a watch
    that ends the worker when the build that started it is gone (killed, say): no worker outlives its build."""
    _WORKER["typesetter"] = Typesetter(manuscript, SafeFetcher.for_book(manuscript.config, exclude=exclude), tags=tags)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    if parent is not None:
        threading.Thread(target=watch, name="workbook-parent-watch", daemon=True).start()


def lay_out_part(html: str, css: list[str], start: Start, fill_ids: list[str], need: Need, numbered: bool = False,
                 typesetter: Typesetter | None = None, known_fonts: set[str] | None = None) -> PartResult:
    """Lay one part out (with the fill passes), read where its ids land, and write its PDF if needed.

    `numbered`: a chapter, which prints no folios of its own; its pages' labels are counted from the
    start's folio instead of read from the page.
    With the PDF come the font files its fonts were cut from (fontmerge.py joins by them): their keys,
    and the bytes of those not in `known_fonts` (in a worker: those it has not sent yet).
    """
    typesetter = typesetter or _WORKER["typesetter"]
    manuscript = typesetter.manuscript
    known = _WORKER.setdefault("sent_fonts", set()) if known_fonts is None else known_fonts
    before = list(manuscript.warnings)
    document, extra = lay_out_filled(typesetter, html, fill_ids, css)
    pdf: bytes | None = None
    fonts: dict[str, str] = {}
    files: dict[str, bytes] = {}
    spaces: list[Space] = []
    if need == "pdf":
        pdf = typesetter.pdf(document)
        spaces = writing_spaces(document)
        fonts, files = part_fonts(document, known)
        if known_fonts is None:
            known.update(files)
    warnings = [w for w in manuscript.warnings if w not in before]
    labels: list[str | None] = ([str(start.folio + page) for page in range(len(document.pages))] if numbered
                                else page_labels(document))
    return PartResult(start, len(document.pages), anchor_pages(document), labels, extra, pdf,
                      warnings, fonts=fonts, font_files=files, audit=audit_document(manuscript, document),
                      spaces=spaces)


def lay_out_alone(html: str, index: int | None) -> Single:
    """In a worker: page `index` of `html` (None: every page) laid out on its own (singles.py)."""
    return lay_out_single(_WORKER["typesetter"], html, index)


# -- the cache ---------------------------------------------------------------------------------------

def result_key(part: Part, start: Start, toc: dict[str, str] | None, tags: bool = True) -> str:
    """A laid-out part's cache key: tagged and untagged PDFs of a part are different entries."""
    return _key("laid-out", part.key, f"{start.folio}/{start.right}", json.dumps(toc or {}, sort_keys=True),
                "tagged" if tags else "untagged")


def encode_result(result: PartResult) -> bytes:
    head = json.dumps({"start": [result.start.folio, result.start.right], "pages": result.pages,
                       "anchors": result.anchors, "labels": result.labels, "extra": result.extra,
                       "toc": result.toc, "warnings": [[w.file, w.line, w.message, w.severity] for w in result.warnings],
                       "fonts": result.fonts, "audit": [finding.encode() for finding in result.audit],
                       "spaces": [space.encode() for space in result.spaces]}).encode()
    return struct.pack(">I", len(head)) + head + (result.pdf or b"")


def decode_result(data: bytes | None, need: Need) -> PartResult | None:
    """A cached part, or None when missing, corrupt or without the PDF that is needed."""
    try:
        if not data or len(data) < 4:
            return None
        (length,) = struct.unpack(">I", data[:4])
        head = json.loads(data[4:4 + length])
        pdf = data[4 + length:] or None
        if need == "pdf" and not (pdf and pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")):
            return None
        folio, right = head["start"]
        result = PartResult(Start(int(folio), bool(right)), int(head["pages"]),
                            {str(k): int(v) for k, v in head["anchors"].items()},
                            [None if v is None else str(v) for v in head["labels"]],
                            {str(k): int(v) for k, v in head["extra"].items()}, pdf,
                            [Diagnostic(f, ln, m, s) for f, ln, m, s in head["warnings"]],
                            {str(k): str(v) for k, v in head["toc"].items()},
                            {str(k): str(v) for k, v in head["fonts"].items()},
                            audit=[PageFinding.decode(item) for item in head["audit"]],
                            spaces=[Space.decode(item) for item in head["spaces"]])
        if result.pages != len(result.labels) or result.pages < 1:
            return None
        return result
    except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError):
        return None


def picture_hashes(manuscript: Manuscript, images: list, cover: bool = False) -> str:
    """A hash of the pictures a part shows (their bytes: a picture replaced under the same name counts)."""
    root = manuscript.config.root
    paths = sorted({str(image.path) for image in images if getattr(image, "path", None)})
    if cover and manuscript.config.settings.cover:
        paths.append(str(manuscript.config.settings.cover))
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode() + b"\0")
        try:
            digest.update(hashlib.sha256((root / path).read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()
