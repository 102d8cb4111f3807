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
from collections import defaultdict

import pikepdf

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
_DROP_TABLES = {b"hdmx", b"vmtx", b"vhea", b"kern", b"GDEF", b"GSUB", b"GPOS", b"VDMX", b"LTSH", b"DSIG"}


class _Font:
    """The tables of one TrueType font program, and its glyphs and horizontal metrics by glyph id."""

    def __init__(self, data: bytes):
        (self.version, count) = struct.unpack(">IH", data[:6])
        self.tables: dict[bytes, bytes] = {}
        for index in range(count):
            tag, _checksum, offset, length = struct.unpack(">4sIII", data[12 + 16 * index:28 + 16 * index])
            self.tables[tag] = data[offset:offset + length]
        head, maxp, hhea = self.tables[b"head"], self.tables[b"maxp"], self.tables[b"hhea"]
        self.glyph_count = struct.unpack(">H", maxp[4:6])[0]
        long_loca = struct.unpack(">h", head[50:52])[0] == 1
        loca = self.tables[b"loca"]
        if long_loca:
            offsets = struct.unpack(f">{self.glyph_count + 1}I", loca[:4 * (self.glyph_count + 1)])
        else:
            offsets = [2 * o for o in struct.unpack(f">{self.glyph_count + 1}H", loca[:2 * (self.glyph_count + 1)])]
        glyf = self.tables[b"glyf"]
        self.glyphs = [glyf[offsets[i]:offsets[i + 1]] for i in range(self.glyph_count)]
        metrics_count = struct.unpack(">H", hhea[34:36])[0]
        hmtx = self.tables[b"hmtx"]
        self.metrics = []
        for gid in range(self.glyph_count):
            if gid < metrics_count:
                self.metrics.append(struct.unpack(">Hh", hmtx[4 * gid:4 * gid + 4]))
            else:
                at = 4 * metrics_count + 2 * (gid - metrics_count)
                lsb = struct.unpack(">h", hmtx[at:at + 2])[0] if at + 2 <= len(hmtx) else 0
                self.metrics.append((self.metrics[metrics_count - 1][0] if metrics_count else 0, lsb))

    def identity(self) -> bytes:
        """What subsets of the same font file share: revision, dates, units per em."""
        head = self.tables[b"head"]
        return head[4:8] + head[18:36]


def merge_programs(programs: list[bytes]) -> bytes | None:
    """One TrueType program holding every glyph any of `programs` (subsets of one font) holds."""
    try:
        fonts = [_Font(data) for data in programs]
    except (KeyError, struct.error, IndexError):
        return None
    if len({font.identity() for font in fonts}) != 1 or any(font.version not in (0x00010000, 0x74727565)
                                                             for font in fonts):
        return None
    base = max(fonts, key=lambda font: font.glyph_count)
    count = base.glyph_count
    glyphs, metrics = [], []
    for gid in range(count):
        source = next((font for font in fonts if gid < font.glyph_count and font.glyphs[gid]), base)
        glyphs.append(source.glyphs[gid] if gid < source.glyph_count else b"")
        metrics.append(source.metrics[gid] if gid < source.glyph_count else (0, 0))
    glyf, offsets = bytearray(), []
    for glyph in glyphs:
        offsets.append(len(glyf))
        glyf += glyph + b"\0" * (-len(glyph) % 4)
    offsets.append(len(glyf))
    tables = {tag: data for tag, data in base.tables.items() if tag not in _DROP_TABLES}
    tables[b"glyf"] = bytes(glyf)
    tables[b"loca"] = struct.pack(f">{len(offsets)}I", *offsets)
    tables[b"hmtx"] = b"".join(struct.pack(">Hh", advance, lsb) for advance, lsb in metrics)
    head = bytearray(base.tables[b"head"])
    head[8:12] = b"\0\0\0\0"
    head[50:52] = struct.pack(">h", 1)  # long loca offsets
    tables[b"head"] = bytes(head)
    maxp = bytearray(base.tables[b"maxp"])
    maxp[4:6] = struct.pack(">H", count)
    tables[b"maxp"] = bytes(maxp)
    hhea = bytearray(base.tables[b"hhea"])
    hhea[34:36] = struct.pack(">H", count)
    tables[b"hhea"] = bytes(hhea)
    if b"post" in tables:  # glyph names would no longer match the glyph count: version 3 keeps none
        tables[b"post"] = struct.pack(">I", 0x00030000) + tables[b"post"][4:32]
    return _sfnt(base.version, tables)


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


def consolidate_fonts(pdf: pikepdf.Pdf) -> int:
    """Merge the per-part subsets of each TrueType font into one; returns how many font programs went."""
    groups: dict[str, list[pikepdf.Object]] = defaultdict(list)
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or obj.get("/Subtype") != "/Type0":
            continue
        if obj.get("/Encoding") != "/Identity-H" or "/DescendantFonts" not in obj:
            continue
        descendant = obj.DescendantFonts[0]
        descriptor = descendant.get("/FontDescriptor")
        if descendant.get("/Subtype") != "/CIDFontType2" or descriptor is None or "/FontFile2" not in descriptor:
            continue
        if descendant.get("/CIDToGIDMap") != "/Identity":
            continue
        groups[str(obj.BaseFont)].append(obj)
    replaced: dict[tuple[int, int], pikepdf.Object] = {}
    removed = 0
    for fonts in groups.values():
        if len(fonts) < 2:
            continue
        descendants = [font.DescendantFonts[0] for font in fonts]
        programs = [d.FontDescriptor.FontFile2.read_bytes() for d in descendants]
        merged = merge_programs(programs)
        if merged is None:
            continue
        widths: dict[int, float] = {}
        mapping: dict[bytes, bytes] = {}
        for font, descendant in zip(fonts, descendants):
            widths.update(_widths(descendant.get("/W", pikepdf.Array())))
            if "/ToUnicode" in font:
                for glyph, text in _BFCHAR.findall(font.ToUnicode.read_bytes()):
                    mapping.setdefault(glyph.lower().rjust(4, b"0"), text.lower())
        keep, descendant = fonts[0], descendants[0]
        descriptor = descendant.FontDescriptor
        descriptor.FontFile2 = pdf.make_stream(merged, Length1=len(merged))
        if "/CIDSet" in descriptor:
            del descriptor["/CIDSet"]
        box = [float(v) for v in descriptor.FontBBox]
        box[2] = max(widths.values(), default=box[2])
        descriptor.FontBBox = pikepdf.Array(box)
        descendant.W = _width_array(widths)
        keep.ToUnicode = pdf.make_stream(_to_unicode(mapping))
        for font in fonts[1:]:
            replaced[font.objgen] = keep
        removed += len(fonts) - 1
    if replaced:
        _repoint(pdf, replaced)
    return removed


def _repoint(pdf: pikepdf.Pdf, replaced: dict[tuple[int, int], pikepdf.Object]) -> None:
    """Point every /Font resource (pages, form XObjects, patterns, annotation appearances) at the kept fonts."""
    seen: set[tuple[int, int]] = set()

    def visit_resources(resources) -> None:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        if resources.is_indirect:
            if resources.objgen in seen:
                return
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for name in list(fonts.keys()):
                target = fonts[name]
                if target.is_indirect and target.objgen in replaced:
                    fonts[name] = replaced[target.objgen]
        for kind in ("/XObject", "/Pattern"):
            group = resources.get(kind)
            if isinstance(group, pikepdf.Dictionary):
                for name in list(group.keys()):
                    visit_object(group[name])

    def visit_object(obj) -> None:
        if obj.is_indirect:
            key = ("object", obj.objgen)
            if key in seen:
                return
            seen.add(key)
        if isinstance(obj, (pikepdf.Stream, pikepdf.Dictionary)) and "/Resources" in obj:
            visit_resources(obj.Resources)

    for page in pdf.pages:
        visit_resources(page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots", []):
            appearance = annotation.get("/AP")
            if isinstance(appearance, pikepdf.Dictionary):
                for state in appearance.values():
                    if isinstance(state, pikepdf.Stream):
                        visit_object(state)
                    elif isinstance(state, pikepdf.Dictionary):
                        for stream in state.values():
                            visit_object(stream)
