"""A laid-out PDF (pikepdf.Pdf in DeviceRGB, as WeasyPrint writes it) in, the same pages in print inks out.

`to_print_colour(pdf, "gray" | "cmyk", pdfx, title)` rewrites, after layout, every colour of every
content stream (pages, form XObjects, tiling patterns, annotation appearances), every shading and
every picture from RGB (and Lab) to DeviceGray or DeviceCMYK by the rule of layout/inks.py (grey
text solid black, other greys black ink alone), with pikepdf's content-stream parser. For PDF/X-1a
it removes the transparency groups WeasyPrint wraps pictures and patterns in, flattens pictures'
alpha onto the paper, and refuses (OutputError naming the page) what cannot be flattened without
rasterising: a /ca or /CA below 1, a soft mask, a blend mode. layout/pdfx.py then marks the file
(output intent, version keys, boxes).

Why not WeasyPrint's own `pdf_variant="pdf/x-1a"` / `"pdf/x-4"` (WeasyPrint 70, weasyprint/pdf/pdfx.py):
it writes the PDF/X keys (Info /GTS_PDFXVersion and /GTS_PDFXConformance "PDF/X-1a:2003", /Trapped
/False, the XMP pdfxid entries; for X-4 a random xmpMM:DocumentID) with the dates of the moment the
file is written, and an OutputIntent only when the stylesheet declares `@color-profile device-cmyk`
(whose profile stream it writes with /N 1 for a CMYK profile). It converts no colour: `rgb()` and
`#1e1e1e` stay DeviceRGB `rg`, pictures stay RGB, `opacity` stays /ca 0.5 in a transparency group
with /CS of the profile, even under pdf/x-1a. Using it would mean a second layout of the book in
device-cmyk() colours, while the reader's PDF and every print file share one layout; so the print
colours are made here, from the laid-out pages.
"""
from __future__ import annotations

import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image

from workbook.errors import Diagnostic, OutputError
from workbook.layout import pdfx as pdfx_marks
from workbook.layout.inks import PROFILE, Inks, lab_to_rgb

_RGB_SPACES = {"/DeviceRGB", "/CalRGB"}
_KEEP: tuple[str, Any] = ("keep", None)  # a colour space left as it is: DeviceGray/CMYK (in cmyk), Pattern, Separation, DeviceN


def to_print_colour(pdf: pikepdf.Pdf, mode: str, pdfx: str | None, title: str, *, profile: Path = PROFILE,
                    source: str = "print PDF") -> dict:
    """Turn every page of `pdf` into `mode` ("gray" or "cmyk") inks; with `pdfx` ("X-1a" or "X-4")
    also make it that PDF/X (no transparency for X-1a, the CMYK `profile` as output intent, `title`
    as its title). Problems are an OutputError naming `source` and the page. Returns the keyword
    arguments pikepdf's `Pdf.save` needs for that PDF/X (its PDF version)."""
    if pdfx not in (None, "X-1a", "X-4"):
        raise ValueError(f"PDF/X is X-1a or X-4, not {pdfx!r}")
    converter = _Converter(pdf, Inks(mode, profile), flatten=pdfx == "X-1a", source=source)
    for number, page in enumerate(pdf.pages, 1):
        converter.page(number, page)
    converter.drop_unused_spaces()
    if pdfx is None:
        return {}
    return pdfx_marks.mark(pdf, pdfx, profile, title, source)


class _Converter:
    def __init__(self, pdf: pikepdf.Pdf, inks: Inks, flatten: bool, source: str):
        self.pdf, self.inks, self.flatten, self.source = pdf, inks, flatten, source
        self.done: set[tuple[int, int]] = set()  # streams and dictionaries converted (shared ones once)
        self.resource_sets: list[pikepdf.Dictionary] = []
        self.number = 0

    def fail(self, message: str) -> OutputError:
        return OutputError([Diagnostic(self.source, None, f"page {self.number}: {message}")])

    def _first_time(self, obj) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in self.done:
            return False
        self.done.add(obj.objgen)
        return True

    # -- pages, forms, patterns, annotations ------------------------------------------------------------

    def page(self, number: int, page: pikepdf.Page) -> None:
        self.number = number
        resources = page.obj.get("/Resources")
        data = self.content(pikepdf.parse_content_stream(page), resources)
        page.obj.Contents = self.pdf.make_stream(data)
        self.group(page.obj)
        for annotation in page.obj.get("/Annots") or []:
            self.annotation(annotation)

    def annotation(self, annotation: Any) -> None:
        for key in ("/C", "/IC"):
            if len(annotation.get(key) or []) == 3:
                annotation[key] = pikepdf.Array(self.inks.rgb(*(float(v) for v in annotation[key])))
        for appearance in (annotation.get("/AP") or {}).values():
            forms = [appearance] if isinstance(appearance, pikepdf.Stream) else list(appearance.values())
            for form in forms:
                self.form(form, None)

    def form(self, form: Any, outer: Any) -> None:
        """A form XObject or tiling pattern: its content stream rewritten in place."""
        if not self._first_time(form):
            return
        resources = form.get("/Resources", outer)
        data = self.content(pikepdf.parse_content_stream(form), resources)
        form.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)
        self.group(form)

    def group(self, obj: Any) -> None:
        """A transparency group: gone for X-1a (what it holds was checked opaque), else in the print inks."""
        group = obj.get("/Group")
        if group is None or group.get("/S") != "/Transparency":
            return
        if self.flatten:
            del obj["/Group"]
        elif "/CS" in group and self.space_kind(group.CS)[0] != "keep":
            group.CS = pikepdf.Name(self.inks.space)

    # -- content streams --------------------------------------------------------------------------------

    def content(self, instructions, resources: Any) -> bytes:
        if resources is not None and all(r is not resources for r in self.resource_sets):
            self.resource_sets.append(resources)
        fill = stroke = ("keep", None)  # the current colour spaces (what they were in the original)
        stack: list[tuple] = []
        out: list = []
        for operands, operator in instructions:
            op = str(operator)
            if op == "q":
                stack.append((fill, stroke))
            elif op == "Q" and stack:
                fill, stroke = stack.pop()
            elif op in ("rg", "RG", "k", "K", "g", "G"):
                space = {"rg": "/DeviceRGB", "k": "/DeviceCMYK", "g": "/DeviceGray"}[op.lower()]
                kind = self.space_kind(pikepdf.Name(space))
                out.append(self.paint(kind, [float(v) for v in operands], op.isupper()) or (operands, operator))
                fill, stroke = (fill, kind) if op.isupper() else (kind, stroke)
                continue
            elif op in ("cs", "CS"):
                kind = self.space_kind(self.named(resources, "/ColorSpace", operands[0], operands[0]))
                fill, stroke = (fill, kind) if op == "CS" else (kind, stroke)
                initial = {"rgb": [0.0] * 3, "lab": [0.0] * 3, "cmyk": [0.0, 0.0, 0.0, 1.0], "gray": [0.0]}.get(kind[0])
                if initial is not None:  # setting the space sets its initial colour, black
                    out.append(self.paint(kind, initial, op == "CS"))
                    continue
            elif op in ("sc", "scn", "SC", "SCN"):
                kind = stroke if op.isupper() else fill
                if kind[0] == "pattern":
                    if len(operands) > 1:
                        raise self.fail("an uncoloured tiling pattern (a colour with its pattern) is not converted")
                    self.pattern(self.named(resources, "/Pattern", operands[0]), resources)
                elif kind[0] != "keep":
                    out.append(self.paint(kind, [float(v) for v in operands], op.isupper()) or (operands, operator))
                    continue
            elif op == "Tf":
                font = self.named(resources, "/Font", operands[0])
                for procedure in (font.get("/CharProcs") or {}).values():  # a Type 3 font's glyphs draw too
                    self.form(procedure, font.get("/Resources", resources))
            elif op == "sh":
                self.shading(self.named(resources, "/Shading", operands[0]))
            elif op == "Do":
                self.xobject(self.named(resources, "/XObject", operands[0]), resources)
            elif op == "gs":
                self.graphics_state(self.named(resources, "/ExtGState", operands[0]))
            elif op == "INLINE IMAGE":
                self.inline_image(operands[0])
            out.append((operands, operator))
        return pikepdf.unparse_content_stream(out)

    def named(self, resources, category: str, name, default=None):
        entry = (resources or {}).get(category, {}).get(str(name)) if resources is not None else None
        if entry is None and default is None:
            raise self.fail(f"resource {name} of {category} is missing")
        return entry if entry is not None else default

    def space_kind(self, space) -> tuple[str, Any]:
        """What a colour space is to convert: ("rgb"|"lab"|"cmyk"|"gray"|"pattern"|"keep", detail)."""
        name = str(space[0] if isinstance(space, pikepdf.Array) else space)
        if name in _RGB_SPACES:
            return ("rgb", None)
        if name == "/Lab":
            return ("lab", tuple(float(v) for v in space[1].WhitePoint))
        if name == "/ICCBased":
            n = int(space[1].N)
            return {3: ("rgb", None), 1: ("gray", None), 4: ("cmyk", None)}.get(n, _KEEP)
        if name == "/DeviceCMYK" and self.inks.mode == "gray":
            return ("cmyk", None)
        if name == "/Pattern":
            return ("pattern", None)
        if name in ("/Separation", "/DeviceN") and self.space_kind(space[2])[0] in ("rgb", "lab"):
            raise self.fail(f"a spot colour {space[1]} with an RGB alternate is not converted")
        if name == "/Indexed":
            raise self.fail(f"an indexed colour space ({space[1]}) for drawing is not converted")
        return _KEEP

    def paint(self, kind: tuple[str, Any], values: list[float], stroke: bool) -> tuple[list, Any] | None:
        """The colour operator that paints `values` of a space of `kind` in the print inks (None: keep it)."""
        what, detail = kind
        if what == "rgb":
            colour = self.inks.rgb(*values[:3])
        elif what == "lab":
            colour = self.inks.rgb(*lab_to_rgb(values[0], values[1], values[2], detail))
        elif what == "cmyk":
            colour = self.inks.cmyk(*values[:4])
        elif what == "gray":
            colour = self.inks.gray(values[0], solid=False)
        else:
            return None
        operator = "g" if len(colour) == 1 else "k"
        return [Decimal(f"{v:.4f}").normalize() for v in colour], pikepdf.Operator(operator.upper() if stroke else operator)

    # -- what a content stream uses ----------------------------------------------------------------------

    def graphics_state(self, state: Any) -> None:
        smask = state.get("/SMask")
        if not self.flatten:
            if isinstance(smask, pikepdf.Dictionary) and "/G" in smask:  # X-4 keeps soft masks: in print inks
                self.form(smask.G, None)
                if "/BC" in smask and len(smask.BC) == 3:
                    smask.BC = pikepdf.Array(self.inks.rgb(*(float(v) for v in smask.BC)))
            return
        for key in ("/CA", "/ca"):
            if key in state and float(state[key]) < 1:
                raise self.fail(f"opacity {float(state[key])} ({key}) cannot be printed as PDF/X-1a, "
                                "which has no transparency: use opaque colours in the book's styles")
        if str(state.get("/SMask", "/None")) != "/None":
            raise self.fail("a soft mask (a gradient with opacity, a mask) cannot be printed as PDF/X-1a")
        blend = state.get("/BM", pikepdf.Name.Normal)
        blends = list(blend) if isinstance(blend, pikepdf.Array) else [blend]
        if any(str(b) not in ("/Normal", "/Compatible") for b in blends):
            raise self.fail(f"blend mode {blend} cannot be printed as PDF/X-1a")
        for key in ("/CA", "/ca", "/SMask", "/BM", "/AIS", "/TK"):  # opaque, so PDF 1.4's keys say nothing
            if key in state:
                del state[key]

    def xobject(self, xobject: Any, resources) -> None:
        subtype = xobject.get("/Subtype")
        if subtype == "/Form":
            self.form(xobject, resources)
        elif subtype == "/Image" and self._first_time(xobject):
            self.image(xobject)

    def pattern(self, pattern: Any, resources) -> None:
        """A tiling pattern's content, or a shading pattern's shading and graphics state."""
        if int(pattern.PatternType) == 1:
            self.form(pattern, resources)
        elif self._first_time(pattern):
            self.shading(pattern.Shading)
            if "/ExtGState" in pattern:
                self.graphics_state(pattern.ExtGState)

    def image(self, image: Any) -> None:
        if image.get("/ImageMask"):
            return  # a stencil: painted in the fill colour, converted where that is set
        if "/SMaskInData" in image and int(image.SMaskInData):
            raise self.fail("a JPEG 2000 picture with its own transparency is not converted")
        space = image.get("/ColorSpace")
        kind = self.space_kind(space)[0] if space is not None and str(space[0] if isinstance(space, pikepdf.Array)
                                                                       else space) != "/Indexed" else "indexed"
        smask = image.get("/SMask")
        flatten_alpha = self.flatten and smask is not None
        if kind == "keep" and not flatten_alpha:
            return
        try:
            picture = pikepdf.PdfImage(image).as_pil_image()
        except Exception as error:  # noqa: BLE001 - pikepdf cannot decode every filter (JBIG2, some CCITT)
            raise self.fail(f"a picture cannot be decoded to convert its colours: {error}") from None
        if picture.mode == "CMYK" and self.inks.mode == "cmyk":
            converted = picture
        elif picture.mode in ("L", "1") and not flatten_alpha:
            return
        else:
            if flatten_alpha:  # X-1a: the picture as it looks on the paper, its alpha gone
                alpha = pikepdf.PdfImage(smask).as_pil_image().convert("L").resize(picture.size)
                white = Image.new("RGB", picture.size, (255, 255, 255))
                picture = Image.composite(picture.convert("RGB"), white, alpha)
                del image["/SMask"]
            converted = self.inks.picture(picture)
        for key in ("/DecodeParms", "/Decode"):
            if key in image:
                del image[key]
        image.write(zlib.compress(converted.tobytes()), filter=pikepdf.Name.FlateDecode)
        image.ColorSpace = pikepdf.Name("/DeviceGray" if converted.mode == "L" else "/DeviceCMYK")
        image.BitsPerComponent = 8

    def inline_image(self, inline) -> None:
        space = str(inline.obj.get("/ColorSpace", inline.obj.get("/CS", "")))
        if space in ("/DeviceRGB", "/RGB", "/CalRGB", "/Indexed", "/I") or space.startswith("["):
            raise self.fail(f"an inline picture in {space} is not converted")

    def shading(self, shading: Any) -> None:
        if not self._first_time(shading):
            return
        kind = self.space_kind(shading.ColorSpace)
        if kind[0] in ("keep", "pattern"):
            return
        if int(shading.ShadingType) > 3:
            raise self.fail("a mesh shading (colours in its data) is not converted")
        if "/Background" in shading:
            shading.Background = pikepdf.Array(self.colour(kind, shading.Background))
        shading.Function = self.function(kind, shading.Function)
        shading.ColorSpace = pikepdf.Name(self.inks.space)

    def function(self, kind, function):
        if isinstance(function, pikepdf.Array):
            return pikepdf.Array([self.function(kind, f) for f in function])
        if not self._first_time(function):
            return function
        function_type = int(function.FunctionType)
        if function_type == 2:
            inputs = {"rgb": 3, "lab": 3, "cmyk": 4, "gray": 1}[kind[0]]
            function.C0 = pikepdf.Array(self.colour(kind, function.get("/C0", [0] * inputs)))
            function.C1 = pikepdf.Array(self.colour(kind, function.get("/C1", [1] * inputs)))
        elif function_type == 3:
            function.Functions = pikepdf.Array([self.function(kind, f) for f in function.Functions])
        else:
            raise self.fail(f"a gradient with a type {function_type} function is not converted")
        return function

    def colour(self, kind, values) -> list[float]:
        """A colour of a gradient's stop: converted like a drawn colour, but greys never snap to black."""
        values = [float(v) for v in values]
        if kind[0] == "rgb" and max(values) - min(values) <= 0.03:
            return self.inks.gray(sum(values) / 3, solid=False)
        painted = self.paint(kind, values, False)
        return [float(v) for v in painted[0]] if painted else values

    def drop_unused_spaces(self) -> None:
        """Every RGB/Lab colour space and pattern left in a resource set: its uses are rewritten."""
        for resources in self.resource_sets:
            for pattern in (resources.get("/Pattern") or {}).values():
                self.pattern(pattern, resources)
            spaces: Any = resources.get("/ColorSpace") or {}
            for name in list(spaces.keys()):
                if self.space_kind(spaces[name])[0] in ("rgb", "lab") or (
                        self.inks.mode == "gray" and self.space_kind(spaces[name])[0] == "cmyk"):
                    del spaces[name]
