"""A build session, a print profile, a paper and a page count in, that printer's full-wrap cover PDF out:
back (description, author, the ISBN barcode or its area kept clear), spine (title and author where the
printer allows it) and front (the reader's cover), with bleed, TrimBox and BleedBox for the whole wrap,
a press's crop and fold marks in a slug outside the bleed, the book's dates, its drawing in a graphics
state of its own (q … Q) and, where the printer wants whole fonts (KDP), every font embedded whole."""
from __future__ import annotations

import io
import re

import pikepdf
import pypdfium2
from barcode import EAN13  # python-barcode: draws the EAN-13 as SVG
from barcode.writer import SVGWriter
from jinja2.utils import markupsafe
from lxml import etree

from ..errors import Diagnostic, WorkbookError
from ..files.yamlsource import line_for
from ..layout.derive import draw_over
from ..layout.fonts import FontFiles, FontJoiner, part_fonts
from ..layout.session import BuildSession
from ..model.config import CONFIG_NAME, BookConfig, isbn13
from ..model.printing import MM_PER_IN, CoverGeometry, cover_geometry, get_profile
from ..render.templates import book_date

PT_PER_MM = 72 / MM_PER_IN
MODULE_MM = 0.33  # EAN-13 at 100 % magnification (GS1): 95 modules of 0.33 mm, 31.35 mm of bars
BAR_HEIGHT_MM = 18.0  # shortened from the nominal 22.85 mm, as books print it, to fit the 1.2 in area
QUIET_MM = 11 * MODULE_MM  # the light margin left of the bars (7 modules would do on the right)
MARK_GAP_MM = 1.0  # a press's marks start this far outside the bleed and stop this far from the sheet's edge
MARK_WIDTH_PT = 0.25


def build_cover_pdf(session: BuildSession, profile_name: str, paper: str, pages: int, *,
                    spine_in: float | None = None) -> bytes:
    """The full-wrap cover of the session's book for the printer `profile_name` (kdp, ingramspark, press),
    on `paper` (white, cream), for an interior of `pages` pages (padded as the printer wants). `spine_in`
    is the spine width the printer states where it publishes no paper thickness (IngramSpark, a press)."""
    config = session.manuscript.config
    width, height = config.page_size_mm
    profile = get_profile(profile_name)
    geometry = cover_geometry(profile, width, height, pages, paper, spine_in=spine_in,
                              line=_config_line(config, "page_size"))
    html = session.renderer.cover_wrap_html(**wrap_context(config, geometry))
    document = session.typesetter.document(html)
    pdf = session.typesetter.pdf(document, tags=False)  # a print file: no structure tree
    fonts = None
    if profile.fonts_whole:  # KDP_SUBMISSION's "embed all fonts" is for the cover file as for the interior
        names, files = part_fonts(document, set())
        fonts = FontFiles(files, [names])
    if config.settings.description and not _shown_whole(pdf, config.settings.description):
        warning = Diagnostic(CONFIG_NAME, _config_line(config, "description"), "description: too long for the back "
                             f"cover at {width:g} x {height:g} mm; it is cut off there (ending in …): shorten it",
                             "warning")
        if warning not in session.manuscript.warnings:
            session.manuscript.warnings.append(warning)
    return _finish(pdf, geometry, book_date(session.manuscript).strftime("D:%Y%m%d%H%M%SZ"), fonts)


def wrap_context(config: BookConfig, geometry: CoverGeometry) -> dict:
    """What cover-wrap.html needs besides the book: the geometry, the back's measures, the barcode."""
    trim_w = geometry.trim_w
    back_pad, back_top = round(trim_w * 0.12, 3), round(trim_w * 0.16, 3)  # the front's side margin (cover.css: 12 %)
    back_pt = round(min(max(9.5 + (trim_w - 148) / 62 * 1.5, 9.0), 12.0), 2)  # 9.5 pt at A5, 11 pt at A4
    barcode_top = geometry.barcode_box[1]
    context = {
        "g": geometry,
        "barcode": geometry.barcode_box,
        "back_pad": back_pad,
        "back_top": back_top,
        "back_pt": back_pt,
        "back_lines": max(int((barcode_top - geometry.bleed - back_top - back_pad / 2) / (back_pt * 1.18 * 1.45 / PT_PER_MM)), 1),
        "spine_end": round(geometry.trim_h * 0.06, 3),
        "barcode_svg": None, "isbn_text": "", "isbn_digits": "",
    }
    isbn = config.settings.isbn
    if isbn:
        digits = isbn13(isbn)
        context.update(barcode_svg=ean13_svg(digits, _config_line(config, "isbn")), isbn_digits=digits,
                       isbn_text=isbn if isbn.replace("-", "").replace(" ", "") == digits else digits)
    return context


def ean13_svg(digits: str, line: int | None = None) -> markupsafe.Markup:
    """The EAN-13 barcode of 13 digits as an inline <svg> (python-barcode's SVG, without its doctype);
    digits whose check digit is wrong are an error naming book.yaml's isbn line."""
    code = EAN13(digits[:12], writer=SVGWriter())
    if len(digits) != 13 or not digits.isdigit() or code.get_fullcode() != digits:
        raise WorkbookError([Diagnostic(CONFIG_NAME, line, f"isbn: {digits} is not a valid ISBN-13 "
                                        f"(the check digit should make it {code.get_fullcode()})")])
    buffer = io.BytesIO()
    code.write(buffer, options={"module_width": MODULE_MM, "module_height": BAR_HEIGHT_MM, "quiet_zone": QUIET_MM,
                                "write_text": False, "background": "white", "foreground": "black",
                                "margin_top": 0, "margin_bottom": 0, "compress": False})
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    root = etree.fromstring(buffer.getvalue(), parser)
    root.set("role", "img")
    root.set("aria-label", f"EAN-13 {digits}")
    return markupsafe.Markup(etree.tostring(root, encoding="unicode"))


def _shown_whole(pdf: bytes, text: str) -> bool:
    """Whether the page shows all of `text` (letters and digits compared: hyphenation and quotes aside)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        shown = textpage.get_text_range()
        textpage.close()
    finally:
        document.close()
    squeeze = re.compile(r"[\W_]+")
    return squeeze.sub("", text).casefold() in squeeze.sub("", shown).casefold()


def _config_line(config: BookConfig, key: str) -> int | None:
    """The line of `key` in book.yaml (for messages), from the line map read with it."""
    return line_for(config.lines, (key,), default=0) or None


def _finish(pdf: bytes, g: CoverGeometry, when: str, fonts: FontFiles | None = None) -> bytes:
    """TrimBox and BleedBox for the whole wrap (MediaBox = BleedBox but for a press's slug), a press's crop
    marks at the trim's corners and fold marks at the spine, in the slug; the page's drawing wrapped in
    q … Q (WeasyPrint's flips the coordinates and leaves them so: what a printer's tool adds after it
    would land upside down); `when` (D:…) as the file's dates where it has none (PDF/X needs them); the
    fonts of `fonts` embedded whole."""
    with pikepdf.open(io.BytesIO(pdf)) as out:
        if "/CreationDate" not in out.docinfo and "/ModDate" not in out.docinfo:
            out.docinfo.CreationDate = out.docinfo.ModDate = when
        if fonts is not None:
            joiner = FontJoiner(fonts, whole=True)
            joiner.take(out)
            joiner.put_back(out)
        page = out.pages[0]
        page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(out, b"\nQ\n"))
        s, b = g.slug * PT_PER_MM, g.bleed * PT_PER_MM
        w, h = g.media_w * PT_PER_MM, g.media_h * PT_PER_MM
        page.obj.MediaBox = pikepdf.Array([0, 0, round(w, 3), round(h, 3)])
        page.obj.BleedBox = pikepdf.Array([round(v, 3) for v in (s, s, w - s, h - s)])
        page.obj.TrimBox = pikepdf.Array([round(v, 3) for v in (s + b, s + b, w - s - b, h - s - b)])
        for box in ("/CropBox", "/ArtBox"):
            if box in page.obj:
                del page.obj[box]
        if g.slug > 0:
            draw_over(out, page, "/ColorSpace", "/WorkbookRegistration", _registration(out), _marks(g))
        buffer = io.BytesIO()
        out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
    return buffer.getvalue()


def _marks(g: CoverGeometry) -> bytes:
    """Crop marks at the wrap's four trim corners and fold marks where the spine meets back and front,
    all outside the bleed (PDF points, origin bottom left)."""
    p = PT_PER_MM
    s, b = g.slug * p, g.bleed * p
    w, h = g.media_w * p, g.media_h * p
    start, end = s - MARK_GAP_MM * p, MARK_GAP_MM * p  # from the bleed's edge outward, to the sheet's edge
    x0, y0, x1, y1 = s + b, s + b, w - s - b, h - s - b
    lines = []
    for x, left in ((x0, True), (x1, False)):
        for y, low in ((y0, True), (y1, False)):
            ex = (end, start) if left else (w - start, w - end)  # horizontal mark beside the corner
            ey = (end, start) if low else (h - start, h - end)
            lines.append(f"{ex[0]:.3f} {y:.3f} m {ex[1]:.3f} {y:.3f} l")
            lines.append(f"{x:.3f} {ey[0]:.3f} m {x:.3f} {ey[1]:.3f} l")
    for fold in (g.slug + g.spine_x, g.slug + g.front_x):
        x = fold * p
        lines.append(f"{x:.3f} {end:.3f} m {x:.3f} {start:.3f} l")
        lines.append(f"{x:.3f} {h - start:.3f} m {x:.3f} {h - end:.3f} l")
    return (f"q /WorkbookRegistration CS 1 SCN {MARK_WIDTH_PT} w 0 J [] 0 d " + " ".join(lines) + " S Q\n").encode()


def _registration(out: pikepdf.Pdf) -> pikepdf.Array:
    """The All separation (registration colour): marks print on every plate."""
    function = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)
    return pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name("/All"), pikepdf.Name.DeviceCMYK,
                          out.make_indirect(function)])
