"""A PDF in, every glyph it draws checked against the font file it came from out (a list of problems).

Text tests read a PDF's ToUnicode maps back and cannot see what is printed. This checker looks at what
is drawn: for every text-showing operator (Tj, TJ, ', ") of every page and form XObject, it takes the
glyph ids shown in each embedded TrueType/OpenType font, finds the original font file the program was
cut from (by its PostScript name and head table), and requires

- the embedded glyph's outline (components resolved) to equal the original's glyph of the same id, and
- that glyph to be a way of drawing the text the ToUnicode map names: the original's glyph for that
  character, or a named variant of it (`a.sc`, `one.osf`, `f_i`/`fi` ligatures, case variants).

A joined PDF that mixes up glyph ids (the "→" printed as "´") fails both.
"""
from __future__ import annotations

import functools
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
_BFRANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]


@dataclass
class Report:
    glyphs: int = 0  # distinct (font, glyph) pairs checked
    shows: int = 0  # text-showing operators read
    fonts: set = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _identity(font: TTFont) -> tuple:
    head = font["head"]
    name = font["name"].getDebugName(6) if "name" in font else None
    return name, round(head.fontRevision, 3), head.unitsPerEm, head.created


@functools.cache
def _originals(extra: tuple[Path, ...] = ()) -> dict[tuple, Path]:
    """Every font file the project ships, the system has, or `extra` folders hold, by identity."""
    from workbook.files.assets import font_files

    paths = list(font_files().values())
    for folder in [*_FONT_DIRS, *extra]:
        if folder.is_dir():
            paths += [p for p in folder.rglob("*") if p.suffix.lower() in (".ttf", ".otf")]
    found: dict[tuple, Path] = {}
    for path in paths:
        try:
            found.setdefault(_identity(TTFont(path, lazy=True)), path)
        except Exception:  # noqa: BLE001 - a font file we cannot read is not a candidate
            continue
    return found


@functools.cache
def _original_font(path: Path) -> TTFont:
    return TTFont(path)


def _outline(font: TTFont, name: str) -> list:
    glyphs = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyphs)
    glyphs[name].draw(pen)
    return [(op, tuple(tuple(round(c, 3) for c in point) for point in args)) for op, args in pen.value]


def _to_unicode(font: pikepdf.Dictionary) -> dict[int, str]:
    if "/ToUnicode" not in font:
        return {}
    data = font.ToUnicode.read_bytes()
    mapping: dict[int, str] = {}
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for start, end, text in _BFRANGE.findall(section):
            base = int(text, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[code] = chr(base + offset)
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in _BFCHAR.findall(section):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", errors="replace")
    return mapping


def _plausible(original: TTFont, gid: int, text: str) -> bool:
    """Is glyph `gid` of the original font a way of drawing `text`?"""
    order = original.getGlyphOrder()
    name = order[gid]
    cmap = original.getBestCmap()
    if len(text) == 1 and cmap.get(ord(text)) == name:
        return True
    if not text:
        return False
    stem = name.split(".")[0]
    pieces = stem.split("_") if "_" in stem else [stem]
    wanted = [cmap.get(ord(ch)) for ch in text]
    if len(pieces) == len(wanted) and all(
            p == w or (w and p.lower() == w.lower()) for p, w in zip(pieces, wanted, strict=True)):
        return True  # a variant (a.sc, one.osf) or a ligature (f_i) of the text's glyphs
    ligatures = {"fi": "fi", "fl": "fl", "ff": "ff", "ffi": "ffi", "ffl": "ffl"}
    if ligatures.get(text) == stem:
        return True
    folded = unicodedata.normalize("NFKD", text)
    return folded != text and _plausible(original, gid, folded)


class _Font:
    """One embedded font of the PDF under check, with its original."""

    def __init__(self, font: pikepdf.Dictionary, problems: list[str]):
        self.name = str(font.get("/BaseFont", "?"))
        self.ok = False
        self.to_unicode = _to_unicode(font)
        self.embedded: TTFont | None = None
        self.original: TTFont | None = None
        if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
            return  # simple fonts (Type3 bitmaps, standard 14) are not ours to check here
        descendant = font.DescendantFonts[0]
        if descendant.get("/CIDToGIDMap", pikepdf.Name.Identity) != pikepdf.Name.Identity:
            problems.append(f"{self.name}: CIDToGIDMap is not Identity")
            return
        descriptor = descendant.FontDescriptor
        stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        if stream is None:
            problems.append(f"{self.name}: font is not embedded")
            return
        self.embedded = TTFont(io.BytesIO(stream.read_bytes()))
        path = _originals().get(_identity(self.embedded))
        if path is None:
            problems.append(f"{self.name}: no original font file found for {_identity(self.embedded)}")
            return
        self.original = _original_font(path)
        self.ok = True

    def check(self, gid: int, problems: list[str]) -> None:
        assert self.embedded is not None and self.original is not None
        order = self.original.getGlyphOrder()
        text = self.to_unicode.get(gid, "")
        if gid >= len(order):
            problems.append(f"{self.name}: glyph {gid} ({text!r}) is beyond the original's {len(order)} glyphs")
            return
        name = order[gid]
        embedded_order = self.embedded.getGlyphOrder()
        if gid >= len(embedded_order):
            problems.append(f"{self.name}: glyph {gid} ({text!r}) is missing from the embedded program")
            return
        if _outline(self.embedded, embedded_order[gid]) != _outline(self.original, name):
            problems.append(f"{self.name}: glyph {gid} ({text!r}, {name}) is drawn with another outline "
                            "than the original font's")
        if text and not _plausible(self.original, gid, text) and not text.isspace():
            problems.append(f"{self.name}: glyph {gid} ({name}) is not a way of drawing {text!r}")


def _shown(operands, operator: bytes) -> list[bytes]:
    if operator == b"TJ":
        return [bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)]
    if operator == b'"':
        return [bytes(operands[2])]
    return [bytes(operands[0])]


def check_pdf(path: Path | bytes) -> Report:
    """Every glyph drawn in the PDF at `path` (or in these bytes), checked as the module says."""
    report = Report()
    pdf = pikepdf.open(io.BytesIO(path) if isinstance(path, bytes) else path)
    fonts: dict[tuple[int, int], _Font] = {}
    checked: set[tuple[tuple[int, int], int]] = set()
    seen_forms: set[tuple[int, int]] = set()

    def font_for(resources, name) -> _Font | None:
        entry = resources.get("/Font", {}).get(name) if resources is not None else None
        if entry is None:
            report.problems.append(f"font {name} is used but not in the resources")
            return None
        key = entry.objgen
        if key not in fonts:
            fonts[key] = _Font(entry, report.problems)
        return fonts[key]

    def walk(owner, resources) -> None:
        current: _Font | None = None
        current_key = None
        for operands, operator in pikepdf.parse_content_stream(owner, "Tf Tj TJ ' \" Do"):
            op = bytes(operator)
            if op == b"Tf":
                current = font_for(resources, operands[0])
                entry = resources.get("/Font", {}).get(operands[0]) if resources is not None else None
                current_key = entry.objgen if entry is not None else None
            elif op == b"Do":
                xobject = resources.get("/XObject", {}).get(operands[0]) if resources is not None else None
                if xobject is not None and xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen_forms:
                    seen_forms.add(xobject.objgen)
                    walk(xobject, xobject.get("/Resources", resources))
            else:
                report.shows += 1
                if current is None or not current.ok:
                    continue
                report.fonts.add(current.name)
                for data in _shown(operands, op):
                    for at in range(0, len(data) - 1, 2):
                        gid = int.from_bytes(data[at:at + 2], "big")
                        if (current_key, gid) not in checked:
                            checked.add((current_key, gid))
                            current.check(gid, report.problems)
        return None

    with pdf:
        for page in pdf.pages:
            walk(page, page.obj.get("/Resources"))
            for annotation in page.obj.get("/Annots", []):
                appearance = annotation.get("/AP")
                normal = appearance.get("/N") if isinstance(appearance, pikepdf.Dictionary) else None
                if isinstance(normal, pikepdf.Stream) and normal.objgen not in seen_forms:
                    seen_forms.add(normal.objgen)
                    walk(normal, normal.get("/Resources"))
    report.glyphs = len(checked)
    return report
