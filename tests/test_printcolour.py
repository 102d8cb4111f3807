"""Print colour after layout (layout/printcolour.py, inks.py, pdfx.py): the print PDF's pages in DeviceGray or
DeviceCMYK with text solid black, PDF/X-1a without transparency, PDF/X-4, the same glyphs and the same pixels."""
from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pikepdf
import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageCms

from glyphcheck import check_pdf
from helpers import Books, chapter
from workbook import build
from workbook.errors import OutputError
from workbook.layout.inks import PROFILE, SOLID
from workbook.layout.pdfx import check_profile
from workbook.layout.printcolour import to_print_colour

VARIANTS = [("gray", "X-1a"), ("cmyk", "X-4"), ("cmyk", "X-1a")]
RGB_NAMES = {"/DeviceRGB", "/CalRGB", "/Lab"}


def _convert(source, target, mode: str, pdfx: str | None, title: str = "A Title"):
    with pikepdf.open(source) as pdf:
        options = to_print_colour(pdf, mode, pdfx, title)
        pdf.save(target, **options)
    return target


@pytest.fixture(scope="module")
def demo_print(demo_build, tmp_path_factory) -> dict:
    """The demo book's print PDF (as the build wrote it) and its conversion in each VARIANT."""
    original = next(p for p in demo_build.outputs if p.name.endswith("-print.pdf"))
    folder = tmp_path_factory.mktemp("printcolour")
    made = {variant: _convert(original, folder / f"{variant[0]}-{variant[1]}.pdf", *variant) for variant in VARIANTS}
    return {"original": original, **made}


# -- independent readers of what a PDF draws ----------------------------------------------------------------


def _is_rgb(space) -> bool:
    """An RGB or Lab colour space (an ICC profile of three components, an indexed space over one)."""
    if isinstance(space, pikepdf.Name):
        return str(space) in RGB_NAMES
    if isinstance(space, pikepdf.Array) and len(space):
        name = str(space[0])
        if name == "/ICCBased":
            return int(space[1].N) == 3
        if name == "/Indexed":
            return _is_rgb(space[1])
        if name in ("/Separation", "/DeviceN"):
            return _is_rgb(space[2])
        if name == "/Pattern" and len(space) > 1:
            return _is_rgb(space[1])
        return name in RGB_NAMES
    return False


def _walk(pdf: pikepdf.Pdf, visit) -> None:
    """`visit(owner, resources, page_number)` for every content stream: pages, forms, tiling patterns,
    soft masks' groups and annotation appearances, each once."""
    seen: set = set()

    def stream(owner, resources, number):
        if owner.is_indirect:
            if owner.objgen in seen:
                return
            seen.add(owner.objgen)
        resources = owner.get("/Resources", resources) if isinstance(owner, pikepdf.Stream) else resources
        visit(owner, resources, number)
        for entry in (resources or {}).get("/XObject", {}).values():
            if entry.get("/Subtype") == "/Form":
                stream(entry, resources, number)
        for pattern in (resources or {}).get("/Pattern", {}).values():
            if int(pattern.PatternType) == 1:
                stream(pattern, resources, number)
        for state in (resources or {}).get("/ExtGState", {}).values():
            if isinstance(state.get("/SMask"), pikepdf.Dictionary):
                stream(state.SMask.G, None, number)

    for number, page in enumerate(pdf.pages, 1):
        stream(page.obj, page.obj.get("/Resources"), number)
        for annotation in page.obj.get("/Annots") or []:
            for appearance in (annotation.get("/AP") or {}).values():
                for form in [appearance] if isinstance(appearance, pikepdf.Stream) else appearance.values():
                    stream(form, None, number)


def rgb_left(pdf: pikepdf.Pdf) -> list[str]:
    """Everything RGB (or Lab) anywhere: colour operators, colour spaces named by `cs`, resources,
    pictures, shadings, transparency groups."""
    found: list[str] = []

    def visit(owner, resources, number):
        where = f"page {number}"
        if "/Group" in owner and _is_rgb(owner.Group.get("/CS")):
            found.append(f"{where}: a transparency group in {owner.Group.CS}")
        for operands, operator in pikepdf.parse_content_stream(owner):
            if str(operator) in ("rg", "RG"):
                found.append(f"{where}: {operator} {list(operands)}")
            if str(operator) == "INLINE IMAGE" and _is_rgb(operands[0].obj.get("/ColorSpace")):
                found.append(f"{where}: an inline RGB picture")
        for category in ("/ColorSpace", "/Shading", "/XObject", "/Pattern"):
            for name, entry in (resources or {}).get(category, {}).items():
                if category == "/ColorSpace" and _is_rgb(entry):
                    found.append(f"{where}: colour space {name}")
                shading = entry.get("/Shading") if category == "/Pattern" else entry
                if category in ("/Shading", "/Pattern") and shading is not None and _is_rgb(shading.get("/ColorSpace")):
                    found.append(f"{where}: shading {name}")
                if category == "/XObject" and entry.get("/Subtype") == "/Image" and _is_rgb(entry.get("/ColorSpace")):
                    found.append(f"{where}: picture {name} in {entry.ColorSpace}")

    _walk(pdf, visit)
    return found


def text_colours(pdf: pikepdf.Pdf) -> list[tuple[str, tuple[float, ...]]]:
    """The fill colour (operator, values) every text-showing operator draws in, in drawing order."""
    colours: list = []

    def run(owner, resources):
        fill: tuple = ("g", (0.0,))
        stack = []
        for operands, operator in pikepdf.parse_content_stream(owner):
            op = str(operator)
            if op == "q":
                stack.append(fill)
            elif op == "Q":
                fill = stack.pop()
            elif op in ("rg", "g", "k", "sc", "scn"):
                fill = (op, tuple(float(v) for v in operands if isinstance(v, (int, float, Decimal))))
            elif op in ("Tj", "TJ", "'", '"'):
                colours.append(fill)
            elif op == "Do":
                form = resources.XObject[operands[0]]
                if form.get("/Subtype") == "/Form":
                    run(form, form.get("/Resources", resources))

    for page in pdf.pages:
        run(page.obj, page.obj.get("/Resources"))
    return colours


def _shows(path) -> list[bytes]:
    """Every text-showing operator's operands, in order: the glyphs drawn."""
    shown = []
    with pikepdf.open(path) as pdf:
        def visit(owner, resources, number):
            for operands, operator in pikepdf.parse_content_stream(owner, "Tj TJ ' \" Tf"):
                shown.append(bytes(pikepdf.unparse_content_stream([(operands, operator)])))
        _walk(pdf, visit)
    return shown


# -- the demo book ------------------------------------------------------------------------------------------


@pytest.mark.build
def test_the_original_is_rgb_so_the_checks_can_fail(demo_print):
    with pikepdf.open(demo_print["original"]) as pdf:
        assert len(rgb_left(pdf)) > 100
        assert {op for op, _ in text_colours(pdf)} == {"rg"}


@pytest.mark.build
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(v))
def test_no_rgb_left_anywhere(demo_print, variant):
    with pikepdf.open(demo_print[variant]) as pdf:
        assert rgb_left(pdf) == []


@pytest.mark.build
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(v))
def test_text_prints_in_black_ink_alone(demo_print, variant):
    """Each text's colour against the original's (same order): a dark grey (the body's #1e1e1e) is 100 %
    K, any other grey is black ink alone at the same lightness; the body text (most of it) is solid."""
    mode = variant[0]
    with pikepdf.open(demo_print["original"]) as original, pikepdf.open(demo_print[variant]) as converted:
        before, after = text_colours(original), text_colours(converted)
    assert len(before) == len(after) > 500
    solid = ("g", (0.0,)) if mode == "gray" else ("k", (0.0, 0.0, 0.0, 1.0))
    greys = 0
    for (_, rgb), colour in zip(before, after, strict=True):
        if max(rgb) - min(rgb) > 0.01:
            assert colour[0] == ("g" if mode == "gray" else "k"), colour
            continue
        greys += 1
        grey = 0.0 if rgb[0] <= SOLID else rgb[0]
        expected = ("g", (grey,)) if mode == "gray" else ("k", (0.0, 0.0, 0.0, 1 - grey))
        assert colour[0] == expected[0] and colour[1] == pytest.approx(expected[1], abs=0.001), (rgb, colour)
    assert greys > 0.9 * len(before)
    assert sum(colour == solid for colour in after) > 0.7 * len(after)  # body text


@pytest.mark.build
def test_writing_lines_are_black_ink_alone(demo_print):
    """The 0.5 pt writing lines (#9d9d9d) print as a 38 % tint of K alone, not four screens."""
    with pikepdf.open(demo_print[("cmyk", "X-4")]) as pdf:
        colours = []

        def visit(owner, resources, number):
            colours.extend(tuple(float(v) for v in operands) for operands, operator
                           in pikepdf.parse_content_stream(owner, "k") if str(operator) == "k")

        _walk(pdf, visit)
    assert (0, 0, 0, pytest.approx(1 - 0x9D / 255, abs=0.001)) in colours
    assert (0, 0, 0, 1) in colours


@pytest.mark.build
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(v))
def test_pdfx_marks_and_output_intent(demo_print, variant):
    _mode, pdfx = variant
    with pikepdf.open(demo_print[variant]) as pdf:
        assert pdf.pdf_version == {"X-1a": "1.3", "X-4": "1.6"}[pdfx]
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and intent.Type == "/OutputIntent"
        profile = intent.DestOutputProfile
        data = profile.read_bytes()
        assert int(profile.N) == 4 and int.from_bytes(data[:4], "big") == len(data)
        assert data[36:40] == b"acsp" and data[12:16] == b"prtr" and data[16:20] == b"CMYK"
        assert str(intent.Info) == check_profile(data, PROFILE) == "Artifex CMYK SWOP Profile"
        info = pdf.docinfo
        assert str(info.Title) == "A Title" and info.Trapped == "/False"
        assert str(info.GTS_PDFXVersion) == {"X-1a": "PDF/X-1:2001", "X-4": "PDF/X-4"}[pdfx]
        assert pdf.check_pdf_syntax() == []
        assert str(info.CreationDate) == "D:20261101000000Z"  # the book's date, not the moment of writing
        meta = pdf.open_metadata()
        assert meta["pdfxid:GTS_PDFXVersion"] == str(info.GTS_PDFXVersion) and meta["pdf:Trapped"] == "False"
        if pdfx == "X-4":
            assert meta["xmpMM:DocumentID"].startswith("uuid:") and meta["xmpMM:VersionID"] == "1"
        for page in pdf.pages:
            trim, bleed, media = ([float(v) for v in page.obj[k]] for k in ("/TrimBox", "/BleedBox", "/MediaBox"))
            assert bleed[0] <= trim[0] < trim[2] <= bleed[2] and bleed[1] <= trim[1] < trim[3] <= bleed[3]
            assert media[0] <= bleed[0] and bleed[2] <= media[2]


@pytest.mark.build
def test_the_same_book_gives_the_same_file(demo_print, tmp_path):
    again = _convert(demo_print["original"], tmp_path / "again.pdf", "cmyk", "X-4")
    assert again.read_bytes() == demo_print[("cmyk", "X-4")].read_bytes()


@pytest.mark.build
@pytest.mark.parametrize("variant", [("gray", "X-1a"), ("cmyk", "X-1a")], ids=lambda v: "-".join(v))
def test_x1a_has_no_transparency(demo_print, variant):
    problems = []

    def visit(owner, resources, number):
        group = owner.get("/Group")
        if group is not None and group.get("/S") == "/Transparency":
            problems.append(f"page {number}: transparency group")
        for state in (resources or {}).get("/ExtGState", {}).values():
            transparency = {"/CA", "/ca", "/SMask", "/BM", "/AIS", "/TK"} & set(state.keys())
            if transparency:  # PDF 1.4's keys: not even their opaque values in a PDF 1.3 file
                problems.append(f"page {number}: {sorted(transparency)} in a graphics state")
        for entry in (resources or {}).get("/XObject", {}).values():
            if "/SMask" in entry:
                problems.append(f"page {number}: a picture with a soft mask")

    with pikepdf.open(demo_print[variant]) as pdf:
        _walk(pdf, visit)
    assert problems == []


@pytest.mark.build
def test_the_same_glyphs_are_drawn(demo_print):
    original = _shows(demo_print["original"])
    assert len(original) > 500
    for variant in VARIANTS:
        assert _shows(demo_print[variant]) == original
        assert check_pdf(demo_print[variant]).problems == []


def _pixels_apart(first, second, scale: float = 1.5) -> tuple[int, int]:
    """Rendered with pdfium, both in grey: (pages, the largest difference of one pixel, 0–255)."""
    a, b = pypdfium2.PdfDocument(str(first)), pypdfium2.PdfDocument(str(second))
    assert len(a) == len(b)
    worst = 0
    for index in range(len(a)):
        x, y = (doc[index].render(scale=scale).to_pil().convert("L") for doc in (a, b))
        assert x.size == y.size
        worst = max(worst, ImageChops.difference(x, y).getextrema()[1])
    return len(a), worst


@pytest.mark.build
@pytest.mark.parametrize("variant", [("gray", "X-1a"), ("cmyk", "X-4")], ids=lambda v: "-".join(v))
def test_pages_look_the_same(demo_print, variant):
    """Every pixel of every page within 40 grey levels of the original (#1e1e1e text becoming black is
    30): nothing moved, nothing lost; a glyph or line one pixel off would differ by far more."""
    pages, worst = _pixels_apart(demo_print["original"], demo_print[variant])
    assert pages > 20 and 20 <= worst <= 40


@pytest.mark.build
@pytest.mark.slow
def test_ink_coverage_by_ghostscript(demo_print):
    """A second opinion on the separations: Ghostscript's inkcov device (its own colour handling) finds no
    cyan, magenta or yellow inside the trim of the grey file, where the RGB original has them."""
    if shutil.which("gs") is None:
        pytest.skip("Ghostscript (Debian's ghostscript, `make sysdeps`) is not installed")

    def coverage(path):
        run = subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dUseTrimBox", "-sDEVICE=inkcov",
                              "-o", "-", str(path)], capture_output=True, text=True, check=True, timeout=300)
        return [[float(v) for v in line.split()[:4]] for line in run.stdout.splitlines() if "CMYK" in line]

    grey = coverage(demo_print[("gray", "X-1a")])
    assert len(grey) > 20 and all(c == m == y == 0 for c, m, y, _ in grey) and max(k for *_, k in grey) > 0.05
    assert max(c for c, *_ in coverage(demo_print["original"])) > 0


# -- pictures, and what cannot be converted ----------------------------------------------------------------


def _picture() -> bytes:
    """60×40 RGBA: a grey left half, a teal right half, the bottom ten rows half transparent."""
    image = Image.new("RGBA", (60, 40), (128, 128, 128, 255))
    image.paste((47, 93, 98, 255), (30, 0, 60, 40))
    image.paste((128, 128, 128, 128), (0, 30, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _image(pdf: pikepdf.Pdf) -> pikepdf.Stream:
    found = []
    _walk(pdf, lambda owner, resources, n: found.extend(
        x for x in (resources or {}).get("/XObject", {}).values() if x.get("/Subtype") == "/Image"))
    (image,) = {x.objgen: x for x in found}.values()
    return image


@pytest.fixture(scope="module")
def picture_book(tmp_path_factory) -> dict:
    """A book with one RGBA picture: its print PDF, and that converted to CMYK X-1a and grey X-4."""
    folder = tmp_path_factory.mktemp("printcolour-picture")
    book = Books(folder).write({"01-one.md": chapter("A picture.\n\n![A grey and teal box](../images/box.png)")},
                               files={"images/box.png": _picture()})
    original = next(p for p in build(book, folder / "dist", ["print"]).outputs if p.name.endswith("-print.pdf"))
    return {"original": original, "cmyk": _convert(original, folder / "cmyk.pdf", "cmyk", "X-1a"),
            "gray": _convert(original, folder / "gray.pdf", "gray", "X-4")}


@pytest.mark.build
def test_pictures_in_print_inks(picture_book):
    with pikepdf.open(picture_book["original"]) as pdf:
        assert "/SMask" in _image(pdf)  # WeasyPrint keeps the alpha as a soft mask
    with pikepdf.open(picture_book["cmyk"]) as pdf:
        image = _image(pdf)
        assert image.ColorSpace == "/DeviceCMYK" and "/SMask" not in image and rgb_left(pdf) == []
        picture = pikepdf.PdfImage(image).as_pil_image()
        assert picture.getpixel((5, 5)) == (0, 0, 0, 127)  # the grey: black ink alone
        c, m, y, _k = picture.getpixel((45, 5))
        assert min(c, m, y) > 0  # the teal: through the profile
        assert picture.getpixel((5, 35)) == (0, 0, 0, 64)  # half-transparent grey on white paper
    with pikepdf.open(picture_book["gray"]) as pdf:
        image = _image(pdf)
        assert image.ColorSpace == "/DeviceGray" and "/SMask" in image  # X-4 keeps transparency
    for converted in ("cmyk", "gray"):
        assert _pixels_apart(picture_book["original"], picture_book[converted])[1] <= 40


@pytest.mark.build
@pytest.mark.slow
def test_pictures_by_poppler(picture_book):
    """A second reader of the pictures: poppler's pdfimages lists their colour and masks."""
    if shutil.which("pdfimages") is None:
        pytest.skip("poppler-utils (`make sysdeps`) is not installed")

    def listed(path):
        run = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True, timeout=60)
        return [line.split()[2:6] for line in run.stdout.splitlines()[2:]]  # type, width, height, color

    assert listed(picture_book["original"]) == [["image", "60", "40", "rgb"], ["smask", "60", "40", "gray"]]
    assert listed(picture_book["cmyk"]) == [["image", "60", "40", "cmyk"]]
    assert listed(picture_book["gray"]) == [["image", "60", "40", "gray"], ["smask", "60", "40", "gray"]]


def _page(content: bytes, resources: dict) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(content)
    page.obj.Resources = pikepdf.Dictionary(resources)
    page.obj.TrimBox = pikepdf.Array([5, 5, 95, 95])
    pdf.docinfo.CreationDate = "D:20260101000000Z"
    return pdf


def _ops(pdf: pikepdf.Pdf) -> list[tuple[str, list[float]]]:
    return [(str(op), [float(v) for v in operands]) for operands, op in pikepdf.parse_content_stream(pdf.pages[0])
            if str(op) in ("g", "G", "k", "K")]


def test_opacity_fails_x1a_naming_the_page_and_converts_for_x4():
    content = b"/half gs 1 0 0 rg 0 0 10 10 re f"
    resources = {"/ExtGState": {"/half": pikepdf.Dictionary(ca=0.5)}}
    with pytest.raises(OutputError, match=r"page 1: opacity 0.5 \(/ca\) cannot be printed as PDF/X-1a"):
        to_print_colour(_page(content, resources), "gray", "X-1a", "T")
    pdf = _page(content, resources)
    to_print_colour(pdf, "gray", "X-4", "T")
    assert _ops(pdf) == [("g", [pytest.approx(0.5, abs=0.01)])]  # pure red: as light as it looks, Y 0.2126


def test_lab_colours_shadings_and_cmyk_become_grey():
    lab = pikepdf.Array([pikepdf.Name.Lab, pikepdf.Dictionary(WhitePoint=[0.9642, 1, 0.8249], Range=[-125, 125] * 2)])
    shading = pikepdf.Dictionary(ShadingType=2, ColorSpace=pikepdf.Name.DeviceRGB, Coords=[0, 0, 100, 0],
                                 Function=pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], N=1,
                                                             C0=[0.1, 0.1, 0.1], C1=[1, 1, 1]))
    pdf = _page(b"/L cs 50 0 0 scn 0 0 5 5 re f 0 0 0 1 K 0 0 m 5 5 l S /S sh",
                {"/ColorSpace": {"/L": lab}, "/Shading": {"/S": shading}})
    to_print_colour(pdf, "gray", None, "T")
    # `cs` sets the space's initial colour (black), `scn` the grey of L* 50 (Y 0.184), K stays solid
    assert _ops(pdf) == [("g", [0.0]), ("g", [pytest.approx(0.466, abs=0.005)]), ("G", [0.0])]
    shading = pdf.pages[0].Resources.Shading.S
    assert shading.ColorSpace == "/DeviceGray"
    assert [float(v) for v in shading.Function.C0] == [0.1]  # a gradient's greys are not snapped to black
    assert "/L" not in pdf.pages[0].Resources.ColorSpace


def test_what_cannot_be_converted_fails_naming_the_page():
    mesh = pikepdf.Dictionary(ShadingType=4, ColorSpace=pikepdf.Name.DeviceRGB)
    pdf = _page(b"q Q", {})
    pdf.add_blank_page(page_size=(100, 100))
    pdf.pages[1].obj.Contents = pdf.make_stream(b"/M sh")
    pdf.pages[1].obj.Resources = pikepdf.Dictionary(Shading=pikepdf.Dictionary(M=mesh))
    with pytest.raises(OutputError, match="page 2: a mesh shading"):
        to_print_colour(pdf, "cmyk", None, "T")


def test_pdfx_needs_a_trim_box_and_a_cmyk_printer_profile(tmp_path):
    pdf = _page(b"q Q", {})
    del pdf.pages[0].obj["/TrimBox"]
    with pytest.raises(OutputError, match="page 1: no TrimBox"):
        to_print_colour(pdf, "gray", "X-4", "T")
    srgb = tmp_path / "srgb.icc"
    srgb.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    with pytest.raises(OutputError, match="needs a CMYK printer profile"):
        to_print_colour(_page(b"q Q", {}), "gray", "X-4", "T", profile=srgb)
    with pytest.raises(OutputError, match="not an ICC profile"):
        check_profile(b"\0" * 200, "broken.icc")


def test_a_missing_profile_names_its_package(tmp_path):
    with pytest.raises(OutputError, match="libgs-common"):
        to_print_colour(_page(b"1 0 0 rg 0 0 5 5 re f", {}), "cmyk", None, "T", profile=tmp_path / "none.icc")
    with pytest.raises(OutputError, match="libgs-common"):
        to_print_colour(_page(b"q Q", {}), "gray", "X-1a", "T", profile=tmp_path / "none.icc")
