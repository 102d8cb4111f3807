"""Benchmark: N personal copies of the demo book's reader's PDF, from a local pool and from a Dask LocalCluster
of 2 worker processes: copies per second, CPU seconds a copy against one cold `-f pdf` build of the book,
peak memory of a worker; the two runs' files compared byte for byte, each copy checked to open with its
reader's name; what 50,000 copies would need.

Each measurement is a fresh Python process. The cold build is `workbook build -f pdf` of a copy of the book
with an empty cache (its CPU time: the process and the workers it waited for). A copy's CPU time is what
the worker spent on it (layout of its own pages, the swap, the stamps, saving), summed over the copies; the
run's CPU time (every process of the run, the book's reader's PDF made once included) is shown beside it.

    python bench/copies_bench.py [--clients 1000] [--book book]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2


def write_clients(path: Path, count: int) -> None:
    rows = "".join(f"Lezer {i:04d} de Vries,2026-03-{1 + i % 28:02d},{'ABC'[i % 3]},,\n" for i in range(count))
    path.write_text("name,date,group,chapters,note\n" + rows, encoding="utf-8")


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cold_build(book: Path) -> dict:
    """`workbook build -f pdf` of a fresh copy of the book (no cache): wall and CPU seconds."""
    with tempfile.TemporaryDirectory(prefix="wb-bench-cold-") as tmp:
        fresh = Path(tmp) / "book"
        shutil.copytree(book, fresh, ignore=shutil.ignore_patterns(".workbook-cache", "dist"))
        before, started = cpu_of_children(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "workbook", "build", str(fresh), "-o", str(Path(tmp) / "dist"), "-f", "pdf",
                        "-q"], check=True)
        return {"wall": time.perf_counter() - started, "cpu": cpu_of_children() - before}


def one_run(mode: str, clients: int, book: Path, out: Path) -> dict:
    """One run of make_copies (in this fresh process): `local` (a pool of WORKERS processes) or `cluster`."""
    from workbook.targets.copies import make_copies

    csv_file = out.parent / "clients.csv"
    write_clients(csv_file, clients)
    cluster = None
    if mode == "cluster":
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
    before = cpu_of_self() + cpu_of_children()
    started = time.perf_counter()
    try:
        result = make_copies(book, csv_file, out, ["pdf"], workers=WORKERS,
                             scheduler=cluster.scheduler_address if cluster else None)
        wall = time.perf_counter() - started
    finally:
        if cluster is not None:
            cluster.close()  # its worker processes end and are waited for: their CPU time counts as children's
    assert result.made == clients and not result.failures, result.failures
    run_cpu = cpu_of_self() + cpu_of_children() - before
    return {"mode": mode, "workers": result.workers, "wall": wall, "seconds": result.seconds,
            "base_seconds": result.base_seconds, "per_second": result.per_second,
            "cpu_per_copy": result.cpu_seconds / result.made, "run_cpu_per_copy": run_cpu / result.made,
            "worker_peak_mb": max(result.worker_peak_rss_kb.values()) / 1024}


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def names_open(folder: Path, clients: int) -> int:
    """How many copies print their reader's name on their owner page and title page."""
    import pypdfium2

    good = 0
    for i in range(clients):
        name = f"Lezer {i:04d} de Vries"
        document = pypdfium2.PdfDocument(str(folder / f"lezer-{i:04d}-de-vries.pdf"))
        try:
            texts = [document[page].get_textpage().get_text_range() for page in (1, 2)]
        finally:
            document.close()
        good += all(name in " ".join(text.split()) for text in texts)
    return good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--book", type=Path, default=ROOT / "book")
    parser.add_argument("--one", choices=["local", "cluster"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.clients, args.book, args.out)))
        return
    cold = cold_build(args.book)
    print(f"cold -f pdf build: {cold['wall']:.1f} s wall, {cold['cpu']:.2f} s CPU", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="wb-bench-copies-") as tmp:
        book = Path(tmp) / "book"  # each run has its own cache beside its folder: both make the reader's PDF cold
        shutil.copytree(args.book, book, ignore=shutil.ignore_patterns(".workbook-cache", "dist"))
        runs = {}
        for mode in ("local", "cluster"):
            out = Path(tmp) / mode / "copies"
            out.parent.mkdir()
            command = [sys.executable, __file__, "--one", mode, "--clients", str(args.clients), "--book", str(book),
                       "--out", str(out)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            runs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{mode}: {runs[mode]['per_second']:.1f} copies/s", file=sys.stderr)
        same = digests(Path(tmp) / "local" / "copies") == digests(Path(tmp) / "cluster" / "copies")
        named = names_open(Path(tmp) / "cluster" / "copies", args.clients)
    print(f"\n{args.clients} copies of {args.book.name}/ (-f pdf), {os.cpu_count()} cores, {WORKERS} workers each way")
    print(f"cold `workbook build -f pdf`: {cold['wall']:.1f} s wall, {cold['cpu']:.2f} s CPU")
    print(f"{'engine':<9}{'copies/s':>9}{'copies s':>10}{'book PDF s':>11}{'CPU s/copy':>11}{'x cold':>8}"
          f"{'run CPU s/copy':>15}{'worker peak MB':>15}")
    for mode, run in runs.items():
        print(f"{mode:<9}{run['per_second']:>9.1f}{run['seconds']:>10.1f}{run['base_seconds']:>11.1f}"
              f"{run['cpu_per_copy']:>11.3f}{run['cpu_per_copy'] / cold['cpu']:>8.3f}{run['run_cpu_per_copy']:>15.3f}"
              f"{run['worker_peak_mb']:>15.0f}")
    print(f"byte-identical between the two: {same}; copies opening with their reader's name: {named}/{args.clients}")
    per_worker = min(run["per_second"] for run in runs.values()) / WORKERS
    print(f"50,000 copies at {per_worker:.1f} copies/s a worker: {50_000 / per_worker / 3600:.1f} worker-hours "
          f"(e.g. {50_000 / per_worker / 3600 / 8:.2f} h on 8 workers)")


if __name__ == "__main__":
    main()
