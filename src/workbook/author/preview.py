"""A book folder, an edition and a page range in, PNG pictures of those pages out (pypdfium2)."""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pypdfium2

from ..cache.store import Cache, cache_folder
from ..errors import Diagnostic
from ..files.output import output_folder, write_bytes
from ..layout.editions import edition_pdf
from ..layout.session import BuildSession
from ..model.pages import EDITIONS, EditionName
from ..source.load import load_book

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d*)\s*)?$")


def parse_pages(spec: str | None, count: int) -> list[int]:
    """'1-4', '7', '2,5-6' or '3-' (1-based, inclusive) -> 0-based page indices within `count`.

    None means every page. ValueError for a malformed spec or one that selects no page.
    """
    if spec is None or not spec.strip():
        return list(range(count))
    chosen: list[int] = []
    for part in spec.split(","):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not a page range; write e.g. 1-4, 7 or 2,5-6")
        first = int(match[1])
        last = first if match[2] is None else (int(match[2]) if match[2] else count)
        if first < 1 or last < first:
            raise ValueError(f"{part.strip()!r}: pages count from 1 and a range runs upward")
        chosen.extend(i - 1 for i in range(first, min(last, count) + 1) if i - 1 not in chosen)
    if not chosen:
        raise ValueError(f"the book has {count} pages; {spec!r} selects none of them")
    return chosen


def preview(book_dir: str | Path, out_dir: str | Path | None = None, edition: EditionName = "screen",
            pages: str | None = None, *, page_size: str | None = None, dpi: int = 80,
            on_warning: Callable[[Diagnostic], None] | None = None) -> list[Path]:
    """Render `edition` of the book and write the chosen pages as PNG files; return their paths.

    Files are named `SLUG[-print]-pNNN.png` (NNN: the PDF page, from 1) in `out_dir`
    (default: `dist/preview/` beside the book folder).
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; choose from {', '.join(EDITIONS)}")
    book_dir = Path(book_dir)
    out = output_folder(book_dir, out_dir, "preview")
    # the cache beside the output folder as for a build (by default beside dist/: it shares a build's parts)
    cache = Cache(cache_folder(out if out_dir is not None else out.parent))
    session = BuildSession.start(load_book(book_dir, page_size=page_size), out, cache)
    pdf = edition_pdf(session, edition)
    cache_warning = cache.warning()  # the cache only saves time: say so, go on
    if cache_warning and on_warning:
        on_warning(cache_warning)
    document = pypdfium2.PdfDocument(pdf)
    written = []
    try:
        indices = parse_pages(pages, len(document))
        stem = session.manuscript.config.slug + ("-print" if edition == "print" else "")
        for index in indices:
            image = document[index].render(scale=dpi / 72).to_pil().convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            written.append(write_bytes(out / f"{stem}-p{index + 1:03d}.png", buffer.getvalue()))
    finally:
        document.close()
    return written
