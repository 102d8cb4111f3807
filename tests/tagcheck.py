"""A PDF in, what breaks its tagging out (a list of problems): the structural rules of a tagged PDF
(PDF/UA-1 oriented) that a viewer or an assistive technology relies on.

- every marked-content sequence with an MCID on a page is reached from the structure tree, and the
  page's parent-tree array maps that MCID to the element that holds it;
- no text is shown outside marked content (text is in an MCID'd sequence or inside /Artifact), in the
  page's content and in the form XObjects it draws;
- every annotation (but popups) has a /StructParent that the parent tree resolves to an element with an
  OBJR pointing back at that annotation;
- every element's /Pg is a page of the document; every Figure has /Alt; heading levels do not skip
  (each at most one deeper than the one before, the first an H1);
- the catalogue: /Lang, /MarkInfo Marked true, ViewerPreferences DisplayDocTitle true; XMP with
  pdfuaid:part 1 and dc:title.
"""
from __future__ import annotations

import io
import re

import pikepdf

from workbook.layout.tagging import is_element, is_mcid, kids  # reading /K: no rule of the check

_SHOW = {"Tj", "TJ", "'", '"'}
_HEADING = re.compile(r"^/H([1-6])$")


def _number_tree(node, found: dict | None = None, depth: int = 0) -> dict:
    found = {} if found is None else found
    if depth > 32:
        return found
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            found[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        _number_tree(kid, found, depth + 1)
    return found


def _same(a, b) -> bool:
    return a is not None and b is not None and a.is_indirect and b.is_indirect and a.objgen == b.objgen


def _content_problems(stream_owner, resources, where: str, marked: bool, depth: int = 0) -> tuple[list[int], list[str]]:
    """MCIDs of the content (a page or a form XObject) and text shown outside marked content."""
    mcids: list[int] = []
    problems: list[str] = []
    stack: list[bool] = []  # for each open sequence: does it mark the content (an MCID or an artifact)?
    try:
        instructions = pikepdf.parse_content_stream(stream_owner)
    except pikepdf.PdfError as error:
        return [], [f"{where}: content cannot be read ({error})"]
    for operands, operator in instructions:
        op = str(operator)
        if op == "BDC":
            props = operands[1]
            if isinstance(props, pikepdf.Name) and resources is not None and "/Properties" in resources:
                props = resources.Properties.get(props, pikepdf.Dictionary())
            has_mcid = isinstance(props, pikepdf.Dictionary) and "/MCID" in props
            if has_mcid:
                mcids.append(int(props.MCID))
            stack.append(has_mcid or str(operands[0]) == "/Artifact")
        elif op == "BMC":
            stack.append(str(operands[0]) == "/Artifact")
        elif op == "EMC":
            if stack:
                stack.pop()
            else:
                problems.append(f"{where}: EMC without a sequence to end")
        elif op in _SHOW and not (marked or any(stack)):
            problems.append(f"{where}: text shown outside marked content")
        elif op == "Do" and resources is not None and depth < 8:
            xobject = resources.get("/XObject", {}).get(operands[0]) if "/XObject" in resources else None
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                inner, inner_problems = _content_problems(xobject, xobject.get("/Resources", resources),
                                                          f"{where} {operands[0]}", marked or any(stack), depth + 1)
                if inner and "/StructParents" not in xobject:
                    problems.append(f"{where}: form XObject {operands[0]} has MCIDs but no /StructParents")
                problems += inner_problems
    if stack:
        problems.append(f"{where}: {len(stack)} marked-content sequence(s) never ended")
    return mcids, problems


def check_pdf(data: bytes) -> list[str]:
    """Every problem of the PDF's tagging, one line each (empty: it passes)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        if not str(root.get("/Lang", "")).strip():
            problems.append("catalogue: no /Lang")
        mark_info = root.get("/MarkInfo")
        if mark_info is None or not bool(mark_info.get("/Marked", False)):
            problems.append("catalogue: /MarkInfo /Marked is not true")
        preferences = root.get("/ViewerPreferences")
        if preferences is None or not bool(preferences.get("/DisplayDocTitle", False)):
            problems.append("catalogue: ViewerPreferences /DisplayDocTitle is not true")
        metadata = pdf.open_metadata()
        if str(metadata.get("pdfuaid:part", "")) != "1":
            problems.append("XMP: no pdfuaid:part 1")
        if not metadata.get("dc:title"):
            problems.append("XMP: no dc:title")
        tree = root.get("/StructTreeRoot")
        if tree is None:
            return problems + ["catalogue: no /StructTreeRoot"]
        parent_tree = _number_tree(tree.ParentTree) if "/ParentTree" in tree else {}
        if "/ParentTree" not in tree:
            problems.append("StructTreeRoot: no /ParentTree")
        pages = [page.obj for page in pdf.pages]
        page_index = {page.objgen: index for index, page in enumerate(pages)}
        reached: dict[int, dict[int, pikepdf.Dictionary]] = {}
        objrs: dict[tuple[int, int], pikepdf.Dictionary] = {}
        headings: list[int] = []
        seen: set[tuple[int, int]] = set()

        def visit(element, page) -> None:
            if element.is_indirect:
                if element.objgen in seen:
                    problems.append(f"structure: element {element.objgen} is reached twice")
                    return
                seen.add(element.objgen)
            tag = str(element.get("/S"))
            if "/Pg" in element:
                if element.Pg.objgen not in page_index:
                    problems.append(f"structure: {tag} element {element.objgen} is on a page not in the document")
                else:
                    page = page_index[element.Pg.objgen]
            if tag == "/Figure" and not str(element.get("/Alt", "")).strip():
                problems.append(f"structure: Figure {element.objgen} without /Alt")
            match = _HEADING.match(tag)
            if match:
                headings.append(int(match[1]))
            for kid in kids(element):
                if is_mcid(kid):
                    if page is None:
                        problems.append(f"structure: {tag} element holds MCID {int(kid)} without a page")
                    else:
                        reached.setdefault(page, {})[int(kid)] = element
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                    at = kid.get("/Pg")
                    where = page_index.get(at.objgen) if at is not None else page
                    if where is None:
                        problems.append(f"structure: marked-content reference off the document's pages in {tag}")
                    else:
                        reached.setdefault(where, {})[int(kid.MCID)] = element
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    if "/Obj" in kid and kid.Obj.is_indirect:
                        objrs[kid.Obj.objgen] = element
                elif is_element(kid):
                    visit(kid, page)

        for top in kids(tree):
            if is_element(top):
                visit(top, None)
        level = 0
        for found in headings:
            if found > level + 1:
                problems.append(f"headings: H{found} follows H{level}" if level else f"headings: the first is H{found}")
            level = found
        for index, page in enumerate(pages):
            resources = page.get("/Resources")
            mcids, content = _content_problems(pdf.pages[index], resources, f"page {index + 1}", False)
            problems += content
            key = page.get("/StructParents")
            array = parent_tree.get(int(key)) if key is not None else None
            for mcid in mcids:
                element = reached.get(index, {}).get(mcid)
                if element is None:
                    problems.append(f"page {index + 1}: MCID {mcid} is not reached from the structure tree")
                elif array is None or mcid >= len(array) or not _same(array[mcid], element):
                    problems.append(f"page {index + 1}: MCID {mcid} is not mapped to its element in the parent tree")
            for annotation in page.get("/Annots", []):
                if annotation.get("/Subtype") == "/Popup":
                    continue
                subtype = annotation.get("/Subtype")
                key = annotation.get("/StructParent")
                element = parent_tree.get(int(key)) if key is not None else None
                if key is None:
                    problems.append(f"page {index + 1}: {subtype} annotation without /StructParent")
                elif element is None or not _same(objrs.get(annotation.objgen), element):
                    problems.append(f"page {index + 1}: {subtype} annotation's /StructParent {int(key)} does not "
                                    "resolve to the element with an OBJR to it")
    return problems


def should_be_tagged(data: bytes, name: str) -> bool:
    """Is this a PDF the suite expects tagged: one that says it is, a worksheets PDF, or a reader's PDF
    (page labels, no print boxes, no output intent)? A file named `…untagged…` is made so on purpose."""
    if "untagged" in name:
        return False
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            root = pdf.Root
            if "/StructTreeRoot" in root or "/MarkInfo" in root:
                return True
            if name.endswith("-worksheets.pdf"):
                return True
            if "/PageLabels" not in root or "/OutputIntents" in root or len(pdf.pages) < 2:
                return False
            for page in pdf.pages:
                media = [float(v) for v in page.obj.MediaBox]
                trim = [float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox)]
                if any(abs(a - b) > 0.5 for a, b in zip(media, trim, strict=True)):
                    return False
            return True
    except (pikepdf.PdfError, ValueError, KeyError, AttributeError):
        return False
