"""A BuildSession and the files this build wrote in, the download page (`index.html` + `cover.png`) out."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pypdfium2

from ..layout.session import BuildSession
from ..model.config import FormatName
from ..model.manuscript import Manuscript
from .pdf import cover_png

COVER_NAME = "cover.png"
# The order readers see; formats not named here follow in build order.
FORMAT_ORDER: tuple[FormatName, ...] = ("pdf", "epub", "print", "worksheets")


@dataclass
class Download:
    """One file on the download page."""

    format: FormatName
    name: str
    description: str
    kind: str  # "PDF", "EPUB", …
    size: str
    size_bytes: int
    pages: int | None


def human_size(size: int) -> str:
    """1234567 -> '1.2 MB'; 45000 -> '45 kB'."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} kB"


def pdf_page_count(path: Path) -> int | None:
    """The number of pages of a PDF on disk (None if it cannot be read)."""
    try:
        document = pypdfium2.PdfDocument(str(path))
    except Exception:  # noqa: BLE001 - a damaged file just gets no page count
        return None
    try:
        return len(document)
    finally:
        document.close()


def downloads(manuscript: Manuscript, outputs: Mapping[FormatName, list[Path]]) -> list[Download]:
    """The files to offer, in reading order of the formats, with their sizes and page counts."""
    words = manuscript.config.words
    order = {name: index for index, name in enumerate(FORMAT_ORDER)}
    found = []
    for name in sorted(outputs, key=lambda n: (order.get(n, len(order)), list(outputs).index(n))):
        for path in outputs[name]:
            if not path.is_file():
                continue
            kind = path.suffix.lstrip(".").upper()
            size = path.stat().st_size
            found.append(Download(
                format=name, name=path.name, description=str(words.get(f"format_{name}", kind)), kind=kind,
                size=human_size(size), size_bytes=size,
                pages=pdf_page_count(path) if path.suffix.lower() == ".pdf" else None,
            ))
    return found


def build_site(session: BuildSession, outputs: Mapping[FormatName, list[Path]]) -> dict[str, bytes]:
    """The download page and its cover image, listing the files in `outputs` (format -> paths)."""
    manuscript, renderer = session.manuscript, session.renderer
    cover = cover_png(session, height_px=900)
    html = renderer.render(
        "site.html",
        css=renderer.stylesheet("site.css"),
        downloads=downloads(manuscript, outputs),
        cover_src=COVER_NAME,
        prompt_count=len(manuscript.prompts),
    )
    return {"index.html": html.encode("utf-8"), COVER_NAME: cover}
