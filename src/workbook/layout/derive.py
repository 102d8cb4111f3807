"""The book's laid-out pages (joined, as a pikepdf.Pdf) and an edition in, that edition's pages out.

The book is laid out once. Each PDF edition is made from those pages after joining, without laying
anything out again:
- the reader's PDF ("screen") keeps the pages as they are, with live links and bookmarks; its first
  page, the half-title, is replaced by the cover (cover.html, laid out on its own), and the files
  book.yaml lists under `attachments:` are embedded;
- the print PDF grows every page by the bleed on all sides (MediaBox and BleedBox around the
  TrimBox, which stays the trim), draws crop marks in that bleed, and drops link annotations
  (print has no live links: further reading carries QR codes and short addresses instead).
- a printer's interior (targets/printfiles.py) gets that printer's bleed on the sides it wants (none in
  the gutter for KDP and IngramSpark), a press's crop marks in a slug outside the bleed, no annotations or
  bookmarks where they are refused, whole fonts and ruled notes pages up to the page count it wants.
All keep every page and so every page number: a coach's "page 14" is page 14 in each.
Form fields, a structure tree or a personal title page are more of the same: page objects and
dictionaries added to the joined pages, per edition or per copy, after the one layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pikepdf

from .answerfields import FieldSet, add_fields
from .structure import add_form_element, artifact, strip_tags

MM = 72 / 25.4
MARK_LENGTH = 1.6 * MM  # as long as the gap between the trim and the mark's start (never inside the trim)
MARK_WIDTH = 0.25  # pt, in registration colour: every separation gets it
MARK_GAP = 1.0 * MM  # a press's marks start this far outside the bleed and stop this far from the sheet's edge


@dataclass(frozen=True)
class Sides:
    """A printer's bleed around the trim in pt: on the outside edge, top, bottom and the gutter (bound edge)."""

    outside: float
    top: float
    bottom: float
    gutter: float


@dataclass
class Edition:
    """What to do to the joined pages to make one edition."""

    name: str
    bleed_mm: float = 0.0  # print: grow each page by this much on every side, with crop marks
    links: bool = True  # keep link annotations
    cover: bytes | None = None  # a one-page PDF to put in place of the first page (the reader's cover)
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # (name, data, date D:…)
    # A printer's interior (targets/printfiles.py): bleed per side instead of bleed_mm, crop marks in a
    # slug outside the bleed (slug > 0) or none, no annotations or bookmarks, whole fonts, ruled notes
    # pages added at the end (pages of `pad`, a PDF of a right-hand and a left-hand notes page).
    sides: Sides | None = None
    slug: float = 0.0  # pt
    annotations: bool = True
    outline: bool = True
    whole_fonts: bool = False
    pad: bytes | None = None
    pad_pages: list[int] = field(default_factory=list)  # for each page added: its page index in `pad`
    fields: FieldSet | None = None  # the reader's PDF: a text field over each writing space (answerfields.py)
    tags: bool = False  # keep the structure tree (structure.py): the reader's PDF; print files carry none

    def finish(self, out: pikepdf.Pdf) -> None:
        """Turn the joined pages in `out` into this edition (the cover page is swapped in by the join)."""
        if not self.tags:
            strip_tags(out)
        if not self.links:
            _drop_links(out)
        if not self.annotations:
            for page in out.pages:
                if "/Annots" in page.obj:
                    del page.obj["/Annots"]
        if not self.outline:
            for key in ("/Outlines", "/PageMode"):
                if key in out.Root:
                    del out.Root[key]
            names = out.Root.get("/Names")
            if names is not None and "/Dests" in names:  # nothing links to them any more
                del names["/Dests"]
        if self.sides is not None:
            for index, page in enumerate(out.pages):
                # the first page is a right-hand one (its gutter on the left, as the layout's margins put it;
                # WeasyPrint mirrors them so in right-to-left books too)
                _add_sides(out, page, self.sides, index % 2 == 0, self.slug)
        elif self.bleed_mm > 0:
            for page in out.pages:
                _add_bleed(out, page, self.bleed_mm * MM)
        for name, data, when in self.attachments:
            spec = pikepdf.AttachedFileSpec(out, data, filename=name, mime_type="application/octet-stream",
                                            creation_date=when, mod_date=when)
            out.attachments[name] = spec
        if self.fields is not None:
            for name, widget, page in add_fields(out, self.fields.spaces, self.fields.tooltips):
                if self.tags:
                    add_form_element(out, name, widget, page)  # the field read right after its question


def _drop_links(out: pikepdf.Pdf) -> None:
    for page in out.pages:
        annotations = page.obj.get("/Annots")
        if annotations is None:
            continue
        kept = [a for a in annotations if a.get("/Subtype") != "/Link"]
        if kept:
            page.obj.Annots = pikepdf.Array(kept)
        else:
            del page.obj["/Annots"]


def _add_bleed(out: pikepdf.Pdf, page: pikepdf.Page, bleed: float) -> None:
    """MediaBox = BleedBox = the trim grown by `bleed` (the TrimBox stays), and crop marks in the bleed."""
    x0, y0, x1, y1 = (float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox))
    box = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
    page.obj.MediaBox = box
    page.obj.BleedBox = box
    page.obj.TrimBox = pikepdf.Array([x0, y0, x1, y1])
    if "/CropBox" in page.obj:
        del page.obj["/CropBox"]
    gap = min(MARK_LENGTH, bleed / 2)
    length = max(bleed - gap - MARK_WIDTH, 0)  # the stroke ends inside the bleed, not on the sheet's edge
    if length <= 0:
        return
    lines = []
    for x, dx in ((x0, -1), (x1, 1)):
        for y, dy in ((y0, -1), (y1, 1)):
            # a horizontal mark on the line of the trim's top or bottom, a vertical one on its side
            lines.append(f"{x + dx * gap:.3f} {y:.3f} m {x + dx * (gap + length):.3f} {y:.3f} l S")
            lines.append(f"{x:.3f} {y + dy * gap:.3f} m {x:.3f} {y + dy * (gap + length):.3f} l S")
    marks = ("q /WorkbookRegistration CS 1 SCN " + f"{MARK_WIDTH} w 0 J [] 0 d " + " ".join(lines) + " Q\n").encode()
    draw_over(out, page, "/ColorSpace", "/WorkbookRegistration", _registration(out), marks)


def _add_sides(out: pikepdf.Pdf, page: pikepdf.Page, sides: Sides, right: bool, slug: float) -> None:
    """TrimBox the page as laid out; BleedBox grown by the printer's bleed on each side (the outside edge
    is the right one of a right-hand page); MediaBox = BleedBox, or grown by `slug` more on every side
    with crop marks at the trim's corners drawn there, outside the bleed. The page's drawing is wrapped in
    q … Q either way: WeasyPrint's flips the coordinates and leaves them so, and whatever a printer's
    tool adds after it (its own marks, a page number) would land upside down."""
    x0, y0, x1, y1 = (float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox))
    left_bleed, right_bleed = (sides.gutter, sides.outside) if right else (sides.outside, sides.gutter)
    bleed = [x0 - left_bleed, y0 - sides.bottom, x1 + right_bleed, y1 + sides.top]
    media = [bleed[0] - slug, bleed[1] - slug, bleed[2] + slug, bleed[3] + slug]
    page.obj.TrimBox = pikepdf.Array([round(v, 4) for v in (x0, y0, x1, y1)])
    page.obj.BleedBox = pikepdf.Array([round(v, 4) for v in bleed])
    page.obj.MediaBox = pikepdf.Array([round(v, 4) for v in media])
    for box in ("/CropBox", "/ArtBox"):
        if box in page.obj:
            del page.obj[box]
    if slug <= 2 * MARK_GAP:
        page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(out, b"\nQ\n"))
        return
    lines = []
    for x, edge, outward in ((x0, bleed[0], -1), (x1, bleed[2], 1)):  # a mark beside each corner, in the slug
        for y, cap, upward in ((y0, bleed[1], -1), (y1, bleed[3], 1)):
            hx = edge + outward * MARK_GAP, edge + outward * (slug - MARK_GAP)
            vy = cap + upward * MARK_GAP, cap + upward * (slug - MARK_GAP)
            lines.append(f"{hx[0]:.3f} {y:.3f} m {hx[1]:.3f} {y:.3f} l S")
            lines.append(f"{x:.3f} {vy[0]:.3f} m {x:.3f} {vy[1]:.3f} l S")
    marks = ("q /WorkbookRegistration CS 1 SCN " + f"{MARK_WIDTH} w 0 J [] 0 d " + " ".join(lines) + " Q\n").encode()
    draw_over(out, page, "/ColorSpace", "/WorkbookRegistration", _registration(out), marks)


def draw_over(out: pikepdf.Pdf, page: pikepdf.Page, category: str, name: str, value, drawing: bytes) -> None:
    """Draw `drawing` over the page's own content (left as it was, in its own graphics state), with
    `value` as resource `name` of `category` (/XObject, /ColorSpace, …) of the page; as an artifact
    (structure.py): what is drawn after layout is no part of the tagged text."""
    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = pikepdf.Dictionary()
    group = resources.get(category)
    if group is None:
        resources[category] = group = pikepdf.Dictionary()
    group[name] = value
    page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(out, b"Q\n" + artifact(drawing)))


def _registration(out: pikepdf.Pdf) -> pikepdf.Array:
    """The All separation (registration colour): crop marks print on every plate."""
    function = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)
    return pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name("/All"), pikepdf.Name.DeviceCMYK,
                          out.make_indirect(function)])
