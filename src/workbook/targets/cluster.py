"""A Dask scheduler's address, a book and rows to copy in, (row, outcome) pairs out as the cluster's workers
make the copies (copyrun.CopyMaker on each worker).

The book's state lives in a WorkerPlugin: set up once on every worker (and again on a worker that takes
the place of one that died), it loads the book from its path (shared storage, or the same path on every
machine) and holds the book's reader's PDF the run made, which it carries to the workers. Tasks carry
only a row; Dask retries a failed task once (`retries=1`) and runs the tasks of a worker that died on
the others. Nothing here is a queue or a protocol of its own: Dask's futures, as they complete.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from distributed import Client as DaskClient
from distributed import WorkerPlugin, as_completed, get_worker

from ..errors import Diagnostic, WorkbookError
from .clients import Client
from .copyrun import CopyMaker, CopyOutcome, Outcome, failure

CONNECT_SECONDS = 15


class CopiesPlugin(WorkerPlugin):
    """A worker's CopyMaker for one book and reader's PDF, made when the plugin is set up on the worker."""

    def __init__(self, book_dir: str, base: bytes | None, cache_dir: str):
        self.book_dir, self.base, self.cache_dir = book_dir, base, cache_dir
        self.maker: CopyMaker | None = None
        self.lock: threading.Lock | None = None

    def setup(self, worker) -> None:
        self.maker = CopyMaker(self.book_dir, self.base, self.cache_dir)
        self.lock = threading.Lock()  # a worker with several threads makes one copy at a time: one typesetter

    def teardown(self, worker) -> None:
        self.maker = None

    def __getstate__(self) -> dict:
        return {"book_dir": self.book_dir, "base": self.base, "cache_dir": self.cache_dir, "maker": None, "lock": None}


def plugin_name(book_dir: str, base: bytes | None) -> str:
    """The plugin's name for this book and reader's PDF (a worker may serve several runs)."""
    digest = hashlib.sha256(book_dir.encode() + b"\0" + (base or b"")).hexdigest()[:16]
    return f"workbook-copies-{digest}"


def make_on_worker(name: str, client: Client, formats: tuple[str, ...]) -> CopyOutcome:
    """The task: one row's copy, made by the worker's plugin `name`."""
    plugin = get_worker().plugins.get(name)
    if not isinstance(plugin, CopiesPlugin) or plugin.maker is None or plugin.lock is None:
        raise RuntimeError("the worker has not loaded the book")
    with plugin.lock:
        return plugin.maker.make(client, formats)


@contextmanager
def connect(address: str) -> Iterator[DaskClient]:
    """A client of the Dask scheduler at `address` that has workers (WorkbookError if there is none)."""
    try:
        dask = DaskClient(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        raise WorkbookError([Diagnostic("--scheduler", None, f"cannot reach the Dask scheduler at {address}: {exc}")]) from None
    with dask:
        if not dask.scheduler_info().get("workers"):
            raise WorkbookError([Diagnostic("--scheduler", None, f"the Dask scheduler at {address} has no workers")])
        yield dask


def run_dask(dask: DaskClient, book_dir: str, base: bytes | None, cache_dir: str, clients: list[Client],
             formats: tuple[str, ...], on_workers: Callable[[int], None]) -> Iterator[tuple[Client, Outcome]]:
    """Make the rows on the workers of the scheduler `dask` is connected to, yielding each as it arrives."""
    on_workers(len(dask.scheduler_info().get("workers", {})))
    name = plugin_name(book_dir, base)
    try:
        dask.register_plugin(CopiesPlugin(book_dir, base, cache_dir), name=name)
    except Exception as exc:  # noqa: BLE001 - whatever a worker met loading the book, said once
        why = "; ".join(d.message for d in exc.diagnostics) if isinstance(exc, WorkbookError) else repr(exc)
        raise WorkbookError([Diagnostic("--scheduler", None, f"a worker cannot load the book at {book_dir} "
                                        f"(every worker needs workbook and the book folder at that path): {why}")]) from None
    futures = {dask.submit(make_on_worker, name, client, formats, key=f"{name}-{client.line}", retries=1,
                           pure=False): client for client in clients}
    try:
        for future in as_completed(futures):
            client = futures.pop(future)
            if future.status == "finished":
                yield client, future.result()
            else:
                error = future.exception()
                yield client, failure(error) if isinstance(error, BaseException) else "the copy could not be made"
            future.release()
    finally:
        for future in futures:
            future.cancel()
        dask.unregister_worker_plugin(name)
