"""Worksheets for coaches, checked by structure: prompts in order with numbers and lines, fillable fields, clients."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2
import pytest

import workbook
from helpers import REPO, ROOTS, find_in_order, normalise, orphaned_lines, pdf_pages_text, writing_lines_per_prompt
from tagcheck import check_pdf
from workbook.layout.answerfields import fill_field
from workbook.layout.session import BuildSession
from workbook.targets.clients import ClientsError, build_client_worksheets, read_clients
from workbook.targets.worksheets import WorksheetOptions, render_worksheets, worksheet_lines


@pytest.fixture(scope="session")
def demo_worksheets(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ws-dist")
    result = workbook.build(REPO / "book", out, ["worksheets"])
    assert [p.name for p in result.outputs] == ["ruimte-maken-worksheets.pdf"]
    return result.outputs[0]


@pytest.fixture(scope="session")
def demo_fillable(demo_manuscript) -> bytes:
    return render_worksheets(BuildSession.start(demo_manuscript), WorksheetOptions(fillable=True))


@pytest.mark.build
def test_every_prompt_in_order_with_its_number(demo_worksheets, demo_manuscript):
    text = normalise(" ".join(pdf_pages_text(demo_worksheets)))
    needles = [f"{c.number}.{p.number} {normalise(p.text)}" for c in demo_manuscript.chapters for p in c.prompts]
    assert len(needles) == 20
    positions = find_in_order(text, needles)
    assert [n for n, at in zip(needles, positions, strict=True) if at < 0] == []


@pytest.mark.build
def test_each_prompt_has_its_worksheet_lines(demo_worksheets, demo_manuscript):
    prompts = demo_manuscript.prompts
    counts = writing_lines_per_prompt(demo_worksheets, [p.text for p in prompts])
    expected = [max(8, p.own_lines or 0) for p in prompts]
    assert counts == expected
    assert 10 in expected and 12 in expected  # {lines=10} and {lines=12} beat the default of 8
    assert orphaned_lines(demo_worksheets, [p.text for p in prompts]) == 0


@pytest.mark.build
def test_each_chapter_starts_a_page_with_titles_name_date_and_footer(demo_worksheets, demo_manuscript):
    pages = pdf_pages_text(demo_worksheets)
    starts = [i for i, t in enumerate(pages) if "Naam" in t and "Datum" in t]
    assert len(starts) == len(demo_manuscript.chapters)
    for index, chapter in zip(starts, demo_manuscript.chapters, strict=True):
        page = normalise(pages[index])
        assert f"HOOFDSTUK {chapter.number}" in page and chapter.title in page and "RUIMTE MAKEN" in page
        assert f"{chapter.number}.1 " in page  # the chapter's first prompt opens its page set
    for number, text in enumerate(pages, start=1):
        assert normalise(text).endswith(f"Pagina {number} van {len(pages)}")


@pytest.mark.build
def test_worksheet_lines_setting_and_english_words(tmp_path, mini_manuscript, books):
    book = books("mini")
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text() + "worksheet_lines: 5\n")
    manuscript = workbook.load_book(book)
    assert [worksheet_lines(manuscript, p) for p in manuscript.prompts] == [5, 5, 5, 7]
    pdf = tmp_path / "mini.pdf"
    pdf.write_bytes(render_worksheets(BuildSession.start(manuscript), WorksheetOptions(chapters=("more",), with_context=True)))
    pages = pdf_pages_text(pdf)
    text = normalise(" ".join(pages))
    assert "Name" in text and "Date" in text and text.endswith("Page 1 of 1")
    assert "2.1 What would you keep" in text and "1.1" not in text  # numbered as in the book
    assert writing_lines_per_prompt(pdf, [p.text for p in manuscript.prompts[2:]]) == [5, 7]


def test_prompt_info_carries_question_html_and_example(mini_manuscript, demo_manuscript):
    prompts = {p.id: p for p in mini_manuscript.prompts}
    assert prompts["start-2"].example_text.startswith("Sam keeps a notebook")
    assert "Example" not in prompts["start-2"].example_html
    assert prompts["start-1"].example_html is None and prompts["more-1"].example_html is None
    assert prompts["start-1"].own_lines == 3 and prompts["start-2"].own_lines is None
    assert prompts["more-2"].question_html == "Who could you ask for\u00a0help?"  # its last words kept together
    assert all(p.question_html and "<svg" not in p.question_html and "id=" not in p.question_html
               for p in demo_manuscript.prompts)
    # an example is used for the prompt that follows it, never twice
    grenzen = [p for p in demo_manuscript.prompts if p.id.startswith("grenzen")]
    assert [bool(p.example_text) for p in grenzen] == [False, True, True, False]


@pytest.mark.build
def test_with_context_prints_the_example_before_its_prompt(demo_manuscript, tmp_path):
    pdf = tmp_path / "ctx.pdf"
    pdf.write_bytes(render_worksheets(BuildSession.start(demo_manuscript), WorksheetOptions(chapters=("grenzen",), with_context=True)))
    text = normalise(" ".join(pdf_pages_text(pdf)))
    prompt = next(p for p in demo_manuscript.prompts if p.id == "grenzen-2")
    example_at = text.find(normalise(prompt.example_text)[:40])
    assert 0 < example_at < text.find("2.2 " + normalise(prompt.text)[:30])


@pytest.mark.build
def test_fillable_has_one_field_per_prompt_plus_name_and_date(demo_fillable, demo_manuscript):
    reader = pypdf.PdfReader(io.BytesIO(demo_fillable))
    fields = reader.get_fields()
    assert sorted(fields) == sorted([p.id for p in demo_manuscript.prompts] + ["name", "date"])
    for prompt in demo_manuscript.prompts:
        field = fields[prompt.id]
        assert field["/FT"] == "/Tx" and int(field["/Ff"]) & (1 << 12), f"{prompt.id} is not multi-line"
    assert len(reader.trailer["/Root"]["/AcroForm"]["/Fields"]) == len(fields)
    widgets = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])
               if a.get_object().get("/Subtype") == "/Widget"]
    assert len(widgets) == len(demo_manuscript.prompts) + 2 * len(demo_manuscript.chapters)  # name+date on each chapter
    assert all(int(w["/F"]) & 4 and not int(w["/F"]) & 0b100010 for w in widgets)  # printable, not hidden
    assert all(" gs" not in str(w.get("/DA", "")) for w in widgets)


def _field_ink(pdf: bytes, name: str) -> tuple[int, int]:
    """Dark pixels inside the named field's widget, rendered as for printing, with forms drawn."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            title = annot.get("/T") or annot.get("/Parent", {}).get("/T")
            if title == name:
                x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
                break
        else:
            continue
        document = pypdfium2.PdfDocument(pdf)
        document.init_forms()
        scale = 2
        image = document[index].render(scale=scale, may_draw_forms=True, optimize_mode="print").to_pil().convert("L")
        height = float(page.mediabox.height)
        box = (int(x0 * scale), int((height - max(y0, y1)) * scale), int(x1 * scale), int((height - min(y0, y1)) * scale))
        crop = image.crop(box)
        document.close()
        return sum(crop.histogram()[:100]), index
    raise AssertionError(f"no widget named {name}")


@pytest.mark.build
def test_value_filled_shows_when_rendered(demo_fillable, tmp_path):
    values = {"grenzen-2": "Mijn schouders gaan omhoog.", "name": "Anna de Boer"}
    with pikepdf.open(io.BytesIO(demo_fillable)) as pdf:
        for name, text in values.items():
            fill_field(pdf, name, text)
        buffer = io.BytesIO()
        pdf.save(buffer)
    filled = buffer.getvalue()
    assert pypdf.PdfReader(io.BytesIO(filled)).get_fields()["grenzen-2"]["/V"] == values["grenzen-2"]
    for name in values:
        empty_ink, _ = _field_ink(demo_fillable, name)
        ink, _ = _field_ink(filled, name)
        assert ink - empty_ink > 150, f"{name}: {empty_ink} -> {ink} dark pixels"  # (the name's own dark rule)
    assert _field_ink(demo_fillable, "grenzen-2")[0] == 0


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("content, message", [
    ("", "clients.csv:1: error: the file is empty"),
    ("client,date\nAnna,\n", "clients.csv:1: error: no `name` column"),
    ("name,date\nAnna,\nBart,\nanna,\n", "clients.csv:4: error: 'anna' has the same name as line 2"),
    ("name,chapters\nAnna,1\nBart,2;9\n", "clients.csv:3: error: chapter '9' does not exist"),
    ("name,chapters\nAnna,nope\n", "clients.csv:2: error: chapter 'nope' does not exist"),
    (b"name\nAnna\nChlo\xe9\n", "clients.csv:3: error: is not UTF-8 text"),
    ("name,date\n,2026-01-01\n", "clients.csv:2: error: the name is empty"),
    ("name\n", "clients.csv:2: error: no clients"),
])
def test_bad_clients_csv_names_the_row(tmp_path, mini_manuscript, content, message):
    csv_file = _write(tmp_path / "clients.csv", content)
    with pytest.raises(ClientsError) as caught:
        read_clients(csv_file, mini_manuscript)
    assert message in [str(d)[: len(message)] for d in caught.value.diagnostics]


def test_clients_csv_accepts_the_books_words_and_chapter_lists(tmp_path, demo_manuscript):
    csv_file = _write(tmp_path / "klanten.csv", "Naam;Datum;chapters\nAnna de Boer;4 maart;2,verder\nBart;;\n")
    clients = read_clients(csv_file, demo_manuscript)
    assert [(c.name, c.date, c.chapters, c.line) for c in clients] == [
        ("Anna de Boer", "4 maart", ("grenzen", "verder"), 2), ("Bart", None, (), 3)]


@pytest.mark.build
def test_three_clients_give_three_pdfs_with_their_names(tmp_path):
    csv_file = _write(tmp_path / "clients.csv",
                      "name,date,chapters\nAnna de Boer,2026-03-04,2\nBart Jansen,,\nChloé Müller,5 March,1\n")
    seen = []
    result = build_client_worksheets(ROOTS / "mini", csv_file, tmp_path / "dist", WorksheetOptions(fillable=True),
                                     workers=2, on_progress=lambda c: seen.append(c.name))
    assert sorted(seen) == ["Anna de Boer", "Bart Jansen", "Chloé Müller"] and result.workers == 2
    assert [p.name for p in result.outputs] == ["anna-de-boer.pdf", "bart-jansen.pdf", "chloe-muller.pdf"]
    assert sorted(p.name for p in (tmp_path / "dist" / "worksheets").iterdir()) == [p.name for p in result.outputs]
    for path, name, pages in zip(result.outputs, ["Anna de Boer", "Bart Jansen", "Chloé Müller"], [1, 2, 1], strict=True):
        texts = [normalise(t) for t in pdf_pages_text(path)]
        assert len(texts) == pages
        assert all(name in t for t in texts), f"{name} missing on a page of {path.name}"
        fields = pypdf.PdfReader(str(path)).get_fields()
        assert "name" not in fields  # the name is printed, not asked
    assert "2026-03-04" in pdf_pages_text(result.outputs[0])[0]
    assert "date" in pypdf.PdfReader(str(result.outputs[1])).get_fields()
    expected = [{"more-1", "more-2"}, {"start-1", "start-2", "more-1", "more-2", "date"}, {"start-1", "start-2"}]
    for path, fields in zip(result.outputs, expected, strict=True):  # the worksheets' fields, in a tagged PDF
        assert set(pypdf.PdfReader(str(path)).get_fields()) == fields, path.name
        assert check_pdf(path.read_bytes()) == [], path.name


@pytest.mark.slow
def test_bad_csv_writes_nothing_and_cli_exits_1(tmp_path):
    csv_file = _write(tmp_path / "clients.csv", "name\nAnna\nBart\nAnna\n")
    out = tmp_path / "dist"
    run = subprocess.run([sys.executable, "-m", "workbook", "worksheets", str(ROOTS / "mini"), "-o", str(out),
                          "--clients", str(csv_file)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "clients.csv:4: error: 'Anna' has the same name as line 2" in run.stderr
    assert "Traceback" not in run.stderr and not out.exists()


@pytest.mark.build
def test_cli_worksheets_and_unknown_chapter(tmp_path):
    out = tmp_path / "dist"
    run = subprocess.run([sys.executable, "-m", "workbook", "worksheets", str(ROOTS / "mini"), "-o", str(out),
                          "--chapter", "start", "--fillable", "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    fields = pypdf.PdfReader(str(out / "small-steps-worksheets.pdf")).get_fields()
    assert sorted(fields) == ["date", "name", "start-1", "start-2"]
    run = subprocess.run([sys.executable, "-m", "workbook", "worksheets", str(ROOTS / "mini"), "-o", str(out),
                          "--chapter", "7"], capture_output=True, text=True)
    assert run.returncode == 2 and "no chapter '7'" in run.stderr
