"""Benchmark: N clients x the demo book's worksheets, serial against parallel; wall time and peak memory.

Each run is a fresh Python process (so imports, font loading and memory peaks are counted honestly).
Peak memory is the sum of peak RSS over the processes that rendered: the main process plus every
worker (each worker reports its own ru_maxrss). Prints the median of R runs as a table.

    python bench/worksheets_bench.py [--clients 100] [--runs 3] [--book book]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(mode: str, clients: int, book: Path) -> dict:
    from workbook.targets.clients import build_client_worksheets

    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        csv_file = Path(tmp) / "clients.csv"
        rows = "".join(f"Client {i:03d},2026-03-{1 + i % 28:02d}\n" for i in range(clients))
        csv_file.write_text("name,date\n" + rows, encoding="utf-8")
        workers = 1 if mode == "serial" else (os.cpu_count() or 1)
        started = time.perf_counter()
        result = build_client_worksheets(book, csv_file, Path(tmp) / "dist", workers=workers)
        wall = time.perf_counter() - started
        assert len(result.outputs) == clients
    main_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_kb = sum(result.worker_peak_rss_kb.values()) if result.workers > 1 else 0
    return {"mode": mode, "workers": result.workers, "wall": wall, "peak_mb": (main_kb + workers_kb) / 1024,
            "main_mb": main_kb / 1024, "worker_mb": [kb / 1024 for kb in result.worker_peak_rss_kb.values()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--book", type=Path, default=ROOT / "book")
    parser.add_argument("--one", choices=["serial", "parallel"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.clients, args.book)))
        return
    rows = []
    for mode in ("serial", "parallel"):
        runs = []
        for run in range(args.runs):
            command = [sys.executable, __file__, "--one", mode, "--clients", str(args.clients), "--book", str(args.book)]
            out = subprocess.run(command, capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"{mode} run {run + 1}: {runs[-1]['wall']:.1f} s, {runs[-1]['peak_mb']:.0f} MB", file=sys.stderr)
        rows.append((mode, runs[0]["workers"], statistics.median(r["wall"] for r in runs),
                     statistics.median(r["peak_mb"] for r in runs), [round(r["wall"], 1) for r in runs]))
    print(f"\n{args.clients} clients x worksheets of {args.book.name}/ ({os.cpu_count()} cores), median of {args.runs} runs")
    print(f"{'mode':<10}{'workers':>8}{'wall s':>9}{'per client s':>14}{'peak RSS MB':>13}  runs (s)")
    for mode, workers, wall, peak, walls in rows:
        print(f"{mode:<10}{workers:>8}{wall:>9.1f}{wall / args.clients:>14.2f}{peak:>13.0f}  {walls}")
    serial, parallel = rows[0][2], rows[1][2]
    print(f"speed-up: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
