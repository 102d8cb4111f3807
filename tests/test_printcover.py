"""The full-wrap cover PDF for each print profile: its size (2 x trim + spine + 2 x bleed), TrimBox and
BleedBox, spine text only where allowed and reading top to bottom, the barcode area kept clear or an
EAN-13 that decodes, the front as the reader's cover, and a press's marks outside the bleed."""
from __future__ import annotations

import io

import pdfplumber
import pikepdf
import pypdfium2
import pytest
import zxingcpp
from barcode import EAN13
from PIL import Image, ImageChops, ImageStat

import workbook
from helpers import Books
from workbook.errors import WorkbookError
from workbook.layout.session import BuildSession
from workbook.model.printing import MM_PER_IN, get_profile
from workbook.targets.pdf import cover_png
from workbook.targets.printcover import build_cover_pdf, ean13_svg

PT = 72 / MM_PER_IN  # points in a mm
TRIM = (152.4, 228.6)  # 6 x 9 in, a size all three printers take
SPINES = {"kdp": None, "ingramspark": 0.5, "press": 0.55}  # IngramSpark and a press state the spine per title
BACKGROUND = (0x2F, 0x5D, 0x62)  # the back cover: the colour of the front's band (cover.css)


def _session(books, isbn: str | None = None, page_size: str = "6x9in", description: str | None = None) -> BuildSession:
    book = books("mini")
    config = book / "book.yaml"
    text = config.read_text(encoding="utf-8").replace("page_size: A4", f"page_size: {page_size}")
    if description:
        text = text.replace("description: A two-chapter book used by the test suite.", f"description: {description}")
    config.write_text(text + (f"isbn: {isbn}\n" if isbn else ""), encoding="utf-8")
    return BuildSession.start(workbook.load_book(book))


def _boxes(pdf: bytes) -> dict[str, list[float]]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0].obj
        assert len(doc.pages) == 1
        return {name: [float(v) for v in page[f"/{name}"]] for name in ("MediaBox", "BleedBox", "TrimBox")}


def _render(pdf: bytes, dpi: int = 150) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def _crop_mm(image: Image.Image, box_mm: tuple[float, float, float, float], dpi: int, inset: float = 0.0) -> Image.Image:
    """The part of a rendered page at (x, y, width, height) mm from its top left, `inset` mm inside."""
    x, y, w, h = box_mm
    px = dpi / MM_PER_IN
    return image.crop((round((x + inset) * px), round((y + inset) * px), round((x + w - inset) * px), round((y + h - inset) * px)))


@pytest.fixture(scope="module")
def covers(tmp_path_factory) -> dict:
    """The mini book at 6 x 9 in: each profile's cover at 200 pages, KDP's also at 60 pages and with an ISBN."""
    books = Books(tmp_path_factory.mktemp("covers"))
    plain = _session(books)
    built = {name: build_cover_pdf(plain, name, "white", 200, spine_in=spine) for name, spine in SPINES.items()}
    built["kdp-thin"] = build_cover_pdf(plain, "kdp", "white", 60)
    built["kdp-cream"] = build_cover_pdf(plain, "kdp", "cream", 200)
    with_isbn = _session(Books(tmp_path_factory.mktemp("isbn")), isbn="978-90-12345-67-5")
    built["kdp-isbn"] = build_cover_pdf(with_isbn, "kdp", "white", 200)
    built["front"] = cover_png(plain, height_px=round(TRIM[1] / MM_PER_IN * 150))
    return built


@pytest.mark.build
@pytest.mark.parametrize(("name", "pages", "paper"), [
    ("kdp", 200, "white"), ("kdp-cream", 200, "cream"), ("kdp-thin", 60, "white"), ("ingramspark", 200, "white"),
    ("press", 200, "white"),
])
def test_the_wrap_is_two_trims_a_spine_and_the_bleed(covers, name, pages, paper):
    profile = get_profile(name.split("-")[0])
    spine_in = SPINES[profile.name] or pages * dict(profile.paper_in_per_page)[paper]
    bleed_in, slug_in = profile.cover_bleed_in, profile.slug_in
    width_in = 2 * TRIM[0] / MM_PER_IN + spine_in + 2 * bleed_in
    height_in = TRIM[1] / MM_PER_IN + 2 * bleed_in
    boxes = _boxes(covers[name])
    x0, y0, x1, y1 = boxes["BleedBox"]
    assert (x1 - x0) / 72 == pytest.approx(width_in, abs=0.01)
    assert (y1 - y0) / 72 == pytest.approx(height_in, abs=0.01)
    assert boxes["MediaBox"] == pytest.approx([0, 0, x1 + slug_in * 72, y1 + slug_in * 72], abs=0.01)
    assert boxes["BleedBox"][:2] == pytest.approx([slug_in * 72] * 2, abs=0.01)
    bleed = bleed_in * 72
    assert boxes["TrimBox"] == pytest.approx([x0 + bleed, y0 + bleed, x1 - bleed, y1 - bleed], abs=0.01)


def _spine_chars(pdf: bytes, profile_name: str, spine_in: float) -> list[dict]:
    profile = get_profile(profile_name)
    left = (profile.slug_in + profile.cover_bleed_in) * 72 + TRIM[0] * PT
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [c for c in doc.pages[0].chars if left <= (c["x0"] + c["x1"]) / 2 <= left + spine_in * 72]


@pytest.mark.build
@pytest.mark.parametrize("name", ["kdp", "ingramspark", "press"])
def test_spine_text_reads_top_to_bottom_and_stays_clear_of_the_folds(covers, name):
    profile = get_profile(name)
    spine_in = SPINES[name] or 200 * 0.002252
    chars = _spine_chars(covers[name], name, spine_in)
    text = "".join(c["text"] for c in chars)
    assert "SmallSteps" in text.replace(" ", "") and "Test Author" in text
    left = (profile.slug_in + profile.cover_bleed_in) * 72 + TRIM[0] * PT
    clear = profile.spine_clear_in * 72
    for char in chars:
        assert not char["upright"]
        a, b, c, d, _, _ = char["matrix"]
        assert b < 0 and abs(a) < 1e-6  # the baseline runs down the page: turned a quarter clockwise
        assert left + clear - 0.5 <= char["x0"] and char["x1"] <= left + spine_in * 72 - clear + 0.5
    title = [c["bottom"] for c in chars if "Serif" in c["fontname"]]  # the title is set in the serif
    author = [c["top"] for c in chars if "Sans" in c["fontname"]]
    assert len(title) + len(author) == len(chars) and max(title) < min(author)  # the title above the author


@pytest.mark.build
def test_no_spine_text_where_the_spine_is_too_thin(covers):
    assert _spine_chars(covers["kdp-thin"], "kdp", 60 * 0.002252) == []


@pytest.mark.build
@pytest.mark.parametrize("name", ["kdp", "ingramspark", "press"])
def test_the_barcode_area_is_kept_clear_without_an_isbn(covers, name):
    profile = get_profile(name)
    dpi = 150
    image = _render(covers[name], dpi)
    slug, bleed = profile.slug_in * MM_PER_IN, profile.cover_bleed_in * MM_PER_IN
    area = profile.barcode
    w, h = area.width_in * MM_PER_IN, area.height_in * MM_PER_IN
    x = slug + bleed + TRIM[0] - area.from_spine_in * MM_PER_IN - w
    y = slug + bleed + TRIM[1] - area.from_bottom_in * MM_PER_IN - h
    region = _crop_mm(image, (x, y, w, h), dpi)
    for (low, high), colour in zip(region.getextrema(), BACKGROUND, strict=True):  # every pixel the back's colour
        assert colour - 2 <= low <= high <= colour + 2


@pytest.mark.build
def test_an_isbn_is_drawn_as_an_ean13_that_decodes_inside_the_barcode_area(covers):
    profile = get_profile("kdp")
    dpi = 600
    image = _render(covers["kdp-isbn"], dpi)
    area = profile.barcode
    w, h = area.width_in * MM_PER_IN, area.height_in * MM_PER_IN
    x = profile.cover_bleed_in * MM_PER_IN + TRIM[0] - area.from_spine_in * MM_PER_IN - w
    y = profile.cover_bleed_in * MM_PER_IN + TRIM[1] - area.from_bottom_in * MM_PER_IN - h
    region = _crop_mm(image, (x, y, w, h), dpi)
    found = zxingcpp.read_barcodes(region)
    assert [(r.format.name, r.text) for r in found] == [("EAN13", "9789012345675")]
    # the white box is the area: just outside it, the back's colour
    outside = _crop_mm(image, (x - 3, y, 2, h), dpi)
    assert ImageStat.Stat(outside).mean == pytest.approx(BACKGROUND, abs=2)
    # and the bars are python-barcode's EAN-13 pattern, module by module, across the middle of the bars
    pattern = EAN13("978901234567").build()[0]
    row = [min(px) < 128 for px in _bars_row(region)]
    assert _modules(row) == pattern
    with pdfplumber.open(io.BytesIO(covers["kdp-isbn"])) as doc:
        assert "ISBN 978-90-12345-67-5" in doc.pages[0].extract_text()


def _bars_row(region: Image.Image) -> list[tuple[int, int, int]]:
    """A row of pixels across the bars, a third of the way down the white box (below the ISBN line)."""
    y = round(region.height * 0.45)
    return [region.getpixel((x, y)) for x in range(region.width)]


def _modules(dark: list[bool]) -> str:
    """Dark/light pixels -> the bar pattern as "1"/"0" modules, from the first bar to the last."""
    first, last = dark.index(True), len(dark) - 1 - dark[::-1].index(True)
    runs, run, value = [], 0, dark[first]
    for pixel in dark[first:last + 1]:
        if pixel == value:
            run += 1
        else:
            runs.append((value, run))
            value, run = pixel, 1
    runs.append((value, run))
    module = (last + 1 - first) / 95  # 95 modules from the first bar to the last
    return "".join(("1" if on else "0") * round(length / module) for on, length in runs)


@pytest.mark.build
def test_the_front_is_the_readers_cover(covers):
    dpi = 150
    image = _render(covers["kdp"], dpi)
    bleed = get_profile("kdp").cover_bleed_in * MM_PER_IN
    spine = 200 * 0.002252 * MM_PER_IN
    front = _crop_mm(image, (bleed + TRIM[0] + spine, bleed, *TRIM), dpi)
    reader = Image.open(io.BytesIO(covers["front"])).convert("RGB").resize(front.size)
    # compared in blocks of 10 x 10 pixels (1.7 mm): edges falling on other pixels average out, anything
    # moved by a millimetre (or the author pulled up by the bleed) does not
    size = (front.width // 10, front.height // 10)
    difference = ImageChops.difference(front.resize(size, Image.BOX), reader.resize(size, Image.BOX))
    assert max(high for _, high in difference.getextrema()) < 45


@pytest.mark.build
def test_a_press_gets_marks_outside_the_bleed_and_the_stores_none(covers):
    for name in ("kdp", "ingramspark", "press"):
        boxes = _boxes(covers[name])
        x0, y0, x1, y1 = boxes["BleedBox"]
        with pdfplumber.open(io.BytesIO(covers[name])) as doc:
            page = doc.pages[0]
            height = float(page.height)
            lines = [(line["x0"], height - line["bottom"], line["x1"], height - line["top"]) for line in page.lines]
        if name != "press":
            assert boxes["MediaBox"] == boxes["BleedBox"]  # nothing can be drawn outside the bleed
            continue
        inside = [b for b in lines if b[0] >= x0 and b[1] >= y0 and b[2] <= x1 and b[3] <= y1]  # the design's own
        marks = [b for b in lines if b not in inside]
        assert len(marks) == 12  # 8 crop marks at the trim's corners, 4 fold marks at the spine
        for lx0, ly0, lx1, ly1 in marks:  # each wholly outside the bleed, in the slug
            assert lx1 <= x0 + 0.01 or lx0 >= x1 - 0.01 or ly1 <= y0 + 0.01 or ly0 >= y1 - 0.01
        trim = boxes["TrimBox"]
        ends = {round(v, 2) for b in marks for v in (b[0], b[1])}
        assert {round(trim[0], 2), round(trim[1], 2), round(trim[2], 2), round(trim[3], 2)} <= ends  # on the trim's lines


@pytest.mark.build
def test_trim_sizes_and_isbns_the_cover_cannot_take_are_reported_with_their_line(books):
    session = _session(books, page_size="A4")  # A4 is higher than IngramSpark's 11 in
    with pytest.raises(WorkbookError) as exc:
        build_cover_pdf(session, "ingramspark", "white", 200, spine_in=0.5)
    line = next(i for i, text in enumerate((session.manuscript.config.root / "book.yaml").read_text().splitlines(), 1)
                if text.startswith("page_size:"))
    assert str(exc.value.diagnostics[0]).startswith(f"book.yaml:{line}: error: page_size: 210 x 297 mm")
    assert build_cover_pdf(session, "kdp", "white", 200).startswith(b"%PDF")  # KDP prints A4
    with pytest.raises(WorkbookError) as exc:
        ean13_svg("9789012345674", line=9)
    assert str(exc.value.diagnostics[0]) == ("book.yaml:9: error: isbn: 9789012345674 is not a valid ISBN-13 "
                                             "(the check digit should make it 9789012345675)")


@pytest.mark.build
def test_a_description_too_long_for_the_back_is_cut_with_a_warning(books):
    long = " ".join(f"Sentence {n} says what the book is about." for n in range(120))
    session = _session(books, description=long)
    pdf = build_cover_pdf(session, "kdp", "white", 200)
    warnings = [str(w) for w in session.manuscript.warnings]
    line = next(i for i, text in enumerate((session.manuscript.config.root / "book.yaml").read_text().splitlines(), 1)
                if text.startswith("description:"))
    assert warnings == [f"book.yaml:{line}: warning: description: too long for the back cover at 152.4 x 228.6 mm; "
                        "it is cut off there (ending in …): shorten it"]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[0].extract_text()
    assert "Sentence 0 says" in text and "Sentence 119" not in text and "…" in text
    short = _session(books.__class__(books.folder / "short"))
    build_cover_pdf(short, "kdp", "white", 200)
    assert short.manuscript.warnings == []
