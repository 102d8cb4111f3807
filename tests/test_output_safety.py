"""Atomic, reproducible output and the network rules, tested across processes: SIGKILL mid-build,
umask, byte-identical rebuilds (SHA-256), no connection from a separate process, opt-in downloads."""
from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pikepdf
import pytest

import workbook
from helpers import REPO, ROOTS

PYTHON = sys.executable


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_python(code: str, *, umask: int | None = None, env: dict | None = None, **kwargs) -> subprocess.Popen:
    full = (f"import os; os.umask({umask:#o})\n" if umask is not None else "") + textwrap.dedent(code)
    return subprocess.Popen([PYTHON, "-c", full], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **kwargs)


@pytest.mark.build
def test_sigkill_mid_build_leaves_previous_outputs_and_no_temp_files(tmp_path):
    out = tmp_path / "dist"
    workbook.build(ROOTS / "mini", out, ["pdf", "epub"])
    before = {p.name: sha(p) for p in out.iterdir()}
    # A second build, paused right after it has started writing the PDF's bytes, is killed with SIGKILL.
    code = f"""
        import os, sys, time, workbook.files.output as output
        real = os.fsync
        def slow_fsync(fd):
            print("writing", flush=True)
            time.sleep(60)
        os.fsync = slow_fsync
        import workbook
        workbook.build({str(ROOTS / 'mini')!r}, {str(out)!r}, ["pdf", "epub"])
    """
    process = run_python(code)
    assert process.stdout.readline().strip() == "writing"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert {p.name: sha(p) for p in out.iterdir()} == before  # intact, and nothing else in the folder


@pytest.mark.build
def test_sigkill_during_rendering(tmp_path):
    out = tmp_path / "dist"
    workbook.build(ROOTS / "mini", out, ["epub"])
    before = {p.name: sha(p) for p in out.iterdir()}
    code = f"""
        import workbook, workbook.layout.document as pdf
        real = pdf.Typesetter.document
        def announce(*args, **kwargs):
            print("rendering", flush=True)
            return real(*args, **kwargs)
        pdf.Typesetter.document = announce
        workbook.build({str(ROOTS / 'mini')!r}, {str(out)!r}, ["pdf", "epub"])
    """
    process = run_python(code)
    # worker processes lay parts out at once: their lines may run together ("renderingrendering")
    assert process.stdout.readline().strip().startswith("rendering")
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert {p.name: sha(p) for p in out.iterdir()} == before
    # the processes that lay out the PDF's parts end with the build that started them
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_mentioning(str(out))


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.build
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_output_permissions_follow_the_umask(tmp_path, umask, mode):
    out = tmp_path / "dist"
    process = run_python(f"import workbook; workbook.build({str(ROOTS / 'mini')!r}, {str(out)!r}, ['epub'])", umask=umask)
    assert process.wait(timeout=300) == 0, process.stderr.read()
    (epub,) = out.iterdir()
    assert epub.stat().st_mode & 0o777 == mode


@pytest.mark.build
def test_two_builds_are_byte_identical_and_dated_from_source_date_epoch(tmp_path, monkeypatch, books):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    first = workbook.build(books("mini", to="a/mini"), tmp_path / "one", ["pdf", "epub"])
    time.sleep(1.1)  # a different wall clock second must not matter
    second = workbook.build(books("mini", to="b/mini"), tmp_path / "two", ["pdf", "epub"])
    assert [sha(p) for p in first.outputs] == [sha(p) for p in second.outputs]
    with pikepdf.open(first.outputs[0]) as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20260101000000")
        assert str(pdf.docinfo["/ModDate"]).startswith("D:20260101000000")
        ids = [bytes(i) for i in pdf.trailer.ID]
    assert ids[0] == b"urn:uuid:0b1f8a52-3c1e-4e43-9a0e-1d2f3c4b5a69"  # the book's identifier, not a random value


@pytest.mark.build
@pytest.mark.slow
def test_builds_in_processes_with_different_hash_seeds_are_byte_identical(tmp_path, books):
    """Python orders sets and some dicts by a per-process hash seed: nothing in the output may follow it
    (the joined PDF's fonts once did, in the order the cover page listed them)."""
    book = books("book")
    digests = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"dist-{seed}"
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONHASHSEED": seed, "WORKBOOK_JOBS": "2"}
        subprocess.run([sys.executable, "-m", "workbook", "build", str(book), "-o", str(out), "-f", "pdf,print,epub", "-q"],
                       env=env, check=True, timeout=300)
        digests.append({p.name: sha(p) for p in sorted(out.iterdir())})
        shutil.rmtree(tmp_path / ".workbook-cache", ignore_errors=True)  # every build cold
    assert digests[0] == digests[1] == digests[2]


@pytest.mark.build
def test_without_source_date_epoch_the_book_date_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = workbook.build(ROOTS / "mini", tmp_path, ["pdf"])
    with pikepdf.open(result.outputs[0]) as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20260115000000")


@pytest.mark.slow
def test_no_connection_from_a_separate_process(tmp_path, books):
    book = books("mini")
    (book / "styles").mkdir()
    (book / "styles" / "extra.css").write_text("h1 { background: url(http://127.0.0.1:9/x.png); }\n")
    with (book / "chapters" / "02-more.md").open("a") as handle:
        handle.write("\n\nSee [a site](https://example.org) and <img src=\"https://example.org/x.png\" alt=\"\">\n")
    code = f"""
        import socket, sys
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args)
            raise OSError("no network in this test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        import workbook
        try:
            workbook.build({str(book)!r}, {str(tmp_path / 'out')!r}, ["pdf", "epub"])
        except workbook.WorkbookError as exc:
            print(exc)
        print("attempts", len(attempts))
    """
    process = run_python(code)
    stdout, stderr = process.communicate(timeout=300)
    assert stdout.splitlines()[-1] == "attempts 0", stderr
    assert ("chapters/02-more.md:36: error: image https://example.org/x.png: network access is off; "
            "save the picture in images/ or set allow_remote: true in book.yaml") in stdout


class _Handler(http.server.BaseHTTPRequestHandler):
    png = b""
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        if self.path == "/redirect-to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/hostname")
            self.end_headers()
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/pic.png")
            self.end_headers()
        elif self.path == "/slow.png":
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(self.png)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    from test_bad_input import png

    _Handler.png = png(30, 20)
    _Handler.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def remote_book(books, url: str) -> Path:
    book = books("mini")
    (book / "book.yaml").write_text((book / "book.yaml").read_text() + "allow_remote: true\n")
    with (book / "chapters" / "02-more.md").open("a") as handle:
        handle.write(f"\n\n![remote]({url})\n")
    return book


@pytest.mark.build
def test_allow_remote_downloads_once_and_follows_safe_redirects(tmp_path, server, books):
    book = remote_book(books, server + "/redirect")
    result = workbook.build(book, tmp_path / "out", ["pdf", "epub"])
    assert _Handler.hits == ["/redirect", "/pic.png"]  # one download for PDF and EPUB together
    from helpers import epub_files

    files = epub_files(result.outputs[1])
    assert files["EPUB/media/image-001.png"] == _Handler.png


@pytest.mark.build
def test_a_redirect_to_a_local_file_is_refused(tmp_path, server, books):
    book = remote_book(books, server + "/redirect-to-file")
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, tmp_path / "out", ["pdf"])
    (problem,) = caught.value.diagnostics
    assert str(problem).startswith(f"chapters/02-more.md:36: error: {server}/redirect-to-file: could not download: HTTP Error 302")
    assert "file:///etc/hostname" in str(problem)


@pytest.mark.build
def test_downloads_share_one_deadline(tmp_path, server, monkeypatch, books):
    import workbook.render.fetcher

    monkeypatch.setattr(workbook.render.fetcher, "REMOTE_DEADLINE", 1.0)
    book = remote_book(books, server + "/slow.png")
    began = time.monotonic()
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, tmp_path / "out", ["pdf"])
    assert time.monotonic() - began < 30
    (problem,) = caught.value.diagnostics
    assert str(problem).startswith(f"chapters/02-more.md:36: error: {server}/slow.png: could not download:")
    assert "timed out" in str(problem)
