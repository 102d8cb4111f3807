"""A print profile's name (kdp, ingramspark, press) in, that printer's published rules as data and the
geometry they ask of a book out: trim sizes taken, inside margin and padded page count for a page
count, spine width for a page count and paper, and the full-wrap cover's measures."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from ..errors import Diagnostic, WorkbookError

MM_PER_IN = 25.4
ProfileName = Literal["kdp", "ingramspark", "press"]
PROFILES: tuple[ProfileName, ...] = get_args(ProfileName)
PaperName = Literal["white", "cream"]
PAPERS: tuple[PaperName, ...] = get_args(PaperName)
TRIM_TOLERANCE_MM = 0.5  # A5 is 148 x 210 mm and 5.83 x 8.27 in (148.1 x 210.1 mm): the same trim
# Spine text smaller than this is not legible; a spine whose clear width cannot hold it stays blank.
# (workbook's own rule, on top of each printer's: the type is 70 % of the clear width.)
MIN_SPINE_TYPE_PT = 6.0
SPINE_TYPE_SHARE = 0.7

# Where each rule comes from (the help pages as published; quoted in README.md "Print profiles"):
KDP_MARGINS = "KDP Help, Set Trim Size, Bleed, and Margins (kdp.amazon.com/en_US/help/topic/GVBQ3CMEQW3W2VL6)"
KDP_SUBMISSION = "KDP Help, Paperback Submission Guidelines (kdp.amazon.com/en_US/help/topic/G201857950)"
KDP_COVER = "KDP Help, Create a Paperback Cover (kdp.amazon.com/en_US/help/topic/G201953020)"
KDP_FONTS = "KDP Help, Paperback Fonts (kdp.amazon.com/en_US/help/topic/G202145450)"
LSI_TIPS = ("IngramSpark Help, Manufacturing and File Setup Tips (help.ingramspark.com/hc/en-us/articles/"
            "5338636202637) and Lightning Source Help, File Creation Tips to Help Avoid Manufacturing Issues")
LSI_CHECKLIST = "IngramSpark blog, File Requirements for Print Books (ingramspark.com/blog/file-requirements-for-print-books)"
LSI_VARIANCE = ("Lightning Source Help, Guide for Acceptable Variations in Production "
                "(help.lightningsource.com/hc/en-us/articles/5293923433229)")
LSI_CUSTOM = "Lightning Source Help, Miscellaneous Formats and Options (custom trim sizes)"
PDFX4 = "ISO 15930-7 (PDF/X-4)"


@dataclass(frozen=True)
class Bleed:
    """Bleed of the interior pages, in inches, on each edge (the gutter is the bound edge)."""

    outside: float
    top: float
    bottom: float
    gutter: float


@dataclass(frozen=True)
class Trim:
    """A trim size a printer offers, in inches."""

    name: str
    width_in: float
    height_in: float

    @property
    def size_mm(self) -> tuple[float, float]:
        return self.width_in * MM_PER_IN, self.height_in * MM_PER_IN


@dataclass(frozen=True)
class BarcodeArea:
    """The ISBN barcode's place on the back cover: its size and its distance from the bottom trim and
    from the spine (inches). Nothing else may be drawn there."""

    width_in: float
    height_in: float
    from_bottom_in: float
    from_spine_in: float


@dataclass(frozen=True)
class PrintProfile:
    """One printer's rules for the interior PDF and the full-wrap cover."""

    name: ProfileName
    label: str
    interior_bleed: Bleed  # with bleed; without bleed the page is the trim size
    cover_bleed_in: float  # on the four outer edges of the full wrap
    slug_in: float  # printer's marks outside the bleed, in a slug this wide (0: no marks at all)
    crop_marks: bool  # crop/trim/printer's marks allowed in the files
    annotations: bool  # links, comments
    outline: bool  # bookmarks
    fonts_embedded: bool
    fonts_whole: bool  # whole fonts rather than subsets
    min_font_pt: float | None
    colour_spaces: tuple[str, ...]  # DeviceGray, DeviceCMYK, DeviceRGB
    black_text: bool  # text in 100 % black (K only or gray 0), not a mix or an RGB grey
    pdfx: str | None  # the PDF/X version the files must conform to
    min_margin_in: float  # every edge, from the trim to any text or art that does not bleed
    outside_margin_in: float  # top, bottom and outside edge, with bleed
    inside_margins: tuple[tuple[float, float], ...]  # (up to this many pages, inside margin in inches)
    min_pages: int
    max_pages: int | None
    page_multiple: int
    trims: tuple[Trim, ...]
    custom_trim_in: tuple[float, float, float, float] | None  # width min, max; height min, max
    paper_in_per_page: tuple[tuple[PaperName, float], ...]  # published paper thickness (empty: none)
    barcode: BarcodeArea
    spine_text_min_pages: int  # spine text only from this many pages on
    spine_text_min_in: float  # and on spines at least this wide
    spine_clear_in: float  # spine text this far from each fold

    def trim_names(self) -> str:
        names = ", ".join(t.name for t in self.trims)
        if self.custom_trim_in:
            w0, w1, h0, h1 = self.custom_trim_in
            names += f"; or any size {w0:g}–{w1:g} in wide and {h0:g}–{h1:g} in high"
        return names


# Trim sizes. KDP's standard paperback sizes (KDP_MARGINS, "Trim size"); custom sizes 4–8.5 in wide and
# 6–11.69 in high are accepted too (same page).
KDP_TRIMS = (
    Trim("5x8in", 5, 8), Trim("5.06x7.81in", 5.06, 7.81), Trim("5.25x8in", 5.25, 8), Trim("5.5x8.5in", 5.5, 8.5),
    Trim("6x9in", 6, 9), Trim("6.14x9.21in", 6.14, 9.21), Trim("6.69x9.61in", 6.69, 9.61), Trim("7x10in", 7, 10),
    Trim("7.44x9.69in", 7.44, 9.69), Trim("7.5x9.25in", 7.5, 9.25), Trim("8x10in", 8, 10),
    Trim("8.25x6in", 8.25, 6), Trim("8.25x8.25in", 8.25, 8.25), Trim("8.5x8.5in", 8.5, 8.5),
    Trim("8.5x11in", 8.5, 11), Trim("A5", 5.83, 8.27), Trim("A4", 8.27, 11.69),
)
# IngramSpark's common paperback sizes (its trim size matrix lists more, by paper and binding); any
# other size from 4 x 6 in to 8.25 x 11 in is taken as a custom trim (LSI_CUSTOM).
INGRAM_TRIMS = (
    Trim("5x8in", 5, 8), Trim("5.25x8in", 5.25, 8), Trim("5.5x8.5in", 5.5, 8.5), Trim("6x9in", 6, 9),
    Trim("6.14x9.21in", 6.14, 9.21), Trim("7x10in", 7, 10), Trim("7.5x9.25in", 7.5, 9.25), Trim("8x10in", 8, 10),
    Trim("8.5x11in", 8.5, 11), Trim("A5", 5.83, 8.27),
)

KDP = PrintProfile(
    name="kdp", label="Amazon KDP paperback",
    # KDP_MARGINS: "add 0.125 in (3.2 mm) to the top, bottom, and outside edge"; the page is trim + 0.125 in
    # wide and + 0.25 in high; no bleed on the inside (gutter) edge.
    interior_bleed=Bleed(outside=0.125, top=0.125, bottom=0.125, gutter=0.0),
    cover_bleed_in=0.125,  # KDP_COVER: 0.125 in on the top, bottom and outside edges of the wrap
    slug_in=0.0,
    # KDP_SUBMISSION: "should not contain crop marks, trim marks, bookmarks, comments, invisible objects,
    # annotations, placeholder text, or metadata"; "Embed all fonts".
    crop_marks=False, annotations=False, outline=False, fonts_embedded=True,
    # KDP says "embed all fonts" for the files submitted (manuscript and cover); whole fonts (not subsets)
    # is this project's reading of it, for both files.
    fonts_whole=True,
    min_font_pt=7.0,  # KDP_FONTS: "a minimum font size of 7 points"
    # KDP converts RGB and CMYK itself; black-ink interiors print in gray, so text must be 100 % black.
    colour_spaces=("DeviceGray", "DeviceRGB", "DeviceCMYK"), black_text=True, pdfx=None,
    min_margin_in=0.25,  # KDP_MARGINS: outside margins at least 0.25 in without bleed
    outside_margin_in=0.375,  # KDP_MARGINS: at least 0.375 in with bleed
    # KDP_MARGINS, inside margin by page count: 24–150 pages 0.375 in, 151–300 0.5 in, 301–500 0.625 in,
    # 501–700 0.75 in, 701–828 0.875 in.
    inside_margins=((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875)),
    min_pages=24, max_pages=828,  # KDP_MARGINS: the table starts at 24 pages and ends at 828
    page_multiple=2,  # pages are printed on both sides of a sheet
    trims=KDP_TRIMS, custom_trim_in=(4.0, 8.5, 6.0, 11.69),
    # KDP_COVER, spine width = page count x paper thickness: white 0.002252 in, cream 0.0025 in a page.
    paper_in_per_page=(("white", 0.002252), ("cream", 0.0025)),
    # KDP_COVER: the barcode goes in a 2 x 1.2 in area at the bottom right of the back cover, 0.25 in
    # from the bottom trim and 0.25 in from the spine; KDP places one there if the cover has none.
    barcode=BarcodeArea(2.0, 1.2, 0.25, 0.25),
    # KDP_COVER: "To include spine text, your book must have at least 79 pages" (page counts are even,
    # so 80; Cover Creator says 80); spine text 0.0625 in clear of each fold.
    spine_text_min_pages=80, spine_text_min_in=0.0, spine_clear_in=0.0625,
)

INGRAMSPARK = PrintProfile(
    name="ingramspark", label="IngramSpark (Lightning Source) paperback",
    # LSI_TIPS: "1/8 in bleed on the three trim edges. We do not accept files with bleed on the bind side."
    interior_bleed=Bleed(outside=0.125, top=0.125, bottom=0.125, gutter=0.0),
    cover_bleed_in=0.125,  # the cover template's bleed on the outer edges of the wrap
    slug_in=0.0,
    # LSI_CHECKLIST: "Do not include crop, registration, or printer marks"; "All fonts must be embedded".
    crop_marks=False, annotations=False, outline=True, fonts_embedded=True, fonts_whole=False,
    min_font_pt=None,
    # LSI_TIPS: "Always use the default setting PDF/X-1a:2001" (CMYK or grayscale, an output intent, no
    # transparency); RGB or CMYK-mixed black text prints light.
    colour_spaces=("DeviceGray", "DeviceCMYK"), black_text=True, pdfx="PDF/X-1a:2001",
    # LSI_CHECKLIST: "Margins must be a minimum of 0.5 in (13 mm) from final trim size on all sides";
    # no table by page count is published, so the inside margin is 0.5 in at every length.
    min_margin_in=0.5, outside_margin_in=0.5, inside_margins=((math.inf, 0.5),),
    # IngramSpark's answer to "What is the minimum page count": 18 pages for every binding. The most
    # pages depend on trim and paper (its trim size matrix) and are not checked here.
    min_pages=18, max_pages=None,
    page_multiple=2,  # LSI_CHECKLIST: "The final page should be blank. If there is no blank page, we'll add one."
    trims=INGRAM_TRIMS, custom_trim_in=(4.0, 8.25, 6.0, 11.0),
    # No paper thickness per page is published: IngramSpark's cover template generator states the spine
    # width for one title (ISBN, trim, paper, page count). Pass that width (spine_in) instead.
    paper_in_per_page=(),
    # The template places the ISBN barcode on the back; its size and place are per template and not
    # published as figures. The KDP area (2 x 1.2 in, 0.25 in from trim and spine) is kept clear.
    barcode=BarcodeArea(2.0, 1.2, 0.25, 0.25),
    # LSI_VARIANCE: covers shift up to 1/16 in (0.0625 in), and text on spines narrower than 0.35 in
    # (9 mm) is listed among what may shift off. "Perfect-bound books under 48 pages cannot have any text
    # on the spine" is Lightning Source's rule as publishers who use its templates quote it; it was not
    # found on IngramSpark's own pages.
    spine_text_min_pages=48, spine_text_min_in=0.35, spine_clear_in=0.0625,
)

PRESS = PrintProfile(
    name="press", label="offset or digital press (PDF/X-4)",
    # Bleed on every side, 3 mm, with crop marks outside the bleed in a slug: the sheet is trimmed on all
    # four edges. The slug width (6 mm past the bleed) is workbook's choice.
    interior_bleed=Bleed(outside=3 / MM_PER_IN, top=3 / MM_PER_IN, bottom=3 / MM_PER_IN, gutter=3 / MM_PER_IN),
    cover_bleed_in=3 / MM_PER_IN, slug_in=6 / MM_PER_IN,
    crop_marks=True, annotations=False, outline=False, fonts_embedded=True, fonts_whole=False, min_font_pt=None,
    colour_spaces=("DeviceGray", "DeviceCMYK"), black_text=True, pdfx="PDF/X-4",  # PDFX4
    # A press publishes no margin table: the book's own design (mirrored margins) stands.
    min_margin_in=0.0, outside_margin_in=0.0, inside_margins=(),
    # workbook's defaults, not a published rule: a sheet folded once holds 4 pages; presses that print
    # signatures of 16 or 32 pages say so in their quote.
    min_pages=4, max_pages=None, page_multiple=4,
    trims=(Trim("A5", 148 / MM_PER_IN, 210 / MM_PER_IN), Trim("A4", 210 / MM_PER_IN, 297 / MM_PER_IN)),
    custom_trim_in=(80 / MM_PER_IN, 600 / MM_PER_IN, 80 / MM_PER_IN, 600 / MM_PER_IN),  # any size book.yaml takes
    paper_in_per_page=(),  # every press has its own paper: take the spine width from its quote (spine_in)
    barcode=BarcodeArea(2.0, 1.2, 0.25, 0.25),  # the same clear area, so a barcode sticker fits
    spine_text_min_pages=0, spine_text_min_in=0.0, spine_clear_in=0.0625,
)

BY_NAME: dict[str, PrintProfile] = {p.name: p for p in (KDP, INGRAMSPARK, PRESS)}


def _error(message: str, file: str = "print", line: int | None = None) -> WorkbookError:
    return WorkbookError([Diagnostic(file, line, message)])


def get_profile(name: str) -> PrintProfile:
    """The profile called `name`; an unknown name is an error listing the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise _error(f"unknown print profile {name!r}; choose from {', '.join(PROFILES)}") from None


def paper_thickness_in(profile: PrintProfile, paper: str) -> float | None:
    """The printer's published thickness of one page of `paper` (inches), or None where none is published."""
    if paper not in PAPERS:
        raise _error(f"{profile.name}: unknown paper {paper!r}; choose from {', '.join(PAPERS)}")
    return dict(profile.paper_in_per_page).get(paper) if profile.paper_in_per_page else None


def padded_page_count(profile: PrintProfile, pages: int) -> int:
    """The page count the printer wants: at least its minimum, a multiple of its page multiple."""
    if pages < 1:
        raise _error(f"{profile.name}: a book needs at least one page (got {pages})")
    padded = max(pages, profile.min_pages)
    padded = math.ceil(padded / profile.page_multiple) * profile.page_multiple
    if profile.max_pages is not None and padded > profile.max_pages:
        raise _error(f"{profile.name}: {pages} pages; {profile.label} prints at most {profile.max_pages}")
    return padded


def inside_margin_in(profile: PrintProfile, pages: int) -> float | None:
    """The smallest inside (gutter) margin for a book of `pages` pages, in inches; None where the
    printer sets none (the book's own margins stand)."""
    if not profile.inside_margins:
        return None
    for last, margin in profile.inside_margins:
        if pages <= last:
            return margin
    raise _error(f"{profile.name}: {pages} pages; {profile.label} prints at most {profile.inside_margins[-1][0]:g}")


def spine_width_in(profile: PrintProfile, pages: int, paper: str, *, spine_in: float | None = None) -> float:
    """The spine width in inches: pages x the paper's published thickness. A printer that publishes no
    thickness (IngramSpark, a press) states the width for one title in its cover template or quote:
    pass it as `spine_in`."""
    thickness = paper_thickness_in(profile, paper)
    if pages < 1:
        raise _error(f"{profile.name}: a book needs at least one page (got {pages})")
    if thickness is not None:
        if spine_in is not None:
            raise _error(f"{profile.name}: the spine follows {profile.label}'s published paper thickness "
                         f"({thickness} in a page); leave spine_in out")
        return pages * thickness
    if spine_in is None:
        raise _error(f"{profile.name}: {profile.label} publishes no paper thickness per page; give the spine "
                     "width its cover template (or quote) states for this book as spine_in, in inches")
    if not 0 < spine_in <= 4:
        raise _error(f"{profile.name}: spine_in {spine_in:g} in is not a spine width (0–4 in)")
    return spine_in


def spine_text_allowed(profile: PrintProfile, pages: int, spine_in: float) -> bool:
    """True when the printer allows text on this spine and its clear width holds legible type."""
    if pages < profile.spine_text_min_pages or spine_in < profile.spine_text_min_in:
        return False
    return spine_type_pt(profile, spine_in) >= MIN_SPINE_TYPE_PT


def spine_type_pt(profile: PrintProfile, spine_in: float) -> float:
    """The size of the spine's type (pt): a share of the spine's width clear of the folds, at most 14 pt."""
    clear = spine_in - 2 * profile.spine_clear_in
    return round(min(max(clear, 0.0) * 72 * SPINE_TYPE_SHARE, 14.0), 2)


def check_trim(profile: PrintProfile, width_mm: float, height_mm: float, *, file: str = "book.yaml",
               line: int | None = None) -> Trim:
    """The printer's trim size for a page size in mm (a standard one, else a custom one in its range);
    a size the printer does not print is an error naming `file:line`."""
    for trim in profile.trims:
        w, h = trim.size_mm
        if abs(w - width_mm) <= TRIM_TOLERANCE_MM and abs(h - height_mm) <= TRIM_TOLERANCE_MM:
            return trim
    width_in, height_in = width_mm / MM_PER_IN, height_mm / MM_PER_IN
    if profile.custom_trim_in:
        w0, w1, h0, h1 = profile.custom_trim_in
        tolerance = TRIM_TOLERANCE_MM / MM_PER_IN
        if w0 - tolerance <= width_in <= w1 + tolerance and h0 - tolerance <= height_in <= h1 + tolerance:
            return Trim("custom", width_in, height_in)
    raise _error(f"page_size: {width_mm:g} x {height_mm:g} mm ({width_in:.2f} x {height_in:.2f} in) is not a trim "
                 f"size {profile.label} prints; it takes {profile.trim_names()}", file, line)


@dataclass(frozen=True)
class CoverGeometry:
    """The full-wrap cover of one book for one printer, in mm: back, spine and front side by side, the
    bleed around them and (press) a slug with crop marks around that."""

    profile: PrintProfile
    trim_w: float
    trim_h: float
    spine: float
    bleed: float
    slug: float
    pages: int
    spine_text: bool
    spine_type_pt: float

    @property
    def wrap_w(self) -> float:
        """2 x trim + spine + 2 x bleed: the BleedBox's width."""
        return 2 * self.trim_w + self.spine + 2 * self.bleed

    @property
    def wrap_h(self) -> float:
        return self.trim_h + 2 * self.bleed

    @property
    def media_w(self) -> float:
        return self.wrap_w + 2 * self.slug

    @property
    def media_h(self) -> float:
        return self.wrap_h + 2 * self.slug

    @property
    def spine_x(self) -> float:
        """Where the spine starts, from the left edge of the bleed."""
        return self.bleed + self.trim_w

    @property
    def front_x(self) -> float:
        return self.spine_x + self.spine

    @property
    def spine_clear(self) -> float:
        return self.profile.spine_clear_in * MM_PER_IN

    @property
    def barcode_box(self) -> tuple[float, float, float, float]:
        """The barcode area (x, y, width, height) from the top left of the bleed."""
        area = self.profile.barcode
        width, height = area.width_in * MM_PER_IN, area.height_in * MM_PER_IN
        x = self.spine_x - area.from_spine_in * MM_PER_IN - width
        y = self.bleed + self.trim_h - area.from_bottom_in * MM_PER_IN - height
        return x, y, width, height


def cover_geometry(profile: PrintProfile, width_mm: float, height_mm: float, pages: int, paper: str, *,
                   spine_in: float | None = None, line: int | None = None) -> CoverGeometry:
    """The full wrap for a book of this trim size (mm) and page count (padded as the printer wants)."""
    check_trim(profile, width_mm, height_mm, line=line)
    padded = padded_page_count(profile, pages)
    spine = spine_width_in(profile, padded, paper, spine_in=spine_in)
    return CoverGeometry(profile, width_mm, height_mm, spine * MM_PER_IN, profile.cover_bleed_in * MM_PER_IN,
                         profile.slug_in * MM_PER_IN, padded, spine_text_allowed(profile, padded, spine),
                         spine_type_pt(profile, spine))
