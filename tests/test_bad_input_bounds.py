"""Bad input that used to cost unbounded memory or time, or that reached the EPUB and the terminal
unchecked: YAML alias bombs and deep nesting, quadratic Markdown, huge or endless files, dates and
slugs out of range, control characters. Each case runs `workbook` in a subprocess under a 2 GB
address-space cap and a 30 s timeout, so a regression fails the test instead of hanging the suite."""
from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import workbook
from helpers import REPO
from workbook.errors import Diagnostic
from workbook.source.check import check_book

CAP = 2_000_000_000


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def run(*args: str | Path, timeout: int = 30) -> subprocess.CompletedProcess:
    """`python -m workbook ARGS` with this checkout's sources, memory capped, time bounded."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run([sys.executable, "-m", "workbook", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=_cap)


# book.yaml of these books: no date (a test sets its own), `yaml_extra` from line 4 on.
YAML = "title: {title}\nauthor: Tester\nlanguage: en\n{extra}chapters:\n{chapters}"


def book_with(books, body: str = "# One\n\nText.\n", yaml_extra: str = "", title: str = "Bounds") -> Path:
    return books.write({"01-one.md": body}, yaml=YAML, title=title, extra=yaml_extra)


def checked(book: Path) -> list[str]:
    """`workbook check` in this process (for cases that cost neither memory nor time)."""
    return [str(d) for d in check_book(book).diagnostics]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


# -- YAML ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_alias_bomb_in_book_yaml_is_refused_before_it_expands(tmp_path, books):
    book = book_with(books, yaml_extra=billion_laughs())
    out = tmp_path / "dist"
    result = run("build", book, "-o", out)
    assert result.returncode == 1
    assert "book.yaml:4: error: anchors and aliases (&name/*name) are not allowed in book.yaml; write the value out" \
        in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_alias_in_front_matter_is_refused(books):
    book = book_with(books, "---\n" + billion_laughs() + "---\n# One\n\nText.\n")
    result = run("check", book)
    assert result.returncode == 1
    assert ("chapters/01-one.md:2: error: front matter: anchors and aliases (&name/*name) are not allowed in "
            "front matter; write the value out") in result.stdout


@pytest.mark.slow
def test_deeply_nested_flow_collection_is_refused_with_its_line(books):
    book = book_with(books, yaml_extra="deep: " + "[" * 10_000 + "]" * 10_000 + "\n")
    result = run("check", book)
    assert result.returncode == 1
    assert "book.yaml:4: error: invalid YAML: nested more than 50 levels deep" in result.stdout
    assert "internal error" not in result.stdout + result.stderr


# -- Markdown that made Python-Markdown quadratic ------------------------------------------------

QUADRATIC = {
    "footnote references": ("\n\n".join(["x[^1]" * 500] * 20) + "\n\n[^1]: note\n",
                            "footnote references and notes ([^…]); the limit is 2,000"),
    "unclosed <a": ("<a " * 33_000, "markup characters"),
    "unclosed <a inside the markup limit": ("<a " * 2_500, "starts an HTML tag that no '>' closes"),
    "smart quotes": ("'\"" * 40_000, "Markdown markup characters (* _ ` [ < & | \\ and quotes); the limit is 20,000"),
    "prompts": ("\n\n".join(["💡 Why?"] * 20_000), "💡 prompts; the limit is 500"),
    "paragraphs": ("x\n\n" * 20_000, "paragraphs, headings and list items; the limit is 5,000"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", QUADRATIC)
def test_quadratic_markdown_is_refused_quickly(name, books):
    body, message = QUADRATIC[name]
    result = run("check", book_with(books, "# One\n\n" + body + "\n"))
    assert result.returncode == 1
    assert "chapters/01-one.md:" in result.stdout and message in result.stdout, result.stdout[-2000:]
    assert "split" in result.stdout or "&lt;" in result.stdout


@pytest.mark.slow
def test_chapter_near_several_limits_at_once_is_refused(books):
    body = "\n\n".join(("💡 Why?\n\n" if i % 14 == 0 else "") + "Some *text* with a [link](http://x.org) and it's fine"
                       + ("[^1]" if i % 3 == 0 else "") for i in range(3_000)) + "\n\n[^1]: note\n"
    result = run("check", book_with(books, "# One\n\n" + body))
    assert result.returncode == 1
    assert "chapters/01-one.md:1: error: chapter is too much to convert in one piece: it uses markup 6" in result.stdout
    assert "(at most 150%); split the chapter into two or more chapters" in result.stdout


@pytest.mark.slow
def test_chapter_at_the_footnote_limit_checks_in_seconds(books):
    body = "# One\n\n" + "\n\n".join(["x[^1] " * 199] * 10) + "\n\n[^1]: note\n"
    result = run("check", book_with(books, body), timeout=30)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("no problems found")


# -- files larger than their limit are not read --------------------------------------------------

@pytest.mark.slow
def test_sparse_5_gb_chapter_is_refused_by_its_size(books):
    book = book_with(books)
    os.truncate(book / "chapters" / "01-one.md", 5 * 1024 ** 3)
    result = run("check", book)
    assert result.returncode == 1
    assert "chapters/01-one.md: error: chapter is 5368 MB; split it (limit 1 MB)" in result.stdout


@pytest.mark.slow
def test_sparse_5_gb_how_to_use_is_refused_by_its_size(tmp_path, books):
    book = book_with(books, yaml_extra="how_to_use: how.md\n")
    (book / "how.md").write_bytes(b"")
    os.truncate(book / "how.md", 5 * 1024 ** 3)
    result = run("build", book, "-o", tmp_path / "dist")
    assert result.returncode == 1
    assert "book.yaml:4: error: how_to_use: how.md is 5369 MB; the limit is 1 MB — split it or shorten it" \
        in result.stderr
    assert not (tmp_path / "dist").exists()


@pytest.mark.slow
def test_sparse_5_gb_book_yaml_is_refused_by_its_size(books):
    book = book_with(books)
    os.truncate(book / "book.yaml", 5 * 1024 ** 3)
    result = run("check", book)
    assert result.returncode == 1
    assert "book.yaml: error: is 5368709 kB; settings fit in far less (limit 256 kB)" in result.stdout


@pytest.mark.slow
def test_endless_clients_file_is_read_only_up_to_its_limit(tmp_path):
    out = tmp_path / "dist"
    result = run("worksheets", REPO / "tests" / "roots" / "mini", "--clients", "/dev/zero", "-o", out)
    assert result.returncode == 1
    assert "zero: error: holds more than 10 MB; the limit for a clients list is 10 MB" in result.stderr
    assert not (out / "worksheets").exists()


# -- values out of range -------------------------------------------------------------------------

def test_date_before_year_1000_is_refused(books):
    (problem,) = checked(book_with(books, yaml_extra="date: 0001-01-01\n"))
    assert problem.startswith("book.yaml:4: error: date: year 1 is out of range; EPUB and PDF dates need a "
                              "four-digit year (1000–9999), e.g. ")


def test_300_character_slug_is_refused(books):
    assert checked(book_with(books, yaml_extra="slug: " + "a" * 300 + "\n")) == [
        "book.yaml:4: error: slug: is 300 characters long; the limit is 100 (output file names are made from it "
        "and must stay short)"]


def test_slug_from_a_long_title_is_short(books):
    book = book_with(books, title="A " + "very " * 80 + "long title")
    assert len(workbook.load_book(book).config.slug) <= 60


def test_300_character_chapter_slug_is_refused(books):
    book = book_with(books, "---\nslug: " + "b" * 300 + "\n---\n# One\n\nText.\n")
    assert checked(book) == ["chapters/01-one.md:2: error: slug: is 300 characters long; the limit is 100"]


# -- control characters --------------------------------------------------------------------------

def test_control_characters_in_the_title_are_refused_before_anything_is_written(tmp_path, books):
    book = book_with(books, title='"Small\\fSteps\\uFFFE"')
    out = tmp_path / "dist"
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, out, ["pdf", "epub"])
    assert [str(d) for d in caught.value.diagnostics] == [
        "book.yaml:1: error: title: holds the control character \\x0c, which no book may contain; remove it"]
    assert not out.exists()


def test_control_characters_in_front_matter_are_refused(books):
    book = book_with(books, '---\ntitle: "One\\u0085"\n---\n# One\n\nText.\n')
    assert checked(book) == ["chapters/01-one.md:2: error: front matter: title: holds the control character \\x85, "
                             "which no book may contain; remove it"]


def test_control_characters_in_chapter_text_are_removed_with_a_warning(books):
    book = book_with(books, "# One\n\nText.\n\nA form\x0cfeed and an \x1b[31mescape\uffff.\n\nMore\x0b.\n")
    manuscript = workbook.load_book(book)
    assert [str(w) for w in manuscript.warnings] == [
        "chapters/01-one.md:5: warning: control characters \\x0b, \\x0c, \\x1b, \\uffff removed (and on 1 more line); "
        "they are invisible and cannot go into an EPUB — delete them from the file"]
    html = manuscript.chapters[0].html
    text = re.sub(r"<[^>]+>", "", html).replace("\u00a0", " ")
    assert "A formfeed and an [31mescape." in text and "\x1b" not in html and "\x0b" not in html


@pytest.mark.slow
def test_terminal_escape_sequences_never_reach_the_terminal(books):
    book = book_with(books, yaml_extra='subtitle: "\\e]0;pwned\\a\\e[2J"\n')
    result = run("check", book)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr
    assert "book.yaml:4: error: subtitle: holds the control character \\x1b" in result.stdout


def test_every_diagnostic_is_printed_with_control_characters_escaped():
    item = Diagnostic("chapters/\x1b[2J.md", 3, "title \x1b]0;pwned\x07 and \u009b, tab\tand\nnewline kept")
    assert str(item) == "chapters/\\x1b[2J.md:3: error: title \\x1b]0;pwned\\x07 and \\x9b, tab\tand\nnewline kept"


@pytest.mark.build
def test_a_generated_epub_file_that_is_not_well_formed_is_named_as_generated(tmp_path, books):
    book = book_with(books)
    (book / "layouts").mkdir()
    (book / "layouts" / "epub-titlepage.xhtml").write_text("<section><p>{{ book.title }}</section>\n")
    out = tmp_path / "dist"
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, out, ["epub"])
    (problem,) = [str(d) for d in caught.value.diagnostics]
    assert problem.startswith("epub: error: generated file titlepage.xhtml could not be written because it is not "
                              "well-formed XHTML (")
    assert "look there for raw HTML or template text that does not close" in problem
    assert not out.exists() or not any(out.iterdir())
