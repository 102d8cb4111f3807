"""Laid-out writing lines in, fillable text fields over them out: the writing spaces of a laid-out document,
the AcroForm fields a PDF gets over them, and a field filled with its own appearance (wrapped on the rules).

Every prompt's ruled lines (`.prompt-lines` in the book, `.ws-lines` on the worksheets) and every notes page
become one multi-line text field named by the prompt's id (`grenzen-3`) or `notes-SLUG`, its tooltip the
question. The worksheets' name and date lines (`data-field` boxes) are one-line fields; a name used on
several pages is one field with a widget on each (type the name once).

How viewers lay out a multi-line field (measured; see README "Typed answers"): pdf.js makes its line
height (H - 2) / round((H - 2) / (1.35 fs)) of the widget's height H; pdfium the DA font's descriptor
Ascent - Descent at fs. So the DA font size is the lines' pitch / 1.35, the font (`/Helv` in the form's
resources: Source Sans Pro, embedded, WinAnsi) says Ascent 1000 / Descent -350 (1.35), and the widget is
the lines' box plus 2 pt under the last rule. Poppler steps one font size a line whatever the font, so
there typed text wraps inside the field but not on the rules. Every widget has an appearance of its own
(empty, or the text as `fill_field` lays it out) and /NeedAppearances is false, so what was written is
what prints.
"""
from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pikepdf
import weasyprint
from fontTools.ttLib import TTFont

from ..errors import Diagnostic, WorkbookError
from ..files.assets import font_files
from ..model.manuscript import Manuscript
from .fonts import subset, to_unicode_cmap, width_array

PX = 0.75  # CSS px -> pt
LINE_FACTOR = 1.35  # pdf.js's line height per font size; the DR font's Ascent - Descent (per 1000)
BOTTOM_PAD = 2.0  # pt under the last rule: pdf.js lays a multi-line field out in its height less 2 pt
RISE = 5.5  # pt from a rule to the baseline of an answer written on it (pdf.js: ~5.1, pdfium: ~5.9)
LEFT_PAD = 2.0  # pt from the field's left edge to the text (pdf.js's and pdfium's padding)
INK = "0.118 g"  # the book's text colour (#1e1e1e)
FONT = "/Helv"  # the form's font resource (Source Sans Pro; named so a viewer without it falls back to Helvetica)
MULTILINE = 1 << 12  # text field flag 13
PRINT = 1 << 2  # annotation flag 3: printed as shown
LINE_CLASSES = ("prompt-lines", "ws-lines")  # blocks of writing lines
OWNER_CLASSES = ("prompt", "ws-prompt")  # blocks whose id names the lines inside them


@dataclass(frozen=True)
class Space:
    """A field's place: page index, rectangle in PDF pt (x0, y0 = the last rule, x1, y1 = the top of the
    first line), the lines' pitch in pt and their count; `multiline` False for a one-line field."""

    name: str
    page: int
    rect: tuple[float, float, float, float]
    pitch: float
    lines: int
    multiline: bool = True
    element: str = ""  # the HTML id of the element the field belongs to in the structure tree (else `name`)

    def at(self, offset: int) -> Space:
        """The same space `offset` pages further on (a part's pages in the joined PDF)."""
        return replace(self, page=self.page + offset)

    def encode(self) -> list:
        return [self.name, self.page, list(self.rect), self.pitch, self.lines, self.multiline, self.element]

    @classmethod
    def decode(cls, item: list) -> Space:
        name, page, rect, pitch, lines, multiline, element = item
        x0, y0, x1, y1 = (float(v) for v in rect)
        return cls(str(name), int(page), (x0, y0, x1, y1), float(pitch), int(lines), bool(multiline), str(element))


@dataclass(frozen=True)
class FieldSet:
    """The fields one PDF gets: where they go and each name's tooltip."""

    spaces: list[Space]
    tooltips: dict[str, str]


def book_fields(manuscript: Manuscript, spaces: list[Space]) -> FieldSet:
    """The reader's PDF's fields: each prompt's tooltip is its question, a notes page's "Notes – 2. Title"."""
    tooltips = {prompt.id: prompt.text for prompt in manuscript.prompts}
    notes = str(manuscript.config.words["notes"])
    tooltips.update({f"notes-{c.slug}": f"{notes} – {c.number}. {c.title}" for c in manuscript.chapters})
    return FieldSet([space for space in spaces if space.name in tooltips], tooltips)


def writing_spaces(document: weasyprint.Document) -> list[Space]:
    """Every block of writing lines in a laid-out document (after fill.py added its lines) and every
    `data-field` box, in document order."""
    found: list[Space] = []
    for index, page in enumerate(document.pages):
        bleed = getattr(page, "bleed", None) or {}
        origin = (bleed.get("left", 0), page.height + bleed.get("bottom", 0))  # the page box's corner in the PDF
        _visit(page._page_box, None, index, origin, found)
    return found


def _visit(box: Any, owner: str | None, page: int, origin: tuple[float, float], found: list[Space]) -> None:
    element = getattr(box, "element", None)
    if element is None:
        for child in getattr(box, "children", ()):
            if hasattr(child, "style"):
                _visit(child, owner, page, origin, found)
        return
    classes = set((element.get("class") or "").split())
    if type(box).__name__ == "BlockBox" and classes & set(LINE_CLASSES):
        lines = [child for child in box.children if type(child).__name__ == "BlockBox"]
        name = element.get("id") or owner
        if lines and name:
            first, last = lines[0], lines[-1]
            x0 = first.border_box_x()
            rect = _pdf_rect(origin, x0, first.border_box_y(), x0 + first.border_width(),
                             last.border_box_y() + last.border_height())
            found.append(Space(name, page, rect, round(first.margin_height() * PX, 4), len(lines)))
        return
    field = element.get("data-field")
    if field and type(box).__name__ == "BlockBox":
        x0, top = box.border_box_x(), box.border_box_y()
        rect = _pdf_rect(origin, x0, top, x0 + box.border_width(), top + box.border_height())
        found.append(Space(field, page, rect, round(box.border_height() * PX, 4), 1, False, element.get("id") or ""))
        return
    if classes & set(OWNER_CLASSES) and element.get("id"):
        owner = element.get("id")
    for child in getattr(box, "children", ()):
        if hasattr(child, "style"):
            _visit(child, owner, page, origin, found)


def _pdf_rect(origin: tuple[float, float], x0: float, top: float, x1: float, low: float
              ) -> tuple[float, float, float, float]:
    """A box's edges in CSS px on the page -> (x0, y0, x1, y1) in PDF pt."""
    left, bottom = origin
    return (round((x0 + left) * PX, 3), round((bottom - low) * PX, 3),
            round((x1 + left) * PX, 3), round((bottom - top) * PX, 3))


def font_size(pitch: float) -> float:
    """The DA font size of a field whose lines are `pitch` pt apart."""
    return round(pitch / LINE_FACTOR, 2)


def add_fields(pdf: pikepdf.Pdf, spaces: Iterable[Space], tooltips: Mapping[str, str]
               ) -> list[tuple[str, pikepdf.Dictionary, pikepdf.Page]]:
    """Add a text field over every space (one field per name, a widget per space), with the form's font
    and an empty appearance each. Returns (the id of the element it belongs to: the field's name or the
    `data-field` box's own id, widget, page) for every widget made, in order."""
    pages = list(pdf.pages)
    made: list[tuple[str, pikepdf.Dictionary, pikepdf.Page]] = []
    by_name: dict[str, list[pikepdf.Dictionary]] = {}
    for space in spaces:
        page = pages[space.page]
        x0, y0, x1, y1 = space.rect
        rect = [x0, round(y0 - BOTTOM_PAD, 3), x1, y1]
        empty = pdf.make_stream(b"/Tx BMC EMC", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                BBox=[0, 0, round(x1 - x0, 3), round(rect[3] - rect[1], 3)])
        widget = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, Rect=rect, F=PRINT, P=page.obj,
            Border=[0, 0, 0], MK=pikepdf.Dictionary(), AP=pikepdf.Dictionary(N=empty),
            DA=pikepdf.String(f"{FONT} {font_size(space.pitch)} Tf {INK}"), Q=0))
        annots = page.obj.get("/Annots")
        if annots is None:
            page.obj.Annots = annots = pikepdf.Array()
        annots.append(widget)
        if space.name not in by_name:
            by_name[space.name] = []
            widget.FT = pikepdf.Name.Tx
            widget.Ff = MULTILINE if space.multiline else 0
            widget.T = pikepdf.String(space.name)
            widget.TU = pikepdf.String(tooltips.get(space.name, space.name))
        by_name[space.name].append(widget)
        made.append((space.element or space.name, widget, page))
    fields = pikepdf.Array()
    for widgets in by_name.values():
        if len(widgets) == 1:
            fields.append(widgets[0])
            continue
        first = widgets[0]
        parent = pdf.make_indirect(pikepdf.Dictionary(T=first.T, TU=first.TU, FT=first.FT, Ff=first.Ff,
                                                      DA=first.DA, Kids=pikepdf.Array(widgets)))
        for widget in widgets:
            for key in ("/T", "/TU", "/FT", "/Ff"):
                if key in widget:
                    del widget[key]
            widget.Parent = parent
        fields.append(parent)
    if len(fields):
        pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(
            Fields=fields, DR=pikepdf.Dictionary(Font=pikepdf.Dictionary({FONT: _form_font(pdf)})),
            DA=pikepdf.String(f"{FONT} 0 Tf {INK}"), NeedAppearances=False))
    return made


# -- the fonts ----------------------------------------------------------------------------------------

@functools.cache
def _font() -> tuple[bytes, TTFont]:
    data = font_files()["sans-400-normal"].read_bytes()
    return data, TTFont(io.BytesIO(data))


@functools.cache
def _winansi_font() -> tuple[bytes, list[int]]:
    """Source Sans Pro cut to the WinAnsi (cp1252) repertoire, and its widths for codes 32-255."""
    data, face = _font()
    cmap, metrics, scale = face.getBestCmap(), face["hmtx"], 1000 / face["head"].unitsPerEm
    chars = [bytes([code]).decode("cp1252", errors="ignore") for code in range(32, 256)]
    glyphs = {face.getGlyphID(cmap[ord(ch)]) for ch in chars if ch and ord(ch) in cmap}
    widths = [round(metrics[cmap[ord(ch)]][0] * scale) if ch and ord(ch) in cmap else 0 for ch in chars]
    return subset(data, 0, glyphs), widths


def _descriptor(pdf: pikepdf.Pdf, name: str, program: bytes) -> pikepdf.Dictionary:
    """A font descriptor whose Ascent - Descent is LINE_FACTOR (pdfium's line height for a field)."""
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name(name), Flags=32,
        FontBBox=[-454, -350, 2159, 1000], ItalicAngle=0, Ascent=1000, Descent=-350, CapHeight=660, StemV=80,
        FontFile2=pdf.make_stream(program, Length1=len(program))))


def _form_font(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    program, widths = _winansi_font()
    name = "/WBFORM+SourceSansPro-Regular"  # a subset (ISO 32000 9.6.4): the WinAnsi characters
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=pikepdf.Name(name),
        FirstChar=32, LastChar=255, Widths=widths, Encoding=pikepdf.Name.WinAnsiEncoding,
        FontDescriptor=_descriptor(pdf, name, program)))


# -- filling a field ----------------------------------------------------------------------------------

class FieldFillError(WorkbookError):
    """A value that does not fit its field, or a field that is not there."""


def wrap(text: str, advance, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` (at spaces; a word wider than the line stands alone),
    its own line breaks kept."""
    lines = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            size = sum(advance(ch) for ch in word)
            gap = advance(" ") if line else 0.0
            if line and used + gap + size > width:
                lines.append(line)
                line, used = word, size
            else:
                line, used = (f"{line} {word}" if line else word), used + gap + size
        lines.append(line)
    return lines


def fill_field(pdf: pikepdf.Pdf, name: str, text: str) -> None:
    """Set the field `name` to `text` and draw it: wrapped by the font's widths, a line on each rule.
    A text with more lines than the field is refused."""
    fields = [f for f in pdf.Root.AcroForm.Fields if str(f.get("/T", "")) == name]
    if not fields:
        raise FieldFillError([Diagnostic(name, None, "no field of that name")])
    field = fields[0]
    widgets = list(field.Kids) if "/Kids" in field else [field]
    data, face = _font()
    cmap, metrics, scale = face.getBestCmap(), face["hmtx"], face["head"].unitsPerEm
    order = face.getGlyphOrder()

    def glyph(ch: str) -> int:
        return face.getGlyphID(cmap[ord(ch)]) if ord(ch) in cmap else 0

    font = _answer_font(pdf, data, face, {glyph(ch) for ch in text if ch != "\n"},
                        {glyph(ch): ch for ch in text if ch != "\n"})  # one font for all the field's widgets
    for widget in widgets:
        x0, y0, x1, y1 = (float(v) for v in widget.Rect)
        size = float(str(field.get("/DA", widget.get("/DA"))).split()[1])
        height, width = y1 - y0, x1 - x0
        multiline = int(field.get("/Ff", 0)) & MULTILINE
        count = max(round((height - BOTTOM_PAD) / (size * LINE_FACTOR)), 1) if multiline else 1
        pitch = (height - BOTTOM_PAD) / count

        def advance(ch: str, size: float = size) -> float:
            return metrics[order[glyph(ch)]][0] * size / scale

        lines = wrap(text, advance, width - 2 * LEFT_PAD) if multiline else [" ".join(text.split())]
        if len(lines) > count:
            raise FieldFillError([Diagnostic(name, None, f"the text takes {len(lines)} lines; the field has {count}")])
        ops = [f"/Tx BMC q BT /WbAnswer {size} Tf {INK}"]
        for number, line in enumerate(lines):
            baseline = height - (number + 1) * pitch + RISE if multiline else BOTTOM_PAD + RISE
            ops.append(f"1 0 0 1 {LEFT_PAD} {baseline:.2f} Tm <{''.join(f'{glyph(ch):04X}' for ch in line)}> Tj")
        ops.append("ET Q EMC")
        widget.AP = pikepdf.Dictionary(N=pdf.make_stream(
            "\n".join(ops).encode(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
            BBox=[0, 0, round(width, 3), round(height, 3)],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(WbAnswer=font))))
    field.V = pikepdf.String(text)


def _answer_font(pdf: pikepdf.Pdf, data: bytes, face: TTFont, glyphs: set[int], text: dict[int, str]
                 ) -> pikepdf.Dictionary:
    """Source Sans Pro cut to `glyphs`, as a Type0 font with glyph ids for codes and a ToUnicode map."""
    metrics, order, scale = face["hmtx"], face.getGlyphOrder(), 1000 / face["head"].unitsPerEm
    name = "/WBANSW+SourceSansPro-Regular"
    widths = {gid: metrics[order[gid]][0] * scale for gid in glyphs | {0}}
    to_unicode = to_unicode_cmap({f"{gid:04X}".encode(): ch.encode("utf-16-be").hex().upper().encode()
                                  for gid, ch in text.items()})
    descendant = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name(name),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                         Supplement=0),
        FontDescriptor=_descriptor(pdf, name, subset(data, 0, glyphs)), W=width_array(widths),
        CIDToGIDMap=pikepdf.Name.Identity))
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name(name),
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[descendant],
        ToUnicode=pdf.make_stream(to_unicode)))
