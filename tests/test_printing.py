"""Print profiles (kdp, ingramspark, press) as data: inside margin by page count, padded page counts, spine
width by paper, spine text, trim sizes each printer takes, and the full-wrap cover's measures."""
from __future__ import annotations

import pytest

from workbook.errors import WorkbookError
from workbook.model.config import isbn13, isbn_ok
from workbook.model.printing import (
    INGRAMSPARK,
    KDP,
    MM_PER_IN,
    PRESS,
    PROFILES,
    check_trim,
    cover_geometry,
    get_profile,
    inside_margin_in,
    padded_page_count,
    spine_text_allowed,
    spine_width_in,
)


def _message(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(str(d) for d in exc.value.diagnostics)


@pytest.mark.parametrize(("pages", "margin"), [
    (24, 0.375), (150, 0.375), (151, 0.5), (300, 0.5), (301, 0.625), (500, 0.625),
    (501, 0.75), (700, 0.75), (701, 0.875), (828, 0.875),
])
def test_kdp_inside_margin_follows_the_page_count_table(pages, margin):
    assert inside_margin_in(KDP, pages) == margin


def test_inside_margin_past_the_table_and_for_other_printers():
    with pytest.raises(WorkbookError) as exc:
        inside_margin_in(KDP, 829)
    assert "at most 828" in _message(exc)
    assert inside_margin_in(INGRAMSPARK, 18) == inside_margin_in(INGRAMSPARK, 1000) == 0.5
    assert inside_margin_in(PRESS, 300) is None  # a press sets none: the book's own margins stand


@pytest.mark.parametrize(("profile", "pages", "padded"), [
    (KDP, 1, 24), (KDP, 23, 24), (KDP, 24, 24), (KDP, 25, 26), (KDP, 151, 152), (KDP, 828, 828),
    (INGRAMSPARK, 9, 18), (INGRAMSPARK, 18, 18), (INGRAMSPARK, 19, 20), (INGRAMSPARK, 2001, 2002),
    (PRESS, 1, 4), (PRESS, 5, 8), (PRESS, 8, 8), (PRESS, 130, 132),
])
def test_page_count_is_padded_to_the_printers_minimum_and_multiple(profile, pages, padded):
    assert padded_page_count(profile, pages) == padded


def test_page_counts_a_printer_cannot_take_are_errors():
    with pytest.raises(WorkbookError) as exc:
        padded_page_count(KDP, 829)
    assert "kdp: 829 pages" in _message(exc) and "at most 828" in _message(exc)
    with pytest.raises(WorkbookError):
        padded_page_count(PRESS, 0)


def test_kdp_spine_width_from_its_published_paper_thickness():
    assert spine_width_in(KDP, 200, "white") == pytest.approx(0.4504)
    assert spine_width_in(KDP, 200, "cream") == pytest.approx(0.5)
    assert spine_width_in(KDP, 24, "white") == pytest.approx(24 * 0.002252)
    with pytest.raises(WorkbookError) as exc:
        spine_width_in(KDP, 200, "glossy")
    assert "unknown paper 'glossy'" in _message(exc) and "white, cream" in _message(exc)
    with pytest.raises(WorkbookError) as exc:
        spine_width_in(KDP, 200, "white", spine_in=0.6)
    assert "leave spine_in out" in _message(exc)


@pytest.mark.parametrize("profile", [INGRAMSPARK, PRESS])
def test_printers_without_a_published_thickness_need_the_spine_from_their_template(profile):
    with pytest.raises(WorkbookError) as exc:
        spine_width_in(profile, 200, "white")
    assert "publishes no paper thickness" in _message(exc) and "spine_in" in _message(exc)
    assert spine_width_in(profile, 200, "cream", spine_in=0.47) == 0.47
    for bad in (0, -1, 5):
        with pytest.raises(WorkbookError):
            spine_width_in(profile, 200, "white", spine_in=bad)


def test_spine_text_only_where_the_printer_allows_it_and_type_fits():
    assert not spine_text_allowed(KDP, 78, 0.5)  # under 79 pages: KDP rejects spine text
    assert not spine_text_allowed(KDP, 80, spine_width_in(KDP, 80, "white"))  # allowed, but 0.18 in holds no legible type
    assert spine_text_allowed(KDP, 200, spine_width_in(KDP, 200, "white"))
    assert not spine_text_allowed(INGRAMSPARK, 46, 0.5)  # under 48 pages
    assert not spine_text_allowed(INGRAMSPARK, 120, 0.3)  # narrower than 0.35 in
    assert spine_text_allowed(INGRAMSPARK, 120, 0.4)
    assert spine_text_allowed(PRESS, 120, 0.4)


@pytest.mark.parametrize(("size", "name"), [
    ((127, 203.2), "5x8in"), ((139.7, 215.9), "5.5x8.5in"), ((152.4, 228.6), "6x9in"), ((177.8, 254), "7x10in"),
    ((215.9, 279.4), "8.5x11in"), ((148, 210), "A5"), ((210, 297), "A4"), ((170, 240), "custom"),
])
def test_kdp_takes_its_trim_sizes_and_custom_ones_in_its_range(size, name):
    assert check_trim(KDP, *size).name == name


def test_a_trim_size_the_printer_does_not_take_is_an_error_naming_book_yaml():
    with pytest.raises(WorkbookError) as exc:
        check_trim(KDP, 250, 300, line=11)
    message = _message(exc)
    assert message.startswith("book.yaml:11: error: page_size: 250 x 300 mm (9.84 x 11.81 in) is not a trim size")
    assert "Amazon KDP paperback" in message and "6x9in" in message and "A5" in message
    with pytest.raises(WorkbookError) as exc:
        check_trim(INGRAMSPARK, 210, 297)  # A4 is higher than IngramSpark's 11 in
    assert "IngramSpark" in _message(exc)
    assert check_trim(INGRAMSPARK, 148, 210).name == "A5"
    assert check_trim(PRESS, 210, 297).name == "A4"


def test_profiles_by_name_and_their_rules():
    assert [get_profile(name).name for name in PROFILES] == ["kdp", "ingramspark", "press"]
    with pytest.raises(WorkbookError) as exc:
        get_profile("lulu")
    assert "unknown print profile 'lulu'; choose from kdp, ingramspark, press" in _message(exc)
    assert KDP.interior_bleed.gutter == 0 and KDP.interior_bleed.outside == KDP.interior_bleed.top == 0.125
    assert not KDP.crop_marks and not KDP.annotations and not KDP.outline and KDP.fonts_whole
    assert INGRAMSPARK.pdfx == "PDF/X-1a:2001" and "DeviceRGB" not in INGRAMSPARK.colour_spaces
    assert PRESS.pdfx == "PDF/X-4" and PRESS.crop_marks and PRESS.slug_in > 0
    assert PRESS.interior_bleed.gutter == pytest.approx(3 / MM_PER_IN)
    assert (KDP.barcode.width_in, KDP.barcode.height_in, KDP.barcode.from_bottom_in, KDP.barcode.from_spine_in) == (2, 1.2, 0.25, 0.25)


def test_cover_geometry_of_a_kdp_wrap():
    g = cover_geometry(KDP, 152.4, 228.6, 199, "white")
    assert g.pages == 200
    spine = 200 * 0.002252 * MM_PER_IN
    assert g.spine == pytest.approx(spine)
    assert g.wrap_w == pytest.approx(2 * 152.4 + spine + 2 * 3.175)
    assert g.wrap_h == pytest.approx(228.6 + 2 * 3.175)
    assert (g.media_w, g.media_h) == (g.wrap_w, g.wrap_h)  # no slug: nothing outside the bleed
    x, y, w, h = g.barcode_box
    assert (w, h) == pytest.approx((50.8, 30.48))
    assert x + w == pytest.approx(g.spine_x - 6.35)  # 0.25 in from the spine
    assert y + h == pytest.approx(g.bleed + 228.6 - 6.35)  # 0.25 in above the bottom trim
    assert g.spine_text and g.front_x == pytest.approx(3.175 + 152.4 + spine)


def test_cover_geometry_of_a_press_wrap_has_a_slug():
    g = cover_geometry(PRESS, 148, 210, 130, "white", spine_in=0.4)
    assert g.pages == 132 and g.bleed == pytest.approx(3.0) and g.slug == pytest.approx(6.0)
    assert g.media_w == pytest.approx(2 * 148 + 0.4 * MM_PER_IN + 2 * 3 + 2 * 6)


def test_isbn_10_becomes_the_13_digits_of_its_barcode():
    assert isbn13("0-306-40615-2") == "9780306406157"
    assert isbn_ok("978-0-306-40615-7") and isbn13("978-0-306-40615-7") == "9780306406157"
    assert isbn13("0 8044 2957 X") == "9780804429573"
