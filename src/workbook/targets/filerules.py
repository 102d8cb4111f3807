"""A print profile and an opened PDF in, the rules that concern the whole file and what its pages draw with
out, as findings: bookmarks, annotations, encryption, the PDF/X marks (output intent, version keys),
colour spaces, text in 100 % black, transparency (PDF/X-1a) and fonts (embedded; whole where asked).
targets/preflight.py adds the page boxes, marks, margins and the cover."""
from __future__ import annotations

import re
from collections import defaultdict

import pikepdf

from ..errors import Diagnostic
from ..model.printing import PrintProfile
from .pdfuses import PageUses, program_glyphs, shipped_glyphs

BOX_TOLERANCE_IN = 0.01
PAGES_LISTED = 10  # pages named one by one for a rule; the rest in one line
_SUBSET_TAG = re.compile(r"^/?([A-Z]{6})\+")
_PDFX_KEYS = {  # profile.pdfx: (Info /GTS_PDFXVersion, /GTS_PDFXConformance, highest PDF version)
    "PDF/X-1a:2001": ("PDF/X-1:2001", "PDF/X-1a:2001", "1.3"),
    "PDF/X-4": ("PDF/X-4", None, "1.6"),
}


class Findings:
    """Diagnostics of one file, each rule's pages listed up to PAGES_LISTED, then summed up."""

    def __init__(self, profile: PrintProfile, file: str):
        self.profile, self.file = profile, file
        self.by_rule: dict[str, list[Diagnostic]] = defaultdict(list)

    def add(self, rule: str, page: int | None, message: str, severity: str = "error") -> None:
        self.by_rule[rule].append(Diagnostic(self.file, page, f"print: {self.profile.name}: {message}", severity))

    def diagnostics(self) -> list[Diagnostic]:
        """The file's findings first, then by page; a rule's pages past PAGES_LISTED summed up at the end."""
        listed: list[Diagnostic] = []
        more: list[Diagnostic] = []
        for rule, items in self.by_rule.items():
            listed.extend(items[:PAGES_LISTED])
            rest = [d.line for d in items[PAGES_LISTED:]]
            if rest:
                pages = f"page {rest[0]}" if len(rest) == 1 else f"{len(rest)} more pages ({rest[0]}–{rest[-1]})"
                more.append(Diagnostic(self.file, None, f"print: {self.profile.name}: {rule}: the same on {pages}",
                                       items[-1].severity))
        return sorted(listed, key=lambda d: d.line or 0) + more


def document_rules(profile: PrintProfile, pdf: pikepdf.Pdf, found: Findings) -> None:
    """Bookmarks, annotations, encryption and the PDF/X marks (output intent, version keys)."""
    outlines = pdf.Root.get("/Outlines")
    if not profile.outline and outlines is not None and "/First" in outlines:
        found.add("outline", None, f"bookmarks (an outline); {profile.label} takes none")
    if pdf.is_encrypted:
        found.add("encryption", None, "the file is encrypted")
    for number, page in enumerate(pdf.pages, 1):
        annotations = list(page.obj.get("/Annots") or [])
        if annotations and not profile.annotations:
            kinds = sorted({str(a.get("/Subtype", "/?")).lstrip("/") for a in annotations})
            found.add("annotations", number, f"{len(annotations)} annotation{'s' * (len(annotations) != 1)} "
                      f"({', '.join(kinds)}); {profile.label} takes none")
    if profile.pdfx is None:
        return
    version, conformance, highest = _PDFX_KEYS[profile.pdfx]
    intents = [i for i in pdf.Root.get("/OutputIntents") or [] if i.get("/S") == "/GTS_PDFX"]
    if not intents:
        found.add("output intent", None, f"no PDF/X output intent (/GTS_PDFX); {profile.pdfx} needs one "
                  "with the printing condition's ICC profile")
    else:
        icc = intents[0].get("/DestOutputProfile")
        data = icc.read_bytes() if isinstance(icc, pikepdf.Stream) else b""
        if len(data) < 128 or data[36:40] != b"acsp" or data[16:20] not in (b"CMYK", b"GRAY"):
            found.add("output intent", None, "the output intent has no CMYK or grey ICC profile (DestOutputProfile)")
    info = pdf.docinfo
    if str(info.get("/GTS_PDFXVersion", "")) != version:
        found.add("PDF/X", None, f"GTS_PDFXVersion is {str(info.get('/GTS_PDFXVersion', 'missing'))!r}, "
                  f"{profile.pdfx} needs {version!r}")
    if conformance and str(info.get("/GTS_PDFXConformance", "")) != conformance:
        found.add("PDF/X", None, f"GTS_PDFXConformance is {str(info.get('/GTS_PDFXConformance', 'missing'))!r}, "
                  f"needs {conformance!r}")
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        found.add("PDF/X", None, f"/Trapped is not /True or /False; {profile.pdfx} needs it")
    if tuple(int(v) for v in pdf.pdf_version.split(".")) > tuple(int(v) for v in highest.split(".")):
        found.add("PDF/X", None, f"PDF {pdf.pdf_version}; {profile.pdfx} is PDF {highest} at most")


def use_rules(profile: PrintProfile, uses: list[PageUses], found: Findings) -> None:
    """Colour spaces, text colours, transparency (PDF/X-1a) and fonts, page by page."""
    allowed = " and ".join(profile.colour_spaces)
    seen_fonts: set[tuple[int, int]] = set()
    for number, page in enumerate(uses, 1):
        for space, where in page.spaces.items():
            if space.device and space.device not in profile.colour_spaces:
                found.add("colour", number, f"{space.name} colour ({where}); {profile.label} takes {allowed} only")
            elif space.icc and profile.pdfx == "PDF/X-1a:2001":
                found.add("colour", number, f"{space.name} colour ({where}); PDF/X-1a takes device colour only")
        for (space, values), count in page.text_colours.items() if profile.black_text else ():
            if _dark_not_black(space.name, values):
                found.add("black text", number, f"text in {space.name} {' '.join(f'{v:g}' for v in values)} "
                          f"({count} time{'s' * (count != 1)}): a dark grey printed as a screen or in several inks; text must be "
                          "100 % black (0 g or 0 0 0 1 k)")
        if profile.pdfx == "PDF/X-1a:2001":
            for what in page.transparency:
                found.add("transparency", number, f"{what}; PDF/X-1a has no transparency")
        for key, font in page.fonts.items():
            if key not in seen_fonts:
                seen_fonts.add(key)
                for problem in _font_problems(profile, font):
                    found.add("fonts", number, problem)


def _dark_not_black(space: str, values: tuple[float, ...]) -> bool:
    """A text colour that looks black or nearly so (lightness under 25 %) but is not solid black ink."""
    if space == "DeviceGray" and len(values) == 1:
        return 0.001 < values[0] < 0.25
    if space == "DeviceRGB" and len(values) == 3:
        return max(values) - min(values) <= 0.03 and 0.001 < sum(values) / 3 < 0.25
    if space == "DeviceCMYK" and len(values) == 4:
        c, m, y, k = values
        solid = k >= 0.999 and max(c, m, y) <= 0.001
        return not solid and (1 - k) * (1 - (c + m + y) / 3) < 0.25
    return False


def _font_problems(profile: PrintProfile, font: pikepdf.Dictionary) -> list[str]:
    """A font not embedded; for a profile that wants whole fonts, a subset (tag, or fewer glyphs)."""
    if font.get("/Subtype") == "/Type3":
        return []  # its glyphs are drawings in the file
    name = str(font.get("/BaseFont", "/?")).lstrip("/")
    descendant = font.DescendantFonts[0] if font.get("/Subtype") == "/Type0" else font
    descriptor = descendant.get("/FontDescriptor", pikepdf.Dictionary())
    program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor), None)
    if program is None:
        return [f"font {name} is not embedded; {profile.label} needs every font embedded"] if profile.fonts_embedded else []
    if not profile.fonts_whole:
        return []
    tag = _SUBSET_TAG.match(name)
    if tag:
        return [f"font {name} is a subset (tagged {tag[1]}+); {profile.label}: embed whole fonts"]
    count = program_glyphs(program.read_bytes())
    if count is None:
        return []
    drawn, total, postscript = count
    original = shipped_glyphs().get(postscript)
    if original is not None and drawn < original:
        return [f"font {name} holds {drawn} of the {original} glyphs of {postscript}: a subset; embed whole fonts"]
    if original is None and drawn < 0.9 * total:
        return [f"font {name} has outlines for {drawn} of its {total} glyphs: a subset; embed whole fonts"]
    return []
