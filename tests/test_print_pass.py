"""Profiled builds against the preflight: the demo book and every test book that is not broken on purpose,
built for KDP, IngramSpark and a press at a trim each printer takes (the book's own, else 6 x 9 in), pass
`preflight` and `workbook check --print-profile` on the files the build wrote, with no error."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import workbook
from helpers import BROKEN_ROOTS, DEMO, ROOTS, Books
from workbook.cli import cli
from workbook.errors import WorkbookError
from workbook.model.printing import PROFILES, check_trim, get_profile
from workbook.targets.preflight import preflight

SPINE = "print:\n  paper: cream\n  spine_in: {ingramspark: 0.25, press: 0.27}\n"
BOOKS = ["book"] + sorted(p.name for p in ROOTS.iterdir() if (p / "book.yaml").is_file() and p.name not in BROKEN_ROOTS)
OTHER_SIZE = "6x9in"  # where a printer does not take the book's own trim (IngramSpark and A4)


def _sizes(book: Path) -> dict[str | None, list[str]]:
    """The profiles built at the book's own size (None) and at OTHER_SIZE, for the printers that refuse it."""
    width, height = workbook.load_book(book).config.page_size_mm
    sizes: dict[str | None, list[str]] = {}
    for name in PROFILES:
        try:
            check_trim(get_profile(name), width, height)
            sizes.setdefault(None, []).append(name)
        except WorkbookError:
            sizes.setdefault(OTHER_SIZE, []).append(name)
    return sizes


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], tuple[Path, Path, Path]]:
    """(book, profile) -> (book folder, interior, cover): each book built once per trim its printers take."""
    files = {}
    for name in BOOKS:
        book = Books(tmp_path_factory.mktemp(f"pass-{name}"))(name)
        with open(book / "book.yaml", "a", encoding="utf-8") as config:
            config.write(SPINE)
        for size, profiles in _sizes(book).items():
            out = book.parent / f"dist-{size or 'own'}"
            result = workbook.build(book, out, ["print"], page_size=size, print_profiles=profiles)
            for profile in profiles:
                interior = next(p for p in result.outputs if p.name.endswith(f"-print-{profile}.pdf"))
                cover = next(p for p in result.outputs if p.name.endswith(f"-cover-{profile}.pdf"))
                files[name, profile] = (book, interior, cover)
    return files


def test_every_book_is_built_at_a_size_each_printer_takes():
    assert DEMO.name == "book" and {"mini", "linked", "typo", "article", "pictures", "glyphs"} <= set(BOOKS)
    assert not BROKEN_ROOTS & set(BOOKS)


@pytest.mark.build
@pytest.mark.parametrize("book", BOOKS)
@pytest.mark.parametrize("name", PROFILES)
def test_the_profiled_files_pass_the_preflight(built, book, name):
    folder, interior, cover = built[book, name]
    config = workbook.load_book(folder).config
    settings = config.settings.print
    found = preflight(get_profile(name), interior, cover, settings.paper, settings.spine_for(name)
                      if name != "kdp" else None, isbn=config.settings.isbn)
    assert [str(d) for d in found if d.severity == "error"] == []


@pytest.mark.build
def test_check_takes_paper_and_spine_from_book_yaml(built):
    """`workbook check --print-profile` finds the files by the names the build wrote and measures the spine
    for book.yaml's paper and spine widths: no --paper, no --spine-in."""
    for book in ("book", "linked"):
        folder, interior, _ = built[book, "press"]
        result = CliRunner().invoke(cli, ["check", str(folder), "-o", str(interior.parent), "--print-profile", "press",
                                          "--print-profile", "kdp"])
        assert result.exit_code == 0, result.output
        assert "error" not in result.output
