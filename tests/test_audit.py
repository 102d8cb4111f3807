"""The page audit (layout/audit.py, pageaudit.py): each rule reports the page broken on purpose (small books whose
styles/extra.css forces the defect) with its exact `file:line: warning: page N: …`, the audit of a build comes
from the cache, `workbook check --pages`, and the audit of the demo and test books at A4, A5 and 6x9 in."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import workbook
from helpers import BOOK_YAML, BROKEN_ROOTS, ROOTS, chapter
from workbook.cli import cli
from workbook.importers.articles import import_articles
from workbook.layout import fill, scheduler
from workbook.layout.audit import audit_book, audit_pages
from workbook.layout.editions import edition_pages
from workbook.layout.session import BuildSession
from workbook.render import templates
from workbook.source import convert

pytestmark = pytest.mark.build

# Every line 5 mm, every page's text area 170 mm tall (A5 with 20 mm margins), no margins between blocks and no
# chapter opener: a test book's page is filled to the millimetre by spacers (a one-line paragraph made tall).
BASE = """@page { margin: 20mm !important; }
html { font-size: 10pt !important; }
h1, h2, h3, p, li, dt, dd { line-height: 5mm !important; margin: 0 !important; }
ul, ol, dl, blockquote { margin: 0 !important; }
.example, .prompt { margin: 0 !important; padding: 0 !important; border: 0 !important; }
.prompt-question { margin: 0 !important; }
.chapter-opener { display: none !important; }
"""
KEEP_OFF = ".prompt { break-inside: auto !important; page-break-inside: auto !important; }"
LONE_LINES = "p { orphans: 1 !important; widows: 1 !important; }"
PROMPT = "💡 What do you bring?"


def spacer(block: int, mm: int) -> str:
    """CSS that makes the chapter's block `block` (one.bN, a one-line paragraph) `mm` tall."""
    return f'[id="one.b{block}"] {{ height: {mm}mm !important; }}\n'


def audit(books, body: str, css: str, *, title: str = "One", base: str = BASE) -> tuple[list[str], int]:
    """The audit of a one-chapter A5 book (its body from line 5 of chapters/01-one.md), and its chapter's first page."""
    book = books.write({"01-one.md": chapter(body, title)}, extra="page_size: A5\n",
                       files={"styles/extra.css": base + css})
    session = BuildSession.start(workbook.load_book(book), jobs=1)
    found = audit_pages(session)
    assert all(item.severity == "warning" for item in found)
    return [str(item) for item in found], edition_pages(session)[0]["chapter-one"] + 1


@pytest.mark.parametrize(("height", "message"), [
    (160, "prompt one-1 is split from its writing lines: the question is on this page, its 6 lines on page {next}"),
    (140, "prompt one-1 is split: 2 of its 6 writing lines are on this page, 4 on page {next}"),
])
def test_a_prompt_split_from_its_writing_lines(books, height, message):
    found, page = audit(books, f"Spacer.\n\n{PROMPT}\n", spacer(1, height) + KEEP_OFF)
    assert found == [f"chapters/01-one.md:7: warning: page {page}: " + message.replace("{next}", str(page + 1))]


def test_a_heading_that_ends_the_page(books):
    found, page = audit(books, "Spacer.\n\n## A heading\n\nText after the heading.\n",
                        spacer(1, 163) + "h2 { break-after: auto !important; page-break-after: auto !important; }")
    assert found == [f"chapters/01-one.md:7: warning: page {page}: the heading 'A heading' ends the page; "
                     f"what it introduces starts on page {page + 1}"]


def test_a_heading_with_one_line_of_its_text_under_it_and_that_line_an_orphan(books):
    found, page = audit(books, "Spacer.\n\n## A heading\n\nOne.  \nTwo.  \nThree.\n",
                        spacer(1, 158) + "h2 { break-after: auto !important; } " + LONE_LINES)
    assert found == [
        f"chapters/01-one.md:7: warning: page {page}: the heading 'A heading' has 1 line of its text under it at the "
        f"foot of the page; the rest is on page {page + 1}",
        f"chapters/01-one.md:9: warning: page {page}: a paragraph leaves its first line alone at the foot of the page "
        f"(an orphan); the rest is on page {page + 1}"]


def test_a_lead_in_ending_in_a_colon_that_ends_the_page(books):
    found, page = audit(books, "Spacer.\n\nThree things to bring:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
                        spacer(1, 150) + "p { break-after: auto !important; } table { height: 30mm !important; }")
    assert found == [f"chapters/01-one.md:7: warning: page {page}: the lead-in 'Three things to bring:' ends the "
                     f"page; what it introduces starts on page {page + 1}"]


def test_an_example_at_the_foot_of_a_page_with_its_prompt_overleaf(books):
    found, page = audit(books, f"Spacer.\n\nExample: Ann says no.\n\n{PROMPT}\n",
                        spacer(1, 140) + ".example { break-after: auto !important; }")
    assert found == [f"chapters/01-one.md:7: warning: page {page}: an example ends the page; the prompt it leads to "
                     f"(one-1) starts on page {page + 1}"]


@pytest.mark.parametrize(("height", "on_next", "message"), [
    (153, True, "the last line of a paragraph stands alone at the head of the page (a widow)"),
    (163, False, "a paragraph leaves its first line alone at the foot of the page (an orphan); the rest is on page {next}"),
])
def test_widows_and_orphans(books, height, on_next, message):
    found, page = audit(books, "Spacer.\n\nOne.  \nTwo.  \nThree.  \nFour.\n", spacer(1, height) + LONE_LINES)
    at = page + on_next
    assert found == [f"chapters/01-one.md:7: warning: page {at}: " + message.replace("{next}", str(at + 1))]


def test_more_than_two_hyphenated_lines_in_a_row(books, monkeypatch):
    monkeypatch.setattr(fill, "HYPHEN_PASSES", 0)  # the page broken on purpose: the layout's own fix of runs is off
    monkeypatch.setattr(convert._NoLoneLastWord, "run", lambda self, root: None)  # and the last words' keep-whole
    found, page = audit(books, "Spacer.\n\nAnticipation of internationalisation, responsibilities, extraordinarily "
                               "incomprehensibilities, characteristically counterrevolutionaries.\n",
                        '[id="one.b2"] { width: 22mm !important; hyphens: auto !important; text-align: left !important; '
                        'hyphenate-limit-chars: auto !important; }')
    assert found == [
        f"chapters/01-one.md:7: warning: page {page}: 5 hyphenated lines in a row (at most 2), from the line 'Anticipa-'",
        f"chapters/01-one.md:7: warning: page {page}: 3 hyphenated lines in a row (at most 2), from the line "
        "'characterist-'",
        f"chapters/01-one.md:7: warning: page {page}: the last line of the paragraph 'Anticipation of "
        "internationalisation, responsibil…' is only the end of a hyphenated word, 'aries.'"]


def test_a_page_foot_more_than_a_quarter_empty_before_what_moved_over(books):
    """The table (kept whole) moves to the next page and leaves 50 mm of 170 empty; the chapter's last page, just
    as empty, is not reported."""
    found, page = audit(books, "Spacer.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nAfter.\n",
                        spacer(1, 120) + "table { height: 60mm !important; }")
    assert found == [f"chapters/01-one.md:7: warning: page {page}: the foot of the page is 29 % empty (50 mm): a table "
                     f"did not fit and starts page {page + 1}"]


def test_a_heading_that_moves_over_with_its_prompt_leaves_writing_lines_not_an_empty_foot(books, monkeypatch):
    """The heading keeps with the prompt, which does not fit: both move over, and the foot they leave (60 mm of
    170) gets writing lines (layout/fill.py). Without those lines the audit reports that foot."""
    body = f"Spacer.\n\n## A heading\n\n{PROMPT}\n"
    assert audit(books, body, spacer(1, 110))[0] == []
    monkeypatch.setattr(fill, "fill_page_feet", lambda document: 0)  # the page broken on purpose: no lines
    found, page = audit(books, body, spacer(1, 111))
    assert found == [f"chapters/01-one.md:7: warning: page {page}: the foot of the page is 35 % empty (59 mm): the "
                     f"heading 'A heading' did not fit and starts page {page + 1}"]


def test_a_foot_before_a_forced_page_break_is_not_reported(books):
    found, _page = audit(books, "Spacer.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nAfter.\n",
                         spacer(1, 120) + "table { height: 60mm !important; break-before: page !important; }")
    assert found == []


def test_a_running_head_near_the_trim_and_on_several_lines(books):
    """Reported once per head, at its first page, with the line of the chapter's title."""
    css = (spacer(1, 100) + spacer(2, 160) + spacer(3, 160) + spacer(4, 160) + spacer(5, 160)
           + "@page :right { margin-top: 6mm !important; @top-right { vertical-align: top !important; "
             "padding: 0 !important; width: 30mm !important; white-space: normal !important; } }")
    found, page = audit(books, "Spacer one.\n\nSpacer two.\n\nSpacer three.\n\nSpacer four.\n\nSpacer five.\n", css,
                        title="Ruimte maken voor wat telt", base=BASE.replace(".chapter-opener { display: none !important; }", ""))
    assert found == [
        f"chapters/01-one.md:2: warning: page {page + 2}: the running head 'Ruimte maken voor wat telt' runs to 2 lines "
        "(on 2 pages)",
        f"chapters/01-one.md:2: warning: page {page + 2}: the running head 'Ruimte maken voor wat telt' is 0.0 mm from "
        "the top trim (at least 8 mm) (on 2 pages)"]


def test_a_line_into_the_margin(books):
    found, page = audit(books, "Spacer.\n\nA sentence that is set on one line however long it is, and it goes on and on "
                               "past the edge of the page.\n", '[id="one.b2"] { white-space: nowrap !important; }')
    assert found == [f"chapters/01-one.md:7: warning: page {page}: a line runs 51 mm past the page's text at "
                     "'A sentence that is set on one…': its end is cut off; add spaces or break the text"]


def test_a_glyph_the_fonts_lack(books):
    found, page = audit(books, "Spacer.\n\nA private sign \ue000 in the text.\n", "")
    assert found == [f"chapters/01-one.md:7: warning: page {page}: '\\ue000' (U+E000) has no glyph in the book's fonts: "
                     "it prints as an empty box (.notdef)"]


def test_one_short_word_on_the_last_line_of_a_heading_or_pull_quote(books, monkeypatch):
    monkeypatch.setattr(convert._NoLoneLastWord, "run", lambda self, root: None)  # the converter's own fix is off
    found, page = audit(books, "## Alpha beta gamma delta zeta\n\nText.\n\n> Alpha beta gamma delta zeta.\n\nMore.\n",
                        "h2, blockquote.pull-quote p { width: 50mm !important; hyphens: manual !important; }")
    assert found == [
        f"chapters/01-one.md:5: warning: page {page}: the heading 'Alpha beta gamma delta zeta' ends on one short word, "
        "'zeta', on a line of its own",
        f"chapters/01-one.md:9: warning: page {page}: the pull quote 'Alpha beta gamma delta zeta.' ends on one short "
        "word, 'zeta.', on a line of its own"]


@pytest.mark.parametrize("fixed", [True, False])
def test_a_paragraph_whose_last_line_is_the_end_of_a_hyphenated_word(books, monkeypatch, fixed):
    """The converter keeps a paragraph's last words whole; without that, this paragraph's last line is "able."."""
    if not fixed:
        monkeypatch.setattr(convert._NoLoneLastWord, "run", lambda self, root: None)
    found, page = audit(books, "Spacer.\n\nThe reader who writes every morning finds it uncomfortable.\n",
                        '[id="one.b2"] { width: 50mm !important; text-align: left !important; }')
    assert found == ([] if fixed else [
        f"chapters/01-one.md:7: warning: page {page}: the last line of the paragraph 'The reader who writes every "
        "morning finds it unco…' is only the end of a hyphenated word, 'able.'"])


@pytest.mark.parametrize("fixed", [True, False])
def test_a_paragraph_or_list_item_that_ends_on_one_short_word(books, monkeypatch, fixed):
    if not fixed:
        monkeypatch.setattr(convert._NoLoneLastWord, "run", lambda self, root: None)
    found, page = audit(books, "Alpha beta gamma delta zeta.\n\n- Alpha beta gamma delta theta.\n- Two.\n",
                        '[id^="one."] { width: 50mm !important; hyphens: manual !important; text-align: left !important; } '
                        '[id^="one."] li { width: 38mm !important; }')
    assert found == ([] if fixed else [
        f"chapters/01-one.md:5: warning: page {page}: the paragraph 'Alpha beta gamma delta zeta.' ends on one short "
        "word, 'zeta.', on a line of its own",
        f"chapters/01-one.md:7: warning: page {page}: the list item 'Alpha beta gamma delta theta.' ends on one short "
        "word, 'theta.', on a line of its own"])


@pytest.mark.parametrize("fixed", [True, False])
def test_a_justified_line_that_ends_early(books, monkeypatch, fixed):
    """WeasyPrint breaks the text before a span too wide for the line's end far too early when the space before
    the span is outside it: this answer's first line is "Vijf". The converter puts the space inside the span."""
    if not fixed:  # the page broken on purpose: the kept last words' leading space moved back out of their span
        keep = convert._keep_last_words

        def space_outside(element):
            keep(element)
            for span in element.iter("span"):
                if span.get("class") == "keep-whole" and (span.text or "").startswith(" "):
                    before = [e for e in element.iter() if e is not span and len(e) and e[-1] is span]
                    holder = before[0] if before else element
                    previous = [e for e in holder if e is not span][-1:] if len(holder) > 1 else []
                    if previous:
                        previous[0].tail = (previous[0].tail or "") + " "
                    else:
                        holder.text = (holder.text or "") + " "
                    span.text = span.text[1:]

        monkeypatch.setattr(convert, "_keep_last_words", space_outside)
    found, page = audit(books, "Tekst.\n\n## Veelgestelde vragen\n\n### Hoe lang moet een pauze duren?\n\n"
                               "Vijf tot vijftien minuten is voor de meeste mensen genoeg om weer helder te denken.\n",
                        "", base="")  # the book's own page design
    assert found == ([] if fixed else [
        f"chapters/01-one.md:11: warning: page {page}: a line of the paragraph 'Vijf tot vijftien minuten is voor de "
        "meeste mense…' ends early, after 'Vijf' (5 % of the line); what follows would have fitted"])


def test_a_picture_split_from_its_caption(books):
    picture = (ARTICLES / "outside.png").read_bytes()
    book_body = "Spacer.\n\n![A bench](images/bench.png)\n\n*A bench under the trees*\n"
    book = books.write({"01-one.md": chapter(book_body)}, extra="page_size: A5\n",
                       files={"images/bench.png": picture, "styles/extra.css": BASE + spacer(1, 156) + (
                           ".keep-with-caption { break-after: auto !important; page-break-after: auto !important; } "
                           "img { height: 10mm !important; width: auto !important; }")})
    session = BuildSession.start(workbook.load_book(book), jobs=1)
    page = edition_pages(session)[0]["chapter-one"] + 1
    assert [str(item) for item in audit_pages(session)] == [
        f"chapters/01-one.md:9: warning: page {page}: a picture ends the page; its caption 'A bench under the trees' "
        f"is on page {page + 1}"]


@pytest.mark.parametrize("joined", [True, False])
def test_a_chapter_title_that_ends_on_one_short_word(books, monkeypatch, joined):
    """The pages set a chapter title with its last two words joined (the templates' `last_words` filter); without
    that, this title's last line is one word."""
    if not joined:  # the page broken on purpose
        monkeypatch.setattr(templates, "join_last_words", lambda text: text)
    found, page = audit(books, "Text.\n", "h1.chapter-title { width: 50mm !important; hyphens: manual !important; }",
                        title="Alpha beta gamma delta zeta", base=BASE.replace(".chapter-opener { display: none !important; }", ""))
    assert found == ([] if joined else [
        f"chapters/01-one.md:2: warning: page {page}: the heading 'Alpha beta gamma delta zeta' ends on one short word, "
        "'zeta', on a line of its own"])


def test_the_audit_after_a_build_comes_from_its_cache(books, monkeypatch, tmp_path):
    book = books.write({"01-one.md": chapter(f"Spacer.\n\n{PROMPT}\n")}, extra="page_size: A5\n",
                       files={"styles/extra.css": BASE + spacer(1, 160) + KEEP_OFF})
    workbook.build(book, tmp_path / "dist", ["pdf"], jobs=1)

    def refuse(*args, **kwargs):
        raise AssertionError("a part was laid out again")

    monkeypatch.setattr(scheduler, "lay_out_part", refuse)
    found = audit_book(book, tmp_path / "dist", jobs=1)
    assert [item.message.split(":")[1].strip() for item in found] == ["prompt one-1 is split from its writing lines"]


def test_check_pages_prints_the_audit_and_fails_only_with_strict(books):
    book = books.write({"01-one.md": chapter(f"Spacer.\n\n{PROMPT}\n")}, extra="page_size: A5\n",
                       files={"styles/extra.css": BASE + spacer(1, 160) + KEEP_OFF})
    plain = CliRunner().invoke(cli, ["check", "--pages", str(book)])
    assert plain.exit_code == 0, plain.output
    assert re.search(r"^chapters/01-one\.md:7: warning: page \d+: prompt one-1 is split", plain.output, re.M)
    assert plain.output.rstrip().endswith("0 errors, 1 warning in 1 file")
    strict = CliRunner().invoke(cli, ["check", "--pages", "--strict", str(book)])
    assert strict.exit_code == 1
    without = CliRunner().invoke(cli, ["check", str(book)])
    assert "page" not in without.output and without.exit_code == 0


TODAYS_BOOKS = (["book"] + sorted(p.name for p in ROOTS.iterdir() if p.is_dir() and p.name not in BROKEN_ROOTS)
                + ["imported-nl", "imported-en"])
ARTICLES = Path(__file__).resolve().parent / "fixtures" / "import"


def imported(books, language: str):
    """A book made by `workbook import` from the test articles of a language (the Dutch ones, or the English one)."""
    yaml = BOOK_YAML.replace("language: en", f"language: {language}")
    book = books.write({"01-begin.md": chapter("Een begin." if language == "nl" else "A start.", "Begin")},
                       yaml=yaml, title="Proefboek", to=f"imported-{language}")
    articles = ([ARTICLES / "nl-uitstellen.txt", ARTICLES / "nl-grenzen-pijlen.txt", ARTICLES / "html" / "pauze.html"]
                if language == "nl" else [ARTICLES / "en-quiet-mornings.txt"])
    import_articles(articles, into=book)
    return book


@pytest.mark.parametrize("size", ["A4", "A5", "6x9in"])
@pytest.mark.parametrize("name", TODAYS_BOOKS)
def test_the_audit_of_the_demo_and_test_books(books, name, size):
    """The audit finds nothing on every book that builds (and books made by `workbook import` from the test
    articles), at every size: the page design (converter, layout, page-foot lines) prevents each defect it looks for."""
    book = imported(books, name.split("-")[1]) if name.startswith("imported-") else books(name)
    session = BuildSession.start(workbook.load_book(book, page_size=size))
    found = audit_pages(session)
    assert edition_pages(session)[1]
    assert [str(item) for item in found] == []


def test_a_faq_question_that_ends_the_page(books):
    found, page = audit(books, "Spacer.\n\n## FAQ\n\n### Is this a question?\n\nThe answer.\n",
                        spacer(1, 158) + "dt { break-after: auto !important; margin: 0 !important; } "
                                         "h2 { break-after: auto !important; }")
    assert found == [f"chapters/01-one.md:9: warning: page {page}: the heading 'Is this a question?' ends the page; "
                     f"what it introduces starts on page {page + 1}"]


def test_a_book_with_its_own_page_template_is_audited_as_one_document(books):
    """A book's own layouts/pdf.html is laid out as one document (not in parts): the same finding, the same page."""
    template = (Path(workbook.__file__).parent / "layouts" / "pdf.html").read_text(encoding="utf-8")
    body, css = f"Spacer.\n\n{PROMPT}\n", spacer(1, 160) + KEEP_OFF
    in_parts, page = audit(books, body, css)
    book = books.folder / "book"
    (book / "layouts").mkdir()
    (book / "layouts" / "pdf.html").write_text(template, encoding="utf-8")
    session = BuildSession.start(workbook.load_book(book), jobs=1)
    whole = [str(item) for item in audit_pages(session)]
    assert session.laid_out is None and session.document is not None
    assert whole == in_parts == [f"chapters/01-one.md:7: warning: page {page}: prompt one-1 is split from its writing "
                                 f"lines: the question is on this page, its 6 lines on page {page + 1}"]
