"""What the PDFs draw, glyph by glyph: an imported Dutch article whose further-reading list uses "→"
bullets prints arrows (not accents) in both editions, joined pages render as one render does, and the
glyph checker (glyphcheck.py, run on every PDF the suite makes by conftest) catches a glyph drawn
with another outline and a glyph that is not a way of drawing its text."""
from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

import workbook
from glyphcheck import check_pdf
from helpers import ROOTS, page_pixels, single_and_joined
from workbook.author.new import new_book
from workbook.importers.articles import import_articles

pytestmark = pytest.mark.build
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


@pytest.fixture(scope="module")
def imported_book(tmp_path_factory) -> Path:
    """A new Dutch book with the arrow-bulleted article imported into it."""
    book = tmp_path_factory.mktemp("imported") / "book"
    new_book(book, "nl")
    import_articles([FIXTURES / "nl-grenzen-pijlen.txt"], into=book)
    return book


def _drawn(pdf: bytes, text: str) -> int:
    """How many distinct glyphs the PDF shows whose ToUnicode text is `text` (ToUnicode of used glyphs)."""
    from glyphcheck import _to_unicode

    count = 0
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/ToUnicode" in obj:
                count += sum(1 for value in _to_unicode(obj).values() if value == text)
    return count


@pytest.mark.parametrize("edition", ["screen", "print"])
def test_imported_arrows_print_as_arrows(imported_book, edition):
    single, joined = single_and_joined(imported_book, edition)
    assert _drawn(joined, "→") >= 1
    report = check_pdf(joined)
    assert report.glyphs > 100 and not report.problems, report.problems
    differ = [i + 1 for i, (a, b) in enumerate(zip(page_pixels(single), page_pixels(joined), strict=True)) if a != b]
    assert not differ, f"pages that render differently from one render: {differ}"


def test_build_of_the_imported_article_draws_the_right_glyphs(imported_book, tmp_path):
    result = workbook.build(imported_book, tmp_path / "dist", ["pdf", "print"])
    for path in (p for p in result.outputs if p.suffix == ".pdf"):
        report = check_pdf(path)
        assert report.glyphs > 100 and not report.problems, (path.name, report.problems)


@pytest.fixture(scope="module")
def glyph_pdf(tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("glyphs-dist")
    result = workbook.build(ROOTS / "glyphs", out, ["pdf"])
    return next(p for p in result.outputs if p.suffix == ".pdf").read_bytes()


def _edit_font(pdf: bytes, base: str, change) -> bytes:
    """The PDF with `change(TTFont)` applied to the embedded program of the font whose name ends in `base`."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" \
                    and str(obj.get("/BaseFont", "")).endswith(base) and obj.get("/Subtype") == "/Type0":
                descriptor = obj.DescendantFonts[0].FontDescriptor
                font = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
                change(font, obj)
                data = io.BytesIO()
                font.save(data)
                descriptor.FontFile2 = doc.make_stream(data.getvalue())
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def test_the_checker_sees_a_glyph_drawn_with_another_outline(glyph_pdf):
    """The failure this guards against: the arrow's glyph id holding another glyph's outline."""
    assert not check_pdf(glyph_pdf).problems

    def swap(font: TTFont, _obj) -> None:
        cmap = font.getBestCmap()
        font["glyf"][cmap[ord("→")]] = font["glyf"][cmap[ord("é")]]

    broken = _edit_font(glyph_pdf, "Workbook-Serif", swap)
    problems = check_pdf(broken).problems
    assert any("'→'" in p and "another outline" in p for p in problems), problems


def test_the_checker_sees_a_glyph_that_does_not_draw_its_text(glyph_pdf):
    """A ToUnicode map that names "x" for the glyph of "e": what is read back is not what is printed."""
    def relabel(_font: TTFont, obj) -> None:
        obj.ToUnicode.write(obj.ToUnicode.read_bytes().replace(b"<0065>", b"<0078>"))

    broken = _edit_font(glyph_pdf, "Workbook-Serif", relabel)
    problems = check_pdf(broken).problems
    assert any("is not a way of drawing 'x'" in p for p in problems), problems
