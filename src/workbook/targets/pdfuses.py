"""A built PDF (pikepdf.Pdf) in, what each page draws with out: the colour spaces of every colour operator,
picture, shading and group, the colour every text is painted in, transparency, and the fonts it shows.

Every content stream a page shows is read with pikepdf's parser: the page's, its form XObjects (nested),
tiling patterns, Type 3 glyph procedures and annotation appearances. Nothing here knows a printer's
rules; targets/preflight.py judges what is found.
"""
from __future__ import annotations

import functools
import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from fontTools.ttLib import TTFont, TTLibError

from ..files.assets import font_files

# Abbreviations inline pictures may use for their colour space (ISO 32000-1, table 93).
_INLINE_SPACES = {"/G": "/DeviceGray", "/RGB": "/DeviceRGB", "/CMYK": "/DeviceCMYK", "/I": "/Indexed"}
_DEVICE_BY_N = {1: "DeviceGray", 3: "DeviceRGB", 4: "DeviceCMYK"}
_SHOW_TEXT = {"Tj", "TJ", "'", '"'}


@dataclass(frozen=True)
class Space:
    """A colour space as printing sees it: the device space it amounts to (`device`: DeviceGray,
    DeviceRGB, DeviceCMYK, Lab, or "" for a pattern) and how to name it in a message."""

    device: str
    name: str
    icc: bool = False  # an ICC-based space (PDF/X-1a takes none)


GRAY = Space("DeviceGray", "DeviceGray")


@dataclass
class PageUses:
    """What one page draws with: colour spaces (each with the first place it is used), the colours
    its text is painted in, transparency, and its fonts (by object number)."""

    spaces: dict[Space, str] = field(default_factory=dict)
    text_colours: dict[tuple[Space, tuple[float, ...]], int] = field(default_factory=dict)  # (space, values): count
    transparency: list[str] = field(default_factory=list)
    fonts: dict[tuple[int, int], pikepdf.Dictionary] = field(default_factory=dict)


def space_of(space: Any) -> Space:
    """The Space of a colour space object (a name or an array)."""
    name = str(space[0] if isinstance(space, pikepdf.Array) else space)
    name = _INLINE_SPACES.get(name, name)
    if name in ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK"):
        return Space(name[1:], name[1:])
    if name in ("/CalGray", "/CalRGB"):
        return Space("DeviceGray" if name == "/CalGray" else "DeviceRGB", name[1:])
    if name == "/Lab":
        return Space("Lab", "Lab")
    if name == "/ICCBased":
        n = int(space[1].get("/N", 0))
        return Space(_DEVICE_BY_N.get(n, f"{n} components"), f"ICCBased ({n} components)", icc=True)
    if name == "/Indexed":
        base = space_of(space[1])
        return Space(base.device, f"Indexed over {base.name}", base.icc)
    if name in ("/Separation", "/DeviceN"):
        alternate = space_of(space[2])
        colorant = str(space[1]) if name == "/Separation" else "DeviceN"
        return Space(alternate.device, f"{name[1:]} {colorant.lstrip('/')} (alternate {alternate.name})", alternate.icc)
    if name == "/Pattern":
        return Space("", "Pattern")
    return Space(name.lstrip("/"), name.lstrip("/"))


def page_uses(pdf: pikepdf.Pdf) -> list[PageUses]:
    """What every page draws with, in page order."""
    return [_Walker(page).run() for page in pdf.pages]


class _Walker:
    def __init__(self, page: pikepdf.Page):
        self.page = page
        self.uses = PageUses()
        self.open: list[tuple[int, int]] = []  # forms being read (a form that draws itself is read once)

    def run(self) -> PageUses:
        obj = self.page.obj
        self.group(obj, "the page")
        self.content(pikepdf.parse_content_stream(self.page), obj.get("/Resources"), "the page's content")
        for annotation in obj.get("/Annots") or []:
            appearance = annotation.get("/AP", pikepdf.Dictionary()).get("/N")
            forms = ([appearance] if isinstance(appearance, pikepdf.Stream)
                     else list(appearance.values()) if isinstance(appearance, pikepdf.Dictionary) else [])
            for form in forms:
                self.form(form, None, f"a {annotation.get('/Subtype')} annotation's appearance")
        return self.uses

    def space(self, space: Space, where: str) -> Space:
        self.uses.spaces.setdefault(space, where)
        return space

    def group(self, obj: Any, where: str) -> None:
        group = obj.get("/Group")
        if group is not None and group.get("/S") == "/Transparency":
            self.uses.transparency.append(f"a transparency group on {where}")
            if "/CS" in group:
                self.space(space_of(group.CS), f"the transparency group of {where}")

    def form(self, form: Any, outer: Any, where: str) -> None:
        key = form.objgen
        if key in self.open:
            return
        self.open.append(key)
        try:
            self.group(form, where)
            self.content(pikepdf.parse_content_stream(form), form.get("/Resources", outer), where)
        finally:
            self.open.pop()

    def content(self, instructions: Any, resources: Any, where: str) -> None:
        fill: tuple[Space, tuple[float, ...]] = (GRAY, (0.0,))
        stroke = fill
        stack: list[tuple] = []
        invisible = False
        for operands, operator in instructions:
            op = str(operator)
            if op == "q":
                stack.append((fill, stroke, invisible))
            elif op == "Q" and stack:
                fill, stroke, invisible = stack.pop()
            elif op in ("g", "G", "rg", "RG", "k", "K"):
                device = {"g": "DeviceGray", "rg": "DeviceRGB", "k": "DeviceCMYK"}[op.lower()]
                values = tuple(float(v) for v in operands)
                example = " ".join(f"{v:g}" for v in values) + f" {op}"
                colour = (self.space(Space(device, device), f"{example} in {where}"), values)
                fill, stroke = (fill, colour) if op.isupper() else (colour, stroke)
            elif op in ("cs", "CS"):
                space = self.space(self.named_space(resources, operands[0]), f"{operands[0]} {op} in {where}")
                colour = (space, ())
                fill, stroke = (fill, colour) if op == "CS" else (colour, stroke)
            elif op in ("sc", "scn", "SC", "SCN"):
                current = stroke if op.isupper() else fill
                values = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name))
                if operands and isinstance(operands[-1], pikepdf.Name):
                    self.pattern(self.named(resources, "/Pattern", operands[-1]), resources, where)
                colour = (current[0], values)
                fill, stroke = (fill, colour) if op.islower() else (colour, stroke)
            elif op == "Tr":
                invisible = int(operands[0]) in (3, 7)
            elif op == "Tf":
                self.font(self.named(resources, "/Font", operands[0]), resources, where)
            elif op in _SHOW_TEXT and not invisible:
                key = (fill[0], fill[1])
                self.uses.text_colours[key] = self.uses.text_colours.get(key, 0) + 1
            elif op == "sh":
                self.shading(self.named(resources, "/Shading", operands[0]), f"shading {operands[0]} in {where}")
            elif op == "Do":
                self.xobject(self.named(resources, "/XObject", operands[0]), resources, f"{operands[0]} in {where}")
            elif op == "gs":
                self.graphics_state(self.named(resources, "/ExtGState", operands[0]), f"{operands[0]} in {where}")
            elif op == "INLINE IMAGE":
                image = operands[0].obj
                if not image.get("/IM", image.get("/ImageMask", False)):
                    space = image.get("/CS", image.get("/ColorSpace", pikepdf.Name.DeviceGray))
                    if str(space) not in _INLINE_SPACES and str(space) not in ("/DeviceGray", "/DeviceRGB",
                                                                                "/DeviceCMYK", "/Indexed"):
                        space = self.named(resources, "/ColorSpace", space) if isinstance(space, pikepdf.Name) else space
                    self.space(space_of(space), f"an inline picture in {where}")

    @staticmethod
    def named(resources: Any, category: str, name: Any) -> Any:
        entry = (resources or {}).get(category, {}).get(str(name)) if resources is not None else None
        if entry is None:
            return pikepdf.Dictionary()  # a missing resource draws nothing (qpdf's check reports it)
        return entry

    def named_space(self, resources: Any, name: Any) -> Space:
        if str(name) in ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "/Pattern"):
            return space_of(name)
        entry = self.named(resources, "/ColorSpace", name)
        return space_of(entry) if not isinstance(entry, pikepdf.Dictionary) else Space("?", f"a missing {name}")

    def font(self, font: Any, resources: Any, where: str) -> None:
        if not isinstance(font, pikepdf.Dictionary) or not font.is_indirect or font.objgen in self.uses.fonts:
            return
        self.uses.fonts[font.objgen] = font
        for name, procedure in (font.get("/CharProcs") or {}).items():  # a Type 3 font's glyphs draw too
            self.form(procedure, font.get("/Resources", resources), f"glyph {name} of Type 3 font in {where}")

    def xobject(self, xobject: Any, resources: Any, where: str) -> None:
        subtype = xobject.get("/Subtype")
        if subtype == "/Form":
            self.form(xobject, resources, where)
        elif subtype == "/Image":
            if "/SMask" in xobject:
                self.uses.transparency.append(f"a picture with a soft mask (alpha), {where}")
            if int(xobject.get("/SMaskInData", 0)):
                self.uses.transparency.append(f"a JPEG 2000 picture with its own alpha, {where}")
            if not xobject.get("/ImageMask", False) and "/ColorSpace" in xobject:
                self.space(space_of(xobject.ColorSpace), f"picture {where}")

    def pattern(self, pattern: Any, resources: Any, where: str) -> None:
        if int(pattern.get("/PatternType", 0)) == 1:
            self.form(pattern, resources, f"a tiling pattern in {where}")
        elif "/Shading" in pattern:
            self.shading(pattern.Shading, f"a shading pattern in {where}")
            if "/ExtGState" in pattern:
                self.graphics_state(pattern.ExtGState, f"a shading pattern in {where}")

    def shading(self, shading: Any, where: str) -> None:
        if "/ColorSpace" in shading:
            self.space(space_of(shading.ColorSpace), where)

    def graphics_state(self, state: Any, where: str) -> None:
        for key in ("/CA", "/ca"):
            if key in state and float(state[key]) < 1:
                self.uses.transparency.append(f"opacity {float(state[key]):g} ({key}) in {where}")
        smask = state.get("/SMask")
        if smask is not None and str(smask) != "/None":
            self.uses.transparency.append(f"a soft mask in {where}")
            if isinstance(smask, pikepdf.Dictionary) and "/G" in smask:
                self.form(smask.G, None, f"the soft mask of {where}")
        blend = state.get("/BM", pikepdf.Name.Normal)
        blends = list(blend) if isinstance(blend, pikepdf.Array) else [blend]
        if any(str(b) not in ("/Normal", "/Compatible") for b in blends):
            self.uses.transparency.append(f"blend mode {blend} in {where}")


def program_glyphs(data: bytes) -> tuple[int, int, str] | None:
    """(glyphs with an outline, glyph slots, PostScript name) of a TrueType/OpenType program; None for others."""
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        total = int(font["maxp"].numGlyphs)
        if "glyf" in font:
            table = font["glyf"]
            drawn = sum(1 for g in font.getGlyphOrder() if table[g].numberOfContours != 0)
        else:
            drawn = len(font.getGlyphOrder())
        return drawn, total, font["name"].getDebugName(6) or ""
    except (TTLibError, KeyError, AssertionError, struct.error):
        return None



@functools.lru_cache(maxsize=1)
def shipped_glyphs() -> dict[str, int]:
    """The shipped fonts' PostScript names and their outlined glyph counts (what a whole font holds)."""
    originals: dict[str, int] = {}
    for path in font_files().values():
        counted = program_glyphs(Path(path).read_bytes())
        if counted:
            originals[counted[2]] = counted[0]
    return originals
