"""The build cache (.workbook-cache beside the output folder): converted chapters, laid-out parts, the cover."""
from __future__ import annotations

from pathlib import Path

import pytest

import workbook
from helpers import Books
from workbook.cache.store import CACHE_NAME, Cache


def _epub(out: Path) -> bytes:
    return next(out.glob("*.epub")).read_bytes()


@pytest.fixture(scope="module")
def mini_epubs(tmp_path_factory) -> dict:
    """The mini book's EPUB: cold (no cache), from a warm cache, from a corrupt cache, and with the
    page-number edition laid out in this process instead of a pool."""
    tmp = tmp_path_factory.mktemp("cache")
    book = Books(tmp)("mini")
    result = {}
    workbook.build(book, tmp / "dist", ["epub"])
    result["cold"] = _epub(tmp / "dist")
    cache = tmp / CACHE_NAME
    result["entries"] = sorted(p.parent.name for p in cache.rglob("*") if p.is_file())
    result["warm"] = (workbook.build(book, tmp / "dist", ["epub"]), _epub(tmp / "dist"))[1]
    for entry in cache.rglob("*"):
        if entry.is_file() and entry.parent.name in ("pages", "parts", "cover"):
            entry.write_bytes(b'\0\0\0\x10{"anchors": {"x"' if entry.parent.name != "cover" else b"\x89PNG broken")
    result["corrupt"] = (workbook.build(book, tmp / "dist", ["epub"]), _epub(tmp / "dist"))[1]
    result["repaired"] = {p.parent.name: Cache(cache).read(p.parent.name, p.name) for p in cache.rglob("*")
                          if p.parent.name in ("pages", "cover")}
    for entry in cache.rglob("*"):
        if entry.is_file():
            entry.unlink()
    result["one-process"] = (workbook.build(book, tmp / "one", ["pdf", "epub"], jobs=1), _epub(tmp / "one"))[1]
    result["dist_names"] = sorted(p.name for p in (tmp / "dist").iterdir())
    return result


@pytest.mark.build
def test_cache_lives_beside_the_output_folder(mini_epubs):
    assert set(mini_epubs["entries"]) == {"chapters", "cover", "pages", "parts"}
    assert not any(name.startswith(".workbook") for name in mini_epubs["dist_names"])


@pytest.mark.build
def test_a_warm_cache_gives_the_same_epub(mini_epubs):
    assert mini_epubs["warm"] == mini_epubs["cold"]


@pytest.mark.build
def test_a_corrupt_cache_entry_is_rebuilt_not_trusted(mini_epubs):
    assert mini_epubs["corrupt"] == mini_epubs["cold"]
    repaired = mini_epubs["repaired"]
    from workbook.layout.parts import decode_result

    assert decode_result(repaired["pages"], "pages") is not None
    assert repaired["cover"].startswith(b"\x89PNG") and repaired["cover"].endswith(b"IEND\xaeB`\x82")


@pytest.mark.build
def test_parts_laid_out_in_this_process_give_the_same_epub(mini_epubs):
    assert mini_epubs["one-process"] == mini_epubs["cold"]


def test_converted_chapters_come_from_the_cache_and_an_edit_is_seen(tmp_path, books):
    book = books("mini")
    cache = tmp_path / CACHE_NAME
    first = workbook.load_book(book, cache=Cache(cache))
    assert len(list((cache / "chapters").iterdir())) == len(first.chapters)
    assert workbook.load_book(book, cache=Cache(cache)).chapters == first.chapters
    chapter = first.chapters[0].source
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nEen nieuwe zin.\n", encoding="utf-8")
    for entry in (cache / "chapters").iterdir():
        entry.write_bytes(b"not a chapter")  # corrupt entries are converted again
    again = workbook.load_book(book, cache=Cache(cache))
    assert again.chapters == workbook.load_book(book).chapters
    assert "Een<span class=\"keep-whole\"> nieuwe\u00a0zin.</span>" in again.chapters[0].html and again.chapters[1] == first.chapters[1]


@pytest.mark.build
def test_entries_of_other_code_are_not_used(tmp_path, monkeypatch, books):
    """The cache is keyed by workbook's own code and its libraries' versions: after an upgrade nothing
    converted or laid out by the old code (with its older checks) is taken from the cache."""
    from workbook.cache import store as pagecache

    book = books("mini")
    first = workbook.build(book, tmp_path / "dist", ["pdf"])
    pdf = (tmp_path / "dist" / "small-steps.pdf").read_bytes()
    assert first.cached == 0
    again = workbook.build(book, tmp_path / "dist", ["pdf"])
    assert again.cached == again.parts and again.layouts == 0
    monkeypatch.setattr(pagecache, "code_fingerprint", lambda: "another version of workbook")
    upgraded = workbook.build(book, tmp_path / "dist", ["pdf"])
    assert upgraded.cached == 0 and upgraded.layouts == upgraded.parts
    assert (tmp_path / "dist" / "small-steps.pdf").read_bytes() == pdf
