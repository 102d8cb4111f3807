"""A PDF already in print inks (pikepdf.Pdf) in, the same marked as PDF/X-1a:2001 or PDF/X-4 out.

What the marks are (ISO 15930-1 and -7): an OutputIntent /GTS_PDFX whose DestOutputProfile is the
embedded CMYK output profile (condition "Custom": the profile says what the press prints, so no
registry name is claimed for it); the version keys (Info /GTS_PDFXVersion and, for X-1a:2001,
/GTS_PDFXConformance; XMP pdfxid:GTS_PDFXVersion); /Trapped /False in Info and XMP; a /Title;
the dates the file already has (a build's dates are reproducible: SOURCE_DATE_EPOCH or the book's
date), repeated in XMP; for X-4 the XMP document and version ids, made from the file's /ID so the
same book gives the same file. Every page must have a TrimBox inside its BleedBox inside its
MediaBox (the print edition sets all three); no annotation may lie on the printed area.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pikepdf
from PIL import ImageCms

from workbook.errors import Diagnostic, OutputError
from workbook.layout.inks import PROFILE_PACKAGE

VERSIONS = {  # variant: (Info /GTS_PDFXVersion, /GTS_PDFXConformance, PDF version)
    "X-1a": ("PDF/X-1:2001", "PDF/X-1a:2001", "1.3"),
    "X-4": ("PDF/X-4", None, "1.6"),
}
_PRINTER_MARKS = {"/PrinterMark", "/TrapNet"}  # the only annotations PDF/X lets onto the printed area


def check_profile(data: bytes, path: Path | str) -> str:
    """An ICC output profile for CMYK printing (its header read); its description for the OutputIntent."""
    if len(data) < 128 or data[36:40] != b"acsp":
        raise OutputError(f"{path}: not an ICC profile (no 'acsp' signature in its header)")
    if data[12:16] != b"prtr" or data[16:20] != b"CMYK":
        raise OutputError(f"{path}: an output intent needs a CMYK printer profile, this one is "
                          f"{data[12:16].decode('latin-1')} {data[16:20].decode('latin-1')}")
    if int.from_bytes(data[:4], "big") != len(data):
        raise OutputError(f"{path}: the ICC profile's size in its header is not the file's size")
    try:
        return ImageCms.getOpenProfile(path if isinstance(path, str) else str(path)).profile.profile_description \
            or Path(path).stem
    except (OSError, ImageCms.PyCMSError) as error:
        raise OutputError(f"{path}: the ICC profile cannot be read: {error}") from None


def mark(pdf: pikepdf.Pdf, variant: str, profile: Path, title: str, source: str) -> dict:
    """Mark `pdf` as PDF/X `variant` with `profile` as its output intent; the `Pdf.save` keywords it needs."""
    version, conformance, pdf_version = VERSIONS[variant]
    try:
        data = Path(profile).read_bytes()
    except OSError as error:
        raise OutputError(f"the output profile {profile} cannot be read ({error.strerror}); the default "
                          f"comes with Debian's {PROFILE_PACKAGE} (`make sysdeps` installs it)") from None
    description = check_profile(data, profile)
    _check_pages(pdf, source)
    stream = pdf.make_stream(data)
    stream.N = 4
    pdf.Root.OutputIntents = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX, OutputConditionIdentifier="Custom",
        OutputCondition=description, Info=description, DestOutputProfile=stream)]))
    info = pdf.docinfo
    if "/CreationDate" not in info and "/ModDate" not in info:
        raise OutputError([Diagnostic(source, None, "PDF/X needs the file's dates, and it has none")])
    info.CreationDate = info.get("/CreationDate", info.get("/ModDate"))
    info.ModDate = info.get("/ModDate", info.CreationDate)
    info.Title = title
    _xmp(pdf, version, variant, title)
    info.Trapped = pikepdf.Name("/False")
    info.GTS_PDFXVersion = version
    if conformance:
        info.GTS_PDFXConformance = conformance
    elif "/GTS_PDFXConformance" in info:
        del info["/GTS_PDFXConformance"]
    options: dict = {"force_version": pdf_version, "deterministic_id": True}  # the same book, the same file
    if variant == "X-1a":  # PDF 1.3: no object or cross-reference streams
        options["object_stream_mode"] = pikepdf.ObjectStreamMode.disable
    return options


def _xmp(pdf: pikepdf.Pdf, version: str, variant: str, title: str) -> None:
    info = pdf.docinfo
    identifier = bytes(pdf.trailer.ID[0]) if "/ID" in pdf.trailer else title.encode()
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.load_from_docinfo(info, delete_missing=False)
        meta["dc:title"] = title
        meta["pdfxid:GTS_PDFXVersion"] = version
        meta["pdf:Trapped"] = "False"
        created = meta.get("xmp:CreateDate")
        if created:
            meta["xmp:MetadataDate"] = meta.get("xmp:ModifyDate", created)
        if variant == "X-4":
            meta["xmpMM:DocumentID"] = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identifier.hex())}"
            meta["xmpMM:VersionID"] = "1"
            meta["xmpMM:RenditionClass"] = "default"


def _box(page: pikepdf.Dictionary, name: str) -> list[float] | None:
    box = page.get(name)
    return None if box is None else [float(v) for v in box]


def _inside(inner: list[float], outer: list[float], slack: float = 0.01) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack and inner[2] <= outer[2] + slack
            and inner[3] <= outer[3] + slack)


def _check_pages(pdf: pikepdf.Pdf, source: str) -> None:
    """Trim ⊆ bleed ⊆ media on every page (a missing BleedBox is the MediaBox, written out), no
    annotation but printer's marks on the bleed area; all problems at once."""
    problems = []
    for number, page in enumerate(pdf.pages, 1):
        obj = page.obj
        media = [float(v) for v in page.mediabox]
        trim = _box(obj, "/TrimBox")
        if trim is None:
            problems.append(f"page {number}: no TrimBox (PDF/X needs the trim size of every page)")
            continue
        bleed = _box(obj, "/BleedBox")
        if bleed is None:
            obj.BleedBox = pikepdf.Array(media)
            bleed = media
        if not (_inside(trim, bleed) and _inside(bleed, media)):
            problems.append(f"page {number}: TrimBox {trim} must lie inside BleedBox {bleed} inside MediaBox {media}")
        for annotation in obj.get("/Annots") or []:
            rect = [float(v) for v in annotation.get("/Rect", [0, 0, 0, 0])]
            overlaps = rect[0] < bleed[2] and rect[2] > bleed[0] and rect[1] < bleed[3] and rect[3] > bleed[1]
            if overlaps and str(annotation.get("/Subtype")) not in _PRINTER_MARKS:
                problems.append(f"page {number}: a {annotation.get('/Subtype')} annotation on the printed area")
    if pdf.is_encrypted:
        problems.append("the file is encrypted")
    if problems:
        raise OutputError([Diagnostic(source, None, p) for p in problems])
