"""Author experience: `new`, `check`, build running the checks, progress output and the download page."""
from __future__ import annotations

import re

import lxml.html
import pypdf
import pytest

import workbook
from helpers import ROOTS
from test_cli import run

# --- check ---------------------------------------------------------------------------------------

CHECKS = {
    "broken-links": [
        "chapters/01-one.md:7: warning: link #nowhere leads nowhere",
        "chapters/01-one.md:12: error: link 02-two.md#no-such-section: chapters/02-two.md has no heading, prompt or {#id} called 'no-such-section'",
        "chapters/01-one.md:14: error: link notes.md: notes.md is not a chapter of this book",
        "chapters/01-one.md:14: warning: link #second-section is in another chapter; link to its file: [text](02-two.md#second-section)",
    ],
    "no-alt": [
        "chapters/01-pictures.md:11: warning: image images/square.svg has no alt text",
        "chapters/01-pictures.md:15: error: image images/tree.png: not found",
        "chapters/01-pictures.md:17: warning: prompt pictures-1 is not a question (no '?')",
    ],
    "dupes": [
        "book.yaml:5: warning: colour: unknown key, ignored",
        "chapters/01-a.md:3: warning: mood: unknown front matter key, ignored",
        "chapters/01-a.md:10: error: id 'part' is used more than once in this chapter",
    ],
    "dupe-slugs": [
        "chapters/02-b.md:1: error: slug 'same' is also used by chapters/01-a.md",
        "chapters/04-empty.md:4: error: chapter has no text",
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("root", sorted(CHECKS))
def test_check_reports_file_line_severity_and_exits_1(root):
    result = run("check", str(ROOTS / root))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for expected in CHECKS[root]:
        assert any(line.startswith(expected) for line in lines), (expected, result.stdout)
    problems = [line for line in lines if re.match(r"^[^:]+(:\d+)?: (error|warning): ", line)]
    assert len(problems) == len(CHECKS[root]), result.stdout  # nothing unexpected
    errors = sum(": error: " in line for line in problems)
    warnings = len(problems) - errors
    assert lines[-1].startswith(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} in ")


@pytest.mark.slow
def test_check_clean_book_exits_0_and_says_so():
    result = run("check", str(ROOTS / "mini"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "ok: 2 chapters, 4 prompts, no problems found"


@pytest.mark.slow
def test_check_strict_fails_on_warnings_only(books):
    book = books("no-alt")
    text = (book / "chapters" / "01-pictures.md").read_text().replace("![A tree](images/tree.png)", "Nothing here.")
    (book / "chapters" / "01-pictures.md").write_text(text)
    relaxed = run("check", str(book))
    assert relaxed.returncode == 0 and "0 errors, 2 warnings" in relaxed.stdout, relaxed.stdout
    strict = run("check", str(book), "--strict")
    assert strict.returncode == 1 and "(--strict: warnings fail)" in strict.stdout


@pytest.mark.slow
def test_check_missing_book_yaml_and_usage(tmp_path):
    result = run("check", str(tmp_path))
    assert result.returncode == 1 and "book.yaml: error: not found" in result.stdout
    assert run("check", "--nope").returncode == 2


@pytest.mark.slow
def test_build_runs_the_checks_first(tmp_path):
    result = run("build", str(ROOTS / "broken-links"), "-o", str(tmp_path / "dist"), "-f", "pdf")
    assert result.returncode == 1
    assert "chapters/01-one.md:22: error: link notes.md: notes.md is not a chapter of this book" in result.stderr or "error: link notes.md" in result.stderr
    assert not (tmp_path / "dist").exists()


@pytest.mark.build
def test_build_prints_check_warnings_and_still_builds(tmp_path, books):
    book = books("no-alt")
    (book / "chapters" / "01-pictures.md").write_text(
        (book / "chapters" / "01-pictures.md").read_text().replace("![A tree](images/tree.png)", ""))
    result = run("build", str(book), "-o", str(tmp_path / "dist"), "-f", "pdf", "-v")
    assert result.returncode == 0, result.stderr
    assert "chapters/01-pictures.md:11: warning: image images/square.svg has no alt text" in result.stderr
    assert re.search(r"^  pdf +\d+\.\d\d s$", result.stderr, re.M), result.stderr  # --verbose: time per stage
    assert re.search(r"^  total +\d+\.\d\d s$", result.stderr, re.M)
    quiet = run("build", str(book), "-o", str(tmp_path / "dist"), "-f", "pdf", "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


@pytest.mark.slow
def test_cross_chapter_links_resolve_in_pdf_html(books):
    book = books("broken-links")
    chapter = book / "chapters" / "01-one.md"
    chapter.write_text(re.sub(r"\[nowhere\]\(#nowhere\)|\[a missing one\]\(02-two.md#no-such-section\)|"
                              r"\[a file that is not a chapter\]\(notes.md\)|\[a second-chapter heading[^)]*\)",
                              "x", chapter.read_text()))
    assert run("check", str(book)).returncode == 0
    manuscript = workbook.load_book(book)
    one, two = manuscript.chapters
    assert 'href="#two--second-section"' in one.html
    assert 'href="#one-1"' in two.html and 'href="#chapter-one"' in two.html


# --- new -----------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "nl"])
def test_new_book_checks_clean_and_uses_every_convention(tmp_path, language):
    target = tmp_path / "my-book"
    result = run("new", str(target), "--lang", language)
    assert result.returncode == 0, result.stderr
    assert (target / "book.yaml").is_file() and (target / "README.md").is_file()
    config = (target / "book.yaml").read_text()
    assert "# " in config and f"language: {language}" in config
    assert re.search(r"identifier: urn:uuid:[0-9a-f-]{36}", config) and "{date}" not in config
    check = run("check", str(target))
    assert check.returncode == 0, check.stdout
    manuscript = workbook.load_book(target)
    assert len(manuscript.chapters) == 2
    counts: dict[str, int] = {}
    for chapter in manuscript.chapters:
        for kind, number in chapter.counts.items():
            counts[kind] = counts.get(kind, 0) + number
    for kind in ("prompts", "examples", "callouts", "quotes", "faq", "further_reading", "calls_to_action"):
        assert counts.get(kind), (kind, counts)
    html = "".join(c.html for c in manuscript.chapters)
    for needle in ("<img", "<table", "<dl", 'class="footnote', 'data-lines="3"', 'href="#'):
        assert needle in html, needle
    assert {p.lines for p in manuscript.prompts} >= {3, 5, 6, 8}  # book, chapter and prompt defaults


@pytest.mark.slow
def test_new_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = run("new", str(tmp_path / "taken"))
    assert result.returncode == 1 and "folder is not empty" in result.stderr
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]
    assert run("new", str(tmp_path / "x"), "--lang", "xx").returncode == 2


@pytest.mark.build
def test_new_book_builds_a_valid_epub(tmp_path):
    from helpers import epubcheck_problems

    target = tmp_path / "book"
    run("new", str(target), "--lang", "en")
    result = workbook.build(target, tmp_path / "dist", ["epub"])
    epub = next(p for p in result.outputs if p.suffix == ".epub")
    assert epubcheck_problems(epub) == []
    # the sample's title, author and description are placeholders: the build warns about each
    assert [(w.file, w.line) for w in result.warnings if "sample book" in w.message] == [
        ("book.yaml", 5), ("book.yaml", 7), ("book.yaml", 11)]


# --- the download page ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> workbook.BuildResult:
    out = tmp_path_factory.mktemp("site-dist")
    return workbook.build(ROOTS / "mini", out, ["site", "epub", "pdf"])  # site is still made last


@pytest.mark.build
def test_site_is_built_last_and_lists_each_format(site_build):
    names = [p.name for p in site_build.outputs]
    assert names == ["small-steps.pdf", "small-steps.epub", "index.html", "cover.png"]
    out = site_build.outputs[0].parent
    page = lxml.html.parse(str(out / "index.html")).getroot()
    assert page.get("lang") == "en"
    assert page.find(".//header") is not None and page.find(".//main") is not None and page.find(".//footer") is not None
    cover = page.find(".//img")
    assert cover.get("alt") == "Cover of Small Steps" and (out / cover.get("src")).is_file()
    links = {a.get("href"): a for a in page.iter("a") if a.get("href") and not a.get("href").startswith("#")}
    assert set(links) == {"small-steps.pdf", "small-steps.epub"}
    pdf_pages = len(pypdf.PdfReader(str(out / "small-steps.pdf")).pages)
    pdf_text = " ".join(links["small-steps.pdf"].itertext())
    assert f"{pdf_pages} pages" in pdf_text
    size = (out / "small-steps.pdf").stat().st_size
    assert page.find(".//li[@class='download download-pdf']//span[@class='size']").get("data-bytes") == str(size)
    facts = {dt.text_content().strip(): dt.getnext().text_content().strip() for dt in page.iter("dt")}
    assert facts == {"Language": "English", "Published": "2026-01-15"}
    assert "<script" not in (out / "index.html").read_text() and "http" not in re.sub(
        r'content="[^"]*"', "", (out / "index.html").read_text())  # no external resources


@pytest.mark.build
def test_site_alone_lists_files_left_by_an_earlier_build(site_build, tmp_path):
    out = site_build.outputs[0].parent
    result = workbook.build(ROOTS / "mini", out, ["site"])
    assert [p.name for p in result.outputs] == ["index.html", "cover.png"]
    assert "small-steps.epub" in (out / "index.html").read_text()


@pytest.mark.build
def test_site_words_come_from_the_locale_and_book_overrides(tmp_path, books):
    book = books("mini")
    text = (book / "book.yaml").read_text().replace("language: en", "language: de")
    (book / "book.yaml").write_text(text + "words:\n  downloads: Zum Mitnehmen\n")
    workbook.build(book, tmp_path / "dist", ["site"])
    html = (tmp_path / "dist" / "index.html").read_text()
    assert "Zum Mitnehmen" in html and "Sprache" in html and "Deutsch" in html and "Kapitel" in html
    assert "Downloads" not in html


def test_every_locale_has_every_word():
    from workbook.model.locales import LOCALES

    keys = set(LOCALES["en"])
    for language, table in LOCALES.items():
        assert set(table) == keys, (language, keys ^ set(table))


def test_templates_print_no_hard_coded_words():
    """The reader-facing templates take their words from the locale table (words.*), not from literals."""
    from workbook.files.assets import project_dir

    for name in ("site.html", "pdf.html", "_cover.html", "epub-chapter.xhtml", "epub-titlepage.xhtml"):
        text = (project_dir("layouts") / name).read_text()
        visible = re.sub(r"<style>.*?</style>|<[^>]+>|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|&\w+;|[·:—\s]", " ", text, flags=re.S)
        assert not re.search(r"[A-Za-z]{2,}", visible), (name, visible.split())


@pytest.mark.slow
def test_watch_without_a_book_exits_1(tmp_path):
    result = run("watch", str(tmp_path), "--port", "0")
    assert result.returncode == 1 and "book.yaml: error: not found" in result.stderr


def test_watch_rebuilds_only_for_the_book_inputs(tmp_path, books):
    from workbook.author.watch import LivePreview

    book = books("mini")
    preview = LivePreview(book, tmp_path / "dist")
    for name in ("book.yaml", "chapters/02-more.md", "images/x.png", "styles/extra.css", "layouts/pdf.html"):
        assert preview.is_input(book / name), name
    for name in ("README.md", "notes.txt", ".git/index", "chapters/.01-start.md.swp", "chapters/01-start.md~"):
        assert not preview.is_input(book / name), name


def test_progress_bars_on_a_terminal_and_nothing_when_quiet():
    import io

    from workbook.author.progress import BuildReporter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with BuildReporter(stream=stream) as reporter:
        reporter.on_progress("chapters", 1, 2, "chapters/01-start.md")
        reporter.on_progress("chapters", 2, 2, "chapters/02-more.md")
        reporter.on_progress("outputs", 0, 1, "pdf")
    assert reporter.fancy and "chapters" in stream.getvalue() and "2/2" in stream.getvalue()
    quiet = Terminal()
    with BuildReporter(quiet=True, stream=quiet) as reporter:
        reporter.on_progress("chapters", 1, 2, "x")
        reporter.on_stage("pdf")
    assert quiet.getvalue() == ""
