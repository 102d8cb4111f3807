"""The reader's PDF, checked by structure: prompt text and order, ruled lines, TOC, outline, fonts, metadata."""
from __future__ import annotations

import re

import pypdf
import pytest

from conftest import output
from helpers import find_in_order, fonts, normalise, orphaned_lines, outline_titles, pdf_pages_text, writing_lines_per_prompt


@pytest.fixture(params=["demo", "mini"])
def book(request, demo_build, demo_manuscript, mini_build, mini_manuscript):
    if request.param == "demo":
        return output(demo_build, ".pdf"), demo_manuscript
    return output(mini_build, ".pdf"), mini_manuscript


def test_every_prompt_in_book_order(book):
    pdf, manuscript = book
    text = normalise(" ".join(pdf_pages_text(pdf)))
    questions = [normalise(p.text) for p in manuscript.prompts]
    assert questions, "the book has prompts"
    positions = find_in_order(text, questions)
    missing = [q for q, at in zip(questions, positions) if at < 0]
    assert not missing, f"prompts missing or out of order: {missing}"


def test_each_prompt_has_exactly_its_lines(book):
    pdf, manuscript = book
    prompts = manuscript.prompts
    counts = writing_lines_per_prompt(pdf, [p.text for p in prompts])
    assert counts == [p.lines for p in prompts]


def test_prompt_lines_come_from_prompt_then_chapter_then_book(mini_manuscript):
    lines = {p.id: p.lines for p in mini_manuscript.prompts}
    assert lines == {"start-1": 3, "start-2": 5, "more-1": 4, "more-2": 7}


def test_no_lines_are_split_from_their_question(book):
    pdf, manuscript = book
    assert orphaned_lines(pdf, [p.text for p in manuscript.prompts]) == 0


def _footer_number(page_text: str) -> str:
    return page_text.strip().split("\n")[-1].strip()


def test_toc_numbers_are_the_chapter_start_pages(book):
    pdf, manuscript = book
    pages = pdf_pages_text(pdf)
    toc_index = next(i for i, t in enumerate(pages) if manuscript.config.words["contents"] in t.split("\n")[0])
    toc = pages[toc_index]
    reader = pypdf.PdfReader(str(pdf))
    for chapter in manuscript.chapters:
        match = re.search(re.escape(chapter.title) + r"[ .]*?(\d+)\s*$", toc, re.M)
        assert match, f"{chapter.title} not in the table of contents"
        printed = match[1]
        label = f"{manuscript.config.words['chapter']} {chapter.number}".upper()
        start = next(i for i, t in enumerate(pages) if label in t and chapter.title in t)
        assert _footer_number(pages[start]) == printed, f"{chapter.title}: TOC says {printed}"
    # and the TOC entries are links to those pages
    annotations = [a.get_object() for a in reader.pages[toc_index].get("/Annots", [])]
    assert len([a for a in annotations if a.get("/Subtype") == "/Link"]) >= len(manuscript.chapters)


def test_front_matter_is_roman_and_body_starts_at_one(demo_build, demo_manuscript):
    pages = pdf_pages_text(output(demo_build, ".pdf"))
    first = next(i for i, t in enumerate(pages) if "HOOFDSTUK 1" in t)
    assert _footer_number(pages[first]) == "1"
    assert _footer_number(pages[first - 1]) in {"ii", "iii", "iv"}


def test_bookmarks_list_every_chapter(book):
    pdf, manuscript = book
    titles = outline_titles(pdf)
    for chapter in manuscript.chapters:
        assert f"{chapter.number}. {chapter.title}" in titles


def test_every_font_is_embedded_and_shipped(book):
    pdf, _ = book
    used = fonts(pdf)
    assert used
    assert all(embedded for _, embedded in used), used
    assert all(re.match(r"/[A-Z]{6}\+Workbook-(Serif|Sans)(-Bold|-Semi-Bold|-Italic|-Bold-Italic|-Semi-Bold-Italic)?$", name) for name, _ in used), used


def test_language_and_metadata(book):
    pdf, manuscript = book
    reader = pypdf.PdfReader(str(pdf))
    settings = manuscript.config.settings
    assert reader.trailer["/Root"]["/Lang"] == settings.language
    meta = reader.metadata
    assert meta.title.startswith(settings.title)
    assert meta.author == ", ".join(manuscript.config.authors)
    assert meta["/CreationDate"].startswith("D:" + settings.date.strftime("%Y%m%d"))


def test_demo_book_is_nl_with_enough_prompts(demo_manuscript):
    assert demo_manuscript.config.language == "nl"
    assert len(demo_manuscript.chapters) >= 4
    assert len(demo_manuscript.prompts) >= 15
    counts = {}
    for chapter in demo_manuscript.chapters:
        for key, value in chapter.counts.items():
            counts[key] = counts.get(key, 0) + value
    assert counts["examples"] >= 4 and counts["faq"] >= 3 and counts["further_reading"] >= 1
    assert counts["calls_to_action"] >= 1 and counts["quotes"] >= 2


def test_prompt_icon_needs_no_emoji_font(book):
    pdf, manuscript = book
    text = " ".join(pdf_pages_text(pdf))
    assert "\U0001F4A1" not in text and "\U0001F517" not in text
