"""Page counts in, where each part starts out: chapters on right-hand pages, folios counted from the first chapter, roman front matter."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from workbook.layout.parts import CHAPTER, Part, PartResult, Start
from workbook.layout.scheduler import Edition
from workbook.layout.session import LaidOut


def edition(chapters: int) -> Edition:
    """An edition of the front matter and `chapters` chapters (anchors chapter-1, chapter-2, …), none laid out."""
    parts = [Part("book", 0, None, "", "", "front", set(), [], 0)]
    parts += [Part("book", index, SimpleNamespace(anchor=f"chapter-{index}"), "", "", f"chapter-{index}", set(), [], 0)
              for index in range(1, chapters + 1)]
    return Edition("book", "pdf", parts, [{} for _ in parts])


def result(pages: int, start: Start = CHAPTER, labels: list[str | None] | None = None,
           anchors: dict[str, int] | None = None) -> PartResult:
    """A laid-out part: a chapter laid out at CHAPTER prints 1, 2, … unless told otherwise."""
    return PartResult(start, pages, anchors or {}, labels if labels is not None else [str(n) for n in range(1, pages + 1)], {})


# -- starts(counts): every chapter's first folio, on a right-hand page ---------------------------------------

@pytest.mark.parametrize("counts, folios", [
    ([4, 6], [1, 1]),  # one chapter: it prints 1, however long the front matter
    ([5, 6], [1, 1]),  # front matter of odd length: still 1 (a blank page goes before it, see blank_before)
    ([3, 4, 2, 6], [1, 1, 5, 7]),  # even counts: each chapter follows the one before on its next page
    ([3, 3, 5, 1], [1, 1, 5, 11]),  # odd counts: a blank page after each, counted in the folios (1+3+1, 5+5+1)
    ([2, 3, 4, 1, 1], [1, 1, 5, 9, 11]),  # mixed: 1-3 blank 5-8 | 9 blank | 11
])
def test_chapters_start_on_odd_folios_counted_from_the_first_chapter(counts, folios):
    starts = edition(len(counts) - 1).starts(counts)
    assert starts == [Start(folio, True) for folio in folios]


def test_the_front_matter_starts_the_book_and_its_length_moves_no_chapter():
    book = edition(3)
    assert book.starts([1, 3, 2, 2])[0] == Start()
    assert book.starts([1, 3, 2, 2]) == book.starts([8, 3, 2, 2]) == book.starts([None, 3, 2, 2])


def test_a_chapter_after_an_unknown_count_has_no_start_yet():
    book = edition(4)
    assert book.starts([3, 5, None, 2, 4]) == [Start(), Start(1), Start(7), None, None]
    assert book.starts([3, 5, 2, 2, None]) == [Start(), Start(1), Start(7), Start(9), Start(11)]  # the last one's count moves nothing


def test_a_notes_page_counts_with_its_chapter():
    """A chapter's part holds its notes page: 3 pages of text and 1 notes page are 4, so no blank page follows."""
    book = edition(2)
    assert book.starts([2, 3 + 1, 5]) == [Start(), Start(1), Start(5)]
    assert book.starts([2, 3, 5]) == [Start(), Start(1), Start(5)]  # without it, a blank page takes its place
    assert book.blank_before([2, 3 + 1, 5]) == [False, False, False]
    assert book.blank_before([2, 3, 5]) == [False, False, True]


# -- blank_before(counts): the blank left-hand pages of the joined book ---------------------------------------

@pytest.mark.parametrize("counts, blanks", [
    ([4, 6], [False, False]),  # one chapter after an even front matter
    ([5, 6], [False, True]),  # front matter of odd length: a blank page before the first chapter
    ([1, 1], [False, True]),
    ([3, 4, 2, 6], [False, True, False, False]),
    ([4, 3, 5, 1], [False, False, True, True]),
    ([2, 3, 4, 1, 1], [False, False, True, False, True]),
])
def test_a_blank_page_goes_before_a_chapter_that_would_open_on_a_left_hand_page(counts, blanks):
    assert edition(len(counts) - 1).blank_before(counts) == blanks


@pytest.mark.parametrize("counts", [[1, 1], [2, 1, 1, 1], [5, 2, 3, 4, 7], [4, 1, 2, 1, 2, 1], [3, 3, 3, 3]])
def test_starts_and_blanks_agree_on_the_joined_pages(counts):
    """Joined with its blank pages, every chapter's first page is a right-hand one (an odd page number) and
    prints its start's folio: the page's place counted from the first chapter's first page, which prints 1."""
    book = edition(len(counts) - 1)
    starts, blanks = book.starts(counts), book.blank_before(counts)
    first_pages, page = [], counts[0]  # pages so far, the front matter's first
    for index in range(1, len(counts)):
        page += blanks[index]
        first_pages.append(page + 1)  # 1-based page number of the chapter's first page
        page += counts[index]
    assert all(number % 2 == 1 for number in first_pages)
    assert [start.folio for start in starts[1:]] == [number - first_pages[0] + 1 for number in first_pages]


# -- as the parts come in ----------------------------------------------------------------------------------

def test_exact_starts_follow_the_parts_as_they_are_laid_out():
    book = edition(3)
    assert book.exact_start(0) == Start() and book.exact_start(1) == Start(1)
    assert book.exact_start(2) is None and book.toc() is None
    book.add(2, result(4))  # the second chapter first: the third's start still waits for the first
    assert book.exact_start(3) is None
    book.add(1, result(3))
    assert book.counts() == [None, 3, 4, None]
    assert [book.exact_start(i) for i in range(4)] == [Start(), Start(1), Start(5), Start(9)]


def test_the_contents_numbers_need_every_chapter_but_the_last():
    book = edition(3)
    book.add(1, result(3))
    assert book.toc() is None
    book.add(2, result(5))
    assert book.toc() == {"chapter-1": "1", "chapter-2": "5", "chapter-3": "11"}
    book.add(0, result(4, Start(), ["i", "ii", "iii", "iv"]))
    book.add(3, result(2))
    assert book.toc() == {"chapter-1": "1", "chapter-2": "5", "chapter-3": "11"}


# -- the joined book's page labels ---------------------------------------------------------------------------

def test_joined_labels_keep_the_roman_front_matter_and_shift_each_chapters_folios():
    """Front matter (cover without a folio, then roman), a blank page, chapter 1 (3 pages), a blank page,
    chapter 2 (2 pages, from folio 5): the labels and anchors the joined edition has."""
    counts = [3, 3, 2]
    book = edition(2)
    results = [result(3, Start(), [None, "ii", "iii"], {"contents": 1}),
               result(3, anchors={"chapter-1": 0, "chapter-2": 1, "one-1": 2}),  # chapter-2: a link's stand-in
               result(2, anchors={"chapter-2": 0})]
    laid_out = LaidOut("pdf", results, book.starts(counts), book.blank_before(counts),
                       [set(), {"chapter-2"}, set()], None)
    anchors, labels = laid_out.pages()
    assert labels == [None, "ii", "iii", None, "1", "2", "3", None, "5", "6"]
    assert anchors == {"contents": 1, "chapter-1": 4, "one-1": 6, "chapter-2": 8}
