"""Where fill blocks landed on their pages in, writing lines that still fit (free_lines); a filled page against a layout of its lines."""
from __future__ import annotations

from dataclasses import dataclass, field

import pypdfium2
import pytest

import workbook
from helpers import chapter
from workbook.layout.fill import fill_page_feet, fill_targets, free_lines, lay_out_filled
from workbook.layout.session import BuildSession

PITCH = 20.0  # px between writing lines
TOP, HEIGHT = 50.0, 700.0  # the page's content box: its foot is at 750


@dataclass
class Box:
    """What free_lines reads of a WeasyPrint page box: where its content starts and how high it is."""

    top: float = TOP
    height: float = HEIGHT

    def content_box_y(self) -> float:
        return self.top


@dataclass
class Page:
    """A laid-out page: id -> (left, top, right, bottom) of the part of that block on this page."""

    anchors: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    _page_box: Box = field(default_factory=Box)


@dataclass
class Document:
    pages: list[Page]


def block(top: float, bottom: float) -> tuple[float, float, float, float]:
    return (60.0, top, 540.0, bottom)


# -- free_lines ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bottom, lines", [
    (600.0, 7),  # 150 px free: 7 lines (7.5 rounds down, a line that does not fit is not added)
    (611.0, 6),  # 139 px: 6 (6.95 rounds down)
    (610.4, 7),  # 139.6 px: 7 (half a pixel short of a line still takes it)
    (730.0, 1),
    (731.0, 0),  # 19 px: no line fits
    (750.0, 0),  # ends at the foot
    (770.0, 0),  # ends below it (a block is never given fewer than none)
])
def test_a_block_ending_mid_page_gets_the_lines_that_fit_under_it(bottom, lines):
    document = Document([Page({"prompt": block(300.0, bottom)})])
    assert free_lines(document, ["prompt"], PITCH) == {"prompt": lines}


def test_the_foot_is_each_pages_own():
    first = Page({"a": block(300.0, 600.0)}, Box(top=100.0, height=600.0))  # foot at 700: 5 lines
    second = Page({"b": block(100.0, 600.0)}, Box(top=50.0, height=800.0))  # foot at 850: 12 lines
    assert free_lines(Document([first, second]), ["a", "b"], PITCH) == {"a": 5, "b": 12}


def test_each_block_on_a_page_is_measured_for_itself():
    page = Page({"one-1": block(100.0, 300.0), "notes-one": block(320.0, 690.0)})
    assert free_lines(Document([page]), ["one-1", "notes-one"], PITCH) == {"one-1": 22, "notes-one": 3}


def test_a_block_spilling_onto_the_next_page_gives_back_what_spilled():
    """Its part on the next page is 59 px high: less half a pixel, 2.925 lines; 3 (rounded up) taken back."""
    document = Document([Page({"notes-one": block(400.0, 750.0)}), Page({"notes-one": block(50.0, 109.0)})])
    assert free_lines(document, ["notes-one"], PITCH) == {"notes-one": -3}


def test_a_spill_less_than_half_a_pixel_over_whole_lines_takes_back_no_more():
    document = Document([Page({"p": block(400.0, 750.0)}), Page({"p": block(50.0, 70.4)})])
    assert free_lines(document, ["p"], PITCH) == {"p": -1}


def test_a_block_over_three_pages_gives_back_both_spills_and_keeps_no_free_space():
    document = Document([Page({"p": block(700.0, 745.0)}),  # 5 px free under it on its first page: no line
                         Page({"p": block(50.0, 750.0)}),  # 700 px: 35 lines
                         Page({"p": block(50.0, 90.0)})])  # 40 px: 2 lines
    assert free_lines(document, ["p"], PITCH) == {"p": -37}


def test_free_space_on_the_first_page_is_not_kept_when_the_block_spills():
    """The block starts with room under it yet runs on (the page broke inside it): only the spill counts."""
    document = Document([Page({"p": block(600.0, 690.0)}), Page({"p": block(50.0, 110.0)})])
    assert free_lines(document, ["p"], PITCH) == {"p": -3}


def test_ids_not_asked_for_or_not_laid_out_are_left_out():
    document = Document([Page({"other": block(100.0, 200.0)}), Page({"p": block(100.0, 700.0)})])
    assert free_lines(document, ["p", "missing"], PITCH) == {"p": 2}
    assert free_lines(document, [], PITCH) == {}


# -- filling a laid-out page draws what laying those lines out draws --------------------------------------------

LINE = '<div class="line"></div>'


def with_lines(html: str, extra: dict[str, int]) -> str:
    """The HTML with `extra[id]` more writing lines in the block with that id (after its first line)."""
    for ident, count in extra.items():
        at = html.find(f'id="{ident}"')
        line = html.find(LINE, at)
        assert at >= 0 and line >= 0, ident
        html = html[:line] + LINE * count + html[line:]
    return html


def pixels(pdf: bytes) -> list[bytes]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=1.5).to_pil().tobytes() for page in document]
    finally:
        document.close()


@pytest.mark.build
@pytest.mark.parametrize("root, page_size", [("typo", "6x9in"), ("typo", "A4"), ("linked", "A5")])
def test_lines_added_to_the_laid_out_page_draw_what_laying_them_out_draws(books, root, page_size):
    session = BuildSession.start(workbook.load_book(books(root), page_size=page_size))
    html, ids = session.renderer.pdf_html(), fill_targets(session.manuscript)
    filled, extra = lay_out_filled(session.typesetter, html, ids)
    assert ids and extra and set(extra) <= set(ids)
    reference = session.typesetter.document(with_lines(html, extra))
    assert free_lines(reference, ids, session.renderer.geometry().line_pitch_px) == {i: 0 for i in ids}
    fill_page_feet(reference)  # the page-foot lines (before a prompt that moved over) on both, as the layout adds them
    assert len(filled.pages) == len(reference.pages)
    for ours, theirs in zip(filled.pages, reference.pages, strict=True):
        assert ours.anchors.keys() == theirs.anchors.keys()
        for name, box in ours.anchors.items():
            assert box == pytest.approx(theirs.anchors[name], abs=1e-6), name
    assert pixels(session.typesetter.pdf(filled)) == pixels(session.typesetter.pdf(reference))


@pytest.mark.build
def test_a_block_that_runs_onto_a_further_page_keeps_its_own_lines(books):
    question = " ".join(["Wat zou je doen als niemand je zag, en wat houdt je nu tegen?"] * 60)
    book = books.write({"one.md": chapter(f"Text.\n\n💡 {question} {{fill=page}}")}, extra="page_size: 105mm 148mm\n")
    session = BuildSession.start(workbook.load_book(book))
    ids = fill_targets(session.manuscript)
    document, extra = lay_out_filled(session.typesetter, session.renderer.pdf_html(), ids)
    assert sum(1 for page in document.pages if ids[0] in page.anchors) > 1
    assert extra == {}
