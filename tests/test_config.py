"""book.yaml validation: every problem at once, as book.yaml:LINE: key: message."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbook import ConfigError, load_config

GOOD = """\
title: A Book
author: Someone
language: en
chapters:
  - one.md
"""


def make_book(tmp_path: Path, yaml_text: str, chapters: dict[str, str] | None = None) -> Path:
    (tmp_path / "book.yaml").write_text(yaml_text, encoding="utf-8")
    for name, text in (chapters if chapters is not None else {"one.md": "---\ntitle: One\n---\n\nText.\n"}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(d) for d in exc.value.diagnostics]


def test_a_good_book_loads_with_defaults(tmp_path):
    config = load_config(make_book(tmp_path, GOOD))
    assert config.settings.title == "A Book"
    assert config.slug == "a-book"
    assert config.settings.prompt_lines == 6
    assert config.page_size_mm == (210.0, 297.0)
    assert config.identifier.startswith("urn:uuid:")
    assert config.identifier == load_config(tmp_path).identifier  # stable without one in book.yaml


def test_all_problems_are_reported_at_once_with_lines(tmp_path):
    text = "author: Someone\nlanguage: 12 3\nprompt_lines: many\npage_size: B7\nchapters:\n  - one.md\n  - missing.md\n"
    with pytest.raises(ConfigError) as exc:
        load_config(make_book(tmp_path, text))
    found = messages(exc)
    assert "book.yaml:1: error: title: is required" in found
    assert any(m.startswith("book.yaml:2: error: language:") for m in found)
    assert any(m.startswith("book.yaml:3: error: prompt_lines:") for m in found)
    assert any(m.startswith("book.yaml:4: error: page_size:") for m in found)


def test_missing_chapter_file_is_named_with_its_line(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(make_book(tmp_path, GOOD + "  - chapters/nope.md\n"))
    assert messages(exc) == ["book.yaml:6: error: chapters[1]: chapter file chapters/nope.md does not exist"]


def test_unknown_keys_are_warnings(tmp_path):
    config = load_config(make_book(tmp_path, GOOD + "colour: blue\n"))
    assert [str(w) for w in config.warnings] == ["book.yaml:6: warning: colour: unknown key, ignored"]


def test_malformed_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(make_book(tmp_path, "title: A\nauthor: [unclosed\nchapters: []\n"))
    (message,) = messages(exc)
    assert message.startswith("book.yaml:3: error: invalid YAML")


def test_duplicate_keys_are_an_error(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(make_book(tmp_path, GOOD + "title: Again\n"))
    assert messages(exc) == ["book.yaml:6: error: title: duplicate key (first on line 1)"]


def test_chapters_outside_the_book_are_refused(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (tmp_path / "secret.md").write_text("x")
    with pytest.raises(ConfigError) as exc:
        load_config(make_book(book, GOOD.replace("one.md", "../secret.md")))
    assert "outside the book folder" in messages(exc)[0]


def test_not_a_mapping(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(make_book(tmp_path, "- just\n- a list\n"))
    assert messages(exc)[0].startswith("book.yaml:1: error: must be a mapping")


@pytest.mark.parametrize("size,expected", [("A5", (148.0, 210.0)), ("Letter", (215.9, 279.4)),
                                           ("6x9in", (152.4, 228.6)), ("170mm 240mm", (170.0, 240.0))])
def test_page_sizes(tmp_path, size, expected):
    assert load_config(make_book(tmp_path, GOOD + f"page_size: {size}\n")).page_size_mm == expected


def test_locale_words_can_be_overridden(tmp_path):
    config = load_config(make_book(tmp_path, GOOD + "words:\n  contents: Table of contents\n"))
    assert config.words["contents"] == "Table of contents"
    assert config.words["example"] == "Example"
    with pytest.raises(ConfigError) as exc:
        load_config(make_book(tmp_path, GOOD + "words:\n  nonsense: x\n"))
    assert messages(exc)[0].startswith("book.yaml:6: error: words: unknown word 'nonsense'")
