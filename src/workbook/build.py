"""A book folder and a list of formats in, finished files in the output folder out."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from .cache.store import CACHE_NAME, forget_cache_problems, take_cache_warning
from .errors import Diagnostic, ManuscriptError, WorkbookError
from .files.output import clean_stale_temps, write_bytes
from .layout.editions import lay_out, release_memory
from .model.config import FORMATS
from .model.manuscript import Manuscript
from .render.templates import Renderer, SafeFetcher
from .source.load import load_book


@dataclass
class BuildResult:
    """What a build wrote, what it warned about, and how long each stage took."""

    outputs: list[Path] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    parts: int = 0  # parts of the PDF editions (front matter, chapters) this build needed
    layouts: int = 0  # layouts of parts it made (a part whose start moved is laid out again)
    cached: int = 0  # parts it took from .workbook-cache/


def parse_formats(value: str | Iterable[str] | None, default: Iterable[str] = FORMATS) -> list[str]:
    """'pdf,epub' or ['pdf'] -> a checked, ordered list of formats."""
    if value is None:
        return list(default)
    items = value.split(",") if isinstance(value, str) else list(value)
    formats = [item.strip().lower() for item in items if item.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}" if unknown else "no format given")
    return [f for f in FORMATS if f in formats]


INPUT_FOLDERS = ("chapters", "images", "layouts", "styles")


def check_out_dir(book_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder that is the book folder or one of its parents (cleaning it would hurt),
    or that lies inside one of the book's input folders (chapters/, images/, layouts/, styles/)."""
    book = book_dir.resolve()
    out = out_dir.resolve()
    if out == book or book.is_relative_to(out):
        raise WorkbookError([Diagnostic(str(out_dir), None, "output folder holds the book itself; choose a separate folder such as dist/")])
    for name in INPUT_FOLDERS:
        if out.is_relative_to(book / name):
            raise WorkbookError([Diagnostic(str(out_dir), None, f"output folder is inside the book's {name}/ folder, "
                                                               "which the build reads; choose a separate folder such as dist/")])


def check_inputs(manuscript: Manuscript, out_dir: Path) -> None:
    """A build never reads its own output: refuse chapters, images and attachments inside the output folder."""
    out = out_dir.resolve()
    config = manuscript.config
    problems = []
    for path, line in zip(config.chapter_files, config.chapter_lines):
        if path.is_relative_to(out):
            problems.append(Diagnostic("book.yaml", line, f"{path.relative_to(config.root).as_posix()} is inside the output "
                                                         f"folder {out_dir}; a build never reads its own output"))
    for path in config.attachment_files:
        if path.is_relative_to(out):
            problems.append(Diagnostic("book.yaml", None, f"attachment {path.name} is inside the output folder {out_dir}"))
    for chapter in manuscript.chapters:
        for image in chapter.images:
            if image.path is not None and (config.root / image.path).resolve().is_relative_to(out):
                problems.append(Diagnostic(chapter.rel_source, image.line, f"image {image.src} is inside the output folder "
                                                                           f"{out_dir}; a build never reads its own output"))
    if problems:
        raise WorkbookError(problems)


@dataclass(frozen=True)
class Target:
    """One output format: its file name in dist/ and the function that makes its bytes.

    `function(manuscript, renderer)` returns the file's bytes, or a {relative path: bytes} mapping
    for a target that writes several files. A target with `uses_outputs` runs after all others and
    is called as `function(manuscript, renderer, outputs)`, where `outputs` maps each other format
    to the files it has in the output folder (written by this build, or left by an earlier one).
    """

    name: str
    filename: str  # "{slug}" is replaced by the book's slug
    module: str
    function: str
    uses_outputs: bool = False

    def produce(self, manuscript: Manuscript, renderer: Renderer,
                outputs: dict[str, list[Path]] | None = None) -> bytes | dict[str, bytes]:
        import importlib

        function = getattr(importlib.import_module(self.module, __package__), self.function)
        if self.uses_outputs:
            return function(manuscript, renderer, outputs or {})
        return function(manuscript, renderer)


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("pdf", "{slug}.pdf", ".targets.pdf", "build_pdf"),
    Target("epub", "{slug}.epub", ".targets.epub", "build_epub"),
    Target("print", "{slug}-print.pdf", ".targets.pdf", "build_print_pdf"),
    Target("worksheets", "{slug}-worksheets.pdf", ".targets.worksheets", "build_worksheets"),
    Target("site", "index.html", ".targets.site", "build_site", uses_outputs=True),
)}


def build_order(formats: Iterable[str]) -> list[str]:
    """Formats in the order they are made: those that read other outputs (the download page) last."""
    formats = list(formats)
    return [f for f in formats if not TARGETS[f].uses_outputs] + [f for f in formats if TARGETS[f].uses_outputs]


def existing_outputs(out: Path, slug: str) -> dict[str, list[Path]]:
    """Files of single-file formats that an earlier build left in the output folder."""
    found: dict[str, list[Path]] = {}
    for name, target in TARGETS.items():
        if not target.uses_outputs:
            path = out / target.filename.format(slug=slug)
            if path.is_file():
                found[name] = [path]
    return found


def set_page_size(manuscript: Manuscript, page_size: str | None) -> None:
    """Override book.yaml's page_size (e.g. from --page-size); ValueError names the accepted sizes."""
    if page_size:
        from .model.config import page_size_mm

        page_size_mm(page_size)
        manuscript.config.settings.page_size = page_size


def edition_needs(wanted: list[str]) -> dict[str, str]:
    """What the wanted formats need of the book's one layout: its PDF parts for the reader's or the
    printer's PDF ({"book": "pdf"}), or only its page data for the EPUB's page list ({"book": "pages"})."""
    from .model.pages import LAYOUT

    if "pdf" in wanted or "print" in wanted:
        return {LAYOUT: "pdf"}
    return {LAYOUT: "pages"} if "epub" in wanted else {}


ProgressCallback = Callable[[str, int, int, str], None]  # (kind: "chapters"|"parts"|"outputs", done, total, label)


def build(book_dir: str | Path, out_dir: str | Path | None = None, formats: str | Iterable[str] | None = None,
          *, on_stage: Callable[[str], None] | None = None, on_progress: ProgressCallback | None = None,
          page_size: str | None = None, strict: bool = False, jobs: int | None = None) -> BuildResult:
    """Build the book in `book_dir` into `out_dir` (default: `book_dir/../dist`).

    Runs `workbook check` first: its errors stop the build, its warnings are returned; with `strict`,
    warnings (an image without alt text, a dead link, …) are errors too.
    `page_size` overrides book.yaml's (A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm').
    `jobs` processes lay out the PDF editions' parts (default: one per core, or WORKBOOK_JOBS).
    Returns the files written. Raises WorkbookError (with file:line diagnostics) for problems in the book.
    """
    from .source.check import check_manuscript

    book_dir = Path(book_dir)
    out = Path(out_dir) if out_dir is not None else book_dir.resolve().parent / "dist"
    check_out_dir(book_dir, out)
    result = BuildResult()
    started = time.perf_counter()
    chapter_progress = (lambda done, total, label: on_progress("chapters", done, total, label)) if on_progress else None
    cache = out.resolve().parent / CACHE_NAME  # beside the output folder, never inside it
    forget_cache_problems(cache)
    manuscript = load_book(book_dir, chapter_progress, cache_dir=cache)
    try:
        set_page_size(manuscript, page_size)
    except ValueError as exc:
        raise WorkbookError([Diagnostic("--page-size", None, f"{page_size!r}: {exc}")]) from None
    result.timings["manuscript"] = time.perf_counter() - started
    began = time.perf_counter()
    problems = check_manuscript(manuscript)
    errors = [d for d in problems if d.severity == "error"]
    if errors:
        raise ManuscriptError(errors + manuscript.warnings + [d for d in problems if d.severity == "warning"])
    if strict and (manuscript.warnings or problems):
        raise WorkbookError([replace(w, severity="error") for w in manuscript.warnings + problems])
    result.warnings.extend(problems)
    result.timings["check"] = time.perf_counter() - began
    wanted = build_order(parse_formats(formats, manuscript.config.settings.formats))
    check_inputs(manuscript, out)
    renderer = Renderer(manuscript)
    renderer.fetcher = SafeFetcher.for_book(manuscript.config, exclude=[out])
    renderer.cache_dir = cache
    needs = edition_needs(wanted)
    if needs:  # every edition the targets need, laid out together over all cores
        began = time.perf_counter()
        if on_stage:
            on_stage("layout")
        result.parts, result.layouts, result.cached = lay_out(
            manuscript, renderer, needs, jobs,
            (lambda done, total, label: on_progress("parts", done, total, label)) if on_progress else None)
        result.timings["layout"] = time.perf_counter() - began
    clean_stale_temps(out)
    slug = manuscript.config.slug
    written = existing_outputs(out, slug)
    for index, name in enumerate(wanted):
        if on_stage:
            on_stage(name)
        if on_progress:
            on_progress("outputs", index, len(wanted), name)
        began = time.perf_counter()
        target = TARGETS[name]
        data = target.produce(manuscript, renderer, {k: v for k, v in written.items() if k != name})
        if isinstance(data, dict):
            paths = [write_bytes(out / relative, content) for relative, content in data.items()]
        else:
            paths = [write_bytes(out / target.filename.format(slug=slug), data)]
        result.outputs.extend(paths)
        written[name] = paths
        result.timings[name] = time.perf_counter() - began
        del data
        release_memory()  # what a target held (a joined PDF, say) does not stack onto the next one's peak
    result.warnings.extend(manuscript.warnings)  # after the targets: rendering may add warnings
    cache_warning = take_cache_warning(cache)
    if cache_warning:
        result.warnings.append(cache_warning)
    if on_progress:
        on_progress("outputs", len(wanted), len(wanted), "done")
    return result
