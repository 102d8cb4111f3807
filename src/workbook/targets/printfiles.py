"""A build session and print profile names (kdp, ingramspark, press) in, each printer's interior PDF and
full-wrap cover PDF out, with what was made (page counts, spine, inside margin) for `build -v`.

Every interior is derived from the book's one layout after the join (layout/derive.py): the printer's
bleed on the sides it wants, a press's crop marks in a slug outside the bleed, no annotations or
bookmarks where they are refused, whole fonts where wanted, the page count padded with ruled notes
pages, the colours turned into print inks (layout/printcolour.py, PDF/X-1a or X-4 where the printer asks).
A second layout is made only where the printer's margins are wider than the book's: its inside margin
for the padded page count (a KDP book of more than 500 pages at A5, say), or its distance from the trim
past the running heads and folios (IngramSpark's 0.5 in at A5 and 6 x 9 in): that profile's interior is
laid out again with the wider margins, and again if its new page count falls in another band of the
printer's table.
"""
from __future__ import annotations

import io
import time
from dataclasses import astuple, dataclass

import pikepdf

from ..errors import Diagnostic, WorkbookError
from ..files.yamlsource import line_for
from ..layout.derive import Edition, Sides
from ..layout.editions import NOTES_LEFT, NOTES_RIGHT, derived_pdf, page_count
from ..layout.inks import PROFILE
from ..layout.printcolour import to_print_colour
from ..layout.session import BuildSession
from ..model.config import CONFIG_NAME, BookConfig
from ..model.pages import FOLIO_REACH_MM, HEAD_REACH_MM, Margins, PageGeometry
from ..model.printing import (
    MM_PER_IN,
    PrintProfile,
    check_trim,
    get_profile,
    inside_margin_in,
    padded_page_count,
    paper_thickness_in,
    spine_width_in,
)
from .printcover import build_cover_pdf

PT_PER_IN = 72.0
PDFX = {"PDF/X-1a:2001": "X-1a", "PDF/X-4": "X-4"}  # printing.py's names -> to_print_colour's
MAX_LAYOUTS = 8  # layouts of one profile's interior at most (the printers' tables have five bands)


@dataclass
class ProfileReport:
    """What one profile's files hold."""

    profile: str
    pages: int  # the interior's pages, padded
    laid_out: int  # pages of the layout it was made from
    spine_in: float
    paper: str
    inner_mm: float  # the interior's inside margin
    needs_in: float | None  # the printer's inside margin for that page count
    layouts: int  # layouts made for this profile (0: the book's one layout, or one made for another profile)
    layout_seconds: float  # what they took
    own_layout: bool = True  # made from the book's one layout (the reader's PDF's pages)
    grown: str = ""  # the margins that layout widened, against the book's ("top 20.2 mm (19.4), …")

    def summary(self) -> str:
        margin = f"inside margin {self.inner_mm / MM_PER_IN:.3f} in" + (
            f" (needs {self.needs_in:g} in)" if self.needs_in is not None else "")
        relaid = (f"; laid out again for it ({self.layouts} layout{'s' * (self.layouts > 1)}, "
                  f"{self.layout_seconds:.1f} s)") if self.layouts else (
            "; the book's own layout" if self.own_layout else "; the wider layout made for a profile before it")
        if self.grown:
            relaid += f": margins {self.grown}"
        return (f"print {self.profile}: {self.pages} pages ({self.laid_out} laid out + {self.pages - self.laid_out} "
                f"notes pages), spine {self.spine_in:.3f} in ({self.paper}), {margin}{relaid}")


def profile_names(config: BookConfig, wanted: list[str] | None) -> list[str]:
    """The profiles a `print` build makes: those asked for (names or comma lists, each once), else
    book.yaml's `print: profile`, else none (the generic print PDF)."""
    if wanted is None:
        return [config.settings.print.profile] if config.settings.print.profile else []
    names = list(dict.fromkeys(n.strip().lower() for item in wanted for n in item.split(",") if n.strip()))
    for name in names:
        get_profile(name)  # an unknown name is an error naming the known ones
    return names


def _line(config: BookConfig, *path: str) -> int | None:
    """The line of `path` in book.yaml (for messages), from the line map read with it."""
    return line_for(config.lines, path) if path[:1] in config.lines else None


def colour_of(config: BookConfig, profile: PrintProfile) -> str:
    """The interior's inks: book.yaml's `print: colour`, else gray (KDP and IngramSpark black-and-white
    interiors) or cmyk (a press)."""
    return config.settings.print.colour or ("cmyk" if profile.name == "press" else "gray")


def interior_name(config: BookConfig, profile: str) -> str:
    """The file name of a profile's interior in the output folder."""
    return f"{config.slug}-print-{profile}.pdf"


def cover_name(config: BookConfig, profile: str) -> str:
    """The file name of a profile's full-wrap cover in the output folder."""
    return f"{config.slug}-cover-{profile}.pdf"


def check_print_setup(config: BookConfig, names: list[str]) -> None:
    """Before any layout: the trim size each printer takes, the spine width where the printer publishes no
    paper thickness, the paper with the inks. Every problem at once, as book.yaml:LINE."""
    problems: list[Diagnostic] = []
    settings = config.settings.print
    width, height = config.page_size_mm
    for name in names:
        profile = get_profile(name)
        try:
            check_trim(profile, width, height, line=_line(config, "page_size"))
        except WorkbookError as error:
            problems += [d for d in error.diagnostics if d not in problems]
        if paper_thickness_in(profile, settings.paper) is None and settings.spine_for(name) is None:
            problems.append(Diagnostic(CONFIG_NAME, _line(config, "print"), (
                f"print.spine_in: {profile.label} publishes no paper thickness per page; give the spine width its "
                f"cover template (or quote) states for this book, e.g. `print: {{spine_in: 0.25}}` or "
                f"`spine_in: {{{name}: 0.25}}`, in inches")))
        if settings.paper == "cream" and colour_of(config, profile) == "cmyk" and name != "press":
            problems.append(Diagnostic(CONFIG_NAME, _line(config, "print", "colour"), (
                f"print.colour: {profile.label} prints colour interiors on white paper only; "
                "use `paper: white` or `colour: gray`")))
    if problems:
        raise WorkbookError(problems)


def build_print_files(session: BuildSession, names: list[str],
                      reports: list[ProfileReport] | None = None) -> dict[str, bytes]:
    """`SLUG-print-NAME.pdf` and `SLUG-cover-NAME.pdf` for each profile in `names`; what each holds is
    appended to `reports`."""
    config = session.manuscript.config
    check_print_setup(config, names)
    files: dict[str, bytes] = {}
    wider: dict[PageGeometry, BuildSession] = {}  # second layouts by geometry, shared by profiles that need the same
    for name in names:
        profile = get_profile(name)
        began = time.perf_counter()
        layout, pages, needs, made = layout_for(session, profile, wider)
        seconds = time.perf_counter() - began if made else 0.0
        padded = padded_page_count(profile, pages)
        source = interior_name(config, name)
        files[source] = interior_pdf(layout, profile, pages, padded, source)
        paper = config.settings.print.paper
        spine_in = None if paper_thickness_in(profile, paper) is not None else config.settings.print.spine_for(name)
        files[cover_name(config, name)] = cover_pdf(session, name, paper, padded, spine_in)
        if reports is not None:
            reports.append(ProfileReport(name, padded, pages, spine_width_in(profile, padded, paper, spine_in=spine_in),
                                         paper, layout.renderer.geometry().inner, needs, made, seconds,
                                         layout is session, _grown(session, layout)))
    return files


def margins_for(profile: PrintProfile, pages: int) -> Margins:
    """The least margins (mm) the printer's rules ask of a layout for `pages` (padded) pages: the inside one
    by its page-count table, and its distance from the trim on the other sides (with bleed, as the
    profiles' interiors are) past the running heads above the text and the folios below it."""
    edge = profile.outside_margin_in * MM_PER_IN
    inside = max(inside_margin_in(profile, pages) or 0.0, profile.min_margin_in) * MM_PER_IN
    return Margins(top=edge + HEAD_REACH_MM if edge else 0.0, bottom=edge + FOLIO_REACH_MM if edge else 0.0,
                   inner=inside, outer=edge).rounded()


def layout_for(session: BuildSession, profile: PrintProfile, wider: dict[PageGeometry, BuildSession]
               ) -> tuple[BuildSession, int, float | None, int]:
    """The layout a profile's interior is made from: the book's own when its margins are at least what
    the printer asks for the padded page count, else a layout with those margins (again with wider ones if
    the new page count needs it). Returns the session holding it, its page count, the inside margin the
    printer asks (inches, None: no rule) and how many layouts were made for it here."""
    current, made = session, 0
    own = session.renderer.geometry()
    pages = page_count(session)
    least = Margins()
    for _ in range(MAX_LAYOUTS):
        needs = inside_margin_in(profile, padded_page_count(profile, pages))
        asked = margins_for(profile, padded_page_count(profile, pages))
        least = Margins(*(max(a, b) for a, b in zip(astuple(least), astuple(asked), strict=True)))
        if current.renderer.geometry().holds(asked):
            return current, pages, needs, made
        key = own.at_least(least)
        if key not in wider:
            wider[key] = session.with_margins(least)
            made += 1
        current = wider[key]
        pages = page_count(current)
    raise WorkbookError([Diagnostic("print", None, f"{profile.name}: no margins settle the page count")])


def cover_pdf(session: BuildSession, name: str, paper: str, pages: int, spine_in: float | None) -> bytes:
    """`SLUG-cover-NAME.pdf` for an interior of `pages` pages: the full wrap (targets/printcover.py) printed in
    colour, so in CMYK (text solid black), as PDF/X like the interior where the printer asks."""
    config = session.manuscript.config
    pdfx = PDFX.get(get_profile(name).pdfx or "")
    cover = build_cover_pdf(session, name, paper, pages, spine_in=spine_in)
    return _in_inks(cover, "cmyk", pdfx, config, cover_name(config, name))


def _grown(session: BuildSession, layout: BuildSession) -> str:
    """The margins `layout` has wider than the book's own, with the book's in brackets (mm)."""
    own, wide = session.renderer.geometry(), layout.renderer.geometry()
    return ", ".join(f"{side} {getattr(wide, side):.1f} mm ({getattr(own, side):.1f})"
                     for side in ("top", "bottom", "inner", "outer") if getattr(wide, side) > getattr(own, side))


def interior_pdf(session: BuildSession, profile: PrintProfile, pages: int, padded: int, source: str) -> bytes:
    """The printer's interior from the session's layout of `pages` pages, padded to `padded` with ruled
    notes pages on the side each falls on."""
    config = session.manuscript.config
    pad = [NOTES_RIGHT if (pages + i) % 2 == 0 else NOTES_LEFT for i in range(padded - pages)]
    bleed = profile.interior_bleed
    edition = Edition(
        f"print-{profile.name}", links=False, annotations=profile.annotations, outline=profile.outline,
        whole_fonts=profile.fonts_whole, pad_pages=pad,
        sides=Sides(*(v * PT_PER_IN for v in (bleed.outside, bleed.top, bleed.bottom, bleed.gutter))),
        slug=profile.slug_in * PT_PER_IN if profile.crop_marks else 0.0)
    pdf = derived_pdf(session, edition)
    return _in_inks(pdf, colour_of(config, profile), PDFX.get(profile.pdfx or ""), config, source)


def _in_inks(pdf: bytes, mode: str, pdfx: str | None, config: BookConfig, source: str) -> bytes:
    """The PDF's colours in gray or CMYK inks (text solid black), marked as `pdfx` where given, through the
    printer's output profile book.yaml names (`print: icc`), else Ghostscript's CMYK profile."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        options = to_print_colour(document, mode, pdfx, config.settings.title, source=source,
                                  profile=config.print_icc or PROFILE)
        buffer = io.BytesIO()
        document.save(buffer, **{"compress_streams": True, "deterministic_id": True,
                                 "object_stream_mode": pikepdf.ObjectStreamMode.generate, **options})
    return buffer.getvalue()

