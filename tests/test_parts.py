"""PDF editions laid out in parts over a pool of processes and joined: the same book, page for page, as
one render of the whole book; links, bookmarks, fonts and page labels intact; the part cache."""
from __future__ import annotations

import io
import shutil
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

import workbook
from helpers import BROKEN_ROOTS, REPO, ROOTS, page_pixels, single_and_joined
from workbook.cache.store import CACHE_NAME

pytestmark = pytest.mark.build
EDITIONS = ("screen", "print")


@pytest.fixture(scope="module", params=[("linked", "screen"), ("linked", "print"), ("book", "screen"),
                                        ("book", "print"), ("glyphs", "screen"), ("glyphs", "print")],
                ids=lambda p: "-".join(p))
def pair(request) -> tuple[bytes, bytes]:
    name, edition = request.param
    return single_and_joined(REPO / "book" if name == "book" else ROOTS / name, edition)


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _destinations(pdf: bytes) -> dict[str, int]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        return {str(name): pages[dest[0].objgen] for name, dest in pikepdf.NameTree(doc.Root.Names.Dests).items()}


def _links(pdf: bytes) -> list[list[str]]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [sorted(str(a.Dest) for a in page.obj.get("/Annots", []) if "/Dest" in a) for page in doc.pages]


def _outline(pdf: bytes) -> list[tuple[int, str, int]]:
    reader = PdfReader(io.BytesIO(pdf))
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item)))
    walk(reader.outline, 0)
    return found


def test_joined_edition_has_the_same_pages_and_text_as_one_render(pair):
    single, joined = pair
    assert len(PdfReader(io.BytesIO(joined)).pages) == len(PdfReader(io.BytesIO(single)).pages)
    assert _texts(joined) == _texts(single)


def test_links_land_where_one_render_puts_them(pair):
    single, joined = pair
    assert _links(joined) == _links(single)
    single_dests, joined_dests = _destinations(single), _destinations(joined)
    assert joined_dests == single_dests
    assert all(name in joined_dests for page in _links(joined) for name in page)


def test_bookmarks_are_those_of_one_render(pair):
    single, joined = pair
    assert _outline(joined) == _outline(single)


def test_one_font_subset_per_font_and_size_close_to_one_render(pair):
    single, joined = pair
    with pikepdf.open(io.BytesIO(joined)) as doc:
        programs = Counter(str(obj.FontName) for obj in doc.objects
                           if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor")
    assert programs and max(programs.values()) == 1, programs
    assert len(joined) <= 1.3 * len(single), (len(joined), len(single))


def test_page_boxes_and_metadata_match_one_render(pair):
    single, joined = pair
    a, b = PdfReader(io.BytesIO(single)), PdfReader(io.BytesIO(joined))
    for box in ("mediabox", "trimbox", "bleedbox"):
        assert [list(getattr(p, box)) for p in a.pages] == [list(getattr(p, box)) for p in b.pages]
    assert b.metadata.title == a.metadata.title and b.metadata.author == a.metadata.author
    assert b.trailer["/Root"]["/Lang"] == a.trailer["/Root"]["/Lang"]


def test_joined_pages_are_pixel_for_pixel_one_render(pair):
    """What is drawn, not what is read back: every page of the joined edition renders (pdfium, 108 dpi)
    to exactly the pixels of the same page of one render of the whole book."""
    single, joined = pair
    a, b = page_pixels(single), page_pixels(joined)
    assert len(a) == len(b)
    differ = [index + 1 for index, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    assert not differ, f"pages that render differently: {differ}"


def test_every_glyph_drawn_is_the_fonts_own(pair):
    """Every glyph id shown in the joined edition draws the original font's outline for the text its
    ToUnicode names (glyphcheck.py): a join that reads one part's glyph id in another fails here."""
    from glyphcheck import check_pdf

    for pdf in pair:
        report = check_pdf(pdf)
        assert report.glyphs > 50 and not report.problems, report.problems[:10]


def test_page_labels_follow_the_folios():
    _single, joined = single_and_joined(ROOTS / "linked", "print")
    reader = PdfReader(io.BytesIO(joined))
    labels = reader.page_labels
    texts = _texts(joined)
    assert labels[0] == "i"
    first = next(i for i, text in enumerate(texts) if text.strip().upper().startswith("CHAPTER 1"))
    assert labels[first] == "1" and labels[first - 1] != "1"
    assert labels[-1] == str(len(labels) - first)


def test_one_worker_and_two_give_the_same_pdf():
    _single, two = single_and_joined(ROOTS / "linked", "print", workers=2)
    _single, one = single_and_joined(ROOTS / "linked", "print", workers=1)
    assert one == two


def _build(book: Path, out: Path, formats=("pdf", "epub")) -> workbook.BuildResult:
    return workbook.build(book, out, list(formats))


@pytest.mark.parametrize("name", ["linked", "book"])
def test_a_cold_build_of_every_format_lays_each_part_out_once(name, tmp_path, books):
    """Reader's PDF, print PDF and EPUB page list from one layout: as many layouts as parts, none twice."""
    book = books(name)
    result = workbook.build(book, tmp_path / "dist", ["pdf", "print", "epub"])
    assert result.parts >= 4 and result.layouts == result.parts and result.cached == 0


def test_cache_relays_only_what_an_edit_touches(tmp_path, books):
    book = books("linked")
    out = tmp_path / "dist"
    cold = _build(book, out)
    pdf, epub = (out / "linked-steps.pdf").read_bytes(), (out / "linked-steps.epub").read_bytes()
    assert cold.parts == 4 and cold.cached == 0  # front + 3 chapters, laid out once for every edition
    warm = _build(book, out)
    assert (warm.layouts, warm.cached) == (0, 4)
    assert (out / "linked-steps.pdf").read_bytes() == pdf and (out / "linked-steps.epub").read_bytes() == epub
    chapter = book / "chapters" / "03-end.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("outlast", "outlive"), encoding="utf-8")
    edited = _build(book, out)
    assert edited.layouts == 1, "only the edited chapter, once for every edition"
    assert "outlive" in PdfReader(out / "linked-steps.pdf").pages[-2].extract_text() + \
        PdfReader(out / "linked-steps.pdf").pages[-3].extract_text()
    fresh = tmp_path / "fresh"
    shutil.copytree(book, fresh)
    _build(fresh, tmp_path / "fresh-dist")
    assert (tmp_path / "fresh-dist" / "linked-steps.pdf").read_bytes() == (out / "linked-steps.pdf").read_bytes()


def test_an_edit_that_moves_later_chapters_relays_them(tmp_path, books):
    book = books("linked")
    out = tmp_path / "dist"
    _build(book, out, ["pdf"])
    chapter = book / "chapters" / "01-begin.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n## More\n\n" + "A longer chapter now. " * 400,
                       encoding="utf-8")
    edited = _build(book, out, ["pdf"])
    assert edited.layouts == 2  # the chapter and the contents: the later chapters' folios are stamped, not laid out
    single, _joined = single_and_joined(book, "screen")
    assert _texts((out / "linked-steps.pdf").read_bytes()) == _texts(single)


def test_corrupt_part_entries_are_laid_out_again(tmp_path, books):
    book = books("linked")
    out = tmp_path / "dist"
    _build(book, out, ["pdf", "epub"])
    pdf, epub = (out / "linked-steps.pdf").read_bytes(), (out / "linked-steps.epub").read_bytes()
    cache = tmp_path / CACHE_NAME
    entries = [p for kind in ("parts", "pages") for p in (cache / kind).iterdir()]
    assert entries
    for index, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes([b"", data[:len(data) // 2], b"\0\0\0\x05{}{}{", data.replace(b"%%EOF", b"%%EOX")][index % 4])
    again = _build(book, out, ["pdf", "epub"])
    assert again.layouts > 0
    assert (out / "linked-steps.pdf").read_bytes() == pdf and (out / "linked-steps.epub").read_bytes() == epub


def test_a_book_with_its_own_pdf_template_is_laid_out_whole(tmp_path, books):
    from workbook.files.assets import project_dir

    book = books("linked")
    (book / "layouts").mkdir()
    shutil.copy(project_dir("layouts") / "pdf.html", book / "layouts" / "pdf.html")
    result = _build(book, tmp_path / "dist", ["pdf"])
    assert result.parts == 0
    assert len(PdfReader(tmp_path / "dist" / "linked-steps.pdf").pages) > 5


def test_a_book_joined_in_runs_is_the_same(monkeypatch):
    """Long books are joined CHUNK parts at a time, then the runs: the same pages, links and bookmarks."""
    import workbook.layout.join

    single, joined = single_and_joined(ROOTS / "linked", "print")
    monkeypatch.setattr(workbook.layout.join, "CHUNK", 2)
    _single, in_runs = single_and_joined(ROOTS / "linked", "print")
    assert _texts(in_runs) == _texts(single)
    assert _links(in_runs) == _links(single) and _destinations(in_runs) == _destinations(single)
    assert _outline(in_runs) == _outline(single)
    assert PdfReader(io.BytesIO(in_runs)).page_labels == PdfReader(io.BytesIO(joined)).page_labels
    assert len(in_runs) <= 1.3 * len(single)


def test_joined_runs_come_from_the_cache_and_a_corrupt_run_is_joined_again(tmp_path, monkeypatch, books):
    import workbook.layout.join

    monkeypatch.setattr(workbook.layout.join, "CHUNK", 2)
    book = books("linked")
    out = tmp_path / "dist"
    _build(book, out, ["print"])
    first = (out / "linked-steps-print.pdf").read_bytes()
    runs = sorted((tmp_path / CACHE_NAME / "runs").iterdir())
    assert len(runs) == 2
    runs[0].write_bytes(runs[0].read_bytes()[:-200] + b"%%EOF\n")  # cut short, yet it looks whole
    runs[1].write_bytes(b"not a PDF")
    _build(book, out, ["print"])
    assert (out / "linked-steps-print.pdf").read_bytes() == first
    assert _texts(first) == _texts(single_and_joined(book, "print")[0])


def test_every_word_sits_where_one_render_puts_it(pair):
    """Positions, not just text: a part laid out on the wrong side would move margins, folios and heads."""
    import pdfplumber

    def words(pdf: bytes) -> list[list[tuple]]:
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            return [[(w["text"], round(w["x0"], 1), round(w["top"], 1)) for w in page.extract_words()]
                    for page in doc.pages]

    single, joined = pair
    assert words(joined) == words(single)


def test_fresh_workers_after_their_share_of_parts_give_the_same_pdf(monkeypatch):
    import workbook.layout.scheduler

    _single, joined = single_and_joined(ROOTS / "linked", "print")
    monkeypatch.setattr(workbook.layout.scheduler, "PARTS_PER_WORKER", 1)
    _single, recycled = single_and_joined(ROOTS / "linked", "print")
    assert recycled == joined


OTHER_BOOKS = sorted(p.name for p in ROOTS.iterdir() if (p / "book.yaml").is_file() and p.name not in BROKEN_ROOTS
                     and p.name not in ("linked", "glyphs"))


@pytest.mark.parametrize("name", OTHER_BOOKS)
def test_every_test_book_joined_is_pixel_for_pixel_one_render(name):
    """The pixel test on every other book of tests/roots/ (the pair tests above cover the demo, linked
    and glyphs in both editions): the reader's PDF from parts renders as the one from one render."""
    single, joined = single_and_joined(ROOTS / name, "screen")
    a, b = page_pixels(single), page_pixels(joined)
    assert len(a) == len(b)
    differ = [index + 1 for index, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    assert not differ, f"pages that render differently: {differ}"


def test_folios_laid_out_a_few_pages_at_a_time_are_the_same(monkeypatch):
    """A long book's folios are laid out FOLIO_CHUNK pages a document (both sides, any folio): with
    chunks of 3 pages every page still renders as one render of the whole book."""
    from workbook.layout import editions, singles

    monkeypatch.setattr(singles, "FOLIO_CHUNK", 3)
    monkeypatch.setattr(editions, "FOLIO_CHUNK", 3)
    single, joined = single_and_joined(ROOTS / "linked", "print")
    a, b = page_pixels(single), page_pixels(joined)
    assert len(a) == len(b) and len(a) > 8
    assert [i + 1 for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y] == []


@pytest.mark.slow
@pytest.mark.build
def test_the_workers_lay_out_the_folios_and_the_blank_page_while_the_last_parts_are_laid_out(monkeypatch, books):
    """With a pool, the folio documents and the blank notes page are laid out by workers that would
    otherwise wait (singles.py): the join lays none of them out, and the book is the same as in one process."""
    from workbook.layout import editions, singles
    from workbook.layout.session import BuildSession

    monkeypatch.setattr(singles, "FOLIO_CHUNK", 4)
    monkeypatch.setattr(editions, "FOLIO_CHUNK", 4)
    book = books("linked")
    session = BuildSession.start(workbook.load_book(book), jobs=2)
    editions.lay_out(session, "pdf")
    chunks = singles.folio_chunks(session.renderer, singles.folio_count([r.pages for r in session.laid_out.results[1:]]))
    assert len(chunks) > 2 and any(session.laid_out.blanks)
    wanted = {singles.single_key("folios", html) for html in chunks}
    wanted.add(singles.single_key("blank-page", singles.blank_html(session.renderer)))
    assert set(session.singles) == wanted
    made_here = []
    monkeypatch.setattr(editions, "lay_out_single", lambda *args: made_here.append(args) or singles.lay_out_single(*args))
    pooled = editions.edition_pdf(session, "print")
    assert made_here == []
    alone = editions.edition_pdf(BuildSession.start(workbook.load_book(book), jobs=1), "print")
    assert page_pixels(pooled) == page_pixels(alone)
