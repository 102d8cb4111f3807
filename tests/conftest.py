"""Shared fixtures (test books, the demo and mini-book builds) and the guards of `make test-fast`: no page layout without `build`, no process without `slow`."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbook
from helpers import DEMO, ROOTS, Books


@pytest.fixture
def books(tmp_path) -> Books:
    """Fresh test books in this test's tmp_path: `books("mini")` copies tests/roots/mini,
    `books.write({"01-one.md": chapter("Text.")})` writes one from strings (helpers.Books)."""
    return Books(tmp_path)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> workbook.BuildResult:
    out = tmp_path_factory.mktemp("demo-dist")
    return workbook.build(DEMO, out, ["pdf", "epub", "print"])


@pytest.fixture(scope="session")
def demo_manuscript() -> workbook.Manuscript:
    return workbook.load_book(DEMO)


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory) -> workbook.BuildResult:
    out = tmp_path_factory.mktemp("mini-dist")
    return workbook.build(ROOTS / "mini", out, ["pdf", "epub", "print"])


@pytest.fixture(scope="session")
def mini_manuscript() -> workbook.Manuscript:
    return workbook.load_book(ROOTS / "mini")


@pytest.fixture(scope="session")
def demo_editions(tmp_path_factory) -> dict:
    """Both PDF editions of the demo book, made from one render of the whole book: edition -> (pdf path,
    the WeasyPrint Document both are made of, manuscript)."""
    from workbook.layout.editions import edition_pdf, whole_document
    from workbook.layout.session import BuildSession

    out = tmp_path_factory.mktemp("demo-editions")
    manuscript = workbook.load_book(DEMO)
    session = BuildSession.start(manuscript)
    document = whole_document(session)
    editions = {}
    for edition in ("screen", "print"):
        path = out / f"{edition}.pdf"
        path.write_bytes(edition_pdf(session, edition, whole=True))
        editions[edition] = (path, document, manuscript)
    return editions


# -- `make test-fast` (-m "not build and not slow") stays fast ------------------------------------------
# A test not marked `build` may not lay out pages (WeasyPrint): not here, not in a worker a build forks, not in
# a Python process the test starts. A test marked neither `build` nor `slow` may start no process at all.

GUARD = Path(__file__).resolve().parent / "layout_guard"  # layout_guard.py and the sitecustomize.py of test processes
CHEAP_COMMANDS = {"ldconfig", "gcc", "cc", "ld", "objdump"}  # ctypes.util.find_library's look-ups


def _load_guard():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("layout_guard", GUARD / "layout_guard.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["layout_guard"] = module  # one name here, in forked workers and in the processes tests start
    spec.loader.exec_module(module)
    return module


layout_guard = _load_guard()
LAYOUT_LOG = pytest.StashKey[Path]()  # the file layouts refused in this run are logged to (layout_guard.LOG)
_FAST: list = []  # the running test while it is marked neither `build` nor `slow`


def _marked(item, *names: str) -> bool:
    return any(item.get_closest_marker(name) for name in names)


def _guarded_popen(popen_init):
    def popen(self, args, *more, **kwargs):
        words = args.split() if isinstance(args, str) else [str(word) for word in args]
        if _FAST and (not words or Path(words[0]).name not in CHEAP_COMMANDS):
            pytest.fail(f"{_FAST[-1].nodeid} starts a process ({' '.join(words)[:200]}) but is marked neither "
                        "`slow` nor `build`", pytrace=False)
        if os.environ.get(layout_guard.FLAG):  # the process's WeasyPrint refuses too (sitecustomize.py)
            env = dict(kwargs.get("env") or os.environ)
            for name in (layout_guard.FLAG, layout_guard.LOG):
                env[name] = os.environ[name]
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD), env.get("PYTHONPATH")]))
            kwargs["env"] = env
        popen_init(self, args, *more, **kwargs)

    popen.__wrapped__ = popen_init
    return popen


def pytest_configure(config):
    """Guard WeasyPrint's layouts and process starts for the whole run (forked workers inherit both).
    Refusals of layout are logged to a file, so a test fails even where the error was swallowed."""
    import subprocess
    import tempfile

    import weasyprint

    layout_guard.guard(weasyprint.HTML)
    handle, log = tempfile.mkstemp(prefix="workbook-layout-refused-", suffix=".txt")
    os.close(handle)
    os.environ[layout_guard.LOG] = log
    config.stash[LAYOUT_LOG] = Path(log)
    subprocess.Popen.__init__ = _guarded_popen(subprocess.Popen.__init__)


def pytest_unconfigure(config):
    import subprocess

    import weasyprint

    layout_guard.unguard(weasyprint.HTML)
    subprocess.Popen.__init__ = getattr(subprocess.Popen.__init__, "__wrapped__", subprocess.Popen.__init__)
    os.environ.pop(layout_guard.LOG, None)
    if LAYOUT_LOG in config.stash:
        config.stash[LAYOUT_LOG].unlink(missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Set the guards for this test, also while the session and module fixtures it needs are set up for it."""
    build, fast = _marked(item, "build"), not _marked(item, "build", "slow")
    if not build:
        os.environ[layout_guard.FLAG] = item.nodeid
    if fast:
        _FAST.append(item)
    try:
        yield
    finally:
        if not build:
            os.environ.pop(layout_guard.FLAG, None)
        if fast:
            _FAST.remove(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test not marked `build` that laid out pages fails even where the error was caught on its way up."""
    outcome = yield
    report = outcome.get_result()
    refused = report.when in ("setup", "call") and report.passed and not _marked(item, "build") \
        and item.nodeid in item.config.stash[LAYOUT_LOG].read_text(encoding="utf-8").splitlines()
    if refused:
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} lays out pages but is not marked `build` (here or in a process it "
                           "started; the error was caught on its way up)")


# -- every glyph of every PDF the suite makes is checked against its font (glyphcheck.py) ----------------

_GLYPH_PROBLEMS: dict[str, list[str]] = {}  # SHA-256 of a PDF -> what glyphcheck found (checked once)


def _pdfs(folder: Path):
    """(path, bytes, SHA-256) of each PDF file under `folder` (sparse giants of the bad-input tests aside)."""
    import hashlib

    for path in sorted(folder.rglob("*.pdf")):
        try:
            if not path.is_file() or path.stat().st_size > 64_000_000:
                continue
            with path.open("rb") as handle:
                if handle.read(5) != b"%PDF-":
                    continue
            data = path.read_bytes()
        except OSError:
            continue
        yield path, data, hashlib.sha256(data).hexdigest()


def glyph_problems(folder: Path) -> list[str]:
    """What glyphcheck finds in the PDFs under `folder` (damaged PDFs that tests make on purpose aside)."""
    import pikepdf

    from glyphcheck import check_pdf

    problems = []
    for path, data, digest in _pdfs(folder):
        if digest not in _GLYPH_PROBLEMS:
            try:
                _GLYPH_PROBLEMS[digest] = check_pdf(data).problems
            except (pikepdf.PdfError, pikepdf.PasswordError):  # damaged or locked on purpose
                _GLYPH_PROBLEMS[digest] = []
        problems += [f"{path}: {problem}" for problem in _GLYPH_PROBLEMS[digest]]
    return problems


_TAG_PROBLEMS: dict[str, list[str]] = {}  # SHA-256 of a PDF -> what tagcheck found (checked once)


def tag_problems(folder: Path) -> list[str]:
    """What tagcheck finds in the reader's PDFs and worksheets under `folder` (tagcheck.should_be_tagged)."""
    import pikepdf

    from tagcheck import check_pdf, should_be_tagged

    problems = []
    for path, data, digest in _pdfs(folder):
        if digest not in _TAG_PROBLEMS:
            try:
                _TAG_PROBLEMS[digest] = check_pdf(data) if should_be_tagged(data, path.name) else []
            except (pikepdf.PdfError, pikepdf.PasswordError):  # damaged or locked on purpose
                _TAG_PROBLEMS[digest] = []
        problems += [f"{path}: {problem}" for problem in _TAG_PROBLEMS[digest]]
    return problems


@pytest.fixture(autouse=True)
def _glyphs_drawn_in_test_outputs(request):
    """After each test that has a tmp_path: every PDF it made there draws the right glyphs, and its
    reader's PDFs and worksheets are tagged whole (tagcheck.py)."""
    folder = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if folder is not None:
        problems = glyph_problems(folder)
        if problems:
            pytest.fail("glyphs drawn wrong:\n" + "\n".join(problems[:20]), pytrace=False)
        problems = tag_problems(folder)
        if problems:
            pytest.fail("tagged wrong:\n" + "\n".join(problems[:20]), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _glyphs_drawn_in_session_outputs(tmp_path_factory):
    """At the end of the run: every PDF the session's shared builds made draws the right glyphs, and is
    tagged whole where it should be."""
    yield
    problems = glyph_problems(tmp_path_factory.getbasetemp())
    if problems:
        pytest.fail("glyphs drawn wrong:\n" + "\n".join(problems[:20]), pytrace=False)
    problems = tag_problems(tmp_path_factory.getbasetemp())
    if problems:
        pytest.fail("tagged wrong:\n" + "\n".join(problems[:20]), pytrace=False)
