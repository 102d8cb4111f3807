"""The tagged reader's PDF and worksheets: structure trees of parts merged at the join (synthetic PDFs, no
layout), form elements added after it, the checker (tagcheck.py) failing each rule on a PDF broken on
purpose, and built books: tagged reader's PDF and worksheets, untagged print files, the untagged switch."""
from __future__ import annotations

import io
import shutil
import subprocess

import pikepdf
import pytest

import workbook
from tagcheck import check_pdf
from workbook.layout.structure import add_form_element, finish_document, finish_tags, merge_trees, tagged
from workbook.layout.tagging import ID_KEY, kids, repair

# -- synthetic tagged PDFs, as WeasyPrint writes a part: one Document, elements page by page -------------


def _element(pdf: pikepdf.Pdf, tag: str, parent, page, k: list, ident: str | None = None, **extra):
    element = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name(tag), P=parent,
                                                   Pg=page, K=pikepdf.Array(k), **extra))
    if ident:
        element[ID_KEY] = pikepdf.String(ident)
    for kid in k:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            kid.P = element
    return element


def _part(name: str, pages: int = 2, *, link: bool = False, table: bool = False, heading: int = 1) -> bytes:
    """A tagged part: on every page a fragment of Sect `name` holding a paragraph `name.p` (split over the
    pages); on the first page before it a heading and, if asked, a link (with its annotation) and a table
    header with a cell."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    document = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=root,
                                                    K=pikepdf.Array()))
    root.K = pikepdf.Array([document])
    nums: list = []
    annotations: list = []
    for number in range(pages):
        content = (b"/Artifact BMC 0 0 m 100 0 l S EMC\n"
                   b"/H1 <</MCID 0>> BDC BT /F1 12 Tf 72 700 Td <48> Tj ET EMC\n"
                   b"/P <</MCID 1>> BDC BT /F1 12 Tf 72 680 Td <50> Tj ET EMC\n"
                   b"/Span <</MCID 2>> BDC BT /F1 12 Tf 72 20 Td <31> Tj ET EMC\n")  # a running head's text
        if link and number == 0:
            content += b"/Link <</MCID 3>> BDC BT /F1 12 Tf 72 660 Td <4c> Tj ET EMC\n"
        if table and number == 0:
            content += (b"/TH <</MCID 4>> BDC BT /F1 12 Tf 72 640 Td <54> Tj ET EMC\n"
                        b"/TD <</MCID 5>> BDC BT /F1 12 Tf 72 620 Td <44> Tj ET EMC\n")
        pdf.add_blank_page(page_size=(300, 800))
        page = pdf.pages[-1]
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(content)
        page.obj.StructParents = number
        pg = page.obj
        heading_element = _element(pdf, f"/H{heading}", document, pg, [0]) if number == 0 else None
        paragraph = _element(pdf, "/P", document, pg, [1], f"{name}.p")
        orphan = _element(pdf, "/Span", document, pg, [2])  # reached by nothing, as WeasyPrint's margin boxes
        section_kids = [heading_element] if heading_element is not None else []
        array = [heading_element, paragraph, orphan]
        if link and number == 0:
            annotation = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                                                              Rect=[70, 655, 90, 675], Border=[0, 0, 0]))
            page.obj.Annots = pikepdf.Array([annotation])
            objr = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=annotation, Pg=pg))
            link_element = _element(pdf, "/Link", document, pg, [objr, 3])
            section_kids.append(link_element)
            array.append(link_element)
            annotations.append((annotation, link_element))
        if table and number == 0:
            th = _element(pdf, "/TH", document, pg, [4], ID=pikepdf.String(f"7-0-{number}"))
            td = _element(pdf, "/TD", document, pg, [5],
                          A=pikepdf.Dictionary(O=pikepdf.Name.Table, Headers=[pikepdf.String(f"7-0-{number}")]))
            row = _element(pdf, "/TR", document, pg, [th, td])
            section_kids.append(_element(pdf, "/Table", document, pg, [row]))
            array += [th, td]
        section_kids.append(paragraph)
        section = _element(pdf, "/Sect", document, pg, section_kids, name)
        document.K.append(section)
        nums += [number, pdf.make_indirect(pikepdf.Array(array))]
    for key, (annotation, element) in enumerate(annotations, start=pages):
        annotation.StructParent = key
        nums += [key, element]
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    pdf.Root.Lang = pikepdf.String("en")
    pdf.docinfo.Title = f"Part {name}"
    buffer = io.BytesIO()
    pdf.save(buffer)
    return repair(buffer.getvalue())  # the worker's repair: the orphan Span's text becomes an artifact


def _join(parts: list[bytes], drop: int | None = None) -> tuple[bytes, dict]:
    """The parts joined as join.py does: the first is the base, the others' pages appended, the trees
    merged; `drop`: a page of the base removed first (as the cover replaces the half-title)."""
    sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
    out = sources[0]
    for source in sources[1:]:
        out.pages.extend(source.pages)
    if drop is not None:
        del out.pages[drop]
    ids = merge_trees(out, sources)
    finish_tags(out)
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True)
    return buffer.getvalue(), {name: element.objgen for name, element in ids.items()}


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found = []

    def visit(element):
        found.append(element)
        for kid in kids(element):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                visit(kid)
    for top in kids(pdf.Root.StructTreeRoot):
        visit(top)
    return found


def test_parts_trees_merge_into_one_consistent_tree():
    joined, ids = _join([_part("a", link=True, table=True), _part("b", 3, link=True, table=True, heading=2)])
    assert check_pdf(joined) == []
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        assert len(pdf.pages) == 5
        (document,) = kids(pdf.Root.StructTreeRoot)
        sections = kids(document)
        assert [bytes(s.ID) for s in sections] == [b"a", b"b"]  # fragments of one id joined, in reading order
        paragraph = pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree)["b.p"]
        assert [isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/MCR" for k in kids(paragraph)] == [False, True, True]  # MCIDs of 3 pages
        assert not any(ID_KEY in element for element in _elements(pdf))
        keys = [page.obj.StructParents for page in pdf.pages]
        assert sorted(keys) == list(range(5))
        annotations = [a.StructParent for page in pdf.pages for a in page.obj.get("/Annots", [])]
        assert len(set(annotations) | set(keys)) == 7 and pdf.Root.StructTreeRoot.ParentTreeNextKey == 7
        headers = [bytes(e.ID) for e in _elements(pdf) if e.S == "/TH"]
        assert len(set(headers)) == 2  # the parts' "7-0-0" made unique
        cells = [bytes(e.A.Headers[0]) for e in _elements(pdf) if e.S == "/TD"]
        assert cells == headers  # each cell still names its own header
        id_tree = pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree)
        assert set(id_tree) == {*(h.decode() for h in headers), "a", "a.p", "b", "b.p"}
        assert str(pdf.open_metadata()["pdfuaid:part"]) == "1"
    assert set(ids) == {"a", "a.p", "b", "b.p"}


def test_elements_on_a_dropped_page_are_pruned():
    joined, _ids = _join([_part("a", 2), _part("b", 1)], drop=0)
    assert check_pdf(joined) == []
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        assert all(e.Pg.objgen in pages for e in _elements(pdf) if "/Pg" in e)
        assert [e.S for e in _elements(pdf)].count("/H1") == 1  # part a's heading was on the dropped page


def test_a_form_element_goes_after_the_question_and_into_the_parent_tree():
    joined, _ids = _join([_part("a", 2), _part("b", 1)])
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        page = pdf.pages[2]
        widget = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget,
                                                      FT=pikepdf.Name.Tx, T=pikepdf.String("b"), F=4,
                                                      Rect=[70, 100, 200, 300], P=page.obj))
        page.obj.Annots = pikepdf.Array([widget])
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([widget]))
        assert add_form_element(pdf, "b", widget, page)
        assert not add_form_element(pdf, "no-such-id", widget, page)
        section = pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree)["b"]
        assert [str(k.S) for k in kids(section)] == ["/H1", "/P", "/Form"]  # after the question
        form = kids(section)[2]
        assert form.K[0].Obj.objgen == widget.objgen and form.P.objgen == section.objgen
        buffer = io.BytesIO()
        pdf.save(buffer)
    assert check_pdf(buffer.getvalue()) == []
    assert not add_form_element(pikepdf.new(), "b", widget, page)


# -- the checker fails each rule --------------------------------------------------------------------------

def _broken(how) -> bytes:
    joined, _ids = _join([_part("a", 2, link=True)])
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        how(pdf)
        buffer = io.BytesIO()
        pdf.save(buffer)
        return buffer.getvalue()


def _unreach(pdf):
    section = kids(kids(pdf.Root.StructTreeRoot)[0])[0]
    section.K = pikepdf.Array([k for k in kids(section) if k.S != "/P"])


def _figure(pdf):
    section = kids(kids(pdf.Root.StructTreeRoot)[0])[0]
    section.K.append(pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Figure,
                                                          P=section, K=pikepdf.Array())))


def _skip(pdf):
    section = kids(kids(pdf.Root.StructTreeRoot)[0])[0]
    section.K.append(pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.H3,
                                                          P=section, K=pikepdf.Array())))


def _metadata(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        del meta["pdfuaid:part"]


BROKEN = {
    "not reached from the structure tree": _unreach,
    "text shown outside marked content": lambda pdf: pdf.pages[0].contents_add(
        pdf.make_stream(b"BT /F1 9 Tf 1 1 Td <41> Tj ET"), prepend=False),
    "not mapped to its element": lambda pdf: pdf.pages[0].obj.__setattr__("StructParents", 1),
    "annotation without /StructParent": lambda pdf: pdf.pages[0].obj.Annots[0].__delitem__("/StructParent"),
    "does not resolve": lambda pdf: pdf.pages[0].obj.Annots[0].__setattr__("StructParent", 0),
    "Figure": _figure,
    "headings: H3 follows H1": _skip,
    "no /Lang": lambda pdf: pdf.Root.__delitem__("/Lang"),
    "DisplayDocTitle": lambda pdf: pdf.Root.ViewerPreferences.__setattr__("DisplayDocTitle", False),
    "MarkInfo": lambda pdf: pdf.Root.__delitem__("/MarkInfo"),
    "pdfuaid:part": _metadata,
    "no /StructTreeRoot": lambda pdf: pdf.Root.__delitem__("/StructTreeRoot"),
    "never ended": lambda pdf: pdf.pages[1].contents_add(pdf.make_stream(b"/Artifact BMC"), prepend=False),
}


@pytest.mark.parametrize("problem", list(BROKEN))
def test_tagcheck_finds_each_broken_rule(problem):
    assert check_pdf(_broken(lambda pdf: None)) == []
    found = check_pdf(_broken(BROKEN[problem]))
    assert any(problem in line for line in found), found


# -- built books ------------------------------------------------------------------------------------------

@pytest.mark.build
def test_reader_pdf_and_worksheets_are_tagged_and_print_is_not(mini_build):
    files = {path.name: path.read_bytes() for path in mini_build.outputs if path.suffix == ".pdf"}
    reader, printed = files["small-steps.pdf"], files["small-steps-print.pdf"]
    assert check_pdf(reader) == []
    with pikepdf.open(io.BytesIO(reader)) as pdf:
        figures = [e for e in _elements(pdf) if e.S == "/Figure"]
        assert figures and all("/Alt" in e for e in figures)  # the QR codes (alt="") are artifacts
        assert pdf.Root.Lang == "en" and "/IDTree" in pdf.Root.StructTreeRoot
        xmp = pdf.open_metadata()
        assert xmp["dc:identifier"] == bytes(pdf.trailer.ID[0]).decode()
        assert "xmp:MetadataDate" not in xmp or xmp["xmp:MetadataDate"] == xmp.get("xmp:ModifyDate",
                                                                                 xmp.get("xmp:CreateDate"))
    with pikepdf.open(io.BytesIO(printed)) as pdf:
        assert "/StructTreeRoot" not in pdf.Root and "/MarkInfo" not in pdf.Root
        assert not any("/StructParents" in page.obj for page in pdf.pages)


@pytest.mark.build
def test_worksheets_are_tagged(books, tmp_path):
    result = workbook.build(books("mini"), tmp_path / "dist", ["worksheets"])
    assert check_pdf(result.outputs[0].read_bytes()) == []


@pytest.mark.build
def test_untagged_switch_and_its_own_cache_entries(books, tmp_path):
    book = books("mini")
    out = tmp_path / "dist"
    tagged_pdf = workbook.build(book, out, ["pdf"]).outputs[0].read_bytes()
    result = workbook.build(book, out, ["pdf"], tags=False)  # the same cache folder
    plain = result.outputs[0].read_bytes()
    assert result.layouts > 0  # the tagged parts in the cache were not taken
    shutil.move(result.outputs[0], out / "small-steps-untagged.pdf")
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        assert not tagged(pdf) and "/MarkInfo" not in pdf.Root
    with pikepdf.open(io.BytesIO(tagged_pdf)) as pdf:
        assert tagged(pdf)
    again = workbook.build(book, out, ["pdf"])
    assert again.layouts == 0 and check_pdf(again.outputs[0].read_bytes()) == []


@pytest.mark.build
@pytest.mark.slow
def test_pdfinfo_says_tagged(mini_build):
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    reader = next(path for path in mini_build.outputs if path.name == "small-steps.pdf")
    output = subprocess.run(["pdfinfo", str(reader)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in output


@pytest.mark.build
def test_second_opinion_pdfua(mini_build, demo_build):
    """PyPI's pdfua (a subset of the PDF/UA-1 rules) finds nothing wrong with the reader's PDFs."""
    pdfua = pytest.importorskip("pdfua")
    for result in (mini_build, demo_build):
        reader = min((path for path in result.outputs if path.suffix == ".pdf"), key=lambda path: len(path.name))
        findings = [f"{f.rule_id} {f.severity.name}: {f.message}" for f in pdfua.validate(str(reader)).findings
                    if f.severity.name in ("ERROR", "WARNING")]
        assert findings == [], reader


@pytest.mark.build
def test_form_elements_find_prompts_of_a_built_book(mini_build, mini_manuscript):
    reader = next(path for path in mini_build.outputs if path.name == "small-steps.pdf")
    prompts = [prompt.id for chapter in mini_manuscript.chapters for prompt in chapter.prompts]
    with pikepdf.open(reader) as pdf:
        widgets = []
        for name in prompts:
            element = pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree)[name]
            question = next(k for k in kids(element) if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/P")
            page = pikepdf.Page(question.Pg)
            widget = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget,
                                                          FT=pikepdf.Name.Tx, T=pikepdf.String(name), F=4,
                                                          Rect=[100, 100, 300, 200], P=page.obj))
            page.obj.Annots = pikepdf.Array([*page.obj.get("/Annots", []), widget])
            assert add_form_element(pdf, name, widget, page)
            widgets.append(widget)
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(widgets))
        buffer = io.BytesIO()
        pdf.save(buffer)
    assert len(prompts) == 4 and check_pdf(buffer.getvalue()) == []


PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.mark.build
@pytest.mark.parametrize("builder", [True, False], ids=["with-ids", "without-weasyprints-builder"])
def test_a_picture_without_alt_is_an_artifact_and_no_error(mini_manuscript, monkeypatch, builder):
    """alt="" (a QR code) and no alt at all: no WeasyPrint error fails the write, no Figure without /Alt is
    left; without WeasyPrint's private tag builder the PDF is tagged all the same, only without ids."""
    from workbook.layout import tagging
    from workbook.layout.document import Typesetter

    if not builder:
        monkeypatch.setattr(tagging, "_ORIGINAL", None)
    html = (f'<html lang="en"><head><title>T</title></head><body><h1 id="top">Title</h1><p id="p1">Text '
            f'<img src="{PIXEL}" alt=""> <img src="{PIXEL}"> <img src="{PIXEL}" alt="A dot"></p></body></html>')
    pdf = Typesetter(mini_manuscript).html_to_pdf(html)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        elements = _elements(document)
        assert [e.Alt for e in elements if e.S == "/Figure"] == ["A dot"]
        assert any(ID_KEY in e for e in elements) == builder
    assert check_pdf(finish_document(pdf)) == []
