"""Untrusted books in scripts the fonts lack, right-to-left books, and text too wide for the page: each gets
a warning naming file:line (an error under --strict), the fonts it asks for, or a layout that fits."""
from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

import workbook
from helpers import chapter, epub_files
from workbook.cli import cli
from workbook.errors import ConfigError
from workbook.files.scripts import SCRIPTS, missing_packages
from workbook.render.fetcher import BookFetchError, SafeFetcher
from workbook.render.templates import Renderer
from workbook.source.check import check_book

CHINESE = "王芳 went to 北京 and said 你好。"


def _installed(*scripts: str) -> bool:
    return not missing_packages(list(scripts))


def test_chinese_text_one_warning_per_chapter_with_file_line_and_characters(books):
    book = books.write({
        "01-a.md": chapter("An English line.\n\n" + CHINESE + "\n\nAnd 王芳 again, and 芳 again."),
        "02-b.md": chapter("Nothing odd.\n\nThen 北京 and 🎉 here."),
    })
    found = [str(d) for d in check_book(book).warnings]
    assert found == [
        "chapters/01-a.md:7: warning: the book's fonts have no glyphs for 王 芳 北 京 你 好 。 (CJK); add fonts: [cjk] to "
        "book.yaml or remove them (they print as empty boxes or in a system font)",
        "chapters/02-b.md:7: warning: the book's fonts have no glyphs for 北 京 (CJK); 🎉; add fonts: [cjk] to book.yaml "
        "or remove them (they print as empty boxes or in a system font)",
    ]
    plain = CliRunner().invoke(cli, ["check", str(book)])
    assert plain.exit_code == 0 and "chapters/01-a.md:7: warning" in plain.output
    strict = CliRunner().invoke(cli, ["check", "--strict", str(book)])
    assert strict.exit_code == 1 and "--strict" in strict.output


def test_missing_glyphs_fail_a_strict_build_before_layout(tmp_path, books):
    book = books.write({"01-a.md": chapter(CHINESE)})
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, tmp_path / "dist", ["pdf"], strict=True)
    assert [str(d) for d in caught.value.diagnostics if "glyphs" in d.message][0].startswith("chapters/01-a.md:5: error:")
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").glob("*.pdf"))


def test_book_yaml_text_and_private_characters_are_checked(books):
    book = books.write({"01-a.md": chapter("A private character \ue123 here.")}, title="Книга 王")
    found = [str(d) for d in check_book(book).warnings]
    assert any(f.startswith("book.yaml:1: warning: the book's fonts have no glyphs for 王 (CJK)") for f in found), found
    assert any(f.startswith("chapters/01-a.md:5: warning: the book's fonts have no glyphs for U+E123; no font the book can use has them")
               for f in found), found


def test_unknown_or_uninstalled_script_is_a_config_error(tmp_path, monkeypatch, books):
    book = books.write({"01-a.md": chapter("Text.")}, extra="fonts: [klingon]\n")
    with pytest.raises(ConfigError) as caught:
        workbook.load_book(book)
    assert str(caught.value.diagnostics[0]) == ("book.yaml:5: error: fonts: unknown script 'klingon'; "
                                                "choose from arabic, hebrew, thai, devanagari, cjk")
    face = SCRIPTS["thai"][0]
    monkeypatch.setitem(SCRIPTS, "thai", (type(face)(face.package, face.group, str(tmp_path / "gone.ttf"),
                                                     face.family, face.weight, face.ranges),))
    book2 = books.write({"01-a.md": chapter("Text.")}, extra="fonts: [thai]\n", to="two/book")
    with pytest.raises(ConfigError) as caught:
        workbook.load_book(book2)
    message = str(caught.value.diagnostics[0])
    assert message.startswith("book.yaml:5: error: fonts:") and "thai needs fonts-noto-core" in message
    assert "apt-get install fonts-noto-core" in message


def test_fetcher_reads_only_the_enabled_scripts_font_files(tmp_path):
    if not _installed("arabic"):
        pytest.skip("fonts-noto-core is not installed (make sysdeps installs it)")
    url = Path(SCRIPTS["arabic"][0].path).resolve().as_uri()
    assert SafeFetcher(tmp_path, fonts=["arabic"]).read(url)[0][:4] in (b"\0\1\0\0", b"true", b"OTTO")
    with pytest.raises(BookFetchError):
        SafeFetcher(tmp_path).read(url)
    other = Path(SCRIPTS["hebrew"][0].path).resolve().as_uri()
    with pytest.raises(BookFetchError):
        SafeFetcher(tmp_path, fonts=["arabic"]).read(other)


@pytest.mark.build
def test_arabic_book_is_right_to_left_and_its_question_mark_counts(tmp_path, books):
    book = books.write({"01-a.md": chapter("مرحبا بكم في هذا الكتاب.\n\n💡 ما الذي جاء بك إلى هنا؟",
                                                   title="البداية")}, extra="")
    yaml = (book / "book.yaml").read_text(encoding="utf-8").replace("language: en", "language: ar")
    if _installed("arabic"):
        yaml = yaml.replace("chapters:", "fonts: [arabic]\nchapters:")
    (book / "book.yaml").write_text(yaml, encoding="utf-8")
    report = check_book(book)
    assert not [d for d in report.diagnostics if "not a question" in d.message]
    assert bool([d for d in report.diagnostics if "no glyphs" in d.message]) != _installed("arabic")
    html = Renderer(report.manuscript).pdf_html("screen")
    assert '<html lang="ar" dir="rtl"' in html
    result = workbook.build(book, tmp_path / "dist", ["epub"])
    files = epub_files(result.outputs[0])
    opf = next(data for name, data in files.items() if name.endswith(".opf")).decode()
    assert 'page-progression-direction="rtl"' in opf
    chapters = [data.decode() for name, data in files.items() if name.endswith(".xhtml")]
    assert len(chapters) >= 3 and all(' dir="rtl"' in text[:text.index("<head")] for text in chapters)


@pytest.mark.parametrize("text", ["Is it ready;", "準備はいいですか？", "Ready‽"])
def test_other_question_marks_count(text, books):
    book = books.write({"01-a.md": chapter(f"💡 {text.replace(';', chr(0x37E))}")})
    assert not [d for d in check_book(book).diagnostics if "not a question" in d.message]


@pytest.mark.build
def test_wide_table_and_long_word_are_warned_and_the_word_wraps(tmp_path, books):
    columns = 60
    table = ("| " + " | ".join(f"C{i}" for i in range(columns)) + " |\n|" + "---|" * columns + "\n| "
             + " | ".join(f"value{i}" for i in range(columns)) + " |")
    word = "abcdefghij" * 2000
    book = books.write({"01-table.md": chapter("Before.\n\n" + table + "\n\nAfter."),
                                "02-word.md": chapter("Before.\n\n" + word + "\n\nAfter."),
                                "03-code.md": chapter("```\n" + "klmnopqrst" * 200 + "\n```\n\nSee `" + "q" * 300 + "`.")})
    checked = [str(d) for d in check_book(book).warnings]
    assert checked == ["chapters/02-word.md:7: warning: a word of 20000 characters without a space or hyphen "
                       "('abcdefghijabcdefghijabcdefghi…'): it is broken every few characters to fit the page; words "
                       "of more than 80 characters are not words — add spaces",
                       "chapters/03-code.md:6: warning: a word of 2000 characters without a space or hyphen "
                       "('klmnopqrstklmnopqrstklmnopqrs…') (and 1 more): it is broken every few characters to fit the "
                       "page; words of more than 80 characters are not words — add spaces"]
    result = workbook.build(book, tmp_path / "dist", ["pdf"])
    warnings = [str(w) for w in result.warnings]
    assert any(w.startswith(f"chapters/01-table.md:7: warning: a table of {columns} columns is ") and "cut off" in w
               for w in warnings), warnings
    assert not [w for w in warnings if "a line runs" in w], warnings
    with pdfplumber.open(result.outputs[0]) as pdf:
        assert sum(c["text"] == "j" for page in pdf.pages for c in page.chars) == 2000  # the whole word is printed
        assert not [c for page in pdf.pages for c in page.chars if c["x1"] > page.width and c["text"] == "j"]
        assert sum(c["text"] == "q" for page in pdf.pages for c in page.chars) == 500  # code wraps, nothing lost
        assert not [c for page in pdf.pages for c in page.chars if c["x1"] > page.width and c["text"] == "q"]


@pytest.mark.build
def test_cjk_book_with_fonts_key_builds_without_boxes(tmp_path, books):
    if not _installed("cjk"):
        pytest.skip(f"the cjk fonts are not installed ({', '.join(missing_packages(['cjk']))}; make sysdeps installs them)")
    book = books.write({"01-a.md": chapter("Intro.\n\n" + CHINESE + " 안녕하세요.\n\n💡 王芳说了什么？")},
                       extra="fonts: [cjk]\n")
    result = workbook.build(book, tmp_path / "dist", ["pdf"])
    assert not [w for w in result.warnings if "glyph" in w.message], result.warnings
    import pikepdf

    with pikepdf.open(result.outputs[0]) as pdf:
        names = {str(font.get("/BaseFont")).split("+")[-1] for page in pdf.pages
                 for font in (page.Resources.get("/Font") or {}).values()}
    assert {"Workbook-Serif", "Workbook-Serif-CJK", "Workbook-Serif-Korean", "Workbook-Sans-CJK"} <= names, names
    with pdfplumber.open(result.outputs[0]) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "王芳 went to 北京" in text and "안녕하세요" in text


@pytest.mark.build
def test_characters_only_the_styles_add_are_one_summary_warning(tmp_path, books):
    book = books.write({"01-a.md": chapter("Plain text.")},
                       files={"styles/extra.css": 'p::after { content: "\\f0000\\f0001"; }'})
    result = workbook.build(book, tmp_path / "dist", ["pdf"])
    glyphs = [str(w) for w in result.warnings if "glyph" in w.message]
    assert glyphs == ["pdf: warning: the book's fonts have no glyphs for U+F0000 U+F0001 (text the layouts or book.yaml "
                      "add); they print as empty boxes: change that text or add fonts: to book.yaml"]


def test_prompt_markers_are_icons_but_a_bulb_inside_text_is_reported(books):
    book = books.write({"01-a.md": chapter("💡 What now?\n\n💡\ufe0f And then?\n\nA bulb 💡 in the middle.\n\n"
                                                   "🔗 [Site](https://例え.jp/王)")})
    assert [str(d) for d in check_book(book).warnings] == [
        "chapters/01-a.md:9: warning: the book's fonts have no glyphs for 💡; no font the book can use has them: remove "
        "or replace them (they print as empty boxes or in a system font)"]
