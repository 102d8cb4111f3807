"""A clients CSV (name, optional date and chapters) in, one personalised worksheets PDF per client out.

Everything is checked before anything is rendered; one run at a time per output folder (a lock);
the PDFs are rendered in parallel worker processes, gathered in one unnamed temporary file and
written into `dist/worksheets/` (atomically, each) only when every one succeeded.
"""
from __future__ import annotations

import csv
import fcntl
import io
import os
import re
import resource
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from ..errors import Diagnostic, OutputError, Report, WorkbookError
from ..files.output import clean_stale_temps, output_folder, write_bytes
from ..files.textfile import TooLarge, read_bounded
from ..layout.session import BuildSession
from ..model.manuscript import Manuscript
from ..source.load import load_book
from .worksheets import (
    WorksheetOptions,
    chapter_choices,
    render_worksheets,
    resolve_chapter,
)

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
    group: str | None = None  # personal copies (copies.py) only
    note: str | None = None

    @property
    def filename(self) -> str:
        return client_filename(self.name) + ".pdf"


MAX_FILENAME_BYTES = 120  # of the name before ".pdf"; file systems allow 255 bytes


def client_filename(name: str) -> str:
    """A client's name as a file name: Unicode kept (王芳 -> 王芳, Ольга Иванова -> ольга-иванова), NFC,
    lower case, accents dropped from Latin letters only (Chloé Müller -> chloe-muller), every run of
    characters that are not letters or digits one hyphen; "" when nothing is left."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and unicodedata.name(kept[-1], "").startswith("LATIN"):
            continue  # é -> e, as before; marks of other scripts belong to the letter
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept))
    # letters, digits and the marks that belong to them (Devanagari vowel signs) stay; the rest separates
    cleaned = "".join(c if c.isalnum() or unicodedata.category(c).startswith("M") else " " for c in text)
    slug = "-".join(cleaned.split())
    while len(slug.encode("utf-8")) > MAX_FILENAME_BYTES:
        slug = slug[:-1]
    return slug.strip("-")


def read_clients(path: str | Path, manuscript: Manuscript, *, personal: bool = False,
                 sheets: bool = True) -> list[Client]:
    """Read and check a clients CSV against the book; raise ClientsError listing every bad row.
    `personal`: the columns of personal copies too (group, note); `sheets`: chosen chapters need prompts."""
    path = Path(path)
    return parse_clients(_read_csv_bytes(path), path.name, manuscript, personal=personal, sheets=sheets)


def _read_csv_bytes(path: Path) -> bytes:
    """The bytes of the clients file (ClientsError if it cannot be read)."""
    try:
        return read_bounded(path, MAX_CLIENTS_BYTES)
    except TooLarge as exc:
        raise ClientsError([Diagnostic(path.name, None, exc.describe(MAX_CLIENTS_BYTES, "a clients list"))]) from None
    except OSError as exc:
        raise ClientsError([Diagnostic(path.name, None, f"cannot read: {exc.strerror}")]) from None


def csv_dialect(header_line: str) -> type[csv.Dialect]:
    """RFC 4180 with the separator of the header line: a comma if it has one, else `;`, else a tab, else a comma.
    Fields may be quoted; a quote inside a quoted field is written twice; quoted fields may span lines."""
    delimiter = next((d for d in (",", ";", "\t") if d in header_line), ",")

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    Dialect.strict = True
    return Dialect


MAX_NOTE = 300  # characters of a personal copy's note (it must fit on the title page)
MAX_FIELD = 100  # characters of its name, date or group


def parse_clients(data: bytes, label: str, manuscript: Manuscript, *, personal: bool = False,
                  sheets: bool = True) -> list[Client]:
    """Parse the bytes of a clients CSV (UTF-8, BOM allowed) and check every row against the book.

    `personal` (copies.py): the columns group and note are read too, and every value's length is checked
    against what fits on a title page; `sheets`: a chosen chapter must have prompts (it makes a worksheet)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        why = "is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in a spreadsheet)"
        raise ClientsError([Diagnostic(label, line, why)]) from None
    if not text.strip():
        why = "the file is empty; write a header row `name,date,chapters` and one row per client"
        raise ClientsError([Diagnostic(label, 1, why)])
    reader = csv.reader(io.StringIO(text, newline=""), csv_dialect(text.lstrip("\r\n").split("\n", 1)[0]))
    report = Report()
    try:
        header = next(reader)
        while not any(h.strip() for h in header):
            header = next(reader)
    except (csv.Error, StopIteration) as exc:
        why = f"cannot read the header row: {exc or 'no header'}"
        raise ClientsError([Diagnostic(label, reader.line_num or 1, why)]) from None
    header_line = reader.line_num
    known = ("name", "date", "chapters", "group", "note") if personal else ("name", "date", "chapters")
    worded = ("name", "date", "group") if personal else ("name", "date")  # a header may be in the book's language
    aliases = {str(manuscript.config.words.get(key, key)).lower(): key for key in worded}
    columns = [aliases.get(h.strip().lower(), h.strip().lower()) for h in header]
    if "name" not in columns:
        named = ", ".join(h for h in header if h) or "empty"
        why = (f"no `name` column in the header row ({named}); "
               "the first row must name the columns: name, date (optional), chapters (optional)")
        raise ClientsError([Diagnostic(label, header_line, why)])
    for extra in sorted(set(columns) - {*known, ""}):
        report.warning(label, header_line, f"column {extra!r} is not used (known: {', '.join(known)})")
    clients: list[Client] = []
    seen: dict[str, tuple[str, int]] = {}
    row_line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.error(label, row_line, f"cannot read this row ({exc}); quote a value that holds the separator, "
                                          'a quote or a line break, and write a quote inside it twice: "Ann ""Nan"" Smith"')
            break  # the reader cannot find the next row after a quoting error
        line, row_line = row_line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        # a short row leaves its last columns out (they are optional); a long one is reported just below
        cells = dict(zip(columns, (c.strip() for c in row), strict=False))
        if len(row) > len(columns):
            report.error(label, line, f"{len(row)} values but the header names {len(columns)} columns; "
                                      "quote a value that holds a comma")
            continue
        name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", cells.get("name", "")))
        if not name:
            report.error(label, line, "the name is empty; every row needs a client name")
            continue
        key = client_filename(name)
        if not key:
            report.error(label, line, f"the name {name!r} has no letters or digits to name its file; "
                                      "write the client's name")
            continue
        if key in seen:
            first_name, first_line = seen[key]
            same = ("the same name" if first_name.casefold() == name.casefold()
                    else f"a name with the same file name ({first_name})")
            report.error(label, line, f"{name!r} has {same} as line {first_line}; names must be unique (add an initial)")
            continue
        seen[key] = (name, line)
        chapters: list[str] = []
        for spec in (s.strip() for s in re.split(r"[;,|]", cells.get("chapters", "")) if s.strip()):
            chapter = resolve_chapter(manuscript, spec)
            if chapter is None:
                report.error(label, line, f"chapter {spec!r} does not exist; choose from {chapter_choices(manuscript)}")
            elif chapter.slug not in chapters:
                if sheets and not chapter.prompts:
                    report.error(label, line, f"chapter {spec!r} ({chapter.title}) has no prompts, so no worksheet")
                chapters.append(chapter.slug)
        if personal:
            too_long = [(column, len(cells.get(column, "")), limit) for column, limit in
                        (("name", MAX_FIELD), ("date", MAX_FIELD), ("group", MAX_FIELD), ("note", MAX_NOTE))
                        if len(cells.get(column, "")) > limit]
            for column, length, limit in too_long:
                report.error(label, line, f"the {column} has {length} characters; a title page holds {limit} at most")
            if too_long:
                continue
        clients.append(Client(name, cells.get("date") or None, tuple(chapters), line,
                              cells.get("group") or None, cells.get("note") or None))
    if not clients and not report.errors:
        report.error(label, row_line, "no clients: add one row per client under the header row")
    if len(clients) > MAX_CLIENTS:
        report.error(label, None, f"{len(clients)} clients; split the file (limit {MAX_CLIENTS})")
    if report.errors:
        raise ClientsError(report.errors + report.warnings)
    return clients


# --- rendering, one process per core -------------------------------------------------------

# A worker process's own session, made once by `_init_worker` (the pool's initializer: WeasyPrint and
# Manuscript objects do not pickle) and used for every client that process renders.
_WORKER: dict[str, BuildSession] = {}


def _init_worker(book_dir: str, out_dir: str) -> None:
    """Load the book once per worker process (the output folder is never read from, as in a build)."""
    _WORKER["session"] = BuildSession.start(load_book(book_dir), Path(out_dir))


def _render_one(options: WorksheetOptions) -> tuple[bytes, int, int, list[Diagnostic]]:
    """Render one client's worksheets in a worker process; return (the PDF, pid, peak RSS in kB, the
    warnings rendering gave)."""
    return _render_with(_WORKER["session"], options)


def _render_with(session: BuildSession, options: WorksheetOptions) -> tuple[bytes, int, int, list[Diagnostic]]:
    before = len(session.manuscript.warnings)
    pdf = render_worksheets(session, options)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return pdf, os.getpid(), peak, session.manuscript.warnings[before:]


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
    book_dir = Path(book_dir)
    out = output_folder(book_dir, out_dir)
    manuscript = load_book(book_dir)
    base = base or WorksheetOptions()
    clients = read_clients(csv_path, manuscript)
    folder = out / CLIENTS_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError([Diagnostic(str(folder), None, f"cannot write here: {exc.strerror}")]) from None
    with folder_lock(folder), tempfile.TemporaryFile(dir=folder) as staging:
        clean_stale_temps(folder)  # only ours can be there: we hold the folder's lock
        return _render_all(book_dir, manuscript, clients, base, folder, staging, workers, on_progress, on_start)


LOCK_NAME = ".workbook-clients.lock"  # only where a folder itself cannot be locked (e.g. some network file systems)


@contextmanager
def folder_lock(folder: Path, command: str = "workbook worksheets --clients") -> Iterator[None]:
    """Hold an exclusive flock on `folder` itself (else on `folder/.workbook-clients.lock`); the kernel
    drops it when the process ends, even by SIGKILL. A second run into the same folder is refused at once."""
    fd = -1
    try:
        for target, flags in ((folder, os.O_RDONLY | os.O_DIRECTORY), (folder / LOCK_NAME, os.O_RDWR | os.O_CREAT)):
            fd = os.open(target, flags, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                raise ClientsError([Diagnostic(str(folder), None, f"another `{command}` run is "
                                               "writing into this folder; wait until it has finished or choose "
                                               "another output folder with -o")]) from None
            except OSError:
                os.close(fd)
                fd = -1
        else:
            raise OutputError([Diagnostic(str(folder), None, "cannot lock this folder against a second run; "
                                                             "choose another output folder with -o")])
    except OSError as exc:
        if fd >= 0:
            os.close(fd)
        raise OutputError([Diagnostic(str(folder), None, f"cannot write here: {exc.strerror}")]) from None
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise
    try:
        yield
    finally:
        os.close(fd)


def _render_all(book_dir: Path, manuscript: Manuscript, clients: list[Client], base: WorksheetOptions, folder: Path,
                staging: BinaryIO, workers: int | None, on_progress: Callable[[Client], None] | None,
                on_start: Callable[[int], None] | None) -> ClientsResult:
    """Render every client's PDF into `staging` (an unnamed file: nothing is left if the run dies), then
    write each into place with the build's atomic writer once all succeeded."""
    jobs = [(client, client_options(base, client)) for client in clients]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if on_start:
        on_start(len(jobs))
    peaks: dict[int, int] = {}
    done: list[tuple[Client, int, int]] = []  # client, offset and length in staging

    warnings = list(manuscript.warnings)

    def finished(client: Client, pdf: bytes, pid: int, peak: int, found: list[Diagnostic]) -> None:
        peaks[pid] = max(peaks.get(pid, 0), peak)
        warnings.extend(w for w in found if w not in warnings)  # a worker's warnings, each once
        offset = staging.seek(0, os.SEEK_END)
        staging.write(pdf)
        done.append((client, offset, len(pdf)))
        if on_progress:
            on_progress(client)

    if workers == 1:
        session = BuildSession.start(manuscript, folder.parent)
        for client, options in jobs:
            finished(client, *_render_with(session, options))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(str(book_dir), str(folder.parent))) as pool:
            futures = {pool.submit(_render_one, options): client for client, options in jobs}
            try:
                for future in as_completed(futures):
                    finished(futures[future], *future.result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    outputs = []
    for client, offset, length in sorted(done, key=lambda item: item[0].line):
        staging.seek(offset)
        outputs.append(write_bytes(folder / client.filename, staging.read(length)))
    return ClientsResult(outputs, warnings, workers, peaks)
