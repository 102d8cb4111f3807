"""Clients CSVs from spreadsheets and people: RFC 4180 quoting, any script in names, errors with the CSV's
line; two `--clients` runs into one folder (the second is refused) and a killed run (nothing left behind)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import ROOTS, normalise, pdf_pages_text
from workbook.targets.clients import ClientsError, build_client_worksheets, client_filename, read_clients

SRC = Path(__file__).resolve().parent.parent / "src"


def clients_of(tmp_path, text: str | bytes, manuscript):
    path = tmp_path / "clients.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return read_clients(path, manuscript)


def errors_of(tmp_path, text: str, manuscript) -> list[str]:
    with pytest.raises(ClientsError) as caught:
        clients_of(tmp_path, text, manuscript)
    return [str(d) for d in caught.value.diagnostics if d.severity == "error"]


@pytest.mark.parametrize("text, expected", [
    ('name,date\n"Ann ""Nan"" Smith",1 May\n', [('Ann "Nan" Smith', "1 May", 2)]),
    ('name;date\n"Ann ""Nan"" Smith";"1; May"\nBob;\n', [('Ann "Nan" Smith', "1; May", 2), ("Bob", None, 3)]),
    ('name\tdate\nAnn, Smith\t1 May\n', [("Ann, Smith", "1 May", 2)]),
    ('\ufeffname,date\r\n"Ann\r\nSmith",1 May\r\nBob,2 May\r\n', [("Ann Smith", "1 May", 2), ("Bob", "2 May", 4)]),
    ('name\n王芳\nОльга Иванова\nनमस्ते दुनिया\n', [("王芳", None, 2), ("Ольга Иванова", None, 3), ("नमस्ते दुनिया", None, 4)]),
])
def test_rfc4180_quoting_separators_and_any_script(tmp_path, mini_manuscript, text, expected):
    assert [(c.name, c.date, c.line) for c in clients_of(tmp_path, text, mini_manuscript)] == expected


def test_unicode_names_keep_their_letters_in_file_names():
    assert [client_filename(n) for n in ("王芳", "Ольга Иванова", "Chloé Müller", "e\u0301cole", "../a/b:c")] == [
        "王芳", "ольга-иванова", "chloe-muller", "ecole", "a-b-c"]
    assert client_filename("x" * 300).encode() == b"x" * 120 and len(client_filename("王" * 100).encode()) <= 120


@pytest.mark.parametrize("text, expected", [
    ("name\n王芳\nОльга Иванова\nОЛЬГА  ИВАНОВА\n",
     ["clients.csv:4: error: 'ОЛЬГА ИВАНОВА' has the same name as line 3; names must be unique (add an initial)"]),
    ("name\nChloé\nChloe\n", ["clients.csv:3: error: 'Chloe' has a name with the same file name (Chloé) as line 2; "
                              "names must be unique (add an initial)"]),
    ("name\ne\u0301cole\n\u00e9cole\n", ["clients.csv:3: error: 'école' has the same name as line 2; names must be unique (add an initial)"]),
    ('name,date\n"Ann\nSmith",1 May\n"Bob "the" Builder",2 May\n',
     ['clients.csv:4: error: cannot read this row (\',\' expected after \'"\'); quote a value that holds the separator, '
      'a quote or a line break, and write a quote inside it twice: "Ann ""Nan"" Smith"']),
    ("name\n🌱🌱\n", ["clients.csv:2: error: the name '🌱🌱' has no letters or digits to name its file; write the client's name"]),
])
def test_duplicates_and_bad_rows_name_the_csv_line(tmp_path, mini_manuscript, text, expected):
    assert errors_of(tmp_path, text, mini_manuscript) == expected


# -- two runs, and a killed run -------------------------------------------------------------------

RUN = textwrap.dedent("""
    import pathlib, sys, time
    from workbook.targets.clients import build_client_worksheets
    go = pathlib.Path(sys.argv[4])
    def progress(client):
        print("rendered", client.name, flush=True)
        while not go.exists():
            time.sleep(0.02)
    result = build_client_worksheets(sys.argv[1], sys.argv[2], sys.argv[3], workers=1, on_progress=progress)
    print("wrote", len(result.outputs), flush=True)
""")


def start_paused_run(tmp_path: Path, csv_text: str, out: Path) -> tuple[subprocess.Popen, Path]:
    """A clients run in another process, paused after its first PDF (until the returned file exists)."""
    csv_file = tmp_path / "run-a.csv"
    csv_file.write_text(csv_text, encoding="utf-8")
    go = tmp_path / "go"
    process = subprocess.Popen([sys.executable, "-c", RUN, str(ROOTS / "mini"), str(csv_file), str(out), str(go)],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert process.stdout.readline().startswith("rendered"), "the run never rendered its first client"
    return process, go


def dates_in(folder: Path) -> dict[str, str]:
    return {path.name: normalise(pdf_pages_text(path)[0]) for path in sorted(folder.glob("*.pdf"))}


@pytest.mark.build
def test_a_second_run_into_the_same_folder_is_refused_and_files_stay_consistent(tmp_path):
    out = tmp_path / "dist"
    first, go = start_paused_run(tmp_path, "name,date\nAnna,1 March 2026\nОльга,1 March 2026\n", out)
    try:
        second_csv = tmp_path / "run-b.csv"
        second_csv.write_text("name,date\nAnna,9 September 2027\nОльга,9 September 2027\n", encoding="utf-8")
        with pytest.raises(ClientsError) as caught:
            build_client_worksheets(ROOTS / "mini", second_csv, out, workers=1)
        assert [str(d) for d in caught.value.diagnostics] == [
            f"{out / 'worksheets'}: error: another `workbook worksheets --clients` run is writing into this folder; "
            "wait until it has finished or choose another output folder with -o"]
        go.touch()
        assert first.communicate(timeout=120)[0].strip().endswith("wrote 2") and first.returncode == 0
    finally:
        first.kill()
    texts = dates_in(out / "worksheets")
    assert sorted(texts) == ["anna.pdf", "ольга.pdf"] and sorted(os.listdir(out / "worksheets")) == sorted(texts)
    assert all("1 March 2026" in t and "2027" not in t for t in texts.values())
    build_client_worksheets(ROOTS / "mini", second_csv, out, workers=1)  # once the first has finished
    assert all("9 September 2027" in t and "2026" not in t for t in dates_in(out / "worksheets").values())


@pytest.mark.build
def test_a_killed_run_leaves_no_temp_files_and_the_old_outputs(tmp_path):
    out = tmp_path / "dist"
    folder = out / "worksheets"
    folder.mkdir(parents=True)
    (folder / "anna.pdf").write_bytes(b"%PDF- an earlier run's file")
    run, _go = start_paused_run(tmp_path, "name\nAnna\nBart\nChloé\n", out)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    run.stdout.close()
    assert sorted(os.listdir(folder)) == ["anna.pdf"]
    assert (folder / "anna.pdf").read_bytes() == b"%PDF- an earlier run's file"
