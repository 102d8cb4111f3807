"""A clients CSV (name, optional date and chapters) in, one personalised worksheets PDF per client out.

Everything is checked before anything is rendered; the PDFs are rendered in parallel worker
processes into temporary files and renamed into `dist/worksheets/` only when every one succeeded.
"""
from __future__ import annotations

import csv
import io
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .config import slugify
from .errors import Diagnostic, Report, WorkbookError
from .manuscript import Manuscript, load_book
from .output import TEMP_PREFIX, clean_stale_temps, commit_temp
from .textfile import TooLarge, read_bounded
from .worksheets import WorksheetOptions, chapter_choices, resolve_chapter

CLIENTS_FOLDER = "worksheets"
MAX_CLIENTS = 10_000
MAX_CLIENTS_BYTES = 10_000_000  # read no more than this from disk: 1 kB for each of MAX_CLIENTS rows


class ClientsError(WorkbookError):
    """The clients CSV cannot be used; every problem names its row."""


@dataclass(frozen=True)
class Client:
    """One row of the clients file."""

    name: str
    date: str | None
    chapters: tuple[str, ...]  # chapter slugs, empty = every chapter
    line: int

    @property
    def filename(self) -> str:
        return slugify(self.name) + ".pdf"


def read_clients(path: str | Path, manuscript: Manuscript) -> list[Client]:
    """Parse and check a clients CSV against the book; raise ClientsError listing every bad row."""
    path = Path(path)
    label = path.name
    try:
        data = read_bounded(path, MAX_CLIENTS_BYTES)
    except TooLarge as exc:
        raise ClientsError([Diagnostic(label, None, exc.describe(MAX_CLIENTS_BYTES, "a clients list"))]) from None
    except OSError as exc:
        raise ClientsError([Diagnostic(label, None, f"cannot read: {exc.strerror}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ClientsError([Diagnostic(label, line, "is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in a spreadsheet)")]) from None
    if not text.strip():
        raise ClientsError([Diagnostic(label, 1, "the file is empty; write a header row `name,date,chapters` and one row per client")])
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    report = Report()
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ClientsError([Diagnostic(label, 1, f"cannot read the header row: {exc}")]) from None
    aliases = {str(manuscript.config.words.get(key, key)).lower(): key for key in ("name", "date")}
    columns = [aliases.get(h.strip().lower(), h.strip().lower()) for h in header]
    if "name" not in columns:
        raise ClientsError([Diagnostic(label, 1, f"no `name` column in the header row ({', '.join(h for h in header if h) or 'empty'}); "
                                                  "the first row must name the columns: name, date (optional), chapters (optional)")])
    for extra in sorted(set(columns) - {"name", "date", "chapters", ""}):
        report.warning(label, 1, f"column {extra!r} is not used (known: name, date, chapters)")
    clients: list[Client] = []
    seen: dict[str, tuple[str, int]] = {}
    row_line = reader.line_num + 1
    try:
        for row in reader:
            line, row_line = row_line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            cells = dict(zip(columns, (c.strip() for c in row)))
            if len(row) > len(columns):
                report.error(label, line, f"{len(row)} values but the header names {len(columns)} columns; quote a value that holds a comma")
                continue
            name = re.sub(r"\s+", " ", cells.get("name", ""))
            if not name:
                report.error(label, line, "the name is empty; every row needs a client name")
                continue
            key = slugify(name)
            if key in seen:
                first_name, first_line = seen[key]
                same = "the same name" if first_name.lower() == name.lower() else f"a name with the same file name ({first_name})"
                report.error(label, line, f"{name!r} has {same} as line {first_line}; names must be unique (add an initial)")
                continue
            seen[key] = (name, line)
            chapters: list[str] = []
            for spec in (s.strip() for s in re.split(r"[;,|]", cells.get("chapters", "")) if s.strip()):
                chapter = resolve_chapter(manuscript, spec)
                if chapter is None:
                    report.error(label, line, f"chapter {spec!r} does not exist; choose from {chapter_choices(manuscript)}")
                elif chapter.slug not in chapters:
                    if not chapter.prompts:
                        report.error(label, line, f"chapter {spec!r} ({chapter.title}) has no prompts, so no worksheet")
                    chapters.append(chapter.slug)
            clients.append(Client(name, cells.get("date") or None, tuple(chapters), line))
    except csv.Error as exc:
        report.error(label, row_line, f"cannot read this row: {exc}")
    if not clients and not report.errors:
        report.error(label, 2, "no clients: add one row per client under the header row")
    if len(clients) > MAX_CLIENTS:
        report.error(label, None, f"{len(clients)} clients; split the file (limit {MAX_CLIENTS})")
    if report.errors:
        raise ClientsError(report.errors + report.warnings)
    return clients


# --- rendering, one process per core -------------------------------------------------------

_WORKER: dict[str, object] = {}


def _init_worker(book_dir: str) -> None:
    """Load the book once per worker process (WeasyPrint and Manuscript objects don't pickle)."""
    from .render import Renderer

    manuscript = load_book(book_dir)
    _WORKER["manuscript"] = manuscript
    _WORKER["renderer"] = Renderer(manuscript)


def _render_one(options: WorksheetOptions, temp: str) -> tuple[int, int]:
    """Render one client's worksheets into `temp` (beside the final file); return (pid, peak RSS in kB)."""
    import resource

    from .worksheets import render_worksheets

    pdf = render_worksheets(_WORKER["manuscript"], options, _WORKER["renderer"])  # type: ignore[arg-type]
    with open(temp, "wb") as handle:
        handle.write(pdf)
        handle.flush()
        os.fsync(handle.fileno())
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass
class ClientsResult:
    outputs: list[Path]
    warnings: list[Diagnostic]
    workers: int
    worker_peak_rss_kb: dict[int, int]  # worker pid -> its peak resident memory (kB)


def client_options(base: WorksheetOptions, client: Client) -> WorksheetOptions:
    return replace(base, client_name=client.name, client_date=client.date or base.client_date,
                   chapters=client.chapters or base.chapters)


def build_client_worksheets(book_dir: str | Path, csv_path: str | Path, out_dir: str | Path | None = None,
                            base: WorksheetOptions | None = None, *, workers: int | None = None,
                            on_progress: Callable[[Client], None] | None = None,
                            on_start: Callable[[int], None] | None = None) -> ClientsResult:
    """One PDF per client in `out_dir/worksheets/`. Checks the CSV first; writes nothing unless all succeed.

    `workers=1` renders in this process (no pool); default: one worker per CPU core.
    """
    from .build import check_out_dir

    book_dir = Path(book_dir)
    out = Path(out_dir) if out_dir is not None else book_dir.resolve().parent / "dist"
    check_out_dir(book_dir, out)
    manuscript = load_book(book_dir)
    base = base or WorksheetOptions()
    clients = read_clients(csv_path, manuscript)
    folder = out / CLIENTS_FOLDER
    clean_stale_temps(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(client, client_options(base, client), folder / f"{TEMP_PREFIX}{client.filename}") for client in clients]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if on_start:
        on_start(len(jobs))
    peaks: dict[int, int] = {}
    done: list[tuple[Client, Path]] = []

    def finished(client: Client, temp: Path, pid: int, peak: int) -> None:
        peaks[pid] = max(peaks.get(pid, 0), peak)
        done.append((client, temp))
        if on_progress:
            on_progress(client)

    try:
        if workers == 1:
            _init_worker(str(book_dir))
            for client, options, temp in jobs:
                finished(client, temp, *_render_one(options, str(temp)))
        else:
            with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(str(book_dir),)) as pool:
                futures = {pool.submit(_render_one, options, str(temp)): (client, temp) for client, options, temp in jobs}
                try:
                    for future in as_completed(futures):
                        finished(*futures[future], *future.result())
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        outputs = [commit_temp(temp, folder / client.filename) for client, temp in sorted(done, key=lambda item: item[0].line)]
    except BaseException:
        for _client, _options, temp in jobs:
            if temp.exists():
                temp.unlink()
        raise
    return ClientsResult(outputs, manuscript.warnings, workers, peaks)
