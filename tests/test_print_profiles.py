"""Print profiles wired into builds: `print:` in book.yaml and `--print-profile`, and each printer's interior
and cover checked on their own (pikepdf, pypdfium2, fontTools): page boxes per side, no annotations or
bookmarks where refused, nothing drawn outside the trim where marks are refused, a press's marks outside
the bleed, only gray/CMYK colour in IngramSpark's files, whole fonts for KDP, padded page counts with
ruled notes pages, the cover's width, every glyph, chapters on the reader's pages; and a second layout
only where a printer's inside margin is wider than the book's."""
from __future__ import annotations

import dataclasses
import io

import pdfplumber
import pikepdf
import pypdfium2
import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

import workbook
from glyphcheck import _identity, _originals, check_pdf
from helpers import Books, chapter_start_pages, pdf_pages_text
from workbook.cli import cli
from workbook.errors import WorkbookError
from workbook.model import printing
from workbook.model.printing import PROFILES, get_profile

IN = 72.0
A5 = (148 / 25.4, 210 / 25.4)
SPINE = "print:\n  spine_in: {ingramspark: 0.21, press: 0.22}\n"
TEST_BOOKS = ("mini", "linked", "typo")


@pytest.fixture(scope="module")
def profiled(tmp_path_factory):
    """Each test book built once: the reader's PDF and all three profiles, at A5 (IngramSpark takes no A4)."""
    built = {}
    for name in TEST_BOOKS:
        folder = tmp_path_factory.mktemp(f"profiles-{name}")
        book = Books(folder)(name)
        with open(book / "book.yaml", "a", encoding="utf-8") as config:
            config.write(SPINE)
        result = workbook.build(book, folder / "dist", ["pdf", "print"], page_size="A5", print_profiles=list(PROFILES))
        built[name] = (result, workbook.load_book(book, page_size="A5"))
    return built


def _file(result, stem: str):
    return next(p for p in result.outputs if p.name.endswith(f"{stem}.pdf"))


def _in(values) -> list[float]:
    return [float(v) / IN for v in values]


CASES = [(book, profile) for book in TEST_BOOKS for profile in PROFILES]


@pytest.mark.build
@pytest.mark.parametrize("book, name", CASES)
def test_interior_boxes_marks_and_pages(profiled, book, name):
    result, manuscript = profiled[book]
    profile = get_profile(name)
    path = _file(result, f"-print-{name}")
    reader = pdf_pages_text(_file(result, manuscript.config.slug))
    with pikepdf.open(path) as pdf:
        count = len(pdf.pages)
        bleed = profile.interior_bleed
        slug = profile.slug_in if profile.crop_marks else 0.0
        for index, page in enumerate(pdf.pages):
            trim, box, media = _in(page.obj.TrimBox), _in(page.obj.BleedBox), _in(page.mediabox)
            assert trim[2] - trim[0] == pytest.approx(A5[0], abs=0.01) and trim[3] - trim[1] == pytest.approx(A5[1], abs=0.01)
            right = index % 2 == 0  # the first page is a right-hand page: its outside edge is on the right
            left_bleed, right_bleed = (bleed.gutter, bleed.outside) if right else (bleed.outside, bleed.gutter)
            assert trim[0] - box[0] == pytest.approx(left_bleed, abs=0.01), index
            assert box[2] - trim[2] == pytest.approx(right_bleed, abs=0.01), index
            assert trim[1] - box[1] == pytest.approx(bleed.bottom, abs=0.01) and box[3] - trim[3] == pytest.approx(bleed.top, abs=0.01)
            assert [b - m for b, m in zip(box[:2], media[:2], strict=True)] == pytest.approx([slug, slug], abs=0.01)
            assert [m - b for b, m in zip(box[2:], media[2:], strict=True)] == pytest.approx([slug, slug], abs=0.01)
            assert "/Annots" not in page.obj
        if name == "kdp":  # KDP: 0.125 in wider (outside edge only) and 0.25 in higher than the trim
            assert media[2] - media[0] == pytest.approx(A5[0] + 0.125, abs=0.01)
            assert media[3] - media[1] == pytest.approx(A5[1] + 0.25, abs=0.01)
        assert ("/Outlines" in pdf.Root) == profile.outline
    report = next(r for r in result.print_profiles if r.profile == name)
    # IngramSpark's 0.5 in from the trim takes wider top and bottom margins than the book's at A5: its own layout
    assert report.own_layout == (name != "ingramspark")
    laid_out = report.laid_out
    assert laid_out == len(reader) or not report.own_layout
    assert count == printing.padded_page_count(profile, laid_out) and count % profile.page_multiple == 0
    texts = pdf_pages_text(path)
    notes = str(manuscript.config.words["notes"]).upper()
    assert all(text.strip().upper() == notes for text in texts[laid_out:]), "padding is ruled notes pages, never blank"
    if report.own_layout:
        assert texts[1:laid_out] == reader[1:laid_out]  # the reader's pages (but its cover), page for page
        assert chapter_start_pages(path, manuscript) == chapter_start_pages(_file(result, manuscript.config.slug), manuscript)
    else:  # laid out again: every chapter there, on a right-hand page
        assert all(index % 2 == 0 for index in chapter_start_pages(path, manuscript).values())
    assert check_pdf(path.read_bytes()).problems == []


def _darkest_around(image, outer, inner) -> int:
    """The darkest grey level in the ring between two boxes (pixel boxes: left, top, right, bottom)."""
    outer = (max(outer[0], 0), max(outer[1], 0), min(outer[2], image.width), min(outer[3], image.height))
    inner = tuple(min(max(v, 0), limit) for v, limit in zip(inner, (image.width, image.height) * 2, strict=True))
    strips = [(outer[0], outer[1], outer[2], inner[1]), (outer[0], inner[3], outer[2], outer[3]),
              (outer[0], inner[1], inner[0], inner[3]), (inner[2], inner[1], outer[2], inner[3])]
    return min((image.crop(strip).getextrema()[0] for strip in strips if strip[2] > strip[0] and strip[3] > strip[1]),
               default=255)


@pytest.mark.build
@pytest.mark.parametrize("book, name", CASES)
def test_nothing_drawn_outside_the_trim_but_a_press_marks(profiled, book, name):
    """Rendered at the MediaBox: the band between trim and bleed edge is paper white on every page; outside
    the bleed a press's crop marks are drawn, and only there."""
    result, _manuscript = profiled[book]
    path = _file(result, f"-print-{name}")
    with pikepdf.open(path) as pdf:
        boxes = [(_in(p.obj.TrimBox), _in(p.obj.BleedBox), _in(p.mediabox)) for p in pdf.pages]
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index, (trim, bleed, media) in enumerate(boxes):
            image = document[index].render(scale=2, may_draw_forms=False).to_pil().convert("L")
            scale = image.width / (media[2] - media[0])

            def pixel_box(box, grow, scale=scale, media=media):
                return (round((box[0] - media[0]) * scale) - grow, round((media[3] - box[3]) * scale) - grow,
                        round((box[2] - media[0]) * scale) + grow, round((media[3] - box[1]) * scale) + grow)

            whole = (0, 0, image.width, image.height)
            assert _darkest_around(image, pixel_box(bleed, 0), pixel_box(trim, 1)) >= 250, f"page {index + 1}: drawn in the bleed"
            if name == "press":
                assert _darkest_around(image, whole, pixel_box(bleed, 0)) < 128, f"page {index + 1}: no crop marks in the slug"
            else:
                assert _darkest_around(image, whole, pixel_box(trim, 1)) >= 250, f"page {index + 1}: drawn outside the trim"
    finally:
        document.close()


def _operators(pdf: pikepdf.Pdf):
    """Every (operator, operands, resources) of every content stream: pages and the form XObjects they draw."""
    seen = set()

    def walk(stream, resources):
        for operands, operator in pikepdf.parse_content_stream(stream):
            yield str(operator), operands, resources
            if str(operator) == "Do":
                xobject = resources.XObject[operands[0]]
                if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    yield from walk(xobject, xobject.get("/Resources", resources))

    for page in pdf.pages:
        yield from walk(page, page.obj.get("/Resources", pikepdf.Dictionary()))


def _space(resources, name) -> str:
    if str(name) in ("/DeviceGray", "/DeviceCMYK", "/DeviceRGB", "/Pattern"):
        return str(name)
    space = resources.ColorSpace[name]
    return str(space[0]) if isinstance(space, pikepdf.Array) else str(space)


@pytest.mark.build
@pytest.mark.parametrize("book", TEST_BOOKS)
def test_ingramspark_files_use_gray_or_cmyk_only(profiled, book):
    result, _manuscript = profiled[book]
    for stem in ("-print-ingramspark", "-cover-ingramspark"):
        with pikepdf.open(_file(result, stem)) as pdf:
            assert pdf.pdf_version == "1.3" and "/OutputIntents" in pdf.Root
            assert pdf.docinfo.GTS_PDFXConformance == "PDF/X-1a:2001"
            for operator, operands, resources in _operators(pdf):
                assert operator not in ("rg", "RG"), stem
                if operator in ("cs", "CS"):
                    assert _space(resources, operands[0]) in ("/DeviceGray", "/DeviceCMYK", "/Pattern", "/Separation"), stem
                if operator == "Do":
                    xobject = resources.XObject[operands[0]]
                    if xobject.get("/Subtype") == "/Image":
                        assert str(xobject.ColorSpace) in ("/DeviceGray", "/DeviceCMYK"), stem


@pytest.mark.build
@pytest.mark.parametrize("book", TEST_BOOKS)
def test_kdp_fonts_are_whole(profiled, book):
    """Every font program in KDP's interior holds every glyph of the file it came from, named without a subset tag."""
    result, _manuscript = profiled[book]
    originals = _originals()
    with pikepdf.open(_file(result, "-print-kdp")) as pdf:
        checked = 0
        for page in pdf.pages:
            for font in (page.obj.Resources.get("/Font") or {}).values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                embedded = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
                original = TTFont(originals[_identity(embedded)])
                assert embedded["maxp"].numGlyphs == original["maxp"].numGlyphs
                assert len(embedded["glyf"].keys()) == len(original.getGlyphOrder())
                assert "+" not in str(font.BaseFont)
                checked += 1
        assert checked


@pytest.mark.build
@pytest.mark.parametrize("book, name", CASES)
def test_cover_is_two_trims_a_spine_and_the_bleed(profiled, book, name):
    result, manuscript = profiled[book]
    profile = get_profile(name)
    report = next(r for r in result.print_profiles if r.profile == name)
    with pikepdf.open(_file(result, f"-print-{name}")) as interior:
        assert report.pages == len(interior.pages)
    spine = {"kdp": report.pages * 0.002252, "ingramspark": 0.21, "press": 0.22}[name]
    assert report.spine_in == pytest.approx(spine)
    with pikepdf.open(_file(result, f"-cover-{name}")) as cover:
        bleed = _in(cover.pages[0].obj.BleedBox)
        assert bleed[2] - bleed[0] == pytest.approx(2 * A5[0] + spine + 2 * profile.cover_bleed_in, abs=0.01)
        assert bleed[3] - bleed[1] == pytest.approx(A5[1] + 2 * profile.cover_bleed_in, abs=0.01)


@pytest.mark.build
def test_a_wider_inside_margin_lays_the_book_out_again(books, monkeypatch, tmp_path):
    """A printer's inside margin wider than the book's: that profile's interior is laid out again with it
    (again when its new page count falls in a wider band); the reader's PDF and other profiles keep theirs."""
    book = books("linked")
    with open(book / "book.yaml", "a", encoding="utf-8") as config:
        config.write(SPINE)
    bands = ((18, 1.2), (828, 1.4))  # linked lays out 18 pages: 1.2 in; so wide, it takes 20: 1.4 in
    monkeypatch.setitem(printing.BY_NAME, "kdp", dataclasses.replace(printing.KDP, inside_margins=bands, min_pages=2))
    result = workbook.build(book, tmp_path / "dist", ["pdf", "print"], print_profiles=["kdp", "press"], jobs=1)
    kdp, press = result.print_profiles
    assert press.layouts == 0 and press.own_layout and press.inner_mm == pytest.approx(18.8) and press.laid_out == 18
    assert not kdp.own_layout
    assert kdp.layouts == 2 and kdp.laid_out == 20 and kdp.needs_in == 1.4 and kdp.inner_mm == pytest.approx(35.6)
    with pikepdf.open(_file(result, "-print-press")) as pdf:
        assert len(pdf.pages) == 20  # 18 padded to a multiple of 4: the press keeps the book's layout
    manuscript = workbook.load_book(book)
    path = _file(result, "-print-kdp")
    assert chapter_start_pages(path, manuscript)  # every chapter is there
    assert check_pdf(path.read_bytes()).problems == []
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == kdp.pages
    inner = 35.6 / 25.4 * IN - 0.5  # pt: nothing is printed nearer the gutter, on either side of a spread
    with pikepdf.open(path) as pdf:  # the trim's left and right edge from the MediaBox's left edge
        trims = [(float(p.obj.TrimBox[0]) - float(p.mediabox[0]), float(p.obj.TrimBox[2]) - float(p.mediabox[0]))
                 for p in pdf.pages]
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            xs = [(c["x0"] - trims[index][0], trims[index][1] - c["x1"]) for c in page.chars]
            assert all((left if index % 2 == 0 else right) >= inner for left, right in xs), f"page {index + 1}"


def test_print_settings_are_checked_with_their_lines(books, tmp_path):
    book = books.write({"one.md": "---\ntitle: One\n---\n\nText.\n"},
                       extra="page_size: A4\nprint:\n  profile: lulu\n  paper: blue\n  spine_in: 9\n")
    with pytest.raises(WorkbookError) as error:
        workbook.build(book, tmp_path / "dist", ["print"])
    messages = [str(d) for d in error.value.diagnostics]
    assert any(m.startswith("book.yaml:7: error: print.profile:") for m in messages)
    assert any(m.startswith("book.yaml:8: error: print.paper:") for m in messages)
    assert any(m.startswith("book.yaml:9: error: print.spine_in: 9 in is not a spine width") for m in messages)


def test_a_printer_refuses_trim_and_missing_spine_before_layout(books, tmp_path):
    book = books.write({"one.md": "---\ntitle: One\n---\n\nText.\n"}, extra="page_size: A4\n")
    with pytest.raises(WorkbookError) as error:
        workbook.build(book, tmp_path / "dist", ["print"], print_profiles=["ingramspark"])
    messages = [str(d) for d in error.value.diagnostics]
    assert any(m.startswith("book.yaml:5: error: page_size: 210 x 297 mm") and "IngramSpark" in m for m in messages)
    assert any("print.spine_in: IngramSpark (Lightning Source) paperback publishes no paper thickness" in m for m in messages)
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_cli_refuses_an_unknown_profile(books):
    outcome = CliRunner().invoke(cli, ["build", str(books("mini")), "-f", "print", "--print-profile", "kdp,lulu"])
    assert outcome.exit_code == 2 and "unknown print profile 'lulu'" in outcome.output
    outcome = CliRunner().invoke(cli, ["build", str(books("mini", to="other")), "-f", "pdf", "--print-profile", "kdp"])
    assert outcome.exit_code == 2 and "add print to -f" in outcome.output


@pytest.mark.build
def test_cli_builds_profiles_and_says_the_spine(books, tmp_path):
    book = books("mini")
    outcome = CliRunner().invoke(cli, ["build", str(book), "-o", str(tmp_path / "dist"), "-f", "print",
                                       "--print-profile", "kdp", "-v", "-j", "1"])
    assert outcome.exit_code == 0, outcome.output
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["small-steps-cover-kdp.pdf", "small-steps-print-kdp.pdf"]
    assert "print kdp: 24 pages (10 laid out + 14 notes pages), spine 0.054 in (white)" in outcome.output


@pytest.mark.build
def test_book_yaml_names_the_profile_and_without_one_print_is_generic(books, tmp_path):
    book = books("mini")
    plain = workbook.build(book, tmp_path / "plain", ["print"], jobs=1)
    assert [p.name for p in plain.outputs] == ["small-steps-print.pdf"] and not plain.print_profiles
    with open(book / "book.yaml", "a", encoding="utf-8") as config:
        config.write("print:\n  profile: kdp\n  paper: cream\n")
    result = workbook.build(book, tmp_path / "dist", ["print"], jobs=1)
    assert [p.name for p in result.outputs] == ["small-steps-print-kdp.pdf", "small-steps-cover-kdp.pdf"]
    assert result.print_profiles[0].paper == "cream" and result.print_profiles[0].spine_in == pytest.approx(24 * 0.0025)


def _printer_profile(kind: bytes = b"prtr") -> bytes:
    """A CMYK printer profile of our own: Ghostscript's with another creation date (so it is told apart) and
    device class `kind`."""
    from workbook.layout.inks import PROFILE

    data = bytearray(PROFILE.read_bytes())
    data[24:36] = (2031).to_bytes(2, "big") + bytes([0, 1, 0, 2, 0, 3, 0, 4, 0, 5])
    data[12:16] = kind
    return bytes(data)


@pytest.mark.build
def test_the_printers_own_output_profile_is_embedded(books, tmp_path):
    book = books("mini")
    icc = _printer_profile()
    (book / "printer.icc").write_bytes(icc)
    with open(book / "book.yaml", "a", encoding="utf-8") as config:
        config.write("print:\n  profile: press\n  spine_in: 0.2\n  icc: printer.icc\n")
    result = workbook.build(book, tmp_path / "dist", ["print"], page_size="A5")
    for stem in ("print-press", "cover-press"):
        with pikepdf.open(_file(result, stem)) as pdf:
            intents = pdf.Root.OutputIntents
            assert len(intents) == 1 and intents[0].DestOutputProfile.read_bytes() == icc, stem


@pytest.mark.parametrize("name, content, message", [
    ("notes.txt", b"not a profile", "print.icc: notes.txt is not an ICC profile (no 'acsp' signature in its header)"),
    ("screen.icc", None, "print.icc: screen.icc is an ICC profile of another kind (mntr CMYK); print files need a "
                         "CMYK printer (output) profile"),
    ("../outside.icc", b"", "print.icc: ../outside.icc is outside the book folder"),
])
def test_an_output_profile_that_is_not_a_printers_is_refused_with_its_line(books, name, content, message):
    book = books("mini")
    if name.startswith(".."):
        (book.parent / "outside.icc").write_bytes(_printer_profile())
    else:
        (book / name).write_bytes(content if content is not None else _printer_profile(b"mntr"))
    lines = (book / "book.yaml").read_text(encoding="utf-8").count("\n")
    with open(book / "book.yaml", "a", encoding="utf-8") as config:
        config.write(f"print:\n  profile: press\n  icc: {name}\n")
    with pytest.raises(WorkbookError) as caught:
        workbook.load_book(book)
    found = [str(d) for d in caught.value.diagnostics]
    assert any(line.startswith(f"book.yaml:{lines + 3}: error: {message}") for line in found), found


@pytest.mark.build
@pytest.mark.parametrize("book", TEST_BOOKS)
def test_printer_interiors_have_no_fields_the_readers_pdf_has(profiled, book):
    result, manuscript = profiled[book]
    with pikepdf.open(_file(result, manuscript.config.slug)) as pdf:
        names = sorted(str(f.T) for f in pdf.Root.AcroForm.Fields) if manuscript.prompts else []
    notes = [f"notes-{c.slug}" for c in manuscript.chapters] if manuscript.config.settings.notes_page else []
    assert names == sorted([p.id for p in manuscript.prompts] + notes)
    for name in PROFILES:
        with pikepdf.open(_file(result, f"-print-{name}")) as pdf:
            assert "/AcroForm" not in pdf.Root, name
            assert not any(a.get("/Subtype") == "/Widget" for page in pdf.pages for a in page.obj.get("/Annots", []))
