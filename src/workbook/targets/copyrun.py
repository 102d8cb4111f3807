"""A book's reader's PDF and rows to copy in, each row's files out: the CopyMaker that makes them in any
process (this one, a local pool's, a Dask worker's: cluster.py), and the local pool that yields (row,
outcome) pairs as the copies are made. The same maker everywhere: a copy's bytes do not depend on where
it was made.

A row whose copy fails is tried once more (in a fresh pool where a process died); a second failure is
that row's error message, and the other rows go on.
"""
from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from ..cache.store import Cache
from ..errors import WorkbookError
from ..layout.personal import personal_copy, personal_for, personal_pages
from ..layout.session import BuildSession
from ..source.load import load_book
from .clients import Client, client_filename, client_options
from .worksheets import WorksheetOptions, render_worksheets

COPY_FORMATS = ("pdf", "worksheets")


def copy_files(client: Client, formats: Iterable[str]) -> list[str]:
    """The files a row makes: NAME.pdf (the reader's PDF) and NAME-worksheets.pdf."""
    return [client.filename if kind == "pdf" else f"{client_filename(client.name)}-worksheets.pdf" for kind in formats]


@dataclass(frozen=True)
class CopyOutcome:
    """What a worker sends back for one row: the files (name -> bytes), its process, its peak memory (kB)
    and the CPU seconds the row took."""

    files: dict[str, bytes]
    pid: int
    peak_rss_kb: int
    cpu_seconds: float


class CopyMaker:
    """One process's state for the copies of one book: the book loaded once (its stylesheets parsed once,
    its fonts found once) and its reader's PDF, which every copy is made from."""

    def __init__(self, book_dir: str | Path, base: bytes | None, cache_dir: str | Path | None = None):
        cache = Cache(Path(cache_dir)) if cache_dir is not None else Cache(None)
        self.session = BuildSession.start(load_book(book_dir, cache=cache), None, cache, jobs=1)
        self.base = base

    def make(self, client: Client, formats: tuple[str, ...]) -> CopyOutcome:
        """The row's files, in the order of `formats`."""
        started = time.process_time()
        session, files = self.session, {}
        names = copy_files(client, formats)
        for kind, name in zip(formats, names, strict=True):
            if kind == "pdf":
                if self.base is None:
                    raise RuntimeError("no reader's PDF to make copies of")
                manuscript = session.manuscript
                personal = personal_for(manuscript, client.name, client.date, client.group, client.chapters, client.note)
                pages = personal_pages(session.typesetter, session.renderer, personal)
                files[name] = personal_copy(self.base, pages, personal, manuscript.config.settings.title)
            else:
                files[name] = render_worksheets(session, client_options(WorksheetOptions(), client))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return CopyOutcome(files, os.getpid(), peak, time.process_time() - started)


Outcome = CopyOutcome | str  # the copy, or why it failed (twice)
ATTEMPTS = 2  # a row is tried at most this often

# --- a pool of local processes ---------------------------------------------------------------------

# The pool's own state in each of its processes, set once by the pool's initializer (a loaded book and
# WeasyPrint do not pickle): the maker for the book of this pool.
_POOL: dict[str, CopyMaker] = {}


def _init_pool(book_dir: str, base: bytes | None, cache_dir: str) -> None:
    _POOL["maker"] = CopyMaker(book_dir, base, cache_dir)


def _make_in_pool(client: Client, formats: tuple[str, ...]) -> CopyOutcome:
    return _POOL["maker"].make(client, formats)


def failure(exc: BaseException) -> str:
    """A row's failure as one line: a book error's messages, else the exception."""
    if isinstance(exc, WorkbookError):
        return "; ".join(item.message for item in exc.diagnostics)
    return f"the copy could not be made: {type(exc).__name__}: {exc}"


def run_local(book_dir: str, base: bytes | None, cache_dir: str, clients: list[Client], formats: tuple[str, ...],
              workers: int, on_workers: Callable[[int], None]) -> Iterator[tuple[Client, Outcome]]:
    """Make the rows in `workers` processes (1: in this one), yielding each as it is made or has failed."""
    on_workers(workers)
    if workers == 1:
        maker = CopyMaker(book_dir, base, cache_dir)
        for client in clients:
            yield client, _with_retry(maker, client, formats)
        return
    attempts = {client.line: 0 for client in clients}
    waiting = list(clients)
    while waiting:  # a pool a process of which died is replaced, and its unfinished rows tried again
        with ProcessPoolExecutor(max_workers=min(workers, len(waiting)), initializer=_init_pool,
                                 initargs=(book_dir, base, cache_dir)) as pool:
            running: dict[Future, Client] = {}
            for client in waiting:
                attempts[client.line] += 1
                running[pool.submit(_make_in_pool, client, formats)] = client
            waiting = []
            try:
                while running:
                    done, _pending = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        client = running.pop(future)
                        try:
                            yield client, future.result()
                        except BrokenProcessPool:
                            waiting.append(client)
                        except Exception as exc:  # noqa: BLE001 - the row's failure, reported with its line
                            if attempts[client.line] < ATTEMPTS:
                                attempts[client.line] += 1
                                running[pool.submit(_make_in_pool, client, formats)] = client
                            else:
                                yield client, failure(exc)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        given_up = [c for c in waiting if attempts[c.line] >= ATTEMPTS]
        for client in given_up:
            yield client, "the copy could not be made: its worker process died twice"
        waiting = [c for c in waiting if attempts[c.line] < ATTEMPTS]


def _with_retry(maker: CopyMaker, client: Client, formats: tuple[str, ...]) -> Outcome:
    for attempt in range(ATTEMPTS):
        try:
            return maker.make(client, formats)
        except Exception as exc:  # noqa: BLE001 - the row's failure, reported with its line
            if attempt + 1 == ATTEMPTS:
                return failure(exc)
    raise AssertionError("unreachable")
