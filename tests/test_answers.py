"""`workbook answers` on hand-made PDFs (no layout): values back word for word, Markdown and CSV, and a one-line
error with exit 1 and nothing written for another book's, an unfilled, a flattened, an encrypted and a damaged PDF."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from helpers import ROOTS
from workbook.layout.answerfields import MULTILINE, Space, add_fields, fill_field
from workbook.targets.answers import AnswersError, answers_csv, answers_markdown, read_answers

ANSWERS = {"start-1": "Tien minuten wandelen, ook als het regent — en daarna één zin opschrijven.",
           "more-2": "Mijn zus.\nEn de coach van de loopgroep: ‘s ochtends is ze er altijd."}


def _pdf(path: Path, identifier: str | None, names: list[str], values: dict[str, str] | None = None,
         **save) -> Path:
    """A one-page A4 PDF with a field of 6 lines 24.09 pt apart per name, filled with `values`."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.28, 841.89))
    spaces = [Space(name, 0, (100.0, 700.0 - 160 * i - 144.57, 480.0, 700.0 - 160 * i), 24.0945, 6)
              for i, name in enumerate(names)]
    add_fields(pdf, spaces, {name: f"question {name}" for name in names})
    for name, text in (values or {}).items():
        fill_field(pdf, name, text)
    if identifier is not None:
        pdf.trailer.ID = pikepdf.Array([pikepdf.String(identifier.encode()), pikepdf.String(b"0123456789abcdef")])
    pdf.save(path, **save)
    return path


@pytest.fixture
def filled(tmp_path, mini_manuscript) -> Path:
    return _pdf(tmp_path / "anna.pdf", mini_manuscript.config.identifier, ["start-1", "start-2", "more-2"], ANSWERS)


def test_values_come_back_word_for_word(filled, mini_manuscript):
    [found] = read_answers(mini_manuscript, [filled])
    assert found.values == ANSWERS and found.notes == []


def test_add_fields_returns_every_widget_with_its_page(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.add_blank_page()
    spaces = [Space("start-1", 0, (10, 100, 200, 244.57), 24.0945, 6),
              Space("name", 0, (10, 300, 200, 320), 20, 1, False), Space("name", 1, (10, 300, 200, 320), 20, 1, False)]
    made = add_fields(pdf, spaces, {"start-1": "Question?", "name": "Name"})
    assert [(name, page.index) for name, _widget, page in made] == [("start-1", 0), ("name", 0), ("name", 1)]
    assert all(widget in list(page.obj.Annots) for _name, widget, page in made)
    form = pdf.Root.AcroForm
    assert [str(f.T) for f in form.Fields] == ["start-1", "name"] and len(form.Fields[1].Kids) == 2
    assert form.NeedAppearances is False and int(form.Fields[0].Ff) & MULTILINE and not int(form.Fields[1].Ff)
    assert str(form.Fields[0].TU) == "Question?"
    assert [float(v) for v in made[0][1].Rect] == [10, 98, 200, 244.57]  # 2 pt under the last rule
    assert str(made[0][1].DA) == "/Helv 17.85 Tf 0.118 g"  # pitch / 1.35
    descriptor = form.DR.Font.Helv.FontDescriptor
    assert (int(descriptor.Ascent), int(descriptor.Descent)) == (1000, -350) and "/FontFile2" in descriptor


def test_text_longer_than_the_field_is_refused(tmp_path, mini_manuscript):
    path = _pdf(tmp_path / "a.pdf", None, ["start-1"])
    with pikepdf.open(path) as pdf, pytest.raises(Exception, match="takes 7 lines; the field has 6"):
        fill_field(pdf, "start-1", "\n".join(["x"] * 7))


def test_markdown_in_book_order(filled, mini_manuscript):
    text = answers_markdown(mini_manuscript, read_answers(mini_manuscript, [filled])[0])
    chapters = {c.slug: c for c in mini_manuscript.chapters}
    start, more = chapters["start"], chapters["more"]
    question = next(p for p in more.prompts if p.id == "more-2")
    assert text.startswith(f"# {mini_manuscript.config.settings.title}\n")
    assert text.index(f"## {start.number}. {start.title}") < text.index(f"## {more.number}. {more.title}")
    assert f"**{more.number}.2 {question.text}**\n\n{ANSWERS['more-2']}\n" in text
    assert "start-2" not in text  # an empty answer is left out


def test_csv_a_row_per_file_a_column_per_prompt(filled, tmp_path, mini_manuscript):
    other = _pdf(tmp_path / "bart.pdf", mini_manuscript.config.identifier, ["start-2"], {"start-2": 'Zo, "echt".'})
    table = answers_csv(mini_manuscript, read_answers(mini_manuscript, [filled, other]))
    rows = list(csv.reader(io.StringIO(table, newline="")))
    assert rows[0] == ["file", *[p.id for p in mini_manuscript.prompts]]
    assert rows[1][:2] == ["anna.pdf", ANSWERS["start-1"]] and ANSWERS["more-2"] in rows[1]
    assert rows[2][0] == "bart.pdf" and 'Zo, "echt".' in rows[2] and rows[2].count("") == len(rows[0]) - 2
    assert table.endswith("\r\n")


def test_a_file_without_the_books_identifier_is_taken_by_its_fields(tmp_path, mini_manuscript):
    path = _pdf(tmp_path / "saved.pdf", None, ["start-1"], {"start-1": "Ja."})
    [found] = read_answers(mini_manuscript, [path])
    assert found.values == {"start-1": "Ja."} and "could not confirm" in found.notes[0].message


def _bad_files(tmp_path: Path, identifier: str, filled: Path) -> dict[str, tuple[Path, str]]:
    truncated = tmp_path / "cut.pdf"
    truncated.write_bytes(filled.read_bytes()[:900])
    flat = pikepdf.new()
    flat.add_blank_page()
    flat.trailer.ID = pikepdf.Array([pikepdf.String(identifier.encode()), pikepdf.String(b"0123456789abcdef")])
    flat.save(tmp_path / "flat.pdf")
    return {
        "other": (_pdf(tmp_path / "other.pdf", "urn:uuid:00000000-0000-0000-0000-000000000000", ["start-1"],
                       {"start-1": "x"}), "is from another book (urn:uuid:00000000-"),
        "unfilled": (_pdf(tmp_path / "empty.pdf", identifier, ["start-1", "start-2"]), "has no answers"),
        "flattened": (tmp_path / "flat.pdf", "has no form fields: flattened or printed to PDF"),
        "encrypted": (_pdf(tmp_path / "locked.pdf", identifier, ["start-1"], {"start-1": "x"},
                           encryption=pikepdf.Encryption(user="secret", owner="owner")), "is encrypted"),
        "truncated": (truncated, "is damaged or not a PDF"),
    }


@pytest.mark.parametrize("case", ["other", "unfilled", "flattened", "encrypted", "truncated"])
def test_unreadable_files_give_one_error_each(case, filled, tmp_path, mini_manuscript):
    path, message = _bad_files(tmp_path, mini_manuscript.config.identifier, filled)[case]
    with pytest.raises(AnswersError) as caught:
        read_answers(mini_manuscript, [filled, path])
    [problem] = caught.value.diagnostics  # the good file has none
    assert str(problem).startswith(f"{path}: error: {message}") and "\n" not in str(problem)


@pytest.mark.slow
def test_cli_answers_markdown_csv_and_errors(filled, tmp_path, mini_manuscript):
    book = str(ROOTS / "mini")
    run = subprocess.run([sys.executable, "-m", "workbook", "answers", str(filled), "--book", book],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert ANSWERS["more-2"] in run.stdout and ANSWERS["start-1"] in run.stdout
    other = _pdf(tmp_path / "bart.pdf", mini_manuscript.config.identifier, ["start-2"], {"start-2": "Nee."})
    out = tmp_path / "coach" / "answers.csv"
    out.parent.mkdir()
    run = subprocess.run([sys.executable, "-m", "workbook", "answers", str(filled), str(other), "--book", book,
                          "--csv", "-o", str(out)], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == "", run.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [row[0] for row in rows] == ["file", "anna.pdf", "bart.pdf"] and ANSWERS["more-2"] in rows[1]
    for case, (path, message) in _bad_files(tmp_path, mini_manuscript.config.identifier, filled).items():
        target = tmp_path / f"{case}.csv"
        run = subprocess.run([sys.executable, "-m", "workbook", "answers", str(filled), str(path), "--book", book,
                              "--csv", "-o", str(target)], capture_output=True, text=True)
        assert run.returncode == 1, case
        assert run.stderr.splitlines() == [run.stderr.strip()] and message in run.stderr, (case, run.stderr)
        assert "Traceback" not in run.stderr and not target.exists(), case
    run = subprocess.run([sys.executable, "-m", "workbook", "answers", str(filled), str(other), "--book", book],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "--csv" in run.stderr


def test_writing_spaces_are_kept_with_the_part_in_the_cache():
    import json
    import struct

    from workbook.layout.parts import PartResult, Start, decode_result, encode_result

    spaces = [Space("start-1", 0, (139.08, 253.729, 476.504, 398.296), 24.0945, 6),
              Space("name", 1, (10.0, 20.0, 30.0, 40.0), 19.84, 1, False)]
    result = PartResult(Start(), 2, {}, ["1", "2"], {}, b"%PDF-1.7\n%%EOF\n", spaces=spaces)
    data = encode_result(result)
    assert decode_result(data, "pdf").spaces == spaces
    (length,) = struct.unpack(">I", data[:4])
    head = json.loads(data[4:4 + length])
    del head["spaces"]  # an entry from before the fields: laid out again, never taken without them
    old = json.dumps(head).encode()
    assert decode_result(struct.pack(">I", len(old)) + old + data[4 + length:], "pdf") is None
