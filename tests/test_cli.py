"""The command line: what it writes, and clear file:line errors (exit 1) or usage errors (exit 2), never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOTS


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "workbook", *args], capture_output=True, text=True, cwd=cwd,
                            timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.build
def test_build_writes_pdf_and_epub_and_says_so(tmp_path):
    result = run("build", str(ROOTS / "mini"), "-o", str(tmp_path / "out"), "-f", "pdf,epub")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "small-steps.pdf").is_file()
    assert (tmp_path / "out" / "small-steps.epub").is_file()
    assert f"wrote {tmp_path / 'out' / 'small-steps.pdf'}" in result.stdout
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".wb-tmp")]


@pytest.mark.build
def test_format_selection(tmp_path):
    result = run("build", str(ROOTS / "mini"), "-o", str(tmp_path), "-f", "epub")
    assert result.returncode == 0
    assert [p.name for p in tmp_path.iterdir()] == ["small-steps.epub"]


@pytest.mark.slow
@pytest.mark.parametrize("args", [["build", "-f", "docx"], ["frobnicate"], ["build", "--nope"]])
def test_usage_errors_exit_2(args):
    assert run(*args).returncode == 2


def broken(books, edit) -> Path:
    book = books("mini")
    edit(book)
    return book


CASES = {
    "malformed yaml": (lambda b: (b / "book.yaml").write_text("title: [oops\nauthor: x\n"),
                       "book.yaml:2: error: invalid YAML"),
    "missing title": (lambda b: (b / "book.yaml").write_text(
        (b / "book.yaml").read_text().replace("title: Small Steps\n", "")), "book.yaml:2: error: title: is required"),
    "missing chapter file": (lambda b: (b / "chapters" / "02-more.md").unlink(),
                             "book.yaml:14: error: chapters[1]: chapter file chapters/02-more.md does not exist"),
    "front matter not a mapping": (lambda b: (b / "chapters" / "01-start.md").write_text("---\n- a\n- b\n---\n\nText.\n"),
                                   "chapters/01-start.md:2: error: front matter must be a mapping"),
    "lines=abc": (lambda b: (b / "chapters" / "01-start.md").write_text("---\ntitle: T\n---\n\nText.\n\n💡 Why? {lines=abc}\n"),
                  "chapters/01-start.md:7: error: {lines=abc}: the number of lines must be a whole number from 1 to 40"),
    "not utf-8": (lambda b: (b / "chapters" / "02-more.md").write_bytes("---\ntitle: T\n---\n\nCaf\xe9\n".encode("latin-1")),
                  "chapters/02-more.md:5: error: is not UTF-8 text; save the file as UTF-8"),
    "bad front matter yaml": (lambda b: (b / "chapters" / "01-start.md").write_text("---\ntitle: [x\n---\n\nText.\n"),
                              "chapters/01-start.md:"),
    "unclosed front matter": (lambda b: (b / "chapters" / "01-start.md").write_text("---\ntitle: x\n\nText.\n"),
                              "chapters/01-start.md:1: error: front matter: front matter starts with --- but never ends"),
    "empty chapter": (lambda b: (b / "chapters" / "01-start.md").write_text("---\ntitle: x\n---\n\n"),
                      "chapters/01-start.md:4: error: chapter has no text"),
    "missing image": (lambda b: (b / "chapters" / "01-start.md").write_text(
                          "---\ntitle: x\n---\n\nText.\n\n![A tree](images/tree.png)\n"),
                      "chapters/01-start.md:7: error:"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_book_errors_name_file_and_line_and_exit_1(tmp_path, case, books):
    edit, expected = CASES[case]
    book = broken(books, edit)
    result = run("build", str(book), "-o", str(tmp_path / "dist"), "-f", "pdf")
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr, result.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


@pytest.mark.slow
def test_output_folder_may_not_be_the_book(books):
    book = books("mini")
    result = run("build", str(book), "-o", str(book))
    assert result.returncode == 1 and "output folder holds the book itself" in result.stderr


@pytest.mark.slow
def test_python_dash_m_and_console_script_agree():
    result = run("--version")
    assert result.returncode == 0 and "workbook" in result.stdout
