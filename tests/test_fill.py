"""Where fill blocks landed on their pages in, writing lines to add or take back out (free_lines); HTML with them added (add_lines)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from workbook.layout.fill import add_lines, free_lines

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


# -- add_lines -------------------------------------------------------------------------------------------------

LINE = '<div class="line"></div>'


def prompt(ident: str, lines: int) -> str:
    return f'<div class="prompt" id="{ident}"><p>Why?</p>{LINE * lines}</div>'


def test_lines_go_into_the_block_with_that_id_only():
    html = prompt("one-1", 2) + prompt("one-2", 1) + prompt("one-3", 3)
    assert add_lines(html, {"one-2": 4}) == prompt("one-1", 2) + prompt("one-2", 5) + prompt("one-3", 3)


def test_an_id_that_begins_another_is_not_mistaken_for_it():
    html = prompt("one-10", 1) + prompt("one-1", 1)
    assert add_lines(html, {"one-1": 2}) == prompt("one-10", 1) + prompt("one-1", 3)


def test_lines_for_several_blocks_at_once():
    html = "<h1>One</h1>" + prompt("one-1", 1) + "<p>Text.</p>" + prompt("notes-one", 1)
    assert add_lines(html, {"notes-one": 30, "one-1": 2}) == (
        "<h1>One</h1>" + prompt("one-1", 3) + "<p>Text.</p>" + prompt("notes-one", 31))


@pytest.mark.parametrize("extra", [{"one-1": 0}, {"one-1": -2}, {"gone": 3}, {}])
def test_no_lines_none_taken_and_unknown_ids_leave_the_html_as_it_is(extra):
    html = prompt("one-1", 2)
    assert add_lines(html, extra) == html
