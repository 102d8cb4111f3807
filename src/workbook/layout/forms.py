"""A WeasyPrint PDF with form widgets in, a clean AcroForm out: one field per name, printable widgets.

WeasyPrint makes one field per `<input>`/`<textarea>`; the worksheets repeat the name and date inputs
on every chapter page, so those become one field with several widgets (type the name once, it shows
on every page). Every widget gets the Print flag (/F 4): without it a viewer shows typed-in values on
screen but prints the field blank (WeasyPrint issue #1903). The default appearance string keeps only
text operators, and /NeedAppearances stays on so viewers draw the values they fill in.
"""
from __future__ import annotations

import io
import re

PRINT_FLAG = 1 << 2        # annotation flag 3: print the annotation
HIDDEN_FLAGS = (1 << 1) | (1 << 5)  # Hidden, NoView
MULTILINE = 1 << 12        # text field flag 13


def finish_form(pdf: bytes) -> bytes:
    """Merge same-named fields into one parent with widget kids; make every widget printable."""
    # deferred: pypdf (and the cryptography it loads, ~25 MB) is needed only for fillable worksheets
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, NameObject, NumberObject, TextStringObject

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    root = writer._root_object
    if "/AcroForm" not in root:
        return pdf
    form = root["/AcroForm"].get_object()
    assert isinstance(form, DictionaryObject)  # WeasyPrint writes the AcroForm as a dictionary
    widgets: dict[str, list] = {}
    order: list[str] = []
    for page in writer.pages:
        for ref in page.get("/Annots", []) or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget" or "/T" not in annot:
                continue
            flags = int(annot.get("/F", 0))
            annot[NameObject("/F")] = NumberObject((flags | PRINT_FLAG) & ~HIDDEN_FLAGS)
            if "/DA" in annot:
                annot[NameObject("/DA")] = TextStringObject(_text_operators(str(annot["/DA"])))
            name = str(annot["/T"])
            if name not in widgets:
                order.append(name)
            widgets.setdefault(name, []).append(ref)
    fields = ArrayObject()
    for name in order:
        refs = widgets[name]
        if len(refs) == 1:
            fields.append(refs[0])
            continue
        first = refs[0].get_object()
        parent = DictionaryObject({NameObject("/T"): TextStringObject(name), NameObject("/Kids"): ArrayObject(refs)})
        for key in ("/FT", "/TU", "/V", "/DA", "/Ff"):
            if key in first:
                parent[NameObject(key)] = first[key]
        parent_ref = writer._add_object(parent)
        for ref in refs:
            widget = ref.get_object()
            for key in ("/T", "/TU", "/FT", "/V", "/Ff"):
                if key in widget:
                    del widget[key]
            widget[NameObject("/Parent")] = parent_ref
        fields.append(parent_ref)
    form[NameObject("/Fields")] = fields
    form[NameObject("/NeedAppearances")] = BooleanObject(True)
    info = reader.metadata
    if info:
        writer.add_metadata({k: v for k, v in info.items()})
    ids = reader.trailer.get("/ID")
    if isinstance(ids, ArrayObject):
        writer._ID = ids
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_operators(appearance: str) -> str:
    """'/a1.0 gs 0 0 0 rg /F1 12 Tf' -> '0 0 0 rg /F1 12 Tf' (a DA string holds text state only)."""
    return re.sub(r"/\S+\s+gs\s*", "", appearance).strip()
