"""A print profile and the built print files (interior PDF, full-wrap cover PDF) in, every rule of that
printer the files break out, as `FILE:PAGE: error: print: PROFILE: …` diagnostics.

The files are read as a printer's preflight reads them, not from how workbook made them: page boxes
and document keys with pikepdf, what is drawn with pypdfium2, colour and fonts from every content
stream (targets/pdfuses.py).

What is measured:
- "Drawn" (for marks, spine text, type sizes) is every page object pdfium finds (text, paths, pictures, shadings, also inside form
  XObjects, whose objects are carried to page space through each form's matrix), by its bounding
  box (for text the box of its glyph cells, for paths including the stroke).
- A margin is the distance from an edge of the TrimBox to the nearest ink inside the trim: the page is
  rendered (pypdfium2, 100 dpi, so to 0.01 in) without its art that bleeds (top-level objects that
  reach past the trim, which are exempt from the margins), and the pixel darker than the paper
  nearest to that edge is found; so text, paths, pictures and the lines of a pattern all count,
  white on the paper does not. The inside margin is measured from the binding edge: the left edge
  of odd (right-hand) pages and the right edge of even ones (the other way round in a file whose
  ViewerPreferences say /Direction /R2L).
- A mark is a drawn object that lies wholly outside the trim: art that bleeds always reaches into
  the trim, a crop, trim or registration mark never does.
- The barcode area is rendered (pypdfium2, 100 dpi): it is clear when its pixels are all one colour.
"""
from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2

from ..errors import Diagnostic, WorkbookError
from ..model.printing import MM_PER_IN, PrintProfile, check_trim, inside_margin_in, spine_text_allowed, spine_width_in
from .filerules import BOX_TOLERANCE_IN, Findings, document_rules, use_rules
from .pdfdrawn import Box, Drawn, drawn_objects, ink_boxes, render_area
from .pdfuses import page_uses

PT = 72.0  # points in an inch
SLACK_PT = 0.5  # a margin this much short, an object this much past the trim: rounding, not a finding
DPI = 100  # margins and the barcode area are measured on pages rendered at this resolution (0.01 in)
BLEED_OPTIONAL = ("kdp", "ingramspark")  # KDP_MARGINS: "without bleed the page is the trim size"; LSI alike


def preflight(profile: PrintProfile, interior: Path, cover: Path | None, paper: str, spine_in: float | None, *,
              isbn: str | None = None) -> list[Diagnostic]:
    """Every rule of `profile` the built `interior` (and full-wrap `cover`, for `paper` and, where the
    printer publishes no paper thickness, the spine width `spine_in`) breaks; with `isbn` the cover's
    barcode area must show the barcode, without it the area must be clear. Empty: the files pass."""
    found = Findings(profile, interior.name)
    pdf = _open(found, interior)
    if pdf is None:
        return found.diagnostics()
    with pdf:
        pages = len(pdf.pages)
        preferences = pdf.Root.get("/ViewerPreferences")
        r2l = preferences is not None and str(preferences.get("/Direction", "/L2R")) == "/R2L"
        boxes = _interior_boxes(profile, pdf, found)
        document_rules(profile, pdf, found)
        use_rules(profile, page_uses(pdf), found)
    try:
        drawn = drawn_objects(interior)
        _marks(profile, drawn, boxes, found)
        _margins(profile, interior, drawn, boxes, pages, r2l, found)
    except pypdfium2.PdfiumError as error:  # pikepdf read it, pdfium cannot: a printer's RIP may not either
        found.add("file", None, f"cannot be drawn (pdfium: {error})")
    result = found.diagnostics()
    if cover is not None:
        trim = next((trim for trim, _ in boxes if trim is not None), None)
        result += _cover(profile, cover, trim, pages, paper, spine_in, isbn)
    return result


# -- the interior ----------------------------------------------------------------------------------------


def _box(page: pikepdf.Page, name: str) -> Box | None:
    box = page.obj.get(name)
    if box is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _size(box: Box) -> str:
    return f"{(box[2] - box[0]) / PT:.3f} x {(box[3] - box[1]) / PT:.3f} in"


def _interior_boxes(profile: PrintProfile, pdf: pikepdf.Pdf, found: Findings) -> list[tuple[Box | None, Box]]:
    """Page count, then every page's TrimBox (a size the printer takes, the same on every page), BleedBox
    (the profile's bleed on the right edges) and MediaBox; each page's (TrimBox or None, BleedBox)."""
    pages = len(pdf.pages)
    if pages < profile.min_pages:
        found.add("pages", None, f"{pages} pages; {profile.label} needs at least {profile.min_pages}")
    if profile.max_pages is not None and pages > profile.max_pages:
        found.add("pages", None, f"{pages} pages; {profile.label} prints at most {profile.max_pages}")
    if pages % profile.page_multiple:
        found.add("pages", None, f"{pages} pages, not a multiple of {profile.page_multiple}")
    boxes: list[tuple[Box | None, Box]] = []
    first: Box | None = None
    bleed = profile.interior_bleed
    for number, page in enumerate(pdf.pages, 1):
        trim, bleed_box = _box(page, "/TrimBox"), _box(page, "/BleedBox")
        media: Box = tuple(float(v) for v in page.mediabox)  # type: ignore[assignment]
        bleed_box = bleed_box or media  # a page without a BleedBox bleeds to its MediaBox
        boxes.append((trim, bleed_box))
        if trim is None:
            found.add("TrimBox", number, "no TrimBox: the printer cannot tell where the page is trimmed")
            continue
        if first is None:
            first = trim
            try:
                check_trim(profile, (trim[2] - trim[0]) / PT * MM_PER_IN, (trim[3] - trim[1]) / PT * MM_PER_IN)
            except WorkbookError as error:
                found.add("trim", number, f"TrimBox {_size(trim)}: {error.diagnostics[0].message}")
        elif _differs(trim, first, size_only=True):
            found.add("trim", number, f"TrimBox {_size(trim)}, page 1's is {_size(first)}")
        have = [(trim[0] - bleed_box[0]) / PT, (bleed_box[2] - trim[2]) / PT, (bleed_box[3] - trim[3]) / PT,
                (trim[1] - bleed_box[1]) / PT]  # left, right, top, bottom in inches
        gutter_left = number % 2 == 1  # right-hand pages are bound on the left
        want = [bleed.gutter if gutter_left else bleed.outside, bleed.outside if gutter_left else bleed.gutter,
                bleed.top, bleed.bottom]
        none = profile.name in BLEED_OPTIONAL and all(abs(v) <= BOX_TOLERANCE_IN for v in have)
        if not none and any(abs(h - w) > BOX_TOLERANCE_IN for h, w in zip(have, want, strict=True)):
            found.add("BleedBox", number, f"bleed {_edges(have, gutter_left)}, needs {_edges(want, gutter_left)}"
                      + (" (or none)" if profile.name in BLEED_OPTIONAL else ""))
        around = min(bleed_box[0] - media[0], bleed_box[1] - media[1], media[2] - bleed_box[2], media[3] - bleed_box[3])
        if profile.slug_in == 0 and _differs(media, bleed_box):
            found.add("MediaBox", number, f"MediaBox {_size(media)} is not the BleedBox {_size(bleed_box)}: "
                      f"{profile.label} wants the page to be the trim and its bleed, no room for marks")
        elif profile.slug_in > 0 and around < profile.slug_in * PT - BOX_TOLERANCE_IN * PT:
            found.add("MediaBox", number, f"MediaBox leaves {max(around, 0) / PT:.3f} in around the BleedBox, "
                      f"needs {profile.slug_in:.3f} in for the crop marks")
    return boxes


def _edges(values: list[float], gutter_left: bool) -> str:
    names = ["gutter", "outside"] if gutter_left else ["outside", "gutter"]
    parts = dict(zip(names + ["top", "bottom"], values, strict=True))
    return ", ".join(f"{name} {parts[name]:.3f}" for name in ("outside", "top", "bottom", "gutter")) + " in"


def _differs(a: Box, b: Box, size_only: bool = False) -> bool:
    tolerance = BOX_TOLERANCE_IN * PT
    if size_only:
        return abs((a[2] - a[0]) - (b[2] - b[0])) > tolerance or abs((a[3] - a[1]) - (b[3] - b[1])) > tolerance
    return any(abs(x - y) > tolerance for x, y in zip(a, b, strict=True))



# -- what is drawn where: marks and margins ------------------------------------------------------------


def _overlaps(a: Box, b: Box, slack: float = SLACK_PT) -> bool:
    return a[0] < b[2] - slack and a[2] > b[0] + slack and a[1] < b[3] - slack and a[3] > b[1] + slack


def _within(a: Box, b: Box, slack: float = SLACK_PT) -> bool:
    return a[0] >= b[0] - slack and a[1] >= b[1] - slack and a[2] <= b[2] + slack and a[3] <= b[3] + slack


def _where(box: Box, trim: Box) -> str:
    x, y = (round((box[0] - trim[0]) / PT, 2) + 0.0, round((box[1] - trim[1]) / PT, 2) + 0.0)  # no "-0.00"
    return f"at {x:.2f}, {y:.2f} in from the trim's bottom left"


def _marks(profile: PrintProfile, drawn: list[list[Drawn]], boxes: list[tuple[Box | None, Box]],
           found: Findings) -> None:
    """Marks (objects wholly outside the trim): none where the printer forbids them; for a press all of
    them outside the BleedBox, and some there."""
    for number, (objects, (trim, bleed)) in enumerate(zip(drawn, boxes, strict=False), 1):
        if trim is None:
            continue
        marks = [d.box for d in objects if not _overlaps(d.box, trim)]
        if not profile.crop_marks:
            if marks:
                found.add("marks", number, f"{len(marks)} object{'s' * (len(marks) != 1)} drawn outside the trim "
                          f"({_where(marks[0], trim)}): crop or printer's marks; {profile.label} takes none")
            continue
        inside = [box for box in marks if _overlaps(box, bleed)]
        if inside:
            found.add("marks", number, f"{len(inside)} mark{'s' * (len(inside) != 1)} inside the bleed "
                      f"({_where(inside[0], trim)}): they can print on the page's edge; draw them outside the BleedBox")
        elif not marks:
            found.add("marks", number, "no crop marks outside the BleedBox: the press trims by them")


def _margins(profile: PrintProfile, path: Path, drawn: list[list[Drawn]], boxes: list[tuple[Box | None, Box]],
             pages: int, r2l: bool, found: Findings) -> None:
    """Each edge's margin on every page against the profile (the inside one by the page count), and
    the size of text against the profile's smallest (a warning)."""
    try:
        inside_need = max(inside_margin_in(profile, pages) or 0.0, profile.min_margin_in)
    except WorkbookError:  # more pages than the printer prints: the page count's finding says so
        inside_need = profile.min_margin_in
    inks = ink_boxes(path, [trim for trim, _ in boxes], DPI)
    for number, (objects, (trim, bleed), ink) in enumerate(zip(drawn, boxes, inks, strict=False), 1):
        if trim is None:
            continue
        bleeds = _differs(trim, bleed)
        edge_need = profile.outside_margin_in if bleeds else profile.min_margin_in
        small = [d.size for d in objects if d.text and d.size > 0 and _overlaps(d.box, trim)]
        if profile.min_font_pt and small and min(small) < profile.min_font_pt - 0.05:
            found.add("type size", number, f"text at {min(small):.1f} pt; {profile.label} asks for at least "
                      f"{profile.min_font_pt:g} pt", "warning")
        if ink is None:
            continue
        left, right = ink[0] - trim[0], trim[2] - ink[2]
        bottom, top = ink[1] - trim[1], trim[3] - ink[3]
        bound_left = (number % 2 == 1) != r2l
        inside, outside = (left, right) if bound_left else (right, left)
        if inside_need and inside < inside_need * PT - SLACK_PT:
            found.add("inside margin", number, f"inside margin {inside / PT:.2f} in, needs {inside_need:g} in for "
                      f"{pages} pages")
        for edge, value in (("outside", outside), ("top", top), ("bottom", bottom)):
            if edge_need and value < edge_need * PT - SLACK_PT:
                found.add(f"{edge} margin", number, f"{edge} margin {value / PT:.2f} in, needs {edge_need:g} in"
                          + (" with bleed" if bleeds and profile.name == "kdp" else ""))


# -- the cover ---------------------------------------------------------------------------------------------


def _open(found: Findings, path: Path) -> pikepdf.Pdf | None:
    """The PDF at `path`, or None with the finding that it cannot be read."""
    try:
        return pikepdf.open(path)
    except (OSError, pikepdf.PdfError) as error:
        found.add("file", None, f"cannot be read as a PDF: {error}")
        return None


def _cover(profile: PrintProfile, path: Path, trim: Box | None, pages: int, paper: str, spine_in: float | None,
           isbn: str | None) -> list[Diagnostic]:
    """The full wrap: one page whose boxes are 2 x trim + spine (+ 2 x bleed), marks, colour, fonts and
    PDF/X as for the interior, spine text only where allowed, the barcode area clear or holding the barcode."""
    found = Findings(profile, path.name)
    pdf = _open(found, path)
    if pdf is None:
        return found.diagnostics()
    with pdf:
        if len(pdf.pages) != 1:
            found.add("cover", None, f"{len(pdf.pages)} pages; the full-wrap cover is one page (back, spine, front)")
            if not pdf.pages:
                return found.diagnostics()
        page = pdf.pages[0]
        wrap, bleed_box = _box(page, "/TrimBox"), _box(page, "/BleedBox")
        media: Box = tuple(float(v) for v in page.mediabox)  # type: ignore[assignment]
        document_rules(profile, pdf, found)
        use_rules(profile, page_uses(pdf)[:1], found)
    bleed_box = bleed_box or media
    if wrap is None or trim is None:
        found.add("TrimBox", 1, "no TrimBox on the cover" if wrap is None else "the interior has no TrimBox to "
                  "measure the cover by")
        return found.diagnostics()
    trim_w, trim_h = (trim[2] - trim[0]) / PT, (trim[3] - trim[1]) / PT
    try:
        spine = spine_width_in(profile, pages, paper, spine_in=spine_in)
    except WorkbookError as error:
        found.add("spine", None, error.diagnostics[0].message.removeprefix(f"{profile.name}: "))
        return found.diagnostics()
    bleed = profile.cover_bleed_in
    need_w, need_h = 2 * trim_w + spine + 2 * bleed, trim_h + 2 * bleed
    have_w, have_h = (bleed_box[2] - bleed_box[0]) / PT, (bleed_box[3] - bleed_box[1]) / PT
    why = (f"2 x {trim_w:.3f} in trim + {spine:.3f} in spine ({pages} pages on {paper} paper) + 2 x {bleed:.3f} in bleed"
           if spine_in is None else f"2 x {trim_w:.3f} in trim + {spine:.3f} in spine + 2 x {bleed:.3f} in bleed")
    if abs(have_w - need_w) > BOX_TOLERANCE_IN:
        found.add("cover width", 1, f"cover {have_w:.3f} in wide with its bleed, needs {need_w:.3f} in ({why})")
    if abs(have_h - need_h) > BOX_TOLERANCE_IN:
        found.add("cover height", 1, f"cover {have_h:.3f} in high with its bleed, needs {need_h:.3f} in "
                  f"({trim_h:.3f} in trim + 2 x {bleed:.3f} in bleed)")
    inset = (bleed_box[0] + bleed * PT, bleed_box[1] + bleed * PT, bleed_box[2] - bleed * PT, bleed_box[3] - bleed * PT)
    if _differs(wrap, inset):
        found.add("cover TrimBox", 1, f"TrimBox {_size(wrap)} is not the BleedBox less {bleed:.3f} in on every side")
    around = min(bleed_box[0] - media[0], bleed_box[1] - media[1], media[2] - bleed_box[2], media[3] - bleed_box[3])
    if profile.slug_in == 0 and _differs(media, bleed_box):
        found.add("MediaBox", 1, f"MediaBox {_size(media)} is not the BleedBox {_size(bleed_box)}")
    elif profile.slug_in > 0 and around < (profile.slug_in - BOX_TOLERANCE_IN) * PT:
        found.add("MediaBox", 1, f"MediaBox leaves {max(around, 0) / PT:.3f} in around the BleedBox, needs "
                  f"{profile.slug_in:.3f} in for the crop marks")
    try:
        drawn = drawn_objects(path)[:1]
        _marks(profile, drawn, [(wrap, bleed_box)], found)
        spine_x = wrap[0] + trim_w * PT
        _spine_text(profile, drawn[0], spine_x, spine, pages, found)
        _barcode_area(profile, path, wrap, spine_x, isbn, found)
    except pypdfium2.PdfiumError as error:
        found.add("file", None, f"cannot be drawn (pdfium: {error})")
    return found.diagnostics()


def _spine_text(profile: PrintProfile, drawn: list[Drawn], spine_x: float, spine: float, pages: int,
                found: Findings) -> None:
    on_spine = [d.box for d in drawn if d.text and spine_x < (d.box[0] + d.box[2]) / 2 < spine_x + spine * PT]
    if not on_spine:
        return
    if not spine_text_allowed(profile, pages, spine):
        found.add("spine text", 1, f"text on a {spine:.3f} in spine of {pages} pages; {profile.label} allows spine "
                  f"text from {profile.spine_text_min_pages} pages on" + (f", on spines from {profile.spine_text_min_in:g} in"
                                                                          if profile.spine_text_min_in else "")
                  + " (and workbook where 6 pt type fits)")
        return
    nearest = min(min(box[0] - spine_x, spine_x + spine * PT - box[2]) for box in on_spine) / PT
    if nearest < profile.spine_clear_in - SLACK_PT / PT:
        found.add("spine text", 1, f"spine text {nearest:.3f} in from a fold, needs {profile.spine_clear_in:g} in")


def _barcode_area(profile: PrintProfile, path: Path, wrap: Box, spine_x: float, isbn: str | None,
                  found: Findings) -> None:
    area = profile.barcode
    x1 = spine_x - area.from_spine_in * PT
    y0 = wrap[1] + area.from_bottom_in * PT
    box = (x1 - area.width_in * PT, y0, x1, y0 + area.height_in * PT)
    pixels = render_area(path, 0, box, DPI)
    inner = pixels.crop((2, 2, pixels.width - 2, pixels.height - 2))  # edges blend with what lies around
    clear = all(high - low <= 16 for low, high in inner.getextrema())  # type: ignore[misc]
    place = (f"{area.width_in:g} x {area.height_in:g} in, {area.from_bottom_in:g} in from the bottom trim and "
             f"{area.from_spine_in:g} in from the spine")
    if isbn is None and not clear:
        found.add("barcode area", 1, f"something is drawn in the barcode area ({place}), which must stay clear "
                  "for the printer's ISBN barcode")
    elif isbn is not None and clear:
        found.add("barcode area", 1, f"the barcode area ({place}) is empty; the book's ISBN {isbn} needs its barcode there")
