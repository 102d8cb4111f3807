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
    """Both PDF editions of the demo book: edition -> (pdf path, WeasyPrint Document, manuscript)."""
    from workbook.pdf import document_to_pdf, render_document
    from workbook.render import Renderer

    out = tmp_path_factory.mktemp("demo-editions")
    editions = {}
    for edition in ("screen", "print"):
        manuscript = workbook.load_book(REPO / "book")
        document = render_document(manuscript, Renderer(manuscript), edition)
        path = out / f"{edition}.pdf"
        path.write_bytes(document_to_pdf(manuscript, document))
        editions[edition] = (path, document, manuscript)
    return editions
