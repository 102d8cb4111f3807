"""A book folder and a list of formats in, finished files in the output folder out."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .config import FORMATS
from .errors import Diagnostic, WorkbookError
from .fetcher import SafeFetcher
from .manuscript import Manuscript, load_book
from .output import clean_stale_temps, write_bytes
from .render import Renderer


@dataclass
class BuildResult:
    """What a build wrote, what it warned about, and how long each stage took."""

    outputs: list[Path] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


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
            if image.path is not None and image.path.is_relative_to(out):
                problems.append(Diagnostic(chapter.rel_source, image.line, f"image {image.src} is inside the output folder "
                                                                           f"{out_dir}; a build never reads its own output"))
    if problems:
        raise WorkbookError(problems)


@dataclass(frozen=True)
class Target:
    """One output format: its file name in dist/ and the function that makes its bytes.

    `function(manuscript, renderer)` returns the file's bytes, or a {relative path: bytes} mapping
    for a target that writes several files.
    """

    name: str
    filename: str  # "{slug}" is replaced by the book's slug
    module: str
    function: str

    def produce(self, manuscript: Manuscript, renderer: Renderer) -> bytes | dict[str, bytes]:
        import importlib

        return getattr(importlib.import_module(self.module, __package__), self.function)(manuscript, renderer)


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("pdf", "{slug}.pdf", ".pdf", "build_pdf"),
    Target("epub", "{slug}.epub", ".epub", "build_epub"),
)}


def build(book_dir: str | Path, out_dir: str | Path | None = None, formats: str | Iterable[str] | None = None,
          *, on_stage: Callable[[str], None] | None = None) -> BuildResult:
    """Build the book in `book_dir` into `out_dir` (default: `book_dir/../dist`).

    Returns the files written. Raises WorkbookError (with file:line diagnostics) for problems in the book.
    """
    book_dir = Path(book_dir)
    out = Path(out_dir) if out_dir is not None else book_dir.resolve().parent / "dist"
    check_out_dir(book_dir, out)
    result = BuildResult()
    started = time.perf_counter()
    manuscript = load_book(book_dir)
    result.warnings.extend(manuscript.warnings)
    result.timings["manuscript"] = time.perf_counter() - started
    wanted = parse_formats(formats, manuscript.config.settings.formats)
    check_inputs(manuscript, out)
    renderer = Renderer(manuscript)
    renderer.fetcher = SafeFetcher.for_book(manuscript.config, exclude=[out])
    clean_stale_temps(out)
    slug = manuscript.config.slug
    for name in wanted:
        if on_stage:
            on_stage(name)
        began = time.perf_counter()
        target = TARGETS[name]
        data = target.produce(manuscript, renderer)
        if isinstance(data, dict):
            for relative, content in data.items():
                result.outputs.append(write_bytes(out / relative, content))
        else:
            result.outputs.append(write_bytes(out / target.filename.format(slug=slug), data))
        result.timings[name] = time.perf_counter() - began
    return result
