"""Typed answers in the reader's PDF of the demo book: a field per prompt and notes page over its drawn rules,
filled answers rendered by pdfium and poppler inside the field and on the lines, read back word for word;
no fields in print files or with `fillable: false`; the worksheets' fields on their 9 mm lines."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pikepdf
import pypdf
import pypdfium2
import pytest
from PIL import Image, ImageChops

import workbook
from helpers import LINE_RGB, _close, output
from workbook.layout.answerfields import BOTTOM_PAD, fill_field
from workbook.targets.answers import read_answers

SCALE = 3  # renders at 216 dpi: a pixel is 1/3 pt
LONG = ("Ik zou elke avond tien minuten wandelen, ook als het regent, en daarna één zin opschrijven over wat "
        "ik zag — en wat ik voelde.\nNee zeggen zonder uitleg.")


def _widgets(path: Path) -> dict[str, tuple[int, list[float], float]]:
    """Field name -> (page index, widget rectangle, DA font size) of every widget."""
    found = {}
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") == "/Widget":
                    name = str(annot.get("/T", annot.get("/Parent", {}).get("/T", "")))
                    found[name] = (index, [float(v) for v in annot.Rect], float(str(annot.DA).split()[1]))
    return found


def _rules(path: Path, index: int, rect: list[float]) -> list[tuple[float, float, float]]:
    """The writing-line rules drawn across `rect` on page `index`: (bottom y, left x, right x) in PDF pt, top down."""
    with pdfplumber.open(str(path)) as pdf:
        page = pdf.pages[index]
        drawn = sorted((r for r in page.rects if r.get("fill") and _close(r.get("non_stroking_color"), LINE_RGB)
                        and rect[0] - 1 < r["x0"] < rect[2]), key=lambda r: r["bottom"])
        groups: list[list] = []
        for r in drawn:  # a rule may be drawn as several rectangles a fraction of a point apart
            if groups and r["bottom"] - groups[-1][-1]["bottom"] < 1:
                groups[-1].append(r)
            else:
                groups.append([r])
        rules = [(float(page.height) - max(r["bottom"] for r in rs), min(r["x0"] for r in rs), max(r["x1"] for r in rs))
                 for rs in groups]
    return [rule for rule in rules if rect[1] - 1 < rule[0] < rect[3]]


@pytest.fixture(scope="module")
def reader_pdf(demo_build) -> Path:
    return next(p for p in demo_build.outputs if p.name == "ruimte-maken.pdf")


@pytest.fixture(scope="module")
def filled(reader_pdf, demo_manuscript, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    answers = {p.id: f"Antwoord {p.id}: één regel — met ‘aanhalingstekens’." for p in demo_manuscript.prompts}
    answers["grenzen-3"] = LONG
    answers["verder-3"] = "Eerste regel.\n\nNa een lege regel."
    path = tmp_path_factory.mktemp("filled") / "ingevuld.pdf"
    with pikepdf.open(reader_pdf) as pdf:
        for name, text in answers.items():
            fill_field(pdf, name, text)
        pdf.save(path)
    return path, answers


@pytest.mark.build
def test_a_field_per_prompt_and_notes_page_named_by_id(reader_pdf, demo_manuscript):
    fields = pypdf.PdfReader(reader_pdf).get_fields()
    prompts = demo_manuscript.prompts
    notes = [f"notes-{c.slug}" for c in demo_manuscript.chapters]
    assert len(prompts) == 20 and sorted(fields) == sorted([p.id for p in prompts] + notes)
    for prompt in prompts:
        assert fields[prompt.id]["/TU"] == prompt.text and int(fields[prompt.id]["/Ff"]) & (1 << 12)
    assert fields["notes-grenzen"]["/TU"] == "Aantekeningen – 2. Grenzen die je beschermen"
    with pikepdf.open(reader_pdf) as pdf:
        assert pdf.Root.AcroForm.NeedAppearances is False
        widgets = [a for page in pdf.pages for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
        assert len(widgets) == 25 and all(int(w.F) == 4 and "/N" in w.AP for w in widgets)
        assert bytes(pdf.trailer.ID[0]) == demo_manuscript.config.identifier.encode()


@pytest.mark.build
def test_each_field_lies_over_its_drawn_rules(reader_pdf):
    widgets = _widgets(reader_pdf)
    lines = {"grenzen-4": 10, "zelfcompassie-4": 12, "aandacht-1": 6}
    for name, (index, rect, size) in widgets.items():
        rules = _rules(reader_pdf, index, rect)
        pitch = size * 1.35
        count = round((rect[3] - rect[1] - BOTTOM_PAD) / pitch)
        assert len(rules) == count >= lines.get(name, 6), name
        assert rules[0][1] == pytest.approx(rect[0], abs=0.5) and rules[0][2] == pytest.approx(rect[2], abs=0.5)
        step = (rect[3] - rect[1] - BOTTOM_PAD) / count
        for number, (bottom, _x0, _x1) in enumerate(rules):
            assert bottom == pytest.approx(rect[3] - (number + 1) * step, abs=0.5), (name, number)
        assert rules[-1][0] == pytest.approx(rect[1] + BOTTOM_PAD, abs=0.5)
    assert 25 <= round((widgets["verder-3"][1][3] - widgets["verder-3"][1][1]) / 24.09)  # {fill=page}: to the foot


def _renders(path: Path, index: int) -> dict[str, Image.Image]:
    document = pypdfium2.PdfDocument(path)
    document.init_forms()
    pdfium = document[index].render(scale=SCALE, may_draw_forms=True).to_pil().convert("L")
    document.close()
    png = subprocess.run(["pdftoppm", "-r", str(72 * SCALE), "-f", str(index + 1), "-l", str(index + 1), "-png",
                          "-singlefile", str(path)], capture_output=True, check=True).stdout
    return {"pdfium": pdfium, "poppler": Image.open(io.BytesIO(png)).convert("L")}


def _pixels(rect: list[float], height: float) -> tuple[int, int, int, int]:
    """A rectangle in PDF pt -> its pixels (left, top, right, bottom) on a page render `height` pt high."""
    return (int(rect[0] * SCALE), int((height - rect[3]) * SCALE), int(rect[2] * SCALE) + 1,
            int((height - rect[1]) * SCALE) + 1)


def _baselines(ink: Image.Image) -> list[int]:
    """Rows (from the top) of the text lines' baselines in a mask of text pixels: the lowest row of each band
    of inked rows that holds at least a quarter of the band's densest row (descenders are sparse)."""
    data, width = ink.tobytes(), ink.width
    counts = [width - data[y * width:(y + 1) * width].count(0) for y in range(ink.height)]
    bands, start = [], None
    for y, count in enumerate([*counts, 0]):
        if count and start is None:
            start = y
        elif not count and start is not None:
            bands.append((start, y))
            start = None
    found = []
    for top, end in bands:
        peak = max(counts[top:end])
        if peak >= 20:  # a text line, not a stray pixel
            found.append(max(y for y in range(top, end) if counts[y] >= peak / 4))
    return found


@pytest.mark.build
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_filled_answers_render_inside_the_field_and_on_the_lines(reader_pdf, filled):
    path, answers = filled
    widgets = _widgets(path)
    checked = 0
    for name in ("aandacht-1", "grenzen-3", "zelfcompassie-4", "verder-3"):
        index, rect, _size = widgets[name]
        empty, full = _renders(reader_pdf, index), _renders(path, index)
        rules = [bottom for bottom, _x0, _x1 in _rules(reader_pdf, index, rect)]
        for viewer in ("pdfium", "poppler"):
            height = full[viewer].height / SCALE
            ink = ImageChops.subtract(empty[viewer], full[viewer]).point(lambda v: 255 if v > 60 else 0)
            outside = ink.copy()
            for page, area, _size in widgets.values():  # every answer on the page stays inside its field
                if page == index:
                    outside.paste(0, _pixels(area, height))
            assert ink.getbbox() is not None and outside.getbbox() is None, (name, viewer, outside.getbbox())
            area = _pixels(rect, height)
            baselines = [height - (area[1] + row + 1) / SCALE for row in _baselines(ink.crop(area))]
            expected = answers[name].replace("\n\n", "\n").split("\n")
            assert len(baselines) >= len(expected), (name, viewer)
            if name == "grenzen-3":
                assert len(baselines) >= 4, (viewer, baselines)  # the long sentence wraps (2+ lines) before its break
            for baseline in baselines:
                above = [baseline - rule for rule in rules if rule <= baseline]
                assert above and 3 <= min(above) <= 8, (name, viewer, baseline, rules)
            checked += 1
    assert checked == 8


@pytest.mark.build
def test_answers_come_back_word_for_word(filled, demo_manuscript):
    path, answers = filled
    [found] = read_answers(demo_manuscript, [path])
    assert found.values == answers


@pytest.mark.build
def test_print_edition_has_no_fields(demo_build):
    path = next(p for p in demo_build.outputs if p.name == "ruimte-maken-print.pdf")
    with pikepdf.open(path) as pdf:
        assert "/AcroForm" not in pdf.Root
        assert not any(a.get("/Subtype") == "/Widget" for page in pdf.pages for a in page.obj.get("/Annots", []))


@pytest.mark.build
def test_fillable_false_turns_the_fields_off(books, tmp_path):
    book = books("mini")
    with open(book / "book.yaml", "a", encoding="utf-8") as config:
        config.write("\nfillable: false\n")
    result = workbook.build(book, tmp_path / "dist", ["pdf", "worksheets"])
    for path in result.outputs:
        with pikepdf.open(path) as pdf:
            assert "/AcroForm" not in pdf.Root, path.name
    assert len(result.outputs) == 2 and output(result, ".pdf")


@pytest.mark.build
def test_worksheet_fields_over_their_nine_mm_lines(tmp_path, demo_manuscript):
    from workbook.layout.session import BuildSession
    from workbook.targets.worksheets import WorksheetOptions, render_worksheets

    path = tmp_path / "ws.pdf"
    path.write_bytes(render_worksheets(BuildSession.start(demo_manuscript), WorksheetOptions(chapters=("2",))))
    widgets = _widgets(path)
    assert sorted(widgets) == sorted(["name", "date", *[p.id for p in demo_manuscript.chapters[1].prompts]])
    index, rect, size = widgets["grenzen-1"]
    rules = _rules(path, index, rect)
    assert size == round(9 * 72 / 25.4 / 1.35, 2) and len(rules) == 8
    assert rules[-1][0] == pytest.approx(rect[1] + BOTTOM_PAD, abs=0.5)
    assert rules[0][0] == pytest.approx(rect[3] - (rect[3] - rect[1] - BOTTOM_PAD) / 8, abs=0.5)


@pytest.mark.build
def test_a_book_laid_out_as_one_document_gets_the_same_fields(demo_editions, reader_pdf):
    joined, whole = _widgets(reader_pdf), _widgets(demo_editions["screen"][0])
    assert sorted(whole) == sorted(joined)
    for name, (page, rect, size) in whole.items():
        assert page == joined[name][0] and size == joined[name][2], name
        assert rect == pytest.approx(joined[name][1], abs=0.5), name
    with pikepdf.open(demo_editions["print"][0]) as pdf:
        assert "/AcroForm" not in pdf.Root
