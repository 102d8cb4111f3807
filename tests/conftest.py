"""Shared fixtures: the demo book and the mini-books built once per test session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import workbook

REPO = Path(__file__).resolve().parents[1]
ROOTS = Path(__file__).resolve().parent / "roots"
SHARED = REPO.parent / "shared"
# Mini-books that are broken on purpose (for `workbook check`); every other root must build.
BROKEN_ROOTS = {"broken-links", "dupe-slugs", "dupes", "no-alt"}


def copy_root(name: str, target: Path) -> Path:
    """A fresh copy of tests/roots/NAME to change or build."""
    destination = target / name
    shutil.copytree(ROOTS / name, destination)
    return destination


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> workbook.BuildResult:
    out = tmp_path_factory.mktemp("demo-dist")
    return workbook.build(REPO / "book", out, ["pdf", "epub", "print"])


@pytest.fixture(scope="session")
def demo_manuscript() -> workbook.Manuscript:
    return workbook.load_book(REPO / "book")


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory) -> workbook.BuildResult:
    out = tmp_path_factory.mktemp("mini-dist")
    return workbook.build(ROOTS / "mini", out, ["pdf", "epub", "print"])


@pytest.fixture(scope="session")
def mini_manuscript() -> workbook.Manuscript:
    return workbook.load_book(ROOTS / "mini")


def output(result: workbook.BuildResult, suffix: str) -> Path:
    return next(p for p in result.outputs if p.suffix == suffix)


@pytest.fixture(scope="session")
def demo_editions(tmp_path_factory) -> dict:
    """Both PDF editions of the demo book, made from one render of the whole book: edition -> (pdf path,
    the WeasyPrint Document both are made of, manuscript)."""
    from workbook.layout.editions import edition_pdf, whole_document
    from workbook.layout.session import BuildSession

    out = tmp_path_factory.mktemp("demo-editions")
    manuscript = workbook.load_book(REPO / "book")
    session = BuildSession.start(manuscript)
    document = whole_document(session)
    editions = {}
    for edition in ("screen", "print"):
        path = out / f"{edition}.pdf"
        path.write_bytes(edition_pdf(session, edition, whole=True))
        editions[edition] = (path, document, manuscript)
    return editions


# -- every glyph of every PDF the suite makes is checked against its font (glyphcheck.py) ----------------

_GLYPH_PROBLEMS: dict[str, list[str]] = {}  # SHA-256 of a PDF -> what glyphcheck found (checked once)


def glyph_problems(folder: Path) -> list[str]:
    """What glyphcheck finds in the PDFs under `folder` (damaged PDFs that tests make on purpose aside)."""
    import hashlib

    import pikepdf

    from glyphcheck import check_pdf

    problems = []
    for path in sorted(folder.rglob("*.pdf")):
        try:
            if not path.is_file() or path.stat().st_size > 64_000_000:  # sparse giants of the bad-input tests
                continue
            with path.open("rb") as handle:
                if handle.read(5) != b"%PDF-":
                    continue
            data = path.read_bytes()
        except OSError:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest not in _GLYPH_PROBLEMS:
            try:
                _GLYPH_PROBLEMS[digest] = check_pdf(data).problems
            except pikepdf.PdfError:
                _GLYPH_PROBLEMS[digest] = []
        problems += [f"{path}: {problem}" for problem in _GLYPH_PROBLEMS[digest]]
    return problems


@pytest.fixture(autouse=True)
def _glyphs_drawn_in_test_outputs(request):
    """After each test that has a tmp_path: every PDF it made there draws the right glyphs."""
    folder = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if folder is not None:
        problems = glyph_problems(folder)
        if problems:
            pytest.fail("glyphs drawn wrong:\n" + "\n".join(problems[:20]), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _glyphs_drawn_in_session_outputs(tmp_path_factory):
    """At the end of the run: every PDF the session's shared builds made draws the right glyphs."""
    yield
    problems = glyph_problems(tmp_path_factory.getbasetemp())
    if problems:
        pytest.fail("glyphs drawn wrong:\n" + "\n".join(problems[:20]), pytrace=False)
