"""A PDF joined from separately written parts in, the same PDF with one embedded subset per font out.

Each part WeasyPrint writes embeds its own subset of every font it uses, so a book joined from 40 parts
would carry each font up to 40 times. WeasyPrint subsets TrueType fonts keeping the glyph ids of the
original font, so the subsets of one font differ only in which glyphs they hold: they are merged here
glyph by glyph into one subset (the union), and every part's text is pointed at one font dictionary
whose widths and ToUnicode map are the union of the parts'. Fonts that cannot be merged this way
(CFF-flavoured OpenType, a custom encoding, subsets of different font files) are left as they are.
"""
from __future__ import annotations

import re
import struct
import pikepdf

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
_DROP_TABLES = {b"hdmx", b"vmtx", b"vhea", b"kern", b"GDEF", b"GSUB", b"GPOS", b"VDMX", b"LTSH", b"DSIG"}


class _Font:
    """The tables of one TrueType font program, with where each glyph's outline lies (no copies made)."""

    def __init__(self, data: bytes):
        (self.version, count) = struct.unpack(">IH", data[:6])
        self.tables: dict[bytes, memoryview] = {}
        view = memoryview(data)
        for index in range(count):
            tag, _checksum, offset, length = struct.unpack(">4sIII", data[12 + 16 * index:28 + 16 * index])
            self.tables[tag] = view[offset:offset + length]
        head, maxp = self.tables[b"head"], self.tables[b"maxp"]
        self.glyph_count = struct.unpack(">H", maxp[4:6])[0]
        count = self.glyph_count + 1
        if struct.unpack(">h", head[50:52])[0] == 1:
            self.offsets = struct.unpack(f">{count}I", self.tables[b"loca"][:4 * count])
        else:
            self.offsets = tuple(2 * o for o in struct.unpack(f">{count}H", self.tables[b"loca"][:2 * count]))
        self.metrics_count = struct.unpack(">H", self.tables[b"hhea"][34:36])[0]

    def has(self, gid: int) -> bool:
        return gid < self.glyph_count and self.offsets[gid + 1] > self.offsets[gid]

    def glyph(self, gid: int) -> bytes:
        return bytes(self.tables[b"glyf"][self.offsets[gid]:self.offsets[gid + 1]]) if gid < self.glyph_count else b""

    def metric(self, gid: int) -> tuple[int, int]:
        """(advance width, left side bearing) of a glyph, from hmtx."""
        hmtx, count = self.tables[b"hmtx"], self.metrics_count
        if gid >= self.glyph_count or not count:
            return 0, 0
        if gid < count:
            return struct.unpack(">Hh", hmtx[4 * gid:4 * gid + 4])
        at = 4 * count + 2 * (gid - count)
        lsb = struct.unpack(">h", hmtx[at:at + 2])[0] if at + 2 <= len(hmtx) else 0
        return struct.unpack(">H", hmtx[4 * count - 4:4 * count - 2])[0], lsb

    def identity(self) -> bytes:
        """What subsets of the same font file share: revision, dates, units per em."""
        head = self.tables[b"head"]
        return bytes(head[4:8]) + bytes(head[18:36])


class _Union:
    """The glyphs of one font gathered from its subsets, one subset at a time (nothing else is kept)."""

    def __init__(self, first: _Font):
        self.version = first.version
        self.identity = first.identity()
        self.tables = {tag: bytes(data) for tag, data in first.tables.items()
                       if tag not in _DROP_TABLES and tag not in (b"glyf", b"loca", b"hmtx")}
        self.count = 0
        self.widest = first
        self.glyphs: dict[int, tuple[bytes, tuple[int, int]]] = {}

    def add(self, font: _Font) -> bool:
        """Take the glyphs `font` has that the union lacks; False if it is a subset of another font."""
        if font.identity() != self.identity or font.version != self.version:
            return False
        if font.glyph_count > self.count:  # metrics of glyphs without outlines (spaces) come from here
            self.count, self.widest = font.glyph_count, font
        offsets = font.offsets
        for gid in [g for g, (a, b) in enumerate(zip(offsets, offsets[1:])) if b > a and g not in self.glyphs]:
            self.glyphs[gid] = (font.glyph(gid), font.metric(gid))
        return True

    def program(self) -> bytes:
        glyf, offsets, metrics = bytearray(), [], []
        for gid in range(self.count):
            glyph, metric = self.glyphs.get(gid) or (b"", self.widest.metric(gid))
            offsets.append(len(glyf))
            glyf += glyph + b"\0" * (-len(glyph) % 4)
            metrics.append(metric)
        offsets.append(len(glyf))
        tables = dict(self.tables)
        tables[b"glyf"] = bytes(glyf)
        tables[b"loca"] = struct.pack(f">{len(offsets)}I", *offsets)
        tables[b"hmtx"] = b"".join(struct.pack(">Hh", advance, lsb) for advance, lsb in metrics)
        head = bytearray(tables[b"head"])
        head[8:12] = b"\0\0\0\0"
        head[50:52] = struct.pack(">h", 1)  # long loca offsets
        tables[b"head"] = bytes(head)
        maxp = bytearray(tables[b"maxp"])
        maxp[4:6] = struct.pack(">H", self.count)
        tables[b"maxp"] = bytes(maxp)
        hhea = bytearray(tables[b"hhea"])
        hhea[34:36] = struct.pack(">H", self.count)
        tables[b"hhea"] = bytes(hhea)
        if b"post" in tables:  # glyph names would no longer match the glyph count: version 3 keeps none
            tables[b"post"] = struct.pack(">I", 0x00030000) + tables[b"post"][4:32]
        return _sfnt(self.version, tables)


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _sfnt(version: int, tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    power = 1
    while power * 2 <= count:
        power *= 2
    header = struct.pack(">IHHHH", version, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    offset = 12 + 16 * count
    records, body = [], bytearray()
    for tag in tags:
        data = tables[tag]
        records.append(struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data)))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + b"".join(records) + body)
    head_at = offset + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in tags[:tags.index(b"head")])
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_at + 8:head_at + 12] = struct.pack(">I", adjustment)
    return bytes(font)


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


def _width_array(widths: dict[int, float]) -> pikepdf.Array:
    array, run, previous = [], None, None
    for cid in sorted(widths):
        if previous is None or cid != previous + 1:
            run = []
            array += [cid, run]
        run.append(round(widths[cid], 3))
        previous = cid
    return pikepdf.Array([item if isinstance(item, int) else pikepdf.Array(item) for item in array])


def _to_unicode(mapping: dict[bytes, bytes]) -> bytes:
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
    """One font of the joined PDF: its glyph union, widths and ToUnicode map, and the dictionary for it."""

    def __init__(self, font, union: _Union):
        self.template = font
        self.union = union
        self.widths: dict[int, float] = {}
        self.mapping: dict[bytes, bytes] = {}
        self.box = [float(v) for v in font.DescendantFonts[0].FontDescriptor.FontBBox]
        self.reference = None

    def add(self, font) -> None:
        self.widths.update(_widths(font.DescendantFonts[0].get("/W", pikepdf.Array())))
        if "/ToUnicode" in font:
            for glyph, text in _BFCHAR.findall(font.ToUnicode.read_bytes()):
                self.mapping.setdefault(glyph.lower().rjust(4, b"0"), text.lower())


class FontJoiner:
    """Takes each part's TrueType fonts out before its pages are copied into the joined PDF, and puts one
    merged font per BaseFont back in after: the parts' font objects are never copied, and the glyphs of
    the fonts are gathered part by part (the memory this needs does not grow with the number of parts)."""

    MARK = "/WorkbookJoinedFont"

    def __init__(self) -> None:
        self.fonts: dict[str, _Joined] = {}

    def take(self, pdf: pikepdf.Pdf) -> None:
        """Replace the part's mergeable fonts in its page resources by placeholders, keeping their glyphs."""
        kept: dict[tuple[int, int], pikepdf.Dictionary | None] = {}

        def placeholder(font):
            key = font.objgen if font.is_indirect else None
            if key is not None and key in kept:
                return kept[key]
            mark = None
            if _mergeable(font):
                name = str(font.BaseFont)
                try:
                    program = _Font(font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes())
                    joined = self.fonts.get(name)
                    if joined is None:
                        joined = self.fonts[name] = _Joined(font, _Union(program))
                    if joined.union.add(program):
                        joined.add(font)
                        mark = pikepdf.Dictionary({self.MARK: pikepdf.Name("/" + name.lstrip("/"))})
                except (KeyError, struct.error, IndexError):
                    mark = None
            if key is not None:
                kept[key] = mark
            return mark

        def visit(fonts) -> None:
            for name in list(fonts.keys()):
                mark = placeholder(fonts[name])
                if mark is not None:
                    fonts[name] = mark

        _walk_font_resources(pdf, visit)

    def put_back(self, pdf: pikepdf.Pdf) -> None:
        """Make the merged fonts in the joined PDF and point every placeholder at its font."""
        for name, joined in self.fonts.items():
            template = joined.template
            font = template if template.is_owned_by(pdf) else pdf.copy_foreign(template)
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            program = joined.union.program()
            descriptor.FontFile2 = pdf.make_stream(program, Length1=len(program))
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]
            box = list(joined.box)
            box[2] = max(joined.widths.values(), default=box[2])
            descriptor.FontBBox = pikepdf.Array(box)
            descendant.W = _width_array(joined.widths)
            font.ToUnicode = pdf.make_stream(_to_unicode(joined.mapping))
            joined.reference = font

        def visit(fonts) -> None:
            for key in list(fonts.keys()):
                value = fonts[key]
                if isinstance(value, pikepdf.Dictionary) and self.MARK in value:
                    fonts[key] = self.fonts[str(value[self.MARK])].reference

        _walk_font_resources(pdf, visit)


def _walk_font_resources(pdf: pikepdf.Pdf, visit) -> None:
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
