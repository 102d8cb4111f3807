"""A book folder and a list of formats in, finished files in the output folder out."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cache.store import Cache, cache_folder
from .errors import Diagnostic, ManuscriptError, WorkbookError
from .files.output import clean_stale_temps, output_folder, write_bytes
from .layout.editions import lay_out
from .layout.join import release_memory
from .layout.session import BuildSession, Need
from .model.config import FormatName, parse_formats
from .model.manuscript import Manuscript
from .source.check import check_manuscript
from .source.load import load_book
from .targets.epub import build_epub
from .targets.pdf import build_pdf, build_print_pdf
from .targets.printfiles import ProfileReport, build_print_files, check_print_setup, profile_names
from .targets.site import build_site
from .targets.worksheets import build_worksheets


@dataclass
class BuildResult:
    """What a build wrote, what it warned about, and how long each stage took."""

    outputs: list[Path] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    parts: int = 0  # parts of the PDF editions (front matter, chapters) this build needed
    layouts: int = 0  # layouts of parts it made (a part whose start moved is laid out again)
    cached: int = 0  # parts it took from .workbook-cache/
    print_profiles: list[ProfileReport] = field(default_factory=list)  # each printer's files (print profiles)


def check_inputs(manuscript: Manuscript, out_dir: Path) -> None:
    """A build never reads its own output: refuse chapters, images and attachments inside the output folder."""
    out = out_dir.resolve()
    config = manuscript.config
    problems = []
    for path, line in zip(config.chapter_files, config.chapter_lines, strict=True):
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

    `make(session)` returns the file's bytes, or a {relative path: bytes} mapping for a target that
    writes several files. A target with `uses_outputs` runs after all others and is called as
    `make(session, outputs)`, where `outputs` maps each other format to the files it has in the output
    folder (written by this build, or left by an earlier one).
    """

    name: FormatName
    filename: str  # "{slug}" is replaced by the book's slug
    make: Callable[..., bytes | dict[str, bytes]]
    uses_outputs: bool = False

    def produce(self, session: BuildSession, outputs: dict[FormatName, list[Path]] | None = None) -> bytes | dict[str, bytes]:
        if self.uses_outputs:
            return self.make(session, outputs or {})
        return self.make(session)


TARGETS: dict[FormatName, Target] = {t.name: t for t in (
    Target("pdf", "{slug}.pdf", build_pdf),
    Target("epub", "{slug}.epub", build_epub),
    Target("print", "{slug}-print.pdf", build_print_pdf),
    Target("worksheets", "{slug}-worksheets.pdf", build_worksheets),
    Target("site", "index.html", build_site, uses_outputs=True),
)}


def build_order(formats: Iterable[FormatName]) -> list[FormatName]:
    """Formats in the order they are made: those that read other outputs (the download page) last."""
    formats = list(formats)
    return [f for f in formats if not TARGETS[f].uses_outputs] + [f for f in formats if TARGETS[f].uses_outputs]


def existing_outputs(out: Path, slug: str) -> dict[FormatName, list[Path]]:
    """Files of single-file formats that an earlier build left in the output folder."""
    found: dict[FormatName, list[Path]] = {}
    for name, target in TARGETS.items():
        if not target.uses_outputs:
            path = out / target.filename.format(slug=slug)
            if path.is_file():
                found[name] = [path]
    return found


def layout_need(wanted: list[FormatName]) -> Need | None:
    """What the wanted formats need of the book's one layout: its PDF parts for the reader's or the
    printer's PDF ("pdf"), only its page data for the EPUB's page list ("pages"), or nothing."""
    if "pdf" in wanted or "print" in wanted:
        return "pdf"
    return "pages" if "epub" in wanted else None


ProgressCallback = Callable[[str, int, int, str], None]  # (kind: "chapters"|"parts"|"outputs", done, total, label)


def build(book_dir: str | Path, out_dir: str | Path | None = None, formats: str | Iterable[str] | None = None,
          *, on_stage: Callable[[str], None] | None = None, on_progress: ProgressCallback | None = None,
          page_size: str | None = None, strict: bool = False, jobs: int | None = None,
          print_profiles: Iterable[str] | None = None, tags: bool = True) -> BuildResult:
    """Build the book in `book_dir` into `out_dir` (default: `book_dir/../dist`).

    Runs `workbook check` first: its errors stop the build, its warnings are returned; with `strict`,
    warnings (an image without alt text, a dead link, …) are errors too.
    `page_size` overrides book.yaml's (A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm').
    `jobs` processes lay out the PDF editions' parts (default: one per core, or WORKBOOK_JOBS).
    `print_profiles` (kdp, ingramspark, press; default book.yaml's `print: profile`): the `print` format
    makes each printer's interior and cover (`SLUG-print-NAME.pdf`, `SLUG-cover-NAME.pdf`) in place of the
    generic `SLUG-print.pdf`; asking for profiles adds `print` to the formats when none are given.
    `tags=False` writes the reader's PDF and the worksheets without a structure tree (to measure what
    tagging costs; the print files never carry one).
    Returns the files written. Raises WorkbookError (with file:line diagnostics) for problems in the book.
    """
    book_dir = Path(book_dir)
    out = output_folder(book_dir, out_dir)
    result = BuildResult()
    started = time.perf_counter()
    chapter_progress = (lambda done, total, label: on_progress("chapters", done, total, label)) if on_progress else None
    cache = Cache(cache_folder(out))
    manuscript = load_book(book_dir, chapter_progress, cache=cache, page_size=page_size)
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
    profiles = profile_names(manuscript.config, None if print_profiles is None else list(print_profiles))
    wanted = build_order(parse_formats(formats, manuscript.config.settings.formats))
    if print_profiles and "print" not in wanted:
        if formats is not None:
            raise WorkbookError([Diagnostic("--print-profile", None, "print profiles make the print format; "
                                            "add print to the formats (-f print)")])
        wanted = build_order([*wanted, "print"])
    if "print" in wanted and profiles:  # a trim size or spine width a printer cannot take stops the build here
        check_print_setup(manuscript.config, profiles)
    check_inputs(manuscript, out)
    session = BuildSession.start(manuscript, out, cache, jobs, tags=tags)
    need = layout_need(wanted)
    if need:  # the book's one layout, over all cores, before the targets that share it
        began = time.perf_counter()
        if on_stage:
            on_stage("layout")
        result.parts, result.layouts, result.cached = lay_out(
            session, need, (lambda done, total, label: on_progress("parts", done, total, label)) if on_progress else None)
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
        if name == "print" and profiles:
            data: bytes | dict[str, bytes] = build_print_files(session, profiles, result.print_profiles)
        else:
            data = target.produce(session, {k: v for k, v in written.items() if k != name})
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
    cache_warning = cache.warning()
    if cache_warning:
        result.warnings.append(cache_warning)
    if on_progress:
        on_progress("outputs", len(wanted), len(wanted), "done")
    return result
