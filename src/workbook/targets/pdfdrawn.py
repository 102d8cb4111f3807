"""A built PDF file in, what each page draws and where out (pypdfium2): every object's bounding box in
page space (PDF points), whether it is text and at what size, and an area of a page rendered to pixels.

pdfium gives each object's bounds in the space of the form XObject that holds it; they are carried to
page space through the matrix of every enclosing form object. Text is sized by its font size times the
scale of its own matrix and of the forms around it.
"""
from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points


@dataclass(frozen=True)
class Drawn:
    """One drawn object: its bounds in page space, and for text its size in points."""

    box: Box
    text: bool = False
    size: float = 0.0


def _apply(matrix: pypdfium2.PdfMatrix, box: Box) -> Box:
    corners = [matrix.on_point(x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _scale(matrix: pypdfium2.PdfMatrix) -> float:
    return math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))


def _subpaths(obj: pypdfium2.PdfObject) -> list[Box]:
    """A stroked, unfilled path's subpaths one by one (crop marks are often one path of many lines),
    each grown by half the line width; [] for anything else."""
    if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
        return []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj.raw, fill, stroke) or fill.value or not stroke.value:
        return []
    width = ctypes.c_float()
    pdfium_c.FPDFPageObj_GetStrokeWidth(obj.raw, width)
    matrix = obj.get_matrix()
    half = width.value * _scale(matrix) / 2
    boxes: list[list[tuple[float, float]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for index in range(pdfium_c.FPDFPath_CountSegments(obj.raw)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj.raw, index)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = matrix.on_point(x.value, y.value)
        if pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_MOVETO or not boxes:
            boxes.append([point])
        else:
            boxes[-1].append(point)
    return [(min(p[0] for p in b) - half, min(p[1] for p in b) - half, max(p[0] for p in b) + half,
             max(p[1] for p in b) + half) for b in boxes]


def drawn_objects(path: Path) -> list[list[Drawn]]:
    """Every page's drawn objects (text, paths, pictures, shadings; form XObjects by what they hold)."""
    document = pypdfium2.PdfDocument(path)
    try:
        pages: list[list[Drawn]] = []
        for index in range(len(document)):
            page = document[index]
            found: list[Drawn] = []
            forms: list[pypdfium2.PdfMatrix] = []  # the matrices of the form objects around the current one
            for obj in page.get_objects(max_depth=32):
                del forms[obj.level:]
                if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
                    forms.append(obj.get_matrix())
                    continue
                text = obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT
                size = 0.0
                if text:
                    size = obj.get_font_size() * _scale(obj.get_matrix()) * math.prod(_scale(m) for m in forms)
                for box in _subpaths(obj) or [tuple(obj.get_bounds())]:
                    for matrix in reversed(forms):
                        box = _apply(matrix, box)
                    found.append(Drawn(box, text, round(size, 2)))
            pages.append(found)
            page.close()
        return pages
    finally:
        document.close()


def render_area(path: Path, index: int, box: Box, dpi: int) -> Image.Image:
    """The area `box` (page space) of page `index` rendered at `dpi`, as RGB pixels."""
    document = pypdfium2.PdfDocument(path)
    try:
        page = document[index]
        left, bottom, right, top = page.get_mediabox()
        scale = dpi / 72
        image = page.render(scale=scale).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    return image.crop((round((box[0] - left) * scale), round((top - box[3]) * scale),
                       round((box[2] - left) * scale), round((top - box[1]) * scale)))


def ink_boxes(path: Path, trims: list[Box | None], dpi: int) -> list[Box | None]:
    """For every page with a trim, the box (page space) around all ink inside the trim: the page
    rendered at `dpi` without its art that bleeds (top-level objects that reach past the trim), every
    pixel darker than the paper counted. None for a page without a trim or without ink in it."""
    document = pypdfium2.PdfDocument(path)
    boxes: list[Box | None] = []
    try:
        for index, trim in enumerate(trims):
            if trim is None:
                boxes.append(None)
                continue
            page = document[index]
            for obj in list(page.get_objects(max_depth=0)):
                box = obj.get_bounds()
                overlaps = box[0] < trim[2] and box[2] > trim[0] and box[1] < trim[3] and box[3] > trim[1]
                past = box[0] < trim[0] - 0.5 or box[1] < trim[1] - 0.5 or box[2] > trim[2] + 0.5 or box[3] > trim[3] + 0.5
                if overlaps and past:
                    page.remove_obj(obj)
            left, _, _, top = page.get_cropbox()
            scale = dpi / 72
            image = page.render(scale=scale, may_draw_forms=True).to_pil().convert("L")
            page.close()
            x0, y0 = (trim[0] - left) * scale, (top - trim[3]) * scale
            area = image.crop((round(x0), round(y0), round((trim[2] - left) * scale), round((top - trim[1]) * scale)))
            ink = area.point(lambda v: 255 if v < 250 else 0).getbbox()
            if ink is None:
                boxes.append(None)
                continue
            px0, py0 = round(x0), round(y0)
            boxes.append(((px0 + ink[0]) / scale + left, top - (py0 + ink[3]) / scale,
                          (px0 + ink[2]) / scale + left, top - (py0 + ink[1]) / scale))
    finally:
        document.close()
    return boxes
