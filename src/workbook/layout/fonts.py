"""Font files in, one subset per font for a PDF joined from separately written parts out.

Each part WeasyPrint writes embeds its own subset of every font it uses. The glyph ids its text
shows are those of the original font file (WeasyPrint's subsetter keeps them), but the subset
programs themselves cannot be merged: the glyphs that composite glyphs are built from (the accent in
"é") are numbered afresh in every part, so an id means one glyph in one part and another in the next.
So no part's program is ever reused here. Each part says which font file every font it embeds was
cut from (`part_fonts`, read from the laid-out document); the joined PDF gets one subset per font
file, cut once by HarfBuzz (uharfbuzz) from the original with glyph ids kept, holding every glyph any
part shows: an id means the same glyph in every page by construction. Widths and ToUnicode maps are
the union of the parts'. Fonts whose file is not known are left as the parts embedded them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pikepdf
import uharfbuzz as hb
from weasyprint.text.fonts import get_hb_object_data

from ..cache.store import font_file_key

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
# What WeasyPrint drops from the fonts it embeds (layout and bitmap tables a PDF viewer never reads).
_DROP_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ",
                "kern", "hdmx", "VDMX")


@dataclass
class FontFiles:
    """The original font files behind a build's parts: file key ("sha256:index") -> bytes, and per part
    the key of every font (BaseFont without its slash) it embeds."""

    files: dict[str, bytes] = field(default_factory=dict)
    parts: list[dict[str, str]] = field(default_factory=list)

    def by_name(self) -> dict[str, str]:
        """BaseFont -> file key over all parts; a name two parts give different files is left out."""
        names: dict[str, str] = {}
        clash: set[str] = set()
        for fonts in self.parts:
            for name, key in fonts.items():
                if names.setdefault(name, key) != key:
                    clash.add(name)
        return {name: key for name, key in names.items() if name not in clash and key in self.files}


def part_fonts(document, known: set[str]) -> tuple[dict[str, str], dict[str, bytes]]:
    """The font files a written WeasyPrint document used: BaseFont -> file key, and the bytes of the
    files whose key is not in `known` (a worker sends each file once)."""
    names: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for font in getattr(document, "fonts", {}).values():
        if getattr(font, "bitmap", False) or "fvar" in getattr(font, "tables", ()):
            continue  # bitmap (Type 3) and variable fonts stay as WeasyPrint embedded them
        data = get_hb_object_data(font.hb_face)  # the original file: font.file_content is the subset now
        if not data:
            continue
        key = font_file_key(data, font.index)
        names[font.name.decode().lstrip("/")] = key
        if key not in known:
            files[key] = data
    return names, files


def subset(data: bytes, index: int, glyphs: set[int], *, whole: bool = False) -> bytes:
    """The font file `data` cut to `glyphs` (and the glyphs they are built from), glyph ids kept;
    `whole`: every glyph of the file (a printer that wants whole fonts; only the tables a PDF viewer
    never reads are dropped)."""
    face = hb.Face(hb.Blob(data), index)
    wanted = hb.SubsetInput()
    for gid in range(face.glyph_count) if whole else sorted(glyphs | {0}):
        wanted.glyph_set.add(gid)
    drop = wanted.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in _DROP_TABLES:
        drop.add(int.from_bytes(tag.encode(), "big"))
    wanted.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                    | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NOTDEF_OUTLINE)
    result = hb.subset(face, wanted)
    if result is None:
        raise ValueError("HarfBuzz could not subset the font")
    return result.blob.data


def _widths(array) -> dict[int, float]:
    widths: dict[int, float] = {}
    items = list(array)
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1]
        if isinstance(following, pikepdf.Array):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            index += 2
        else:
            for cid in range(first, int(following) + 1):
                widths[cid] = float(items[index + 2])
            index += 3
    return widths


def width_array(widths: dict[int, float]) -> pikepdf.Array:
    """A CID font's /W array: runs of consecutive CIDs with their widths."""
    array: list = []
    run: list = []
    previous = None
    for cid in sorted(widths):
        if previous is None or cid != previous + 1:
            run = []
            array += [cid, run]
        run.append(round(widths[cid], 3))
        previous = cid
    return pikepdf.Array([item if isinstance(item, int) else pikepdf.Array(item) for item in array])


def to_unicode_cmap(mapping: dict[bytes, bytes]) -> bytes:
    """A ToUnicode CMap from hex glyph codes to hex UTF-16 text, in blocks of at most 100 (the PDF limit)."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(mapping.items(), key=lambda item: int(item[0], 16))
    for at in range(0, len(items), 100):
        batch = items[at:at + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [b"<" + glyph + b"> <" + text + b">" for glyph, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _mergeable(font) -> bool:
    """A WeasyPrint TrueType font: Type0, Identity-H, CIDFontType2 with an embedded FontFile2, identity CIDs."""
    if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != "/Type0":
        return False
    if font.get("/Encoding") != "/Identity-H" or "/DescendantFonts" not in font or "/BaseFont" not in font:
        return False
    descendant = font.DescendantFonts[0]
    descriptor = descendant.get("/FontDescriptor")
    return (descendant.get("/Subtype") == "/CIDFontType2" and descriptor is not None and "/FontFile2" in descriptor
            and descendant.get("/CIDToGIDMap") == "/Identity")


class _Joined:
    """One font (BaseFont) of the joined PDF: widths and ToUnicode map gathered from the parts."""

    def __init__(self, font, key: str):
        self.template = font
        self.key = key
        self.widths: dict[int, float] = {}
        self.mapping: dict[bytes, bytes] = {}
        self.reference: pikepdf.Object | None = None

    def add(self, font) -> None:
        self.widths.update(_widths(font.DescendantFonts[0].get("/W", pikepdf.Array())))
        if "/ToUnicode" in font:
            for glyph, text in _BFCHAR.findall(font.ToUnicode.read_bytes()):
                self.mapping.setdefault(glyph.lower().rjust(4, b"0"), text.lower())

    def glyphs(self) -> set[int]:
        return set(self.widths) | {int(glyph, 16) for glyph in self.mapping}


class FontJoiner:
    """Takes the fonts of known files out of each part before its pages are copied into the joined PDF,
    and puts one font per BaseFont back in after, all fonts of one file sharing one subset of it: the
    parts' font objects and programs are never copied."""

    MARK = "/WorkbookJoinedFont"

    def __init__(self, fonts: FontFiles, *, whole: bool = False) -> None:
        self.whole = whole  # every font file embedded whole (all its glyphs), named without a subset tag
        self.files = fonts.files
        self.names = fonts.by_name()
        self.fonts: dict[str, _Joined] = {}

    def take(self, pdf: pikepdf.Pdf) -> None:
        """Replace the part's fonts of known files in its resources by placeholders, keeping their glyph lists."""
        kept: dict[tuple[int, int], pikepdf.Dictionary | None] = {}

        def placeholder(font):
            key = font.objgen if font.is_indirect else None
            if key is not None and key in kept:
                return kept[key]
            mark = None
            name = str(font.get("/BaseFont", "")).lstrip("/")
            if name in self.names and _mergeable(font):
                joined = self.fonts.get(name)
                if joined is None:
                    joined = self.fonts[name] = _Joined(font, self.names[name])
                joined.add(font)
                mark = pikepdf.Dictionary({self.MARK: pikepdf.Name("/" + name)})
            if key is not None:
                kept[key] = mark
            return mark

        def visit(fonts) -> None:
            for name in list(fonts.keys()):
                mark = placeholder(fonts[name])
                if mark is not None:
                    fonts[name] = mark

        walk_font_resources(pdf, visit)

    def put_back(self, pdf: pikepdf.Pdf) -> None:
        """Cut one subset per font file, make the fonts in the joined PDF and point every placeholder at its font."""
        # In BaseFont order, never in the order the parts listed their fonts: WeasyPrint's order follows
        # the process's hash seed, and the joined PDF's objects must not (the same book, the same bytes).
        joined_fonts = [self.fonts[name] for name in sorted(self.fonts)]
        glyphs: dict[str, set[int]] = {}
        for joined in joined_fonts:
            glyphs.setdefault(joined.key, set()).update(joined.glyphs())
        programs = {}
        for key, used in sorted(glyphs.items()):
            original, index = self.files[key], int(key.rsplit(":", 1)[1])
            if self.whole and index == 0 and original[:4] in (b"\x00\x01\x00\x00", b"true"):
                data = original  # a TrueType file as it is: every glyph, table and hint
            else:
                data = subset(original, index, used, whole=self.whole)
            programs[key] = pdf.make_stream(data, Length1=len(data))
        for joined in joined_fonts:
            template = joined.template
            font = template if template.is_owned_by(pdf) else pdf.copy_foreign(template)
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            descriptor.FontFile2 = programs[joined.key]
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]
            descendant.W = width_array(joined.widths)
            if self.whole:  # "ABCDEF+Name" marks a subset (ISO 32000 9.6.4): a whole font has the plain name
                plain = pikepdf.Name("/" + _SUBSET_TAG.sub("", str(font.BaseFont).lstrip("/")))
                font.BaseFont = descendant.BaseFont = descriptor.FontName = plain
            font.ToUnicode = pdf.make_stream(to_unicode_cmap(joined.mapping))
            joined.reference = font

        def visit(fonts) -> None:
            for key in list(fonts.keys()):
                value = fonts[key]
                if isinstance(value, pikepdf.Dictionary) and self.MARK in value:
                    fonts[key] = self.fonts[str(value[self.MARK]).lstrip("/")].reference

        walk_font_resources(pdf, visit)


def walk_font_resources(pdf: pikepdf.Pdf, visit) -> None:
    """Call `visit(font dictionary)` for every /Font resource dictionary: pages, form XObjects, patterns,
    annotation appearances (each once)."""
    seen: set = set()

    def resources(res) -> None:
        if not isinstance(res, pikepdf.Dictionary):
            return
        if res.is_indirect:
            if res.objgen in seen:
                return
            seen.add(res.objgen)
        fonts = res.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary) and not (fonts.is_indirect and ("font", fonts.objgen) in seen):
            if fonts.is_indirect:
                seen.add(("font", fonts.objgen))
            visit(fonts)
        for kind in ("/XObject", "/Pattern"):
            group = res.get(kind)
            if isinstance(group, pikepdf.Dictionary):
                for name in list(group.keys()):
                    holder(group[name])

    def holder(obj) -> None:
        if obj.is_indirect:
            if ("object", obj.objgen) in seen:
                return
            seen.add(("object", obj.objgen))
        if isinstance(obj, (pikepdf.Stream, pikepdf.Dictionary)) and "/Resources" in obj:
            resources(obj.Resources)

    for page in pdf.pages:
        resources(page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots", []):
            appearance = annotation.get("/AP")
            if isinstance(appearance, pikepdf.Dictionary):
                for state in appearance.values():
                    if isinstance(state, pikepdf.Stream):
                        holder(state)
                    elif isinstance(state, pikepdf.Dictionary):
                        for stream in state.values():
                            holder(stream)
