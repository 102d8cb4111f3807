"""book.yaml validation: every problem at once, as book.yaml:LINE: key: message."""
from __future__ import annotations

import pytest

import workbook
from workbook import ConfigError, load_config
from workbook.cache.store import CACHE_NAME, Cache
from workbook.model.config import parse_formats

GOOD = """\
title: A Book
author: Someone
language: en
chapters:
  - one.md
"""


ONE = {"one.md": "---\ntitle: One\n---\n\nText.\n"}  # the chapter GOOD lists, beside book.yaml


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(d) for d in exc.value.diagnostics]


def test_a_good_book_loads_with_defaults(books):
    book = books.write(ONE, yaml=GOOD, under="")
    config = load_config(book)
    assert config.settings.title == "A Book"
    assert config.slug == "a-book"
    assert config.settings.prompt_lines == 6
    assert config.page_size_mm == (210.0, 297.0)
    assert config.identifier.startswith("urn:uuid:")
    assert config.identifier == load_config(book).identifier  # stable without one in book.yaml


def test_all_problems_are_reported_at_once_with_lines(books):
    text = "author: Someone\nlanguage: 12 3\nprompt_lines: many\npage_size: B7\nchapters:\n  - one.md\n  - missing.md\n"
    with pytest.raises(ConfigError) as exc:
        load_config(books.write(ONE, yaml=text, under=""))
    found = messages(exc)
    assert "book.yaml:1: error: title: is required" in found
    assert any(m.startswith("book.yaml:2: error: language:") for m in found)
    assert any(m.startswith("book.yaml:3: error: prompt_lines:") for m in found)
    assert any(m.startswith("book.yaml:4: error: page_size:") for m in found)


def test_missing_chapter_file_is_named_with_its_line(books):
    with pytest.raises(ConfigError) as exc:
        load_config(books.write(ONE, yaml=GOOD + "  - chapters/nope.md\n", under=""))
    assert messages(exc) == ["book.yaml:6: error: chapters[1]: chapter file chapters/nope.md does not exist"]


def test_unknown_keys_are_warnings(books):
    config = load_config(books.write(ONE, yaml=GOOD + "colour: blue\n", under=""))
    assert [str(w) for w in config.warnings] == ["book.yaml:6: warning: colour: unknown key, ignored"]


def test_malformed_yaml_names_the_line(books):
    with pytest.raises(ConfigError) as exc:
        load_config(books.write(ONE, yaml="title: A\nauthor: [unclosed\nchapters: []\n", under=""))
    (message,) = messages(exc)
    assert message.startswith("book.yaml:3: error: invalid YAML")


def test_duplicate_keys_are_an_error(books):
    with pytest.raises(ConfigError) as exc:
        load_config(books.write(ONE, yaml=GOOD + "title: Again\n", under=""))
    assert messages(exc) == ["book.yaml:6: error: title: duplicate key (first on line 1)"]


def test_chapters_outside_the_book_are_refused(tmp_path, books):
    (tmp_path / "secret.md").write_text("x")
    with pytest.raises(ConfigError) as exc:
        load_config(books.write(ONE, yaml=GOOD.replace("one.md", "../secret.md"), under=""))
    assert "outside the book folder" in messages(exc)[0]


def test_not_a_mapping(books):
    with pytest.raises(ConfigError) as exc:
        load_config(books.write(ONE, yaml="- just\n- a list\n", under=""))
    assert messages(exc)[0].startswith("book.yaml:1: error: must be a mapping")


@pytest.mark.parametrize("size,expected", [("A5", (148.0, 210.0)), ("Letter", (215.9, 279.4)),
                                           ("6x9in", (152.4, 228.6)), ("170mm 240mm", (170.0, 240.0))])
def test_page_sizes(size, expected, books):
    assert load_config(books.write(ONE, yaml=GOOD + f"page_size: {size}\n", under="")).page_size_mm == expected


def test_locale_words_can_be_overridden(books):
    config = load_config(books.write(ONE, yaml=GOOD + "words:\n  contents: Table of contents\n", under=""))
    assert config.words["contents"] == "Table of contents"
    assert config.words["example"] == "Example"
    with pytest.raises(ConfigError) as exc:
        load_config(books.write(ONE, yaml=GOOD + "words:\n  nonsense: x\n", under=""))
    assert messages(exc)[0].startswith("book.yaml:6: error: words: unknown word 'nonsense'")


def test_page_size_override_does_not_hide_a_bad_page_size_in_book_yaml(books):
    book = books("mini")
    config = (book / "book.yaml").read_text(encoding="utf-8")
    (book / "book.yaml").write_text(config.replace("page_size: A4", "page_size: B7"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(book, page_size="A5")
    assert any(d.message.startswith("page_size: must be A4, A5") and d.line for d in caught.value.diagnostics)


def test_page_size_override_replaces_book_yaml_and_a_bad_one_is_named(books):
    book = books("mini")
    assert load_config(book, page_size="A4").page_size_mm == (210.0, 297.0)
    with pytest.raises(ConfigError) as caught:
        load_config(book, page_size="B7")
    assert [str(d) for d in caught.value.diagnostics if d.file == "--page-size"] == [
        "--page-size: error: 'B7': must be A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm'"]


def test_formats_from_book_yaml_keep_their_order_each_once():
    assert parse_formats(None, ["worksheets", "epub", "worksheets"]) == ["worksheets", "epub"]
    assert parse_formats("epub, pdf") == ["pdf", "epub"]


def test_chapters_converted_once_serve_every_page_size(tmp_path, books):
    book = books("mini")
    cache = Cache(tmp_path / CACHE_NAME)
    workbook.load_book(book, cache=cache)
    entries = sorted((tmp_path / CACHE_NAME / "chapters").iterdir())
    workbook.load_book(book, cache=cache, page_size="A5")  # mini is A4
    assert sorted((tmp_path / CACHE_NAME / "chapters").iterdir()) == entries


def test_the_cache_key_is_made_without_installed_metadata(monkeypatch):
    from importlib import metadata

    from workbook.cache import store

    real = metadata.version

    def missing(name: str) -> str:
        if name == "workbook":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", missing)
    store.code_fingerprint.cache_clear()
    try:
        assert len(store.code_fingerprint()) == 64
    finally:
        store.code_fingerprint.cache_clear()
