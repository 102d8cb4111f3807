"""A book folder and a clients CSV in, one personal copy per row out: the reader's PDF with the reader's
name (layout/personal.py) and/or their worksheets, each file written atomically into one folder.

Everything is checked before anything is made: the book (as a build checks it), every row of the CSV
(clients.py's reader: names, dates, chapters, groups, notes; sizes capped) and the files the rows would
write (two rows that would write the same file are an error). The book's reader's PDF is then made once,
through the build's session and cache; each copy is made from it by a worker: a local pool of processes
or the workers of a Dask cluster (copyrun.py). The files arrive as they are made and are written at once
(a run killed half-way leaves whole copies and no half-written file); `resume` makes only the rows whose
files are missing.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cache.store import Cache, cache_folder
from ..errors import Diagnostic, ManuscriptError, Report, WorkbookError
from ..files.output import clean_stale_temps, output_folder, write_bytes
from ..layout.parts import splittable
from ..layout.session import BuildSession
from ..model.manuscript import Manuscript
from ..source.check import check_manuscript
from ..source.load import load_book
from .clients import Client, ClientsError, folder_lock, read_clients
from .copyrun import COPY_FORMATS, copy_files, run_local
from .pdf import build_pdf

COPIES_FOLDER = "copies"  # under dist/ when no output folder is given


@dataclass
class CopiesResult:
    """What a run made: the files written, the rows skipped (`resume`), the rows that failed (one error each,
    `clients.csv:LINE`), and how fast."""

    folder: Path | None = None
    outputs: list[Path] = field(default_factory=list)
    made: int = 0  # rows made in this run
    skipped: int = 0  # rows whose files were all there (resume)
    failures: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0  # making the copies (after the book's reader's PDF was made)
    base_seconds: float = 0.0  # making the book's reader's PDF
    workers: int = 0
    engine: str = "local"  # "local" or the Dask scheduler's address
    worker_peak_rss_kb: dict[int, int] = field(default_factory=dict)  # worker pid -> peak resident memory
    cpu_seconds: float = 0.0  # the workers' CPU time over all copies made

    @property
    def per_second(self) -> float:
        return self.made / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        failed = f", {len(self.failures)} failed" if self.failures else ""
        skipped = f", {self.skipped} already there (--resume)" if self.skipped else ""
        engine = "a local pool" if self.engine == "local" else f"the Dask cluster at {self.engine}"
        return (f"made {self.made} copies{failed}{skipped} into {self.folder} in {self.seconds:.1f} s "
                f"({self.per_second:.1f} copies/s, {self.workers} worker{'s' if self.workers != 1 else ''} of {engine})")


Progress = Callable[[Client, int, int], None]  # (the row just made or failed, rows done, rows to make)


def make_copies(book_dir: str | Path, clients_csv: str | Path, out_dir: str | Path | None = None,
                formats: Iterable[str] = ("pdf",), *, scheduler: str | None = None, resume: bool = False,
                workers: int | None = None, on_progress: Progress | None = None,
                on_start: Callable[[int], None] | None = None) -> CopiesResult:
    """One copy per row of `clients_csv` in `out_dir` (default: dist/copies/ beside the book).

    `formats`: "pdf" (the reader's PDF with the reader's name on its title page and on every page) and/or
    "worksheets" (the row's chapters). `scheduler`: a Dask scheduler's address (tcp://HOST:PORT) whose
    workers make the copies (they need workbook and the book folder at the same path); default: a pool of
    `workers` local processes (default one per core; 1: in this process). `resume`: rows whose files are
    all there are not made again. Raises WorkbookError, writing nothing, for a book or a CSV with errors;
    a row that fails twice is reported in `failures` and the others are made.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [kind for kind in formats if kind not in COPY_FORMATS]
    if unknown or not formats:
        raise WorkbookError([Diagnostic("-f", None, f"copies are made as {' and/or '.join(COPY_FORMATS)}; "
                                                    f"not {unknown[0] if unknown else 'nothing'!r}")])
    book_dir = Path(book_dir)
    folder = output_folder(book_dir, None, COPIES_FOLDER) if out_dir is None else output_folder(book_dir, out_dir)
    cache_dir = cache_folder(folder.parent if out_dir is None else folder)
    manuscript = _checked_book(book_dir, Cache(cache_dir))
    clients = read_clients(clients_csv, manuscript, personal=True, sheets="worksheets" in formats)
    label = Path(clients_csv).name
    _check_files(clients, formats, label)
    session = BuildSession.start(manuscript, folder, Cache(cache_dir))
    if "pdf" in formats and not splittable(session.renderer):
        why = ("personal copies lay out the title page of workbook's own pdf.html; this book has its own: "
               "make its copies with `workbook build` instead")
        raise WorkbookError([Diagnostic("layouts/pdf.html", None, why)])
    result = CopiesResult(folder=folder, warnings=list(manuscript.warnings), engine=scheduler or "local")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbookError([Diagnostic(str(folder), None, f"cannot write here: {exc.strerror}")]) from None
    with folder_lock(folder, "workbook copies"):
        clean_stale_temps(folder)
        todo = [c for c in clients if not (resume and all((folder / n).is_file() for n in copy_files(c, formats)))]
        result.skipped = len(clients) - len(todo)
        if on_start:
            on_start(len(todo))
        if not todo:
            return result
        with _engine(scheduler) as dask:  # a cluster is reached before the book's PDF is made
            base = None
            if "pdf" in formats:
                began = time.perf_counter()
                base = build_pdf(session)
                result.base_seconds = time.perf_counter() - began
            _make_all(book_dir, base, cache_dir, todo, formats, folder, dask, workers, result, on_progress, label)
    return result


def _engine(scheduler: str | None) -> AbstractContextManager[Any]:
    """A client of the Dask scheduler (cluster.connect), or nothing: the local pool."""
    if scheduler is None:
        return nullcontext()
    try:
        # deferred: Dask loads only for a run on a cluster (it is an optional extra)
        from .cluster import connect
    except ImportError as exc:  # workbook installed without its `cluster` extra
        raise WorkbookError([Diagnostic("--scheduler", None, f"a run on a Dask cluster needs Dask ({exc.name} is "
                                        "not installed): pip install 'workbook[cluster]'")]) from None
    return connect(scheduler)


def _checked_book(book_dir: Path, cache: Cache) -> Manuscript:
    """The book, loaded and checked as a build checks it (its errors stop the run)."""
    manuscript = load_book(book_dir, cache=cache)
    problems = check_manuscript(manuscript)
    errors = [d for d in problems if d.severity == "error"]
    if errors:
        raise ManuscriptError(errors + manuscript.warnings)
    manuscript.warnings.extend(d for d in problems if d.severity == "warning")
    return manuscript


def _check_files(clients: list[Client], formats: tuple[str, ...], label: str) -> None:
    """Two rows that would write the same file (Anna's worksheets and a reader named "Anna worksheets")
    are an error, before anything is made."""
    report = Report()
    seen: dict[str, Client] = {}
    for client in clients:
        for name in copy_files(client, formats):
            first = seen.setdefault(name, client)
            if first is not client:
                report.error(label, client.line, f"{client.name!r} would write {name}, as {first.name!r} on line "
                                                 f"{first.line} does; names must give different files (add an initial)")
    if report.errors:
        raise ClientsError(report.errors)


def _make_all(book_dir: Path, base: bytes | None, cache_dir: Path, todo: list[Client], formats: tuple[str, ...],
              folder: Path, dask: Any, workers: int | None, result: CopiesResult,
              on_progress: Progress | None, label: str) -> None:
    """Make the rows on the chosen engine and write each row's files as they arrive."""
    began = time.perf_counter()

    def workers_seen(count: int) -> None:
        result.workers = count

    if dask is not None:
        # deferred: Dask loads only for a run on a cluster (it is an optional extra)
        from .cluster import run_dask

        runs = run_dask(dask, str(book_dir.resolve()), base, str(cache_dir), todo, formats, workers_seen)
    else:
        count = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        runs = run_local(str(book_dir.resolve()), base, str(cache_dir), todo, formats, count, workers_seen)
    done = 0
    for client, outcome in runs:
        if isinstance(outcome, str):
            result.failures.append(Diagnostic(label, client.line, outcome))
        else:
            for name, data in outcome.files.items():
                result.outputs.append(write_bytes(folder / name, data))
            result.made += 1
            result.cpu_seconds += outcome.cpu_seconds
            peaks = result.worker_peak_rss_kb
            peaks[outcome.pid] = max(peaks.get(outcome.pid, 0), outcome.peak_rss_kb)
        done += 1
        if on_progress:
            on_progress(client, done, len(todo))
    result.seconds = time.perf_counter() - began
    result.failures.sort(key=lambda item: item.line or 0)
