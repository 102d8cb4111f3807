"""Print-ready pages: trim sizes with bleed boxes, right-hand openers, truly blank pages, pagination
for handwriting, running heads, front matter, QR codes, glyph coverage, and `workbook preview`."""
from __future__ import annotations

import re

import pypdf
import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

import workbook
from helpers import (
    ROOTS,
    blank_pages,
    chapter_start_pages,
    footer_number,
    normalise,
    orphaned_lines,
    page_boxes,
    pdf_pages_text,
    ruled_lines_below,
    toc_entries,
    writing_lines_per_prompt,
)
from workbook.cli import cli
from workbook.files.assets import font_files
from workbook.layout.fill import fill_targets, free_lines
from workbook.model.pages import LINE_PITCH_MM, geometry
from workbook.render.qr import print_links, short_url
from workbook.source.typography import refine_text

MM = 72 / 25.4
SIZES = {"A4": (210, 297), "A5": (148, 210), "Letter": (215.9, 279.4), "6x9in": (152.4, 228.6),
         "170mm 240mm": (170, 240)}


@pytest.fixture(scope="module")
def trim_builds(tmp_path_factory) -> dict:
    """The mini book's print edition at every trim size, and its screen edition at A5."""
    built = {}
    for size in SIZES:
        out = tmp_path_factory.mktemp("trim")
        result = workbook.build(ROOTS / "mini", out, ["print"], page_size=size)
        built[size] = result.outputs[0]
    out = tmp_path_factory.mktemp("trim-screen")
    built["screen-A5"] = workbook.build(ROOTS / "mini", out, ["pdf"], page_size="A5").outputs[0]
    return built


@pytest.fixture(scope="module")
def typo_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("typo")
    result = workbook.build(ROOTS / "typo", out, ["pdf", "print"])
    return result, workbook.load_book(ROOTS / "typo")


def _box(page, name):
    return [round(float(v), 2) for v in page[name]]


@pytest.mark.build
@pytest.mark.parametrize("size", list(SIZES))
def test_print_boxes_per_trim_size(trim_builds, size):
    path = trim_builds[size]
    assert path.name == "small-steps-print.pdf"
    width, height = (v * MM for v in SIZES[size])
    bleed = 3.2 * MM
    for page in pypdf.PdfReader(str(path)).pages:
        trim = _box(page, "/TrimBox")
        assert trim == pytest.approx([0, 0, width, height], abs=0.05)
        assert _box(page, "/BleedBox") == pytest.approx([-bleed, -bleed, width + bleed, height + bleed], abs=0.05)
        assert _box(page, "/MediaBox") == pytest.approx(_box(page, "/BleedBox"), abs=0.05)


@pytest.mark.build
def test_screen_edition_has_no_bleed(trim_builds):
    for page in pypdf.PdfReader(str(trim_builds["screen-A5"])).pages:
        assert _box(page, "/MediaBox") == pytest.approx([0, 0, 148 * MM, 210 * MM], abs=0.05)
        assert "/BleedBox" not in page or _box(page, "/BleedBox") == _box(page, "/MediaBox")


@pytest.mark.build
def test_bleed_comes_from_book_yaml(typo_build):
    result, _ = typo_build
    path = next(p for p in result.outputs if p.name.endswith("-print.pdf"))
    page = pypdf.PdfReader(str(path)).pages[0]
    assert _box(page, "/BleedBox")[0] == pytest.approx(-5 * MM, abs=0.05)


def test_type_and_margins_scale_with_the_page():
    a4, a5 = geometry(210, 297), geometry(148, 210)
    assert 10.5 <= a4.font_size <= 11.5 and 9.5 <= a5.font_size <= 10.5
    for page in (a4, a5, geometry(215.9, 279.4), geometry(152.4, 228.6)):
        measure_chars = (page.width - page.inner - page.outer) / (page.font_size * 0.5 * 25.4 / 72)
        assert 60 <= measure_chars <= 75, (page, measure_chars)
    page = geometry(148, 210)  # one page design for every edition: margins mirrored toward the binding
    assert page.inner > page.outer and page.bleed == 3.2 and geometry(148, 210, 5).bleed == 5


@pytest.mark.build
def test_print_chapters_start_on_odd_right_hand_pages(demo_editions):
    path, _document, manuscript = demo_editions["print"]
    pages = pdf_pages_text(path)
    for title, index in chapter_start_pages(path, manuscript).items():
        assert index % 2 == 0, f"{title} starts on a left-hand page"  # page 1 is a right-hand page
        assert int(footer_number(pages[index])) % 2 == 1, title


@pytest.mark.build
def test_blank_left_pages_before_chapters_are_ruled_notes_pages(demo_editions):
    """A chapter that would open on a left-hand page gets a page before it; that page is ruled for
    notes (the book's word for notes on top, lines at the writing-line pitch), no folio, no body text,
    in both editions (they share their pages)."""
    import pypdfium2

    _path, document, manuscript = demo_editions["print"]
    blanks = blank_pages(document)
    assert blanks, "right-hand openers make at least one blank page in the demo book"
    notes = str(manuscript.config.words["notes"]).upper()
    for edition in ("screen", "print"):
        path = demo_editions[edition][0]
        reader = pypdf.PdfReader(str(path))
        pdf = pypdfium2.PdfDocument(str(path))
        for index in blanks:
            assert (reader.pages[index].extract_text() or "").split() == [notes], f"page {index + 1}"
            _, lines = next((i, ls) for i, ls in page_boxes(document) if i == index)
            assert lines == [], f"page {index + 1} holds text"
            image = pdf[index].render(scale=72 / 72 * 2).to_pil().convert("L")
            width, height = image.size
            pixels = image.load()
            ruled = [y for y in range(height) if sum(1 for x in range(0, width, 4) if 130 < pixels[x, y] < 200) > width / 4 * 0.5]
            rows = [y for i, y in enumerate(ruled) if i == 0 or y - ruled[i - 1] > 2]
            assert len(rows) >= int(geometry(210, 297).content_height // LINE_PITCH_MM) - 1, (edition, index, len(rows))
            pitches = {round((b - a) / 2 * 25.4 / 72, 0) for a, b in zip(rows, rows[1:], strict=False)}  # neighbours
            assert pitches <= {8.0, 9.0}, pitches  # 8.68 mm (8.5 mm and its rule), at 2 px a pt
        pdf.close()


@pytest.mark.build
def test_no_heading_ends_a_page(demo_editions):
    """The last line of text on a page is never a heading or a FAQ question (the prompt question
    may be: its lines have no text; test_no_question_ends_a_page_without_its_lines covers them)."""
    checked = 0
    for edition, (_path, document, _m) in demo_editions.items():
        for index, lines in page_boxes(document):
            if lines:
                tag, classes = lines[-1]
                assert tag not in ("h1", "h2", "h3", "h4", "dt"), f"{edition} page {index + 1} ends with a {tag} {classes}"
                checked += 1
    assert checked > 40


@pytest.mark.build
@pytest.mark.parametrize("edition", ["screen", "print"])
def test_no_question_ends_a_page_without_its_lines(demo_editions, edition):
    path, _document, manuscript = demo_editions[edition]
    notes = str(manuscript.config.words["notes"]).upper()
    questions = [p.text for p in manuscript.prompts]
    counts = writing_lines_per_prompt(path, questions, notes)
    for prompt, count in zip(manuscript.prompts, counts, strict=True):
        assert count == prompt.lines or (prompt.fill_page and count > prompt.lines), (prompt.id, count)
    assert orphaned_lines(path, questions, notes) == 0


@pytest.mark.build
@pytest.mark.parametrize("edition", ["screen", "print"])
def test_toc_numbers_match_start_pages(demo_editions, edition):
    path, _document, manuscript = demo_editions[edition]
    pages = pdf_pages_text(path)
    _, printed = toc_entries(path, manuscript)
    actual = {title: footer_number(pages[i]) for title, i in chapter_start_pages(path, manuscript).items()}
    assert actual == printed
    assert list(actual.values())[0] == "1"


@pytest.mark.build
def test_fill_prompts_and_notes_pages_fill_their_page(demo_editions):
    for edition, (path, document, manuscript) in demo_editions.items():
        ids = fill_targets(manuscript)
        assert any(i.startswith("notes-") for i in ids) and any(not i.startswith("notes-") for i in ids)
        pitch = geometry(210, 297).line_pitch_px
        assert free_lines(document, ids, pitch) == {i: 0 for i in ids}, edition
        assert all(sum(1 for page in document.pages if i in page.anchors) == 1 for i in ids), edition
        notes_pages = [i for i, page in enumerate(document.pages) if any(a.startswith("notes-") for a in page.anchors)]
        notes = [n for i, n in enumerate(ruled_lines_below(path, str(manuscript.config.words["notes"]).upper(), pages=True))
                 if i in notes_pages]
        assert len(notes) == len(manuscript.chapters) == len(notes_pages)
        usable = geometry(210, 297).content_height - 15  # the title takes ~10 mm
        assert all(n >= int(usable // LINE_PITCH_MM) - 1 for n in notes), notes


def _trim_offsets(path) -> list[tuple[float, float]]:
    """Per page: (left, top) distance in pt from the MediaBox edges to the TrimBox edges (the bleed)."""
    return [(float(p.trimbox[0]) - float(p.mediabox[0]), float(p.mediabox[3]) - float(p.trimbox[3]))
            for p in pypdf.PdfReader(str(path)).pages]


def _band_text(path, top_mm: float, bottom_mm: float) -> list[str]:
    """Per page: the text between top_mm and bottom_mm below the trim's top edge."""
    import pdfplumber

    found = []
    with pdfplumber.open(str(path)) as pdf:
        for page, (_left, top) in zip(pdf.pages, _trim_offsets(path), strict=True):
            x0, y0, x1, _y1 = page.bbox  # pdfplumber keeps the PDF's x and shifts "top" by the MediaBox
            band = page.within_bbox((x0, y0 + top + top_mm * MM, x1, y0 + top + bottom_mm * MM))
            found.append(" ".join((band.extract_text() or "").split()))
    return found


def _folio_x(path, index: int) -> float:
    """Where the page's folio (its lowest number) stands, as a fraction of the trim width."""
    import pdfplumber

    left, _top = _trim_offsets(path)[index]
    with pdfplumber.open(str(path)) as pdf:
        page = pdf.pages[index]
        words = [w for w in page.extract_words() if w["text"].isdigit()]
        lowest = max(words, key=lambda w: w["bottom"])
        return (lowest["x0"] - page.bbox[0] - left) / (page.width - 2 * left)


@pytest.mark.build
def test_fill_blocks_stay_on_one_page_at_a_small_trim_size():
    from workbook.layout.editions import whole_document
    from workbook.layout.session import BuildSession

    session = BuildSession.start(workbook.load_book(ROOTS / "typo", page_size="6x9in"))
    document = whole_document(session)
    ids = fill_targets(session.manuscript)
    assert len(ids) == 3
    assert free_lines(document, ids, session.renderer.geometry().line_pitch_px) == {i: 0 for i in ids}
    assert all(sum(1 for page in document.pages if i in page.anchors) == 1 for i in ids)


@pytest.mark.build
def test_running_heads_and_folios(demo_editions):
    path, document, manuscript = demo_editions["print"]
    pages = pdf_pages_text(path)
    title = manuscript.config.settings.title
    chapter_titles = {c.title for c in manuscript.chapters}
    starts = set(chapter_start_pages(path, manuscript).values())
    first = min(starts)
    blanks = set(blank_pages(document))
    heads = _band_text(path, 0, geometry(210, 297).top - 1)
    notes = str(manuscript.config.words["notes"]).upper()
    for index in range(len(pages)):
        if index in blanks:
            assert heads[index] == notes, (index, heads[index])  # a notes page before a chapter: its title
        elif index < first:
            assert heads[index] == "", (index, heads[index])  # front matter: no heads
        elif index in starts:
            assert heads[index] == "", (index, heads[index])  # chapter openers: no running head
        elif index % 2 == 1:  # a left-hand page: the book title
            assert heads[index] == title, (index, heads[index])
        else:
            assert heads[index] in chapter_titles, (index, heads[index])
        if index >= first and index not in blanks:
            assert re.fullmatch(r"\d+", footer_number(pages[index]))
    # folios at the outer edge: right-hand pages at the right, left-hand pages at the left
    assert _folio_x(path, first) > 0.5 and _folio_x(path, first + 1) < 0.5


@pytest.mark.build
def test_front_matter(demo_editions):
    path, _document, manuscript = demo_editions["print"]
    pages = pdf_pages_text(path)
    settings = manuscript.config.settings
    assert pages[0].strip() == settings.title  # half title
    assert pages[1].split() == str(manuscript.config.words["owner"]).upper().split()  # whose workbook this is
    assert pages[2].startswith(settings.title) and settings.subtitle in pages[2]
    colophon = normalise(pages[3])
    for needed in (f"ISBN {settings.isbn}", settings.edition, normalise(settings.rights), settings.date.isoformat()):
        assert needed in colophon
    toc_index, _ = toc_entries(path, manuscript)
    assert toc_index % 2 == 0 and footer_number(pages[toc_index]) == "v"
    how = next(i for i, t in enumerate(pages)  # the title's last two words: a no-break space
               if t.replace("\u00a0", " ").startswith("Zo gebruik je dit werkboek"))
    assert how == toc_index + 1 and re.fullmatch(r"[ivx]+", footer_number(pages[how]))  # on the contents' back
    listed = re.search(r"Zo gebruik je dit werkboek[ .]*?([ivx]+)\s*$", pages[toc_index], re.M)
    assert listed and listed[1] == footer_number(pages[how]), "the contents list the how-to page by its roman folio"


@pytest.mark.build
def test_further_reading_gets_qr_codes_and_short_urls_and_stays_live(demo_editions):
    """Both editions show the same pages: QR codes and short addresses for readers on paper; the reader's
    PDF keeps its links live, the print PDF has no link annotations."""
    screen, _d, manuscript = demo_editions["screen"]
    printed, _d, _m = demo_editions["print"]
    urls = sorted(set(re.findall(r'<ul[^>]*class="further-reading"[^>]*>.*?</ul>|<p[^>]*class="cta"[^>]*>.*?</p>',
                                 " ".join(c.html for c in manuscript.chapters), re.S)))
    links = sorted(set(re.findall(r'href="(https?://[^"]+)"', " ".join(urls))))
    assert len(links) >= 5
    print_text = normalise(" ".join(pdf_pages_text(printed)))
    screen_text = normalise(" ".join(pdf_pages_text(screen)))
    for url in links:
        assert short_url(url) in print_text and short_url(url) in screen_text
    uris = {a.get_object()["/A"].get("/URI") for page in pypdf.PdfReader(str(screen)).pages
            for a in page.get("/Annots", []) if a.get_object().get("/A")}
    assert set(links) <= uris  # the screen PDF keeps live links
    assert not any(page.get("/Annots") for page in pypdf.PdfReader(str(printed)).pages)


def test_print_links_html():
    html = ('<ul class="further-reading"><li><a href="https://www.example.org/a/">A</a> — x</li></ul>'
            '<p class="cta"><a href="https://example.org/b?c=1&amp;d=2">B</a></p><p><a href="https://e.org">e</a></p>')
    out = print_links(html)
    assert out.count('<img class="qr"') == 2 and "example.org/a<" in out and "example.org/b?c=1&amp;d=2" in out
    assert out.endswith('<p><a href="https://e.org">e</a></p>')


def test_dutch_typography():
    assert refine_text("er ‘s avonds", "nl") == "er ’s avonds"
    assert refine_text("10 minuten — dat", "nl") == "10\u00a0minuten\u00a0— dat"
    assert refine_text("€ 5", "nl") == "€\u00a05"
    assert refine_text("« oui » ?", "fr") == "«\u00a0oui\u00a0»\u00a0?"


@pytest.mark.build
def test_no_notdef_glyphs_for_dutch_text(typo_build):
    result, manuscript = typo_build
    assert not [w for w in result.warnings if "notdef" in w.message]
    html = " ".join(c.html for c in manuscript.chapters)
    assert "’s avonds" in html and "“" in html and "—" in html and "–" in html and "ë" in html
    text = set(re.sub(r"<[^>]+>", "", html)) | set(manuscript.config.settings.title)
    for key, path in font_files().items():
        cmap = TTFont(path).getBestCmap()
        missing = sorted(c for c in text if c.strip() and ord(c) not in cmap and ord(c) > 0x7f)
        assert not missing, f"{key} lacks {missing}"


@pytest.mark.build
def test_notdef_is_reported(tmp_path, books):
    book = books("mini")
    chapter = next((book / "chapters").glob("01-*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nEen teken zonder glyph: \ue123.\n", encoding="utf-8")
    result = workbook.build(book, tmp_path / "out", ["pdf"])
    found = [w for w in result.warnings if "U+E123" in w.message]
    assert len(found) == 1 and found[0].file == chapter.relative_to(book).as_posix() and found[0].line is not None
    assert "no glyphs" in found[0].message and not [w for w in result.warnings if "notdef" in w.message]


def test_demo_glyph_coverage(demo_manuscript):
    text = set(re.sub(r"<[^>]+>", "", " ".join(c.html for c in demo_manuscript.chapters)))
    serif = TTFont(font_files()["serif-400-normal"]).getBestCmap()
    assert not sorted(c for c in text if c.strip() and ord(c) not in serif)


@pytest.mark.build
def test_preview_writes_pngs(tmp_path):
    from PIL import Image

    result = CliRunner().invoke(cli, ["preview", str(ROOTS / "mini"), "--edition", "print", "--pages", "1-2",
                                      "-o", str(tmp_path), "--page-size", "A5"])
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.png"))
    assert [f.name for f in files] == ["small-steps-print-p001.png", "small-steps-print-p002.png"]
    width, height = Image.open(files[0]).size
    assert height / width == pytest.approx((210 + 6.4) / (148 + 6.4), abs=0.01)
    bad = CliRunner().invoke(cli, ["preview", str(ROOTS / "mini"), "--pages", "4-2", "-o", str(tmp_path)])
    assert bad.exit_code == 2
    bad = CliRunner().invoke(cli, ["build", str(ROOTS / "mini"), "--page-size", "B5", "-o", str(tmp_path)])
    assert bad.exit_code == 2


def _diagnostics(book) -> list[str]:
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.load_book(book)
    return [str(d) for d in caught.value.diagnostics]


def test_bad_isbn_and_missing_how_to_use_are_reported(books):
    book = books("mini")
    config = book / "book.yaml"
    original = config.read_text(encoding="utf-8")
    lines = original.count("\n")
    config.write_text(original + "isbn: 978-90-12345-67-4\n", encoding="utf-8")
    assert any(m.startswith(f"book.yaml:{lines + 1}: error: isbn: not a valid ISBN") for m in _diagnostics(book))
    config.write_text(original + "isbn: 978-90-12345-67-5\nhow_to_use: nowhere.md\n", encoding="utf-8")
    messages = _diagnostics(book)
    assert any(m.startswith(f"book.yaml:{lines + 2}: error: how_to_use: file nowhere.md does not exist") for m in messages), messages


@pytest.mark.build
def test_both_editions_draw_the_same_pages(demo_editions):
    """One layout: every page but the first (the reader's cover, the printer's half-title) renders to
    the same pixels in the reader's PDF and inside the trim of the print PDF (its bleed and crop marks
    lie outside the trim); the print PDF's pages are the trim grown by the bleed."""
    import io

    import pikepdf
    import pypdfium2

    bleed = 3.2 * MM
    with pikepdf.open(demo_editions["print"][0]) as pdf:  # the print pages seen through their trim
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.TrimBox)
            assert [float(v) for v in page.MediaBox] == pytest.approx([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
            page.MediaBox = page.TrimBox
        trimmed = io.BytesIO()
        pdf.save(trimmed)
    screen = pypdfium2.PdfDocument(str(demo_editions["screen"][0]))
    printed = pypdfium2.PdfDocument(trimmed.getvalue())
    try:
        assert len(screen) == len(printed)
        for index in range(1, len(screen)):
            a = screen[index].render(scale=1.5).to_pil().convert("RGB")
            b = printed[index].render(scale=1.5).to_pil().convert("RGB")
            assert a.size == b.size and a.tobytes() == b.tobytes(), f"page {index + 1} differs"
    finally:
        screen.close()
        printed.close()


@pytest.mark.build
def test_crop_marks_lie_in_the_bleed_outside_the_trim(demo_editions):
    """The print PDF's crop marks: eight strokes per page in the registration colour, every point of
    them outside the trim and inside the bleed (never on the page itself)."""
    import pikepdf

    with pikepdf.open(demo_editions["print"][0]) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            x0, y0, x1, y1 = (float(v) for v in page.TrimBox)
            m0, n0, m1, n1 = (float(v) for v in page.MediaBox)
            contents = page.Contents if isinstance(page.Contents, pikepdf.Array) else [page.Contents]
            marks = pikepdf.parse_content_stream(contents[-1])
            points = [(float(ops[0]), float(ops[1])) for ops, op in marks if str(op) in ("m", "l")]
            assert len(points) == 16 and any(str(op) == "CS" for _ops, op in marks), number
            for x, y in points:
                assert m0 <= x <= m1 and n0 <= y <= n1, (number, x, y)
                assert not (x0 < x < x1 and y0 < y < y1), (number, x, y)
            strokes = [points[i:i + 2] for i in range(0, 16, 2)]
            assert all((a[0] == b[0]) != (a[1] == b[1]) for a, b in strokes)  # straight, horizontal or vertical
