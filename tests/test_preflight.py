"""The preflight (targets/preflight.py) on print files made to each profile's rules, then broken on purpose:
each break is reported as `file:page: error: print: PROFILE: …`; `workbook check --print-profile`; and
the readers (drawn boxes through nested forms, marks split by subpath, colour spaces) on hand-made PDFs."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

import workbook
from helpers import Books, pdf_pages_text
from workbook.cli import cli
from workbook.layout.fonts import _widths, subset
from workbook.layout.session import BuildSession
from workbook.model.printing import get_profile
from workbook.targets.pdfdrawn import drawn_objects
from workbook.targets.pdfuses import page_uses
from workbook.targets.preflight import preflight
from workbook.targets.printfiles import cover_pdf

PT = 72.0
SPINES = {"kdp": None, "ingramspark": 0.5, "press": 0.55}  # IngramSpark and a press state the spine per title
SLUG = "small-steps"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict:
    """The mini book at 6 x 9 in: its generic print PDF, and per profile the interior and cover a profiled
    build writes (they pass; the tests break copies of them)."""
    books = Books(tmp_path_factory.mktemp("preflight-book"))
    book = books("mini")
    config = book / "book.yaml"
    text = config.read_text(encoding="utf-8").replace("page_size: A4", "page_size: 6x9in")
    config.write_text(text + "print:\n  spine_in: {ingramspark: 0.5, press: 0.55}\n", encoding="utf-8")
    generic = next(p for p in workbook.build(book, tmp_path_factory.mktemp("preflight-generic"), ["print"]).outputs
                   if p.name.endswith("-print.pdf"))
    out = tmp_path_factory.mktemp("preflight-dist")
    result = workbook.build(book, out, ["print"], print_profiles=list(SPINES))
    files: dict = {"book": book, "generic": generic, "session": BuildSession.start(workbook.load_book(book)), "out": out}
    for name in SPINES:
        interior, cover = out / f"{SLUG}-print-{name}.pdf", out / f"{SLUG}-cover-{name}.pdf"
        assert {interior, cover} <= set(result.outputs)
        with pikepdf.open(interior) as pdf:
            pages = len(pdf.pages)
        files[name] = (interior, cover, pages)
    return files


def _run(made: dict, name: str, interior: Path | None = None, cover: Path | None = None) -> list[str]:
    own_interior, own_cover, _ = made[name]
    return [str(d) for d in preflight(get_profile(name), interior or own_interior, cover or own_cover, "white",
                                      SPINES[name])]


def _broken(made: dict, name: str, tmp_path: Path, change, file: str = "print") -> Path:
    """A copy of `name`'s passing interior (or cover) with `change(pdf)` made to it."""
    source = made[name][0 if file == "print" else 1]
    target = tmp_path / source.name
    with pikepdf.open(source) as pdf:
        change(pdf)
        pdf.save(target)
    return target


@pytest.mark.build
@pytest.mark.parametrize("name", list(SPINES))
def test_files_made_to_the_rules_pass(made, name):
    expected = []
    if name == "kdp":  # the footnote marker: 70 % of the body's 9.84 pt
        expected = [f"{SLUG}-print-kdp.pdf:9: warning: print: kdp: text at 6.9 pt; Amazon KDP paperback asks for "
                    "at least 7 pt"]
    assert _run(made, name) == expected


@pytest.mark.build
def test_the_generic_print_pdf_breaks_each_profile(made):
    generic = made["generic"]
    kdp = [str(d) for d in preflight(get_profile("kdp"), generic, None, "white", None)]
    assert f"{generic.name}: error: print: kdp: 11 pages; Amazon KDP paperback needs at least 24" in kdp
    assert f"{generic.name}: error: print: kdp: bookmarks (an outline); Amazon KDP paperback takes none" in kdp
    assert (f"{generic.name}:1: error: print: kdp: 8 objects drawn outside the trim (at -0.12, 0.00 in from the "
            "trim's bottom left): crop or printer's marks; Amazon KDP paperback takes none") in kdp
    assert (f"{generic.name}:1: error: print: kdp: bleed outside 0.126, top 0.126, bottom 0.126, gutter 0.126 in, "
            "needs outside 0.125, top 0.125, bottom 0.125, gutter 0.000 in (or none)") in kdp
    # the ruled notes page (page 6) keeps its lines in the text area, away from the trim
    assert "NOTES" in pdf_pages_text(generic)[5].upper()
    assert not [line for line in kdp if line.startswith(f"{generic.name}:6:") and "margin" in line]
    assert any(re.fullmatch(rf"{generic.name}:1: error: print: kdp: font [A-Z]{{6}}\+Workbook-\S+ is a subset "
                            r"\(tagged [A-Z]{6}\+\); Amazon KDP paperback: embed whole fonts", line) for line in kdp)
    press = [str(d) for d in preflight(get_profile("press"), generic, None, "white", None)]
    assert (f"{generic.name}:1: error: print: press: 8 marks inside the bleed (at -0.12, 0.00 in from the trim's "
            "bottom left): they can print on the page's edge; draw them outside the BleedBox") in press
    assert (f"{generic.name}:1: error: print: press: MediaBox leaves 0.000 in around the BleedBox, needs 0.236 in "
            "for the crop marks") in press
    ingram = [str(d) for d in preflight(get_profile("ingramspark"), generic, None, "white", None)]
    assert any(re.fullmatch(rf"{generic.name}:5: error: print: ingramspark: text in DeviceRGB 0.117647 0.117647 "
                            r"0.117647 \(\d+ times\): a dark grey printed as a screen or in several inks; text must be "
                            r"100 % black \(0 g or 0 0 0 1 k\)", line) for line in ingram)
    assert f"{generic.name}:5: error: print: ingramspark: bottom margin 0.48 in, needs 0.5 in" in ingram
    assert f"{generic.name}: error: print: ingramspark: colour: the same on page 11" in ingram  # 10 pages listed


@pytest.mark.build
def test_a_crop_mark_outside_the_trim(made, tmp_path):
    def mark(pdf):  # page 3 is a right-hand page: its outside edge, with bleed, is on the right
        pdf.pages[2].contents_add(pdf.make_stream(b"q 0 g 0.25 w 434 -4 m 440 -4 l S Q\n"))
    broken = _broken(made, "kdp", tmp_path, mark)
    assert _run(made, "kdp", broken)[:1] == [
        f"{broken.name}:3: error: print: kdp: 1 object drawn outside the trim (at 6.03, -0.06 in from the trim's "
        "bottom left): crop or printer's marks; Amazon KDP paperback takes none"]


@pytest.mark.build
def test_rgb_text_for_ingramspark(made, tmp_path):
    def red(pdf):
        pdf.pages[4].contents_coalesce()
        contents = pdf.pages[4].obj.Contents
        data = contents.read_bytes()
        assert b"\n0 g\n" in data
        contents.write(data.replace(b"\n0 g\n", b"\n1 0 0 rg\n", 1))
    broken = _broken(made, "ingramspark", tmp_path, red)
    assert _run(made, "ingramspark", broken) == [
        f"{broken.name}:5: error: print: ingramspark: DeviceRGB colour (1 0 0 rg in the page's content); IngramSpark "
        "(Lightning Source) paperback takes DeviceGray and DeviceCMYK only"]


@pytest.mark.build
def test_content_near_the_binding_edge(made, tmp_path):
    def near(pdf):  # page 5 is a right-hand page, bound on the left: a square 0.2 in from that edge
        pdf.pages[4].contents_add(pdf.make_stream(b"q 0 g 14.4 300 10 10 re f Q\n"))
    broken = _broken(made, "kdp", tmp_path, near)
    assert _run(made, "kdp", broken) == [
        f"{broken.name}:5: error: print: kdp: inside margin 0.20 in, needs 0.375 in for 24 pages",
        f"{broken.name}:9: warning: print: kdp: text at 6.9 pt; Amazon KDP paperback asks for at least 7 pt"]


@pytest.mark.build
def test_an_annotation_for_kdp(made, tmp_path):
    def link(pdf):
        pdf.pages[1].obj.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[100, 100, 200, 120], Border=[0, 0, 0])]))
    broken = _broken(made, "kdp", tmp_path, link)
    assert _run(made, "kdp", broken)[:1] == [
        f"{broken.name}:2: error: print: kdp: 1 annotation (Link); Amazon KDP paperback takes none"]


@pytest.mark.build
def test_an_odd_page_count(made, tmp_path):
    broken = _broken(made, "kdp", tmp_path, lambda pdf: pdf.pages.remove(pdf.pages[-1]))
    assert _run(made, "kdp", broken)[:2] == [
        f"{broken.name}: error: print: kdp: 23 pages; Amazon KDP paperback needs at least 24",
        f"{broken.name}: error: print: kdp: 23 pages, not a multiple of 2"]


def _subset_fonts(pdf: pikepdf.Pdf) -> None:
    """Every whole font cut to the glyphs the pages show (those with widths; ids kept) and tagged as a
    subset, as a PDF tool that subsets on export would."""
    done = set()
    for page in pdf.pages:
        for font in (page.obj.Resources.get("/Font") or {}).values():
            if font.objgen in done or font.get("/Subtype") != "/Type0":
                continue
            done.add(font.objgen)
            descendant = font.DescendantFonts[0]
            program = descendant.FontDescriptor.FontFile2
            data = subset(program.read_bytes(), 0, set(_widths(descendant.W)))
            program.write(data)
            program.Length1 = len(data)
            tagged = pikepdf.Name(f"/ABCDEF+{str(font.BaseFont).lstrip('/')}")
            font.BaseFont = descendant.BaseFont = descendant.FontDescriptor.FontName = tagged


@pytest.mark.build
def test_subset_fonts_for_kdp(made, tmp_path):
    cut = _broken(made, "kdp", tmp_path, _subset_fonts)
    found = [line for line in _run(made, "kdp", cut) if "font" in line]
    assert len(found) == 6  # serif, italic, semibold; sans, semibold, bold
    assert all(re.fullmatch(rf"{cut.name}:\d+: error: print: kdp: font ABCDEF\+Workbook-[\w-]+ is a subset "
                            r"\(tagged ABCDEF\+\); Amazon KDP paperback: embed whole fonts", line) for line in found)

    def untagged(pdf):  # the tag gone, the subset program kept: the glyph count tells
        for page in pdf.pages:
            for font in (page.obj.Resources.get("/Font") or {}).values():
                font.BaseFont = pikepdf.Name("/" + str(font.BaseFont).split("+", 1)[-1])
    hidden = tmp_path / "hidden" / cut.name
    hidden.parent.mkdir()
    with pikepdf.open(cut) as pdf:
        untagged(pdf)
        pdf.save(hidden)
    found = [line for line in _run(made, "kdp", hidden) if "font" in line]
    assert len(found) == 6
    assert all(re.fullmatch(rf"{hidden.name}:\d+: error: print: kdp: font Workbook-[\w-]+ holds (\d+) of the (\d+) "
                            r"glyphs of SourceS\w+Pro-\w+: a subset; embed whole fonts", line) for line in found)


@pytest.mark.build
def test_a_missing_output_intent(made, tmp_path):
    broken = _broken(made, "ingramspark", tmp_path, lambda pdf: pdf.Root.__delitem__("/OutputIntents"))
    assert _run(made, "ingramspark", broken) == [
        f"{broken.name}: error: print: ingramspark: no PDF/X output intent (/GTS_PDFX); PDF/X-1a:2001 needs one with "
        "the printing condition's ICC profile"]


@pytest.mark.build
def test_transparency_for_x1a(made, tmp_path):
    def half(pdf):
        page = pdf.pages[4]
        page.obj.Resources.ExtGState = pikepdf.Dictionary(Half=pikepdf.Dictionary(ca=0.5))
        page.contents_add(pdf.make_stream(b"q /Half gs 0 g 100 100 10 10 re f Q\n"))
    broken = _broken(made, "ingramspark", tmp_path, half)
    assert _run(made, "ingramspark", broken) == [
        f"{broken.name}:5: error: print: ingramspark: opacity 0.5 (/ca) in /Half in the page's content; PDF/X-1a "
        "has no transparency"]


@pytest.mark.build
def test_a_cover_of_the_wrong_width(made, tmp_path):
    interior, _, pages = made["kdp"]
    wrong = tmp_path / f"{SLUG}-cover-kdp.pdf"  # the cover a 200-page interior would have
    wrong.write_bytes(cover_pdf(made["session"], "kdp", "white", 200, None))
    assert _run(made, "kdp", cover=wrong)[-1:] == [
        f"{wrong.name}:1: error: print: kdp: cover 12.700 in wide with its bleed, needs 12.304 in (2 x 6.000 in trim "
        f"+ 0.054 in spine ({pages} pages on white paper) + 2 x 0.125 in bleed)"]


@pytest.mark.build
def test_something_in_the_barcode_area(made, tmp_path):
    def draw(pdf):  # the area's middle: 1.25 in left of the spine (at x = trim + 6 in), 0.85 in up
        page = pdf.pages[0]
        x = float(page.obj.TrimBox[0]) + (6 - 1.25) * PT
        y = float(page.obj.TrimBox[1]) + 0.85 * PT
        page.contents_add(pdf.make_stream(f"q 0 g {x:.2f} {y:.2f} 20 8 re f Q\n".encode()))  # after the cover's own q … Q
    broken = _broken(made, "kdp", tmp_path, draw, file="cover")
    assert _run(made, "kdp", cover=broken)[-1:] == [
        f"{broken.name}:1: error: print: kdp: something is drawn in the barcode area (2 x 1.2 in, 0.25 in from the "
        "bottom trim and 0.25 in from the spine), which must stay clear for the printer's ISBN barcode"]


@pytest.mark.build
def test_check_command_runs_the_preflight(made, tmp_path):
    runner = CliRunner()
    empty = tmp_path / "empty"
    missing = runner.invoke(cli, ["check", str(made["book"]), "-o", str(empty), "--print-profile", "press"])
    assert missing.exit_code == 1
    assert (f"{empty / (SLUG + '-print-press.pdf')}: error: print: press: not built; run `workbook build -f print "
            "--print-profile press` first") in missing.output
    out = tmp_path / "dist"
    out.mkdir()
    for path in made["press"][:2]:
        shutil.copy(path, out / path.name)
    passing = runner.invoke(cli, ["check", str(made["book"]), "-o", str(out), "--print-profile", "press"])  # book.yaml's spine
    assert passing.exit_code == 0, passing.output
    assert "Traceback" not in missing.output + passing.output


@pytest.mark.build
def test_text_on_a_spine_too_thin_for_it(made, tmp_path):
    interior, _, pages = made["kdp"]  # 24 pages: KDP allows spine text from 79 pages on

    def title(pdf):
        page = pdf.pages[0]
        font = next(iter(page.obj.Resources.Font.keys()))
        spine_x = float(page.obj.TrimBox[0]) + 6 * PT + 0.01 * PT  # the spine is 0.054 in wide
        page.contents_add(pdf.make_stream(f"BT 0 g {font} 3 Tf {spine_x:.2f} 300 Td <0024> Tj ET\n".encode()))
    broken = _broken(made, "kdp", tmp_path, title, file="cover")
    assert _run(made, "kdp", cover=broken)[-1:] == [
        f"{broken.name}:1: error: print: kdp: text on a 0.054 in spine of {pages} pages; Amazon KDP paperback allows "
        "spine text from 80 pages on (and workbook where 6 pt type fits)"]


# -- the readers on hand-made PDFs (no layout) ---------------------------------------------------------------


def _one_page(tmp_path: Path, content: bytes, resources: dict | None = None, build=None) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 400))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(resources or {})
    if build:
        build(pdf, page)
    page.obj.Contents = pdf.make_stream(content)
    target = tmp_path / "made.pdf"
    pdf.save(target)
    return target


def test_objects_in_nested_forms_are_carried_to_page_space(tmp_path):
    def forms(pdf, page):
        inner = pdf.make_stream(b"0 0 5 5 re f", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 99, 99])
        outer = pdf.make_stream(b"0 0 10 10 re f q 1 0 0 1 20 20 cm /I Do Q", Type=pikepdf.Name.XObject,
                                Subtype=pikepdf.Name.Form, BBox=[0, 0, 99, 99], Matrix=[2, 0, 0, 2, 0, 0],
                                Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(I=inner)))
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=outer))
    path = _one_page(tmp_path, b"q 1 0 0 1 100 100 cm /F Do Q", build=forms)
    assert [tuple(round(v, 2) for v in d.box) for d in drawn_objects(path)[0]] == [
        (100, 100, 120, 120), (140, 140, 150, 150)]


def test_one_stroked_path_of_many_marks_is_split_into_its_lines(tmp_path):
    path = _one_page(tmp_path, b"q 1 w 0 0 m 5 0 l 100 200 m 100 205 l S Q")
    assert [tuple(round(v, 2) for v in d.box) for d in drawn_objects(path)[0]] == [
        (-0.5, -0.5, 5.5, 0.5), (99.5, 199.5, 100.5, 205.5)]


def test_colour_found_in_forms_patterns_pictures_and_spot_colours(tmp_path):
    def parts(pdf, page):
        form = pdf.make_stream(b"1 0 0 rg 0 0 5 5 re f", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                               BBox=[0, 0, 9, 9])
        icc = pdf.make_stream(b"", N=3)
        picture = pdf.make_stream(b"\x00\x00\x00", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=1,
                                  Height=1, BitsPerComponent=8, ColorSpace=pikepdf.Array([pikepdf.Name.ICCBased, icc]))
        shading = pikepdf.Dictionary(ShadingType=2, ColorSpace=pikepdf.Name.DeviceGray, Coords=[0, 0, 1, 0],
                                     Function=pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0], C1=[1], N=1))
        pattern = pikepdf.Dictionary(PatternType=2, Shading=shading)
        everything = pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name("/All"), pikepdf.Name.DeviceCMYK,
                                    pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)])
        page.obj.Resources = pikepdf.Dictionary(
            XObject=pikepdf.Dictionary(F=form, P=picture), Pattern=pikepdf.Dictionary(S=pattern),
            ColorSpace=pikepdf.Dictionary(R=everything))
    path = _one_page(tmp_path, b"/F Do /Pattern cs /S scn 0 0 9 9 re f q 9 0 0 9 0 0 cm /P Do Q /R CS 1 SCN 0 0 m 1 1 l S",
                     build=parts)
    with pikepdf.open(path) as pdf:
        spaces = {space.name: where for space, where in page_uses(pdf)[0].spaces.items()}
    assert spaces == {
        "DeviceRGB": "1 0 0 rg in /F in the page's content",
        "Pattern": "/Pattern cs in the page's content",
        "DeviceGray": "a shading pattern in the page's content",
        "ICCBased (3 components)": "picture /P in the page's content",
        "Separation All (alternate DeviceCMYK)": "/R CS in the page's content",
    }
