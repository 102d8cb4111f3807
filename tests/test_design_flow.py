"""Design rules that act after layout, measured on the PDF at A4, A5 and 6x9in: no more than two hyphenated
lines in a row (layout/hyphens.py), and a page foot that a moved prompt would leave more than a quarter
empty gets writing lines instead (layout/fill.py)."""
from __future__ import annotations

import random

import pdfplumber
import pytest

import workbook
from helpers import Books, pdf_pages_text
from workbook.layout.fill import FOOT_SHARE
from workbook.layout.hyphens import KEEP_WHOLE, MAX_RUN, keep_words_whole
from workbook.model.pages import geometry

MM = 72 / 25.4
SIZES = {"A4": (210, 297), "A5": (148, 210), "6x9in": (152.4, 228.6)}
FILLER = ("Most people want to be helpful, and a refusal can feel like a small betrayal of the people "
          "around them, even when it protects what matters most to them this week.")
LONG_WORDS = ("verantwoordelijkheidsgevoel arbeidsongeschiktheidsverzekering gemeenteraadsverkiezingen "
              "kinderdagverblijven ondernemingsraadsvergadering zelfcompassieoefeningen ontspanningsmomenten "
              "communicatievaardigheden prestatieverwachtingen werkgeversorganisaties belangenbehartiging").split()


def _hyphen_heavy() -> str:
    """Dutch paragraphs full of long compounds: without the rule they show runs of up to seven hyphenated lines."""
    rng = random.Random(3)
    small = "en de het een in op met voor dat is als je bij".split()
    paragraphs = [" ".join(rng.choice(LONG_WORDS) if rng.random() < 0.55 else rng.choice(small) for _ in range(70))
                  .capitalize() + "." for _ in range(8)]
    return "---\ntitle: Afbreken\n---\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest.mark.build
@pytest.mark.parametrize("size", list(SIZES))
def test_at_most_two_hyphenated_lines_in_a_row(tmp_path, size):
    book = Books(tmp_path).write({"01-een.md": _hyphen_heavy()}, yaml="title: Afbreken\nauthor: T\nlanguage: nl\n"
                                 "date: 2026-01-15\nchapters:\n{chapters}")
    path = workbook.build(book, tmp_path / "out", ["pdf"], page_size=size).outputs[0]
    hyphenated = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            run = 0
            for line in page.extract_text_lines():
                run = run + 1 if line["text"].endswith("-") and not line["text"].endswith(" -") else 0
                hyphenated += line["text"].endswith("-")
                assert run <= MAX_RUN, (size, page.page_number, line["text"])
    assert hyphenated > 20  # the text still hyphenates: the rule only breaks up the runs


def test_keep_words_whole_wraps_the_use_that_broke():
    html = '<p id="c.b1">Een woord, nog een woord en een woord.</p><p id="c.b2">woord</p>'
    once = keep_words_whole(html, [("c.b1", "woord", 1)])
    assert once == f'<p id="c.b1">Een woord, nog een{KEEP_WHOLE} woord</span> en een woord.</p><p id="c.b2">woord</p>'
    assert keep_words_whole(once, [("c.b9", "woord", 0), ("c.b1", "nergens", 0)]) == once


@pytest.mark.build
@pytest.mark.parametrize("size", list(SIZES))
def test_a_page_foot_left_by_a_moved_prompt_gets_writing_lines(tmp_path, size):
    chapters = {f"{k:02d}-part-{k}.md": (f"---\ntitle: Part {k}\n---\n\n" + "\n\n".join([FILLER] * k)
                                  + f"\n\n💡 Question number {k}, what comes next? {{lines=16}}\n") for k in range(1, 9)}
    book = Books(tmp_path).write(chapters)
    path = workbook.build(book, tmp_path / "out", ["pdf"], page_size=size).outputs[0]
    page_geometry = geometry(*SIZES[size])
    moved = 0
    with pdfplumber.open(path) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
        for k in range(1, 9):
            at = next(i for i, text in enumerate(texts) if f"Question number {k}," in text)
            if f"Part {k}" in texts[at]:
                continue  # the prompt fits on the chapter's first page
            moved += 1
            before = pdf.pages[at - 1]
            rules = [r for r in before.rects if r["width"] > 50 * MM and _grey(r)]
            lowest = max([c["bottom"] for c in before.chars if c["top"] < before.height - page_geometry.bottom * MM]
                         + [r["bottom"] for r in rules])
            foot = before.height - page_geometry.bottom * MM
            assert foot - lowest <= FOOT_SHARE * page_geometry.content_height * MM, (size, k, len(rules))
    assert moved >= 2, moved


def _grey(rect: dict) -> bool:
    colour = rect.get("non_stroking_color")
    return isinstance(colour, (tuple, list)) and len(colour) == 3 and all(abs(v - 0.6157) < 0.01 for v in colour)


@pytest.mark.build
@pytest.mark.parametrize("size", list(SIZES))
def test_the_demo_book_keeps_the_rules(books, tmp_path, size):
    """The demo book: one-line running heads 8 mm inside the trim, no run of three hyphenated lines."""
    path = next(p for p in workbook.build(books("book"), tmp_path / "out", ["print"], page_size=size).outputs
                if p.name.endswith("-print.pdf"))
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            media = [float(v) for v in page.page_obj.attrs["MediaBox"]]
            trim_top = media[3] - float(page.page_obj.attrs["TrimBox"][3])
            heads = [w for w in page.extract_words() if w["top"] < trim_top + 22 * MM]
            if heads:
                assert len({round(w["top"]) for w in heads}) == 1, (size, page.page_number)
                assert min(w["top"] for w in heads) - trim_top >= 8 * MM, (size, page.page_number)
            run = 0
            for line in page.extract_text_lines():
                run = run + 1 if line["text"].endswith("-") else 0
                assert run <= MAX_RUN, (size, page.page_number, line["text"])


def _list_items_per_page(document) -> list[dict[int, int]]:
    """For each page: how many items of each list (by its element's id()) the page shows."""
    found: list[dict[int, int]] = []
    for page in document.pages:
        counts: dict[int, int] = {}

        def visit(box, holder=None, counts=counts) -> None:
            if getattr(box, "element_tag", None) == "li" and type(box).__name__ != "LineBox":
                if holder is not None and holder.tag in ("ul", "ol"):
                    counts[id(holder)] = counts.get(id(holder), 0) + 1
                return
            for child in getattr(box, "children", ()):
                if hasattr(child, "style"):
                    visit(child, getattr(box, "element", None) if getattr(box, "element_tag", None) in ("ul", "ol")
                          else holder)

        visit(page._page_box)
        found.append(counts)
    return found


@pytest.mark.build
@pytest.mark.parametrize("size", ["A5", "6x9in"])
def test_a_list_never_leaves_one_item_alone_at_a_page_foot_or_head(tmp_path, size):
    """The imported Dutch book split its further reading 1 + 2 across a page at A5 before the rule (print.css:
    a list's first two and last two items keep together)."""
    import test_audit
    from workbook.layout.editions import whole_document
    from workbook.layout.session import BuildSession

    book = test_audit.imported(Books(tmp_path), "nl")
    document = whole_document(BuildSession.start(workbook.load_book(book, page_size=size)))
    pages = _list_items_per_page(document)
    sizes: dict[int, int] = {}
    for counts in pages:
        for key, count in counts.items():
            sizes[key] = sizes.get(key, 0) + count
    split = [(index + 1, count, sizes[key]) for index, counts in enumerate(pages) for key, count in counts.items()
             if count < sizes[key]]
    assert split == [] or all(count >= 2 for _page, count, _total in split), split


@pytest.mark.build
def test_a_paragraphs_kept_last_words_do_not_break_its_first_line_early(tmp_path):
    """WeasyPrint, finding an inline span at a line's end too wide for it, can break the text before the span
    far too early (a first line of one word); the kept last words carry the space before them inside their
    span, which it handles. The answer below broke after "Vijf" with the space outside the span."""
    book = Books(tmp_path).write({"01-one.md": "---\ntitle: One\n---\n\nTekst.\n\n## Veelgestelde vragen\n\n"
                                  "### Hoe lang moet een pauze duren?\n\nVijf tot vijftien minuten is voor de meeste "
                                  "mensen genoeg om weer helder te denken.\n"}, extra="page_size: A5\n")
    pdf = workbook.build(book, tmp_path / "out", ["pdf"]).outputs[0]
    lines = [line for text in pdf_pages_text(pdf) for line in text.splitlines()]
    assert any(line.startswith("Vijf tot vijftien") for line in lines), lines
