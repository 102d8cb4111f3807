"""Book design rules, measured on laid-out pages at A4, A5 and 6x9in: one-line running heads inside the
trim (and `short_title`), a cover that fills its page with the author clear of the lines, contents
entries whose page number keeps to the title, titles through the typography pass, examples kept with
their prompts, lead-ins with their lists, the writing-line pitch, further reading only as tall as it
is, no back-arrows on paper, shipped fonts only, and calls to action without an address."""
from __future__ import annotations

import re

import pdfplumber
import pytest

import workbook
from helpers import ROOTS, Books
from workbook.model.pages import LINE_PITCH_MM
from workbook.render.templates import Renderer
from workbook.source.check import check_book
from workbook.source.typography import WORD_JOINER, refine_title

MM = 72 / 25.4
SIZES = ("A4", "A5", "6x9in")
LONG = ("Saying no without an explanation: how to guard your own time and energy without guilt, "
        "fear or endless -- and needless -- conflict")
FILLER = ("Most people want to be helpful, and a refusal can feel like a small betrayal of the people "
          "around them, even when it protects what matters most to them this week.")


def _chapters() -> dict[str, str]:
    body_one = "\n\n".join([FILLER] * 3 + [
        "These are the three thoughts that come up most often:",
        "- guilt about the other person\n- fear of missing out\n- the wish to be liked",
        "Example: Anna says no to a third meeting and offers a written update instead.",
        "💡 Which request would you like to refuse this week?",
        "Here is a line of code: `print(\"hello\")` and a footnote.[^1]",
        "## Further reading",
        "- A plain item without any link that wraps over more than one line of the page, "
        "as long descriptions do in real books\n- [An article](https://example.org/a) — why small steps last",
        "[^1]: The footnote's text.",
    ] + [FILLER] * 12 + ["💡 What would you say instead?"])
    return {
        "01-long.md": f"---\ntitle: '{LONG}'\n---\n\n{body_one}\n",
        "02-short.md": ("---\ntitle: '\"Quiet mornings\" -- a slow start changes the whole day for you'\n"
                        "short_title: Quiet mornings\n---\n\n" + "\n\n".join([FILLER] * 30) + "\n"),
    }


@pytest.fixture(scope="module")
def design_builds(tmp_path_factory) -> dict:
    """The design book's reader's and print PDFs at A4, A5 and 6x9in, and its manuscript."""
    books = Books(tmp_path_factory.mktemp("design"))
    book = books.write(_chapters(), title="Small steps, said plainly", extra="subtitle: A workbook\n")
    built: dict = {"book": book, "manuscript": workbook.load_book(book)}
    for size in SIZES:
        result = workbook.build(book, tmp_path_factory.mktemp(f"out-{size}"), ["pdf", "print"], page_size=size)
        built[size] = {path.name.endswith("-print.pdf") and "print" or "screen": path for path in result.outputs}
    return built


def _trim(page) -> tuple[float, float, float, float]:
    """The trim box in pdfplumber's coordinates (from the media box's top left corner, y down)."""
    media = [float(v) for v in page.page_obj.attrs["MediaBox"]]
    trim = [float(v) for v in page.page_obj.attrs.get("TrimBox", media)]
    return trim[0] - media[0], media[3] - trim[3], trim[2] - media[0], media[3] - trim[1]


def _colour(rect: dict) -> tuple[int, ...]:
    colour = rect.get("non_stroking_color") or ()
    if not isinstance(colour, (tuple, list)) or not all(isinstance(v, (int, float)) for v in colour):
        return ()  # a pattern or none
    return tuple(round(float(v) * 255) for v in colour)


def _running_heads(page) -> list[dict]:
    """Words in the top margin: above the first 12 mm of the page's text area."""
    top = _trim(page)[1]
    return [w for w in page.extract_words() if w["top"] < top + 22 * MM]


@pytest.mark.build
@pytest.mark.parametrize("size", SIZES)
def test_running_heads_one_line_inside_the_trim(design_builds, size):
    seen = set()
    with pdfplumber.open(design_builds[size]["print"]) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            x0, top, x1, _bottom = _trim(page)
            heads = _running_heads(page)
            if not heads:
                continue
            assert len({round(w["top"]) for w in heads}) == 1, (number, [w["text"] for w in heads])
            assert min(w["top"] for w in heads) - top >= 8 * MM, number
            assert min(w["x0"] for w in heads) - x0 >= 8 * MM and x1 - max(w["x1"] for w in heads) >= 8 * MM
            seen.add(" ".join(w["text"] for w in heads))
    # the long title is cut with an ellipsis, the short title stands in for the long one
    assert any(head.startswith("Saying no") and head.endswith("…") for head in seen), seen
    assert "Quiet mornings" in seen, seen


@pytest.mark.build
@pytest.mark.parametrize("size", [*SIZES, "Letter"])
def test_cover_fills_the_page_and_the_author_is_clear_of_the_lines(tmp_path, size):
    book = Books(tmp_path).write({"01-one.md": _chapters()["02-short.md"]}, title="A title of a workbook")
    path = workbook.build(book, tmp_path / "out", ["pdf"], page_size=size).outputs[0]
    with pdfplumber.open(path) as pdf:
        cover = pdf.pages[0]
        image = cover.to_image(resolution=30).original.convert("RGB")
        width, height = image.size
        for y in (height - 1, height - 3, height // 2):  # the foot and the middle are the cover's, not white paper
            assert image.getpixel((width // 2, y)) != (255, 255, 255), (size, y)
        author = next(w for w in cover.extract_words() if w["text"] == "Tester")
        # the writing lines: each a box in the lines' colour (#c8bfa9) whose foot is the rule
        rules = [r for r in cover.rects if r["width"] > 20 * MM and _colour(r) == (200, 191, 169)]
        assert len(rules) >= 3
        assert all(r["bottom"] < author["top"] - 3 * MM for r in rules), size


@pytest.mark.build
@pytest.mark.parametrize("size", SIZES)
def test_contents_numbers_keep_to_the_title_and_entries_hang(design_builds, size):
    with pdfplumber.open(design_builds[size]["screen"]) as pdf:
        toc = next(p for p in pdf.pages if (p.extract_text() or "").startswith("Contents"))
        lines = toc.extract_text_lines()
        numbered = [line for line in lines if re.search(r"\d+$", line["text"]) and line["text"] != "Contents"]
        assert len(numbered) == 2
        for line in numbered:  # words of the title before the leader on the number's line
            assert re.search(r"[A-Za-z]{2,}", line["text"].rstrip("0123456789 .")), line["text"]
        entry = [line for line in lines if line["text"].startswith("1 ")]
        wrapped = lines[lines.index(entry[0]) + 1]
        title_start = next(c["x0"] for c in entry[0]["chars"][1:] if c["text"].strip())
        assert wrapped["x0"] == pytest.approx(title_start, abs=0.5)  # the hanging indent


def test_titles_get_the_typography_pass():
    assert refine_title('"Quiet" mornings -- a start', "en") == "“Quiet” mornings\u00a0– a start"
    assert refine_title("Work---life", "en") == f"Work{WORD_JOINER}—life"
    assert refine_title("Zeg 'nee' -- 10 minuten", "nl", ("„", "”", "‚", "’")) == "Zeg ‚nee’\u00a0– 10\u00a0minuten"


@pytest.mark.build
def test_no_title_line_starts_with_a_dash(design_builds):
    chapter = design_builds["manuscript"].chapters[1]
    assert chapter.title.startswith("“Quiet mornings”") and "\u00a0–" in chapter.title
    assert chapter.running_head == "Quiet mornings"
    for size in SIZES:
        with pdfplumber.open(design_builds[size]["screen"]) as pdf:
            for page in pdf.pages:
                for line in page.extract_text_lines():
                    assert not line["text"].lstrip().startswith(("–", "—")), (size, line["text"])


@pytest.mark.build
def test_a_title_with_a_colon_breaks_after_it(design_builds):
    """The long title needs several lines at every size: one of them ends with its colon, and its second half
    starts a line."""
    for size in SIZES:
        with pdfplumber.open(design_builds[size]["screen"]) as pdf:
            lines = [line["text"].strip() for page in pdf.pages for line in page.extract_text_lines()
                     if line["chars"][0]["size"] > 20]
        assert any(line.endswith("explanation:") for line in lines), (size, lines)
        assert any(line.startswith("how to guard") for line in lines), (size, lines)


def test_example_before_a_prompt_and_lead_ins_are_kept_with_what_follows(tmp_path):
    book = Books(tmp_path).write(_chapters())
    html = workbook.load_book(book).chapters[0].html
    assert re.search(r'<p class="lead-in"[^>]*>These are the three thoughts', html)
    assert re.search(r'<div class="example keep-with-prompt"', html)


def test_a_picture_is_kept_with_its_caption(tmp_path):
    """A paragraph of emphasised text only, right under a picture, is its caption: the two share a page."""
    picture = (ROOTS.parent / "fixtures" / "import" / "outside.png").read_bytes()
    body = "Text.\n\n![A bench](images/bench.png)\n\n*A bench under the trees*\n\n*Emphasis* and more text.\n"
    book = Books(tmp_path).write({"01-one.md": f"---\ntitle: One\n---\n\n{body}"}, files={"images/bench.png": picture})
    html = workbook.load_book(book).chapters[0].html
    assert re.search(r'<p class="picture keep-with-caption"[^>]*><img ', html)
    assert re.search(r'<p class="caption"[^>]*><em>A bench under<span class="keep-whole"> the\xa0trees</span></em></p>',
                     html)
    assert re.search(r"<p id=\"[^\"]+\"><em>Emphasis</em> and<span", html)  # text of its own: not a caption


@pytest.mark.build
@pytest.mark.parametrize("size", SIZES)
def test_kept_blocks_share_a_page(design_builds, size):
    with pdfplumber.open(design_builds[size]["screen"]) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
    def page_of(text: str) -> int:
        return next(i for i, t in enumerate(texts) if text in t.replace("\n", " "))
    assert page_of("Anna says no") == page_of("Which request would you")
    assert page_of("come up most often:") == page_of("guilt about the other")


@pytest.mark.build
@pytest.mark.parametrize("size", SIZES)
def test_writing_lines_are_8_5_mm_apart(design_builds, size):
    with pdfplumber.open(design_builds[size]["print"]) as pdf:
        pitches = []
        for page in pdf.pages:
            rules = sorted({round(r["top"], 2) for r in page.rects  # a writing line: a box in #9d9d9d
                            if r["width"] > 50 * MM and _colour(r) == (157, 157, 157)})
            pitches += [b - a for a, b in zip(rules, rules[1:], strict=False) if b - a < 10 * MM]
    assert pitches
    assert all(abs(p - LINE_PITCH_MM * MM) < 0.06 * MM for p in pitches), sorted(set(round(p / MM, 2) for p in pitches))


@pytest.mark.build
def test_print_shows_no_back_arrows_and_only_shipped_fonts(design_builds):
    with pdfplumber.open(design_builds["A5"]["print"]) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
        fonts = {c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars}
    assert "↑" not in text
    assert 'print("hello")' in text.replace("“", '"').replace("”", '"')
    assert all(name.startswith(("Workbook-Serif", "Workbook-Sans")) for name in fonts), fonts  # the shipped fonts


@pytest.mark.build
def test_further_reading_items_only_as_tall_as_their_text(design_builds):
    with pdfplumber.open(design_builds["A5"]["print"]) as pdf:
        for page in pdf.pages:
            words = page.extract_words()
            starts = [w for w in words if w["text"] == "→"]
            if len(starts) == 2:
                plain, linked = starts
                lines = [w for w in words if plain["top"] - 2 < w["top"] < linked["top"] - 2 and w["text"] != "→"]
                line_height = sorted({round(w["top"] / 3) * 3 for w in lines})
                assert len(line_height) == 2  # two lines of text, and then at once the next item
                # two lines and the gap between items; at least 15 mm plus the gap when items had a minimum height
                assert linked["top"] - plain["top"] < 2 * (line_height[1] - line_height[0]) + 5 * MM
                following = [w for w in words if abs(w["top"] - line_height[1]) < 2 and w["x0"] > plain["x1"] - 5 * MM]
                second = min(w["x0"] for w in following)
                first_text = min(w["x0"] for w in words if abs(w["top"] - plain["top"]) < 2 and w["x0"] > plain["x1"])
                assert second == pytest.approx(first_text, abs=0.3)  # the hanging indent, exact
                return
    pytest.fail("no further-reading list found")


def test_call_to_action_without_an_address_is_a_warning(tmp_path):
    book = Books(tmp_path).write({"01-one.md": "---\ntitle: One\n---\n\nText.\n\n🔗 Join the course today\n"})
    report = check_book(book)
    problems = [str(d) for d in report.warnings]
    assert any(p.startswith("chapters/01-one.md:7:") and "call to action without an address" in p
               and "🔗 [what to do](https://…)" in p for p in problems), problems
    html = workbook.load_book(book).chapters[0].html
    assert 'class="cta cta-unlinked"' in html and "<svg" not in html


def test_running_head_fits_one_line():
    from workbook.render.heads import fit_head, text_width_mm
    head = fit_head(LONG, 80)
    assert head.endswith("…") and text_width_mm(head) <= 80 and LONG.startswith(head[:-1])
    assert fit_head("Quiet mornings", 80) == "Quiet mornings"


def test_roots_books_have_no_unlinked_calls_to_action():
    for root in sorted(ROOTS.iterdir()):
        if (root / "book.yaml").is_file() and root.name not in ("broken-links", "dupe-slugs", "dupes"):
            warnings = [str(d) for d in check_book(root).warnings]
            assert not [w for w in warnings if "call to action without" in w], (root.name, warnings)


@pytest.mark.build
def test_worksheet_lines_are_9_mm_apart(tmp_path):
    book = Books(tmp_path).write({"01-one.md": _chapters()["01-long.md"]})
    path = next(p for p in workbook.build(book, tmp_path / "out", ["worksheets"]).outputs if p.suffix == ".pdf")
    with pdfplumber.open(path) as pdf:
        pitches = []
        for page in pdf.pages:
            rules = sorted({round(r["top"], 2) for r in page.rects if r["width"] > 50 * MM and _colour(r) == (157, 157, 157)})
            pitches += [b - a for a, b in zip(rules, rules[1:], strict=False) if b - a < 10 * MM]
    assert pitches
    assert all(abs(p - 9 * MM) < 0.06 * MM for p in pitches), sorted({round(p / MM, 2) for p in pitches})


def test_headings_and_pull_quotes_never_end_on_one_word(tmp_path):
    body = ("## What happens when you say no\n\nText.\n\n### A question *with emphasis* at the end\n\nMore.\n\n"
            "> Begin small, begin today, and let the rest come.\n")
    book = Books(tmp_path).write({"01-one.md": f"---\ntitle: One small chapter title\n---\n\n{body}"})
    chapter = workbook.load_book(book).chapters[0]
    assert "say\u00a0no</h2>" in chapter.html
    assert "the\u00a0end</h3>" in chapter.html
    assert re.search(r"rest\u00a0come\.</p>\s*</blockquote>", chapter.html)
    assert chapter.title == "One small chapter title"  # a chapter title is looked up as written (contents, search)
    renderer = Renderer(workbook.load_book(book))  # set as a heading, it never ends on one word either
    assert re.search(r'<h1 class="chapter-title"[^>]*>One small chapter\u00a0title</h1>', renderer.pdf_html())
    assert re.search(r'<h1 class="chapter-title"[^>]*>One small chapter\u00a0title</h1>',
                     renderer.render("epub-chapter.xhtml", chapter=chapter, words=renderer.manuscript.config.words))
