"""Benchmark: the page audit's share of laying out the bench book (bench/book_bench.py's make_book) and writing its
reader's PDF, in one process without a cache (CPU seconds, so the pool's scheduling does not blur it).

    python bench/audit_bench.py [--chapters 40]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from book_bench import make_book

import workbook
from workbook.layout import parts
from workbook.layout.audit import audit_pages
from workbook.layout.editions import edition_pdf, lay_out
from workbook.layout.session import BuildSession


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=40)
    args = parser.parse_args()
    spent = [0.0]
    audit_document = parts.audit_document

    def timed(*arguments, **options):
        began = time.process_time()
        try:
            return audit_document(*arguments, **options)
        finally:
            spent[0] += time.process_time() - began

    parts.audit_document = timed  # the audit each part gets where it is laid out
    with tempfile.TemporaryDirectory() as folder:
        session = BuildSession.start(workbook.load_book(make_book(Path(folder), args.chapters)), jobs=1)
        began = time.process_time()
        lay_out(session, "pdf")
        laid_out = time.process_time()
        edition_pdf(session, "screen")
        written = time.process_time()
        found = audit_pages(session)
        done = time.process_time()
    pages = sum(result.pages for result in session.laid_out.results) if session.laid_out else 0
    layout, total = laid_out - began, written - began
    print(f"{args.chapters} chapters, {pages} pages: laying out {layout:.1f} s CPU, the reader's PDF {written - laid_out:.1f} s;"
          f" the audit {spent[0]:.2f} s ({100 * spent[0] / layout:.1f} % of the layout, {100 * spent[0] / total:.1f} % of "
          f"layout and PDF); audit_pages afterwards {done - written:.3f} s; {len(found)} findings")


if __name__ == "__main__":
    main()
