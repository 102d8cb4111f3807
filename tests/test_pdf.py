"""The reader's PDF, checked by structure: prompt text and order, ruled lines, TOC, outline, fonts, metadata."""
from __future__ import annotations

import re

import pypdf
import pytest

from helpers import (
    chapter_start_pages,
    find_in_order,
    fonts,
    footer_number,
    normalise,
    orphaned_lines,
    outline_titles,
    output,
    pdf_pages_text,
    toc_entries,
    writing_lines_per_prompt,
)


@pytest.fixture(params=["demo", "mini"])
def book(request, demo_build, demo_manuscript, mini_build, mini_manuscript):
    if request.param == "demo":
        return output(demo_build, ".pdf"), demo_manuscript
    return output(mini_build, ".pdf"), mini_manuscript


@pytest.mark.build
def test_every_prompt_in_book_order(book):
    pdf, manuscript = book
    text = normalise(" ".join(pdf_pages_text(pdf)))
    questions = [normalise(p.text) for p in manuscript.prompts]
    assert questions, "the book has prompts"
    positions = find_in_order(text, questions)
    missing = [q for q, at in zip(questions, positions, strict=True) if at < 0]
    assert not missing, f"prompts missing or out of order: {missing}"


@pytest.mark.build
def test_each_prompt_has_exactly_its_lines(book):
    pdf, manuscript = book
    prompts = manuscript.prompts
    counts = writing_lines_per_prompt(pdf, [p.text for p in prompts], notes_title(manuscript))
    # a {fill=page} prompt has at least its lines: as many as fill the rest of its page
    assert [(p.id, c if not p.fill_page else min(c, p.lines)) for p, c in zip(prompts, counts, strict=True)] == \
        [(p.id, p.lines) for p in prompts]
    assert all(c > p.lines for p, c in zip(prompts, counts, strict=True) if p.fill_page)


def test_prompt_lines_come_from_prompt_then_chapter_then_book(mini_manuscript):
    lines = {p.id: p.lines for p in mini_manuscript.prompts}
    assert lines == {"start-1": 3, "start-2": 5, "more-1": 4, "more-2": 7}


@pytest.mark.build
def test_no_lines_are_split_from_their_question(book):
    pdf, manuscript = book
    assert orphaned_lines(pdf, [p.text for p in manuscript.prompts], notes_title(manuscript)) == 0


def notes_title(manuscript) -> str:
    return str(manuscript.config.words["notes"]).upper()


@pytest.mark.build
def test_toc_numbers_are_the_chapter_start_pages(book):
    pdf, manuscript = book
    pages = pdf_pages_text(pdf)
    toc_index, printed = toc_entries(pdf, manuscript)
    starts = chapter_start_pages(pdf, manuscript)
    assert {title: footer_number(pages[start]) for title, start in starts.items()} == printed
    # and the TOC entries are links to those pages
    reader = pypdf.PdfReader(str(pdf))
    annotations = [a.get_object() for a in reader.pages[toc_index].get("/Annots", [])]
    assert len([a for a in annotations if a.get("/Subtype") == "/Link"]) >= len(manuscript.chapters)


@pytest.mark.build
def test_front_matter_is_roman_and_body_starts_at_one(demo_build, demo_manuscript):
    pages = pdf_pages_text(output(demo_build, ".pdf"))
    first = next(i for i, t in enumerate(pages) if "HOOFDSTUK 1" in t)
    assert footer_number(pages[first]) == "1"
    assert re.fullmatch(r"[ivx]+", footer_number(pages[first - 1]))


@pytest.mark.build
def test_bookmarks_list_every_chapter(book):
    pdf, manuscript = book
    titles = outline_titles(pdf)
    for chapter in manuscript.chapters:
        assert f"{chapter.number}. {chapter.title}" in titles


@pytest.mark.build
def test_every_font_is_embedded_and_shipped(book):
    pdf, _ = book
    used = fonts(pdf)
    assert used
    assert all(embedded for _, embedded in used), used
    subset_name = re.compile(r"/[A-Z]{6}\+Workbook-(Serif|Sans)(-Bold|-Semi-Bold|-Italic|-Bold-Italic|-Semi-Bold-Italic)?$")
    assert all(subset_name.match(name) for name, _ in used), used


@pytest.mark.build
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


@pytest.mark.build
def test_prompt_icon_needs_no_emoji_font(book):
    pdf, manuscript = book
    text = " ".join(pdf_pages_text(pdf))
    assert "\U0001F4A1" not in text and "\U0001F517" not in text
