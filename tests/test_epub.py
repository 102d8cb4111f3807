"""The EPUB, checked by EPUBCheck and read back: nav, language, metadata, prompts, reproducibility."""
from __future__ import annotations

import hashlib
import re

import pytest
from lxml import etree

import workbook
from helpers import ROOTS, epub_files, epubcheck_problems, output

pytestmark = pytest.mark.build  # every test here lays out pages

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/", "epub": "http://www.idpf.org/2007/ops"}


@pytest.fixture(params=["demo", "mini"])
def book(request, demo_build, demo_manuscript, mini_build, mini_manuscript):
    if request.param == "demo":
        return output(demo_build, ".epub"), demo_manuscript
    return output(mini_build, ".epub"), mini_manuscript


def test_epubcheck_reports_no_errors_and_no_warnings(book):
    path, _ = book
    assert epubcheck_problems(path) == []


def test_nav_lists_every_chapter_and_landmarks(book):
    path, manuscript = book
    files = epub_files(path)
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    titles = [a.text for a in toc.iterfind("x:ol/x:li/x:a", NS)]
    assert titles == [c.title for c in manuscript.chapters]
    hrefs = [a.get("href") for a in toc.iterfind(".//x:a", NS)]
    assert all(f"EPUB/{h.split('#')[0]}" in files for h in hrefs)
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    kinds = {a.get("{http://www.idpf.org/2007/ops}type") for a in landmarks.iterfind(".//x:a", NS)}
    assert {"cover", "toc", "bodymatter"} <= kinds
    assert "EPUB/toc.ncx" in files


def test_language_on_package_and_every_document(book):
    path, manuscript = book
    language = manuscript.config.language
    files = epub_files(path)
    opf = etree.fromstring(files["EPUB/content.opf"])
    assert opf.findtext(".//dc:language", namespaces=NS) == language
    documents = [n for n in files if n.endswith(".xhtml")]
    assert len(documents) >= len(manuscript.chapters) + 2
    for name in documents:
        root = etree.fromstring(files[name])
        assert root.get("lang") == language, name
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == language, name


def test_metadata_and_cover(book):
    path, manuscript = book
    settings = manuscript.config.settings
    files = epub_files(path)
    opf = etree.fromstring(files["EPUB/content.opf"])
    assert opf.findtext(".//dc:title", namespaces=NS) == settings.title
    assert [c.text for c in opf.iterfind(".//dc:creator", NS)] == manuscript.config.authors
    assert opf.findtext(".//dc:identifier", namespaces=NS) == settings.identifier
    cover = opf.find(".//opf:item[@properties='cover-image']", NS)
    assert cover is not None and files["EPUB/" + cover.get("href")].startswith(b"\x89PNG")
    cover_page = etree.fromstring(files["EPUB/cover.xhtml"])
    assert cover_page.find(".//x:img", NS).get("alt").strip()


def test_prompts_are_questions_with_decorative_lines(book):
    path, manuscript = book
    files = epub_files(path)
    found = []
    for name in sorted(n for n in files if re.match(r"EPUB/chapter-\d+", n)):
        root = etree.fromstring(files[name])
        for box in (d for d in root.iterfind(".//x:div", NS) if "prompt" in d.get("class", "").split()):
            question = "".join(box.find("x:p", NS).itertext())
            lines = box.find("x:div[@class='prompt-lines']", NS)
            assert lines.get("aria-hidden") == "true"
            found.append((box.get("id"), " ".join(question.split()), len(lines)))
    label = "Reflectievraag " if manuscript.config.language == "nl" else "Reflection question "
    expected = [(p.id, label + p.text, p.lines) for p in manuscript.prompts]
    assert found == expected


def test_svg_icons_keep_their_viewbox(demo_build):
    files = epub_files(output(demo_build, ".epub"))
    chapter = next(v for k, v in files.items() if k.startswith("EPUB/chapter-")).decode()
    assert 'viewBox="0 0 24 24"' in chapter and "viewbox=" not in chapter


def test_epub_is_byte_identical_across_builds(tmp_path):
    first = workbook.build(ROOTS / "mini", tmp_path / "a", ["epub"]).outputs[0]
    second = workbook.build(ROOTS / "mini", tmp_path / "b", ["epub"]).outputs[0]
    assert hashlib.sha256(first.read_bytes()).hexdigest() == hashlib.sha256(second.read_bytes()).hexdigest()
    names = list(epub_files(first))
    assert names[0] == "mimetype"
