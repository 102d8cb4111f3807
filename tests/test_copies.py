"""Personal copies (`workbook copies`): rows checked before anything is made, a copy's own pages (the
reader's name on the owner and title pages and on every page, the document's title), the same bytes from a
local pool and a Dask LocalCluster of two worker processes that loses one of them half-way, resume and an
interrupted run that leaves whole files only."""
from __future__ import annotations

import io
import os
import signal
import sys

import pikepdf
import pytest
from click.testing import CliRunner

from helpers import normalise, pdf_pages_text
from workbook.cli import cli
from workbook.errors import WorkbookError
from workbook.files.output import TEMP_PREFIX
from workbook.targets.clients import ClientsError
from workbook.targets.copies import make_copies

NAMES = ["Anna de Vries", "王芳", "Chloé Müller", "Ольга Иванова", "Bob O'Neill"] + [f"Reader {n}" for n in range(15)]


def write_csv(folder, rows: list[str], header: str = "name,date,group,chapters,note") -> os.PathLike:
    path = folder / "clients.csv"
    path.write_text(header + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def twenty(folder):
    rows = [f'"{name}",2026-03-{n + 1:02d},{"B" if n % 2 else ""},{"2" if n == 0 else ""},'
            f'{"Bring this book to our sessions." if n == 0 else ""}' for n, name in enumerate(NAMES)]
    return write_csv(folder, rows)


def test_bad_and_duplicate_rows_fail_before_anything_is_made(books, tmp_path):
    book = books("mini")
    path = write_csv(tmp_path, ["Anna de Vries,,,,", ",2026-01-01,,,", "anna de vries,,,,", "Bob,,,9,",
                                "Anna de Vries worksheets,,,,", "Carl,,," + ",x" * 2, "Dora,,,," + "n" * 301])
    out = tmp_path / "copies"
    with pytest.raises(ClientsError) as caught:
        make_copies(book, path, out, ["pdf"])
    errors = [str(d) for d in caught.value.diagnostics if d.severity == "error"]
    assert errors[0] == "clients.csv:3: error: the name is empty; every row needs a client name"
    assert errors[1].startswith("clients.csv:4: error: 'anna de vries' has the same name as line 2")
    assert errors[2].startswith("clients.csv:5: error: chapter '9' does not exist")
    assert errors[3].startswith("clients.csv:7: error: 6 values but the header names 5 columns")
    assert errors[4] == "clients.csv:8: error: the note has 301 characters; a title page holds 300 at most"
    assert len(errors) == 5
    assert not out.exists()  # nothing made, not even the folder
    # a reader's PDF and another reader's worksheets that would be one file
    path = write_csv(tmp_path, ["Anna,,,,", "Anna worksheets,,,,"])
    with pytest.raises(ClientsError) as caught:
        make_copies(book, path, out, ["pdf", "worksheets"])
    assert [str(d) for d in caught.value.diagnostics] == [
        "clients.csv:3: error: 'Anna worksheets' would write anna-worksheets.pdf, as 'Anna' on line 2 does; "
        "names must give different files (add an initial)"]
    assert not out.exists()


def test_the_command_line_exits_2_on_usage_and_1_on_a_bad_file(books, tmp_path):
    book = books("mini")
    path = write_csv(tmp_path, ["Anna,,,,", "anna,,,,"])
    usage = CliRunner().invoke(cli, ["copies", str(book), "--clients", str(path), "-f", "epub"])
    assert usage.exit_code == 2 and "choose pdf, worksheets or pdf,worksheets" in usage.output
    scheduler = CliRunner().invoke(cli, ["copies", str(book), "--clients", str(path), "--scheduler", "localhost"])
    assert scheduler.exit_code == 2 and "tcp://10.0.0.5:8786" in scheduler.output
    bad = CliRunner().invoke(cli, ["copies", str(book), "--clients", str(path), "-o", str(tmp_path / "c")])
    assert isinstance(bad.exception, WorkbookError)  # main() prints it and exits 1
    assert "clients.csv:3: error: 'anna' has the same name as line 2" in str(bad.exception.diagnostics[0])


def pdfs(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.build
@pytest.mark.slow
def test_twenty_copies_from_a_local_pool_and_a_cluster_that_loses_a_worker_are_the_same(books, tmp_path):
    distributed = pytest.importorskip("distributed")
    from workbook.targets.cluster import connect, run_dask
    book = books("mini")
    path = twenty(tmp_path)
    local = make_copies(book, path, tmp_path / "local", ["pdf", "worksheets"], workers=2)
    assert (local.made, local.failures, local.workers, len(local.outputs)) == (20, [], 2, 40)
    made = pdfs(tmp_path / "local")
    assert sorted(made)[:4] == ["anna-de-vries-worksheets.pdf", "anna-de-vries.pdf", "bob-o-neill-worksheets.pdf",
                                "bob-o-neill.pdf"]

    # each copy opens with its reader's name; the rest of the book is the book's
    anna = pdf_pages_text(tmp_path / "local" / "anna-de-vries.pdf")
    other = pdf_pages_text(tmp_path / "local" / "王芳.pdf")
    assert len(anna) == len(other)
    assert "Anna de Vries" in normalise(anna[1])  # on the owner line
    title_page = normalise(anna[2])
    for text in ("Small Steps", "For Anna de Vries", "2026-03-01", "Chosen chapters: 2. ", "Bring this book to our sessions."):
        assert text in title_page
    assert "Group B" in normalise(other[2]) and "For 王芳" in normalise(other[2])
    sheets = normalise(" ".join(pdf_pages_text(tmp_path / "local" / "anna-de-vries-worksheets.pdf")))
    assert "Anna de Vries" in sheets and "CHAPTER 2" in sheets and "CHAPTER 1" not in sheets  # the row's chapters
    assert all("For Anna de Vries" in normalise(page) for page in anna)
    assert normalise(anna[5]).replace("For Anna de Vries", "") == normalise(other[5]).replace("For 王芳", "")
    with pikepdf.open(io.BytesIO(made["anna-de-vries.pdf"])) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Small Steps – Anna de Vries"
        assert str(pdf.docinfo["/Subject"]) == "For Anna de Vries · 2026-03-01"
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == "Small Steps – Anna de Vries"
        assert "/AcroForm" in pdf.Root  # the book's answer fields stay

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as watcher:
        pids = watcher.run(os.getpid)
        killed: list[int] = []

        def kill_one(client, done, total):  # a worker dies with most rows still to make
            if done == 2 and not killed:
                killed.append(next(iter(pids.values())))
                os.kill(killed[0], signal.SIGKILL)

        remote = make_copies(book, path, tmp_path / "cluster", ["pdf", "worksheets"],
                             scheduler=cluster.scheduler_address, on_progress=kill_one)
        assert killed and killed[0] not in watcher.run(os.getpid).values()
        with pytest.raises(WorkbookError) as caught:  # a worker without the book folder says so, once
            with connect(cluster.scheduler_address) as dask:
                list(run_dask(dask, str(tmp_path / "elsewhere"), None, str(tmp_path), [], ("pdf",), print))
        assert "a worker cannot load the book at" in str(caught.value.diagnostics[0])
    assert (remote.made, remote.failures, remote.engine) == (20, [], cluster.scheduler_address)
    assert pdfs(tmp_path / "cluster") == made  # every row, byte for byte


@pytest.mark.build
def test_an_interrupted_run_leaves_whole_copies_and_resume_makes_the_rest(books, tmp_path):
    book = books("mini")
    path = write_csv(tmp_path, [f"Reader {n},,,," for n in range(4)])
    out = tmp_path / "copies"

    def stop(client, done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_copies(book, path, out, ["pdf"], workers=1, on_progress=stop)
    assert sorted(p.name for p in out.iterdir()) == ["reader-0.pdf", "reader-1.pdf"]  # no temp file, no half copy
    first = (out / "reader-0.pdf").read_bytes()
    (out / "reader-0.pdf").touch()
    again = make_copies(book, path, out, ["pdf"], workers=1, resume=True)
    assert (again.made, again.skipped) == (2, 2)
    assert sorted(p.name for p in out.iterdir()) == [f"reader-{n}.pdf" for n in range(4)]
    assert not list(out.glob(TEMP_PREFIX + "*"))
    assert (out / "reader-0.pdf").read_bytes() == first
    whole = make_copies(book, path, out, ["pdf"], workers=1)  # without resume: every row again, the same bytes
    assert (whole.made, whole.skipped) == (4, 0) and (out / "reader-0.pdf").read_bytes() == first


@pytest.mark.build
@pytest.mark.slow
def test_a_row_that_fails_is_tried_again_then_reported_with_its_line(books, tmp_path, monkeypatch):
    from workbook.targets import copyrun

    book = books("mini")
    path = write_csv(tmp_path, ["Anna,,,,", "Flaky,,,,", "Broken,,,,", "Dora,,,,"])
    make = copyrun.CopyMaker.make
    marker = tmp_path / "flaky-tried"

    def failing(self, client, formats):
        if client.name == "Broken":
            raise RuntimeError("no ink")
        if client.name == "Flaky" and not marker.exists():  # the first try fails, in whichever process
            marker.touch()
            raise RuntimeError("a passing fault")
        return make(self, client, formats)

    monkeypatch.setattr(copyrun.CopyMaker, "make", failing)  # the pool's processes are forked with it
    result = make_copies(book, path, tmp_path / "copies", ["pdf"], workers=2)
    assert result.made == 3 and marker.exists()
    assert [str(d) for d in result.failures] == [
        "clients.csv:4: error: the copy could not be made: RuntimeError: no ink"]
    assert sorted(p.name for p in (tmp_path / "copies").iterdir()) == ["anna.pdf", "dora.pdf", "flaky.pdf"]
    assert "1 failed" in result.summary()


def test_a_cluster_run_without_dask_says_how_to_install_it(books, tmp_path, monkeypatch):
    """`--scheduler` on an installation without the `cluster` extra: one error naming the extra, no traceback."""
    import builtins

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    monkeypatch.delitem(sys.modules, "workbook.targets.cluster", raising=False)
    clients = tmp_path / "clients.csv"
    clients.write_text("name\nAnna\n", encoding="utf-8")
    with pytest.raises(WorkbookError) as caught:
        make_copies(books("mini"), clients, tmp_path / "out", scheduler="tcp://127.0.0.1:1")
    assert str(caught.value) == ("--scheduler: error: a run on a Dask cluster needs Dask (distributed is not "
                                 "installed): pip install 'workbook[cluster]'")
    assert not list((tmp_path / "out").glob("*.pdf"))
