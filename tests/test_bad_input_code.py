"""A book is data, not code: hostile layouts fail in the sandbox with `layouts/FILE:line`, a poisoned cache
is never unpickled or trusted, and a cache that cannot be used never fails a build."""
from __future__ import annotations

import errno
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

import workbook
from helpers import REPO, Books
from workbook.cache.store import CACHE_NAME, Cache
from workbook.errors import OutputError

LAYOUT = "<!DOCTYPE html>\n<html><body>\n{payload}\n</body></html>\n"  # the payload is on line 3


def _layout_book(tmp_path: Path, payload: str) -> Path:
    book = Books(tmp_path)("mini")
    (book / "layouts").mkdir()
    (book / "layouts" / "pdf.html").write_text(LAYOUT.format(payload=payload), encoding="utf-8")
    return book


def _render_error(tmp_path: Path, payload: str):
    """Render the book's own pdf.html; return the one diagnostic its failure gives."""
    from workbook.render.templates import Renderer

    book = _layout_book(tmp_path, payload)
    renderer = Renderer(workbook.load_book(book))
    with pytest.raises(OutputError) as caught:
        renderer.render("pdf.html")
    [problem] = caught.value.diagnostics
    return problem


def _touch(mark: Path) -> str:
    return f"touch {mark}"


ESCAPES = {
    "cycler globals": "{{ cycler.__init__.__globals__.os.popen('TOUCH').read() }}",
    "joiner globals": "{{ joiner.__init__.__globals__.os.popen('TOUCH').read() }}",
    "namespace globals": "{{ namespace.__init__.__globals__.os.popen('TOUCH').read() }}",
    "lipsum globals": "{{ lipsum.__globals__.os.popen('TOUCH').read() }}",
    "mro subclasses": "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
                      "{{ c('TOUCH', shell=True) }}{% endif %}{% endfor %}",
    "template reference": "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('TOUCH') }}",
    "flask config": "{{ config.__class__.__init__.__globals__['os'].popen('TOUCH').read() }}",
    "flask request": "{{ request.application.__globals__.__builtins__.__import__('os').popen('TOUCH').read() }}",
    "attr filter": "{{ (cycler|attr('__init__')|attr('__globals__')).os.popen('TOUCH').read() }}",
    "format string": "{{ '{0.__init__.__globals__[os]}'.format(cycler).popen('TOUCH') }}",
    "path of a chapter": "{{ chapters[0].source.parent.joinpath('MARK').write_text('x') }}",
    "path through a filter": "{{ (chapters|map(attribute='source')|first).parent.joinpath('MARK').write_text('x') }}",
    "changing the context": "{{ chapters.append(1) }}{{ chapters[0].prompts.clear() }}",
}


@pytest.mark.parametrize("payload", ESCAPES.values(), ids=list(ESCAPES))
def test_a_layout_cannot_run_code(tmp_path, payload):
    mark = tmp_path / "ran"
    problem = _render_error(tmp_path, payload.replace("TOUCH", _touch(mark)).replace("MARK", str(mark)))
    assert not mark.exists()
    assert (problem.file, problem.line, problem.severity) == ("layouts/pdf.html", 3, "error")
    assert problem.message.startswith("template error: ")
    assert re.search(r"unsafe|undefined|not safely|not allowed|no attribute", problem.message), problem.message


@pytest.mark.parametrize("payload, words", [
    ("{{ range(10**9)|list|length }}", "MAX_RANGE"),
    ("{{ 10 ** (10 ** 10) }}", "too large"),
    ("{{ ('x' * 10**10)|length }}", "more than a template may make"),
    ("{{ ([1] * 999) * 999999 }}", "more than a template may make"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "loops ran more than"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "too deeply"),
    ("{{ 'x'|center(10**9) }}", "|center was asked for more than"),
    ("{{ 'x'|indent(10**9) }}", "|indent was asked for more than"),
    ("{{ [1]|batch(10**9, 0)|list }}", "|batch was asked for more than"),
    ("{{ '%999999999d' % 1 }}", "a width in"),
    ("{{ '%*d'|format(10**9, 1) }}", "a width in"),
    ("{{ '%(a)999999999s' % {'a': 1} }}", "a width in"),
    ("{{ build_date.strftime('%999999999Y') }}", "strftime"),
    ("{{ '{:>999999999}'.format(1) }}", "a width or nested field"),
    ("{{ '{:>{}}'.format(1, 10**9) }}", "a width or nested field"),
    ("{{ ('x' * 999999)|replace('', 'y' * 999) }}", "|replace would make"),
    ("{{ range(99999)|join('y' * 999999) }}", "|join would make"),
    ("{% set ns = namespace(s='x' * 999999) %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
     "more than a template may make"),
    ("{% set s = 'x' * 999999 %}{% for i in range(99999) %}{{ s }}{% endfor %}", "the page grew beyond"),
])
def test_a_layout_cannot_make_unbounded_work(tmp_path, payload, words):
    problem = _render_error(tmp_path, payload)
    assert problem.file == "layouts/pdf.html" and words in problem.message
    assert problem.line == 3 or words == "the page grew beyond"  # the whole page: no one line


def test_a_layout_still_has_jinjas_helpers(tmp_path):
    from workbook.render.templates import Renderer

    book = _layout_book(tmp_path, "{% set ns = namespace(n=0) %}{% set c = cycler('a', 'b') %}{% set j = joiner('+') %}"
                                  "{% for ch in chapters %}{% set ns.n = ns.n + ch.number %}{{ j() }}{{ c.next() }}"
                                  "{{ loop.cycle('x', 'y') }}{% endfor %}={{ ns.n }} {{ build_date.strftime('%Y') }} "
                                  "{{ words.get('contents') }} {{ '%05.1f' % 2.5 }} {{ '{:>4}'.format(7) }} "
                                  "{{ 'ab' ~ 'c' * 2 }} {{ [3, 1, 2]|sort|join(',') }} {{ 2 ** 10 }}")
    html = Renderer(workbook.load_book(book)).render("pdf.html")
    assert "ax+by=3 2026 Contents 002.5    7 abcc 1,2,3 1024" in html


@pytest.mark.parametrize("how", ["linked file", "linked folder", "huge"])
def test_a_layout_reads_nothing_outside_the_book(tmp_path, how, books):
    secret = tmp_path / "secret.html"
    secret.write_text("SECRET-do-not-leak")
    book = books("mini")
    if how == "linked folder":
        (tmp_path / "outside").mkdir()
        (tmp_path / "outside" / "pdf.html").write_text(LAYOUT.format(payload="{% include 'x.html' %}"))
        (tmp_path / "outside" / "x.html").symlink_to(secret)
        (book / "layouts").symlink_to(tmp_path / "outside")
    else:
        (book / "layouts").mkdir()
        (book / "layouts" / "pdf.html").write_text(LAYOUT.format(payload="{% include 'x.html' %}"))
        if how == "huge":
            with open(book / "layouts" / "x.html", "wb") as handle:
                handle.truncate(5_000_000_000)  # sparse: reading it whole would need 5 GB
        else:
            (book / "layouts" / "x.html").symlink_to(secret)
    from workbook.render.templates import Renderer

    with pytest.raises(OutputError) as caught:
        Renderer(workbook.load_book(book)).render("pdf.html")
    [problem] = caught.value.diagnostics
    assert (problem.file, problem.line) == ("layouts/pdf.html", None if how == "linked folder" else 3)
    expected = {"huge": "x.html is larger than 1,000,000 bytes", "linked file": "x.html leads outside",
                "linked folder": "pdf.html leads outside"}[how]
    assert expected in problem.message and "SECRET" not in problem.message


@pytest.mark.parametrize("how, message", [
    ("link", "styles/extra.css: error: stylesheet leads outside"),
    ("huge", "styles/extra.css: error: stylesheet is larger than 2,000,000 bytes"),
    ("latin-1", "styles/extra.css: error: stylesheet is not UTF-8 text (byte 18); save it as UTF-8"),
])
def test_a_stylesheet_is_read_from_the_book_only_and_bounded(tmp_path, how, message, books):
    from workbook.render.templates import Renderer

    book = books("mini")
    (book / "styles").mkdir()
    extra = book / "styles" / "extra.css"
    if how == "link":
        (tmp_path / "secret.css").write_text("SECRET-do-not-leak")
        extra.symlink_to(tmp_path / "secret.css")
    elif how == "huge":
        with open(extra, "wb") as handle:
            handle.truncate(5_000_000_000)
    else:
        extra.write_bytes("p::after{content:'\u00e9'}".encode("latin-1"))
    with pytest.raises(OutputError) as caught:
        Renderer(workbook.load_book(book)).stylesheet("book.css")
    [problem] = caught.value.diagnostics
    assert str(problem).startswith(message) and "SECRET" not in str(problem)


@pytest.mark.slow
def test_the_build_fails_with_the_layouts_file_and_line(tmp_path):
    mark = tmp_path / "ran"
    book = _layout_book(tmp_path, "{{ cycler.__init__.__globals__.os.popen('" + _touch(mark) + "').read() }}")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run = subprocess.run([sys.executable, "-m", "workbook", "build", str(book), "-o", str(tmp_path / "dist"),
                          "-f", "pdf"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1 and not mark.exists()
    assert "layouts/pdf.html:3: error: template error: access to attribute" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout and not (tmp_path / "dist" / "small-steps.pdf").exists()


# --- the cache: JSON with a hash, never unpickled, never a reason to fail --------------------------

class _Payload:
    def __init__(self, mark: Path):
        self.mark = mark

    def __reduce__(self):
        return (os.system, (f"touch {self.mark}",))


def test_a_poisoned_chapter_cache_is_rebuilt_never_run(tmp_path, books):
    import hashlib

    book = books("mini")
    cache = tmp_path / CACHE_NAME
    fresh = workbook.load_book(book).chapters
    assert workbook.load_book(book, cache=Cache(cache)).chapters == fresh
    entries = sorted((cache / "chapters").iterdir())
    assert len(entries) == 2
    mark = tmp_path / "ran"
    poison = pickle.dumps(_Payload(mark))
    text = entries[1].read_bytes()[32:].replace(b"Small", b"Large")
    spoils = [[poison, poison],  # a pickle where the entry was
              [hashlib.sha256(poison).digest() + poison, b"\0" * 32 + text],  # a right hash on a pickle, a wrong one
              [os.urandom(300), b""]]  # junk, nothing
    for spoil in spoils:
        for entry, data in zip(entries, spoil, strict=True):
            entry.write_bytes(data)
        assert workbook.load_book(book, cache=Cache(cache)).chapters == fresh and not mark.exists()
    good = [entry.read_bytes() for entry in entries]  # rebuilt: whole again, and used
    assert workbook.load_book(book, cache=Cache(cache)).chapters == fresh
    assert [entry.read_bytes() for entry in entries] == good


def test_a_chapter_entry_of_the_wrong_shape_is_not_trusted(books):
    from workbook.cache.chapters import decode_entry, encode_entry

    chapter = workbook.load_book(books("mini")).chapters[0]
    data = encode_entry(chapter, [])
    assert decode_entry(data) == (chapter, [])
    for bad in (b'[{"number": "x"}, []]', b'[null, [["a", "one", "b", "error"]]]', b"{}", b"\x80\x04K\x01."):
        assert decode_entry(bad) is None


def test_no_code_is_loaded_from_disk_anywhere():
    """No pickle, marshal, shelve, eval or exec in the product, nor YAML loaders that build objects (names in
    code, not in comments or strings; multiprocessing's own pickling between our processes is not named)."""
    import io
    import tokenize

    banned = {"pickle", "cPickle", "marshal", "shelve", "dill", "unsafe_load", "full_load", "UnsafeLoader",
              "FullLoader", "Loader"}
    found = []
    for path in sorted((REPO / "src").rglob("*.py")):
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
                  if t.type in (tokenize.NAME, tokenize.OP)]
        for token, after in zip(tokens, tokens[1:] + tokens[-1:], strict=True):
            if token.string in banned or token.string in ("eval", "exec") and after.string == "(":
                found.append(f"{path.relative_to(REPO)}:{token.start[0]}: {token.line.strip()}")
    assert found == []


@pytest.fixture(scope="module")
def mini_cold(tmp_path_factory) -> dict[str, bytes]:
    """The mini book's PDF and EPUB built with a working cache (SOURCE_DATE_EPOCH keeps them comparable)."""
    tmp = tmp_path_factory.mktemp("cold")
    book = Books(tmp)("mini")
    result = workbook.build(book, tmp / "dist", ["pdf", "epub"])
    assert not any("cache" in w.message for w in result.warnings)
    return {p.name: p.read_bytes() for p in (tmp / "dist").iterdir()}


@pytest.mark.build
@pytest.mark.parametrize("spoil", ["file", "dangling link"])
def test_a_cache_that_cannot_be_used_only_warns(tmp_path, mini_cold, spoil, books):
    book = books("mini")
    cache = tmp_path / CACHE_NAME
    if spoil == "file":
        cache.write_text("not a folder")
    else:
        cache.symlink_to(tmp_path / "gone" / "cache")
    result = workbook.build(book, tmp_path / "dist", ["pdf", "epub"])
    warnings = [str(w) for w in result.warnings if "cache" in w.message]
    assert len(warnings) == 1 and f"cache {CACHE_NAME}/ not writable" in warnings[0], warnings
    assert "building without it" in warnings[0]
    assert {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()} == mini_cold


@pytest.mark.build
def test_a_full_disk_under_the_cache_only_warns(tmp_path, mini_cold, monkeypatch, books):
    import workbook.files.output

    book = books("mini")
    cache = tmp_path / CACHE_NAME
    real = workbook.files.output.write_bytes

    def full(target, data):
        if Path(target).is_relative_to(cache):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(target, data)

    monkeypatch.setattr(workbook.cache.store, "write_bytes", full)
    result = workbook.build(book, tmp_path / "dist", ["pdf", "epub"])
    warnings = [str(w) for w in result.warnings if "cache" in w.message]
    assert warnings == [f"{cache}: warning: cache {CACHE_NAME}/ not writable: No space left on device; "
                        "building without it (same output, only slower)"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()} == mini_cold
    monkeypatch.setattr(workbook.cache.store, "write_bytes", real)  # space again: the next build uses the cache
    again = workbook.build(book, tmp_path / "dist", ["pdf", "epub"])
    assert not any("cache" in w.message for w in again.warnings) and any((cache / "chapters").iterdir())


@pytest.mark.build
def test_the_cli_warns_once_and_writes_everything(tmp_path, books):
    book = books("mini")
    (tmp_path / CACHE_NAME).write_text("not a folder")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run = subprocess.run([sys.executable, "-m", "workbook", "build", str(book), "-o", str(tmp_path / "dist"),
                          "-f", "epub"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("not writable") == 1 and "it is a file, not a folder" in run.stderr
    assert (tmp_path / "dist" / "small-steps.epub").is_file()
