"""The EPUB that stores and e-readers accept: EPUBCheck 0/0 on every book, accessibility metadata,
landmarks and a page list that matches the PDF's printed page numbers, the author's cover, strict
alt text, byte-identical builds and loud write failures. Ace by DAISY when Node and Chromium exist."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from lxml import etree

import workbook
from helpers import (
    BROKEN_ROOTS,
    ROOTS,
    SHARED,
    Books,
    ace_missing,
    ace_violations,
    epub_files,
    epubcheck_problems,
    normalise,
    output,
)

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/", "epub": "http://www.idpf.org/2007/ops",
      "svg": "http://www.w3.org/2000/svg"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# WORKBOOK_SHARED points at shared/ when the project is not checked out beside it (a worktree).
PANDOC = Path(os.environ.get("WORKBOOK_SHARED") or SHARED) / "peer" / "pandoc-testsuite.txt"
ROOT_BOOKS = sorted(p.name for p in ROOTS.iterdir() if (p / "book.yaml").is_file() and p.name not in BROKEN_ROOTS)


def _pandoc_book(tmp: Path, strip_images: bool) -> Path:
    if not PANDOC.is_file():
        pytest.skip(f"{PANDOC} is absent (shared test material is not checked out beside the project)")
    text = PANDOC.read_text(encoding="utf-8")
    if strip_images:
        text = "\n".join(line for line in text.split("\n") if "lalune" not in line and "movie.jpg" not in line)
    return Books(tmp).write({"pandoc-testsuite.txt": text}, title="Pandoc test suite",
                            yaml="title: {title}\nauthor: John MacFarlane\nlanguage: en\ndate: 2006-07-17\nchapters:\n{chapters}",
                            to="pandoc-no-images" if strip_images else "pandoc")


@pytest.fixture(scope="session")
def root_builds(tmp_path_factory, mini_build) -> dict[str, workbook.BuildResult]:
    builds = {"mini": mini_build}
    for name in ROOT_BOOKS:
        if name not in builds:
            builds[name] = workbook.build(ROOTS / name, tmp_path_factory.mktemp(f"{name}-dist"), ["pdf", "epub", "print"])
    return builds


@pytest.fixture(scope="session")
def pandoc_build(tmp_path_factory) -> workbook.BuildResult:
    book = _pandoc_book(tmp_path_factory.mktemp("pandoc"), strip_images=True)
    return workbook.build(book, book.parent / "dist", ["pdf", "epub"])


@pytest.fixture(params=["demo", *ROOT_BOOKS, "pandoc"])
def any_build(request, demo_build, root_builds):
    if request.param == "demo":
        return demo_build
    if request.param == "pandoc":
        return request.getfixturevalue("pandoc_build")
    return root_builds[request.param]


@pytest.mark.build
def test_epubcheck_clean_on_every_book(any_build):
    assert epubcheck_problems(output(any_build, ".epub")) == []


def test_pandoc_suite_with_missing_images_stops_with_file_and_line(tmp_path):
    book = _pandoc_book(tmp_path, strip_images=False)
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, tmp_path / "dist", ["epub"])
    errors = [str(d) for d in caught.value.diagnostics if d.severity == "error"]
    assert errors == [
        "chapters/pandoc-testsuite.txt:697: error: image lalune.jpg: not found",
        "chapters/pandoc-testsuite.txt:699: error: image movie.jpg: not found",
    ]
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


@pytest.mark.build
def test_pandoc_suite_loses_its_script_and_dead_links(pandoc_build):
    files = epub_files(output(pandoc_build, ".epub"))
    chapter = files["EPUB/chapter-01-pandoc-testsuite.xhtml"].decode()
    assert "<script" not in chapter and "document.write" not in chapter
    root = etree.fromstring(files["EPUB/chapter-01-pandoc-testsuite.xhtml"])
    hrefs = [a.get("href") for a in root.iterfind(".//x:a", NS)]
    assert hrefs and all(h.startswith(("http:", "https:", "mailto:", "#")) for h in hrefs)
    messages = [str(w) for w in pandoc_build.warnings]
    assert any(":12: warning: link '/url' leads nowhere" in m for m in messages)


def _opf(files: dict[str, bytes]) -> etree._Element:
    return etree.fromstring(files["EPUB/content.opf"])


def _meta(opf: etree._Element, prop: str) -> list[str]:
    return [m.text for m in opf.iterfind(f".//opf:meta[@property='{prop}']", NS)]


@pytest.mark.build
def test_package_carries_accessibility_metadata_and_language(demo_build, demo_manuscript):
    opf = _opf(epub_files(output(demo_build, ".epub")))
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "nl"
    assert opf.findtext(".//dc:language", namespaces=NS) == "nl"
    assert set(_meta(opf, "schema:accessMode")) == {"textual", "visual"}
    assert _meta(opf, "schema:accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "alternativeText", "pageBreakMarkers",
            "pageNavigation"} <= set(_meta(opf, "schema:accessibilityFeature"))
    assert _meta(opf, "schema:accessibilityHazard") == ["none"]
    summary = _meta(opf, "schema:accessibilitySummary")
    assert summary == [demo_manuscript.config.words["accessibility_summary"]] and "werkbladen" in summary[0]
    assert _meta(opf, "pageBreakSource") == ["ruimte-maken-print.pdf"]


def _ids(files: dict[str, bytes], name: str) -> set[str]:
    return {el.get("id") for el in etree.fromstring(files[name]).iter() if el.get("id")}


def _nav(files: dict[str, bytes], kind: str) -> list[etree._Element]:
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    found = nav.find(f".//x:nav[@epub:type='{kind}']", NS)
    assert found is not None, f"no {kind} nav"
    return list(found.iterfind(".//x:a", NS))


@pytest.mark.build
def test_nav_landmarks_and_page_list_point_at_existing_targets(any_build):
    files = epub_files(output(any_build, ".epub"))
    for kind in ("toc", "landmarks", "page-list"):
        links = _nav(files, kind)
        assert links, kind
        for link in links:
            target, _, fragment = link.get("href").partition("#")
            name = "EPUB/" + urllib.parse.unquote(target)
            assert name in files, link.get("href")
            if fragment:
                assert fragment in _ids(files, name), link.get("href")
    assert {a.get(EPUB_TYPE) for a in _nav(files, "landmarks")} == {"cover", "titlepage", "toc", "bodymatter"}


def _footers(pdf: Path) -> list[str | None]:
    """What each PDF page prints in its bottom margin (the folio), read from the PDF itself."""
    labels = []
    with pdfplumber.open(str(pdf)) as document:
        for page in document.pages:
            words = [w["text"] for w in page.extract_words() if w["top"] > page.height - 28 * 72 / 25.4]
            labels.append(" ".join(words) or None)
    return labels


def _page_texts(pdf: Path) -> list[str]:
    with pdfplumber.open(str(pdf)) as document:
        return [normalise(page.extract_text() or "").lower() for page in document.pages]


@pytest.mark.build
@pytest.mark.parametrize("name", ["demo", "mini"])
def test_page_list_matches_the_pdfs_printed_page_numbers(name, demo_build, root_builds):
    result = demo_build if name == "demo" else root_builds["mini"]
    files = epub_files(output(result, ".epub"))
    printed = next(p for p in result.outputs if p.name.endswith("-print.pdf"))
    footers = _footers(printed)
    texts = _page_texts(printed)
    labels = [a.text for a in _nav(files, "page-list")]
    assert labels == [f for f in footers if f], "every printed page number of the print edition, in order"
    first_body = labels.index("1")
    assert first_body >= 1 and all(re.fullmatch(r"[ivxl]+", label) for label in labels[:first_body])
    for link in _nav(files, "page-list"):
        target, _, fragment = link.get("href").partition("#")
        root = etree.fromstring(files["EPUB/" + target])
        marker = root.find(f".//*[@id='{fragment}']")
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == link.text and not marker.text and len(marker) == 0
        following = marker.getnext()
        if following is not None and following.get(EPUB_TYPE) == "pagebreak":
            continue  # a page on which no block starts shares the next page's place
        after = "".join(marker.xpath("following::text()[not(ancestor::svg:svg)]", namespaces=NS))
        words = normalise(after).lower().split()[:2]
        page = texts[footers.index(link.text)]
        assert all(word in page for word in words), f"page {link.text} should start with {words!r}"


@pytest.mark.build
def test_prompts_point_to_the_worksheets_and_lines_scale_with_the_font(root_builds):
    files = epub_files(output(root_builds["mini"], ".epub"))
    chapter = etree.fromstring(files["EPUB/chapter-02-more.xhtml"])
    notes = [p.text for p in chapter.iterfind(".//x:div[@class='prompt']/x:p[@class='prompt-worksheet']", NS)]
    assert notes == ["Prefer paper? This question is in the worksheets: chapter 2, question 1.",
                     "Prefer paper? This question is in the worksheets: chapter 2, question 2."]
    css = files["EPUB/styles/book.css"].decode()
    rule = css[css.index(".prompt-lines .line"):].split("}")[0]
    height = rule.split("height:")[1].split(";")[0].strip()
    assert height.endswith("em") and float(height[:-2]) >= 1.5, "line spacing in em: it grows with the reader's font"


@pytest.mark.build
def test_authors_cover_picture_is_the_cover(root_builds):
    files = epub_files(output(root_builds["pictures"], ".epub"))
    opf = _opf(files)
    cover = opf.find(".//opf:item[@properties='cover-image']", NS)
    assert cover.get("media-type") == "image/jpeg"
    assert files["EPUB/" + cover.get("href")] == (ROOTS / "pictures" / "images" / "cover.jpg").read_bytes()
    assert len([n for n in files if n.endswith((".png", ".jpg"))]) == 2, "each picture once, no generated cover"
    chapter = etree.fromstring(files["EPUB/chapter-01-seeing.xhtml"])
    assert {img.get("src") for img in chapter.iterfind(".//x:img", NS)} == {"media/image-002.png"}


@pytest.mark.parametrize("value, message", [
    ("images/none.jpg", "file not found"),
    ("../outside.jpg", "is outside the book folder"),
    ("chapters/01-seeing.md", "not a picture format"),
])
def test_cover_is_validated_in_book_yaml(tmp_path, value, message, books):
    book = books("pictures")
    (tmp_path / "outside.jpg").write_bytes((book / "images" / "cover.jpg").read_bytes())
    yaml = (book / "book.yaml").read_text().replace("cover: images/cover.jpg", f"cover: {value}")
    (book / "book.yaml").write_text(yaml)
    with pytest.raises(workbook.ConfigError) as caught:
        workbook.load_config(book)
    line = yaml.split("\n").index(f"cover: {value}") + 1
    assert str(caught.value).startswith(f"book.yaml:{line}: error: cover: {value}: ") and message in str(caught.value)


@pytest.mark.slow
def test_missing_alt_text_warns_and_strict_refuses(tmp_path, books):
    book = books("pictures")
    chapter = book / "chapters" / "01-seeing.md"
    chapter.write_text(chapter.read_text().replace("![The habit loop again]", "![]"))
    expected = "chapters/01-seeing.md:13: {}: image images/habit-loop.png has no alt text"
    manuscript = workbook.load_book(book)
    assert [str(w) for w in manuscript.warnings if "alt text" in w.message][0].startswith(expected.format("warning"))
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, tmp_path / "dist", ["epub"], strict=True)
    assert str(caught.value).startswith(expected.format("error"))
    run = subprocess.run([sys.executable, "-m", "workbook", "build", str(book), "-o", str(tmp_path / "d2"), "-f", "epub",
                          "--strict"], capture_output=True, text=True)
    assert run.returncode == 1 and expected.format("error") in run.stderr and "Traceback" not in run.stderr


@pytest.mark.build
def test_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    first = workbook.build(ROOTS / "article", tmp_path / "a", ["epub"]).outputs[0]
    second = workbook.build(ROOTS / "article", tmp_path / "b", ["epub"]).outputs[0]
    assert hashlib.sha256(first.read_bytes()).hexdigest() == hashlib.sha256(second.read_bytes()).hexdigest()
    files = epub_files(first)
    assert _meta(_opf(files), "dcterms:modified") == ["2026-01-01T00:00:00Z"]
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    third = workbook.build(ROOTS / "article", tmp_path / "c", ["epub"]).outputs[0]
    assert _meta(_opf(epub_files(third)), "dcterms:modified") == ["2026-03-02T00:00:00Z"], "the book's date"
    assert dt.date.fromisoformat("2026-03-02") == workbook.load_config(ROOTS / "article").settings.date


@pytest.mark.build
def test_a_failing_write_inside_ebooklib_is_an_error(tmp_path, monkeypatch):
    from ebooklib import epub

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(epub.EpubWriter, "_write_items", disk_full)
    with pytest.raises(workbook.OutputError, match="could not assemble the EPUB: OSError.*No space left"):
        workbook.build(ROOTS / "article", tmp_path / "dist", ["epub"])
    assert not (tmp_path / "dist" / "rust-in-je-hoofd.epub").exists()


@pytest.mark.build
def test_an_unwritable_output_folder_is_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(workbook.WorkbookError, match="cannot write"):
        workbook.build(ROOTS / "article", blocker / "dist", ["epub"])


@pytest.mark.build
@pytest.mark.parametrize("name", ["demo", "pictures", "pandoc"])
def test_ace_reports_no_serious_or_critical_violations(name, demo_build, root_builds, request, tmp_path):
    reason = ace_missing()
    if reason:
        pytest.skip(f"Ace by DAISY cannot run: {reason}")
    result = {"demo": demo_build, "pandoc": None}.get(name) or root_builds.get(name) or request.getfixturevalue("pandoc_build")
    found = ace_violations(output(result, ".epub"), tmp_path / "ace")
    assert found.get("critical", []) == [] and found.get("serious", []) == []


def test_page_map_places_each_page_before_its_first_block():
    from workbook.layout.pagelist import map_pages

    documents = [("title.xhtml", ["titlepage"]), ("ch1.xhtml", ["ch1", "a", "fnref", "b", "c"]), ("ch2.xhtml", ["ch2", "d"])]
    anchors = {"titlepage": 1, "ch1": 2, "a": 2, "b": 3, "fnref": 1, "c": 5, "ch2": 6, "d": 7}
    labels = [None, "ii", "1", "2", "3", "4", "5", "6", "7"]
    places = [(b.label, b.document, b.before) for b in map_pages(documents, anchors, labels).breaks]
    assert places == [
        ("ii", "title.xhtml", "titlepage"), ("1", "ch1.xhtml", "ch1"), ("2", "ch1.xhtml", "b"),
        ("3", "ch1.xhtml", "c"),  # no block starts on page 3 (a long paragraph): it shares page 4's place
        ("4", "ch1.xhtml", "c"), ("5", "ch2.xhtml", "ch2"), ("6", "ch2.xhtml", "d"),
        ("7", "ch2.xhtml", None),  # after the last block: at the end of the last document
    ]


def _chapter_labels_in_pdf(pdf: Path) -> list[str]:
    """The printed number of every chapter's first page, in order, from the PDF's first-level bookmarks
    and its page labels."""
    reader = pypdf.PdfReader(str(pdf))
    labels = reader.page_labels
    starts = []
    for item in reader.outline:
        if isinstance(item, list):
            continue
        title = item.title
        if re.match(r"\d+\. ", title):
            starts.append(labels[reader.get_destination_page_number(item)])
    return starts


def _chapter_labels_in_epub(files: dict[str, bytes]) -> list[str]:
    """The page number each chapter document of the EPUB starts on: of the page-break markers before its
    first words (a page on which no block starts shares the next block's place), the last."""
    starts = []
    documents = dict.fromkeys(link.get("href").partition("#")[0] for link in _nav(files, "page-list"))
    for target in (t for t in documents if t.startswith("chapter-")):
        root = etree.fromstring(files["EPUB/" + target])
        leading = [m for m in root.iterfind(f".//*[@{{{NS['epub']}}}type='pagebreak']", NS)
                   if not "".join(m.xpath("preceding::text()[ancestor::x:body]", namespaces=NS)).strip()]
        starts.append(leading[-1].get("aria-label"))
    return starts


@pytest.mark.build
@pytest.mark.parametrize("name", ["demo", *ROOT_BOOKS])
def test_chapters_start_on_the_same_page_in_every_edition(name, demo_build, root_builds):
    """One layout: every chapter opens on the same page number in the reader's PDF, the print PDF and
    the EPUB's page list."""
    result = demo_build if name == "demo" else root_builds[name]
    screen = next(p for p in result.outputs if p.suffix == ".pdf" and not p.name.endswith("-print.pdf"))
    printed = next(p for p in result.outputs if p.name.endswith("-print.pdf"))
    in_screen, in_print = _chapter_labels_in_pdf(screen), _chapter_labels_in_pdf(printed)
    in_epub = _chapter_labels_in_epub(epub_files(output(result, ".epub")))
    assert in_screen and in_screen[0] == "1"
    assert in_screen == in_print == in_epub, (in_screen, in_print, in_epub)
