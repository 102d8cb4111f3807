"""An edition's laid-out page data (anchor id -> page, printed page labels) in, from memory, a content-keyed
disk cache under `.workbook-cache/`, or a background process; and the cached cover PNG.

The EPUB's page list needs the print edition's page numbers. Laying out the whole print edition is as
slow as the reader's PDF itself, so a build that makes the PDF and the EPUB (but not the print PDF) lays
the print edition out in a second process while this one lays out the screen edition, and keeps the
result keyed by a hash of everything the layout reads (the edition's HTML, its styles, the page size,
the workbook version). Cache entries are written atomically; an unreadable or corrupt entry is ignored
and recomputed, never trusted.
"""
from __future__ import annotations

import hashlib
import json
import weakref
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from .manuscript import Manuscript
from .output import write_bytes
from .render import Renderer

CACHE_NAME = ".workbook-cache"
PageData = tuple[dict[str, int], list]  # (anchor id -> page index, printed labels)

_PENDING: "weakref.WeakKeyDictionary[Renderer, dict[str, Future]]" = weakref.WeakKeyDictionary()


def cache_dir(renderer: Renderer) -> Path | None:
    """The renderer's cache folder (set by build: beside the output folder), or None for no disk cache."""
    return getattr(renderer, "cache_dir", None)


def _key(*parts: str | bytes) -> str:
    from . import __version__

    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        digest.update(b"\0" + (part.encode() if isinstance(part, str) else part))
    return digest.hexdigest()


def read_entry(folder: Path | None, kind: str, key: str) -> bytes | None:
    """A cache entry's bytes, or None when missing or unreadable (the caller recomputes)."""
    if folder is None:
        return None
    try:
        return (folder / kind / key).read_bytes()
    except OSError:
        return None


def write_entry(folder: Path | None, kind: str, key: str, data: bytes) -> None:
    """Store a cache entry atomically; a cache that cannot be written only costs speed."""
    if folder is None:
        return
    try:
        write_bytes(folder / kind / key, data)
    except OSError:
        pass


def edition_key(manuscript: Manuscript, renderer: Renderer, edition: str) -> str:
    from .pdf import fill_targets

    root = manuscript.config.root
    pictures = sorted({str(image.path) for chapter in manuscript.chapters for image in chapter.images if image.path})
    sizes = [hashlib.sha256((root / p).read_bytes()).hexdigest() if (root / p).is_file() else "" for p in pictures]
    return _key("pages", edition, renderer.pdf_html(edition), json.dumps([fill_targets(manuscript), pictures, sizes]))


def _from_document(document) -> PageData:
    from .pagelist import anchor_pages, page_labels

    return anchor_pages(document), page_labels(document)


def _decode(data: bytes | None) -> PageData | None:
    try:
        value = json.loads(data) if data else None
        if (isinstance(value, dict) and isinstance(value.get("anchors"), dict) and isinstance(value.get("labels"), list)
                and all(isinstance(v, int) for v in value["anchors"].values())):
            return value["anchors"], value["labels"]
    except (ValueError, UnicodeDecodeError):
        pass
    return None


def edition_pages(manuscript: Manuscript, renderer: Renderer, edition: str) -> PageData:
    """Where every id of `edition` lands and what each page prints as its number."""
    from .pdf import _DOCUMENTS, render_document

    pending = _PENDING.get(renderer, {}).pop(edition, None)
    if pending is not None:
        try:
            return pending.result()
        except Exception:  # the background layout failed: lay it out here, where errors are reported properly
            pass
    documents = _DOCUMENTS.get(renderer, {})
    if edition in documents:
        return _from_document(documents[edition])
    folder = cache_dir(renderer)
    key = edition_key(manuscript, renderer, edition)
    cached = _decode(read_entry(folder, "pages", key))
    if cached is not None:
        return cached
    anchors, labels = _from_document(render_document(manuscript, renderer, edition))
    write_entry(folder, "pages", key, json.dumps({"anchors": anchors, "labels": labels}).encode())
    return anchors, labels


def _layout_in_worker(book_dir: str, page_size: str | None, exclude: list[str], edition: str,
                      folder: str | None) -> PageData:
    from .build import set_page_size
    from .fetcher import SafeFetcher
    from .manuscript import load_book

    manuscript = load_book(book_dir)
    set_page_size(manuscript, page_size)
    renderer = Renderer(manuscript)
    renderer.fetcher = SafeFetcher.for_book(manuscript.config, exclude=[Path(p) for p in exclude])
    renderer.cache_dir = Path(folder) if folder else None
    return edition_pages(manuscript, renderer, edition)


def start_background(manuscript: Manuscript, renderer: Renderer, edition: str, book_dir: Path,
                     page_size: str | None, exclude: list[Path]) -> bool:
    """Lay out `edition` in a second process unless its page data is cached already; True if started."""
    folder = cache_dir(renderer)
    if _decode(read_entry(folder, "pages", edition_key(manuscript, renderer, edition))) is not None:
        return False
    pool = ProcessPoolExecutor(max_workers=1)
    future = pool.submit(_layout_in_worker, str(book_dir), page_size, [str(p) for p in exclude], edition,
                         str(folder) if folder else None)
    pool.shutdown(wait=False)
    _PENDING.setdefault(renderer, {})[edition] = future
    return True


def _fill_key(manuscript: Manuscript, edition: str, fill_ids: list[str]) -> str:
    return _key("fill", edition, manuscript.config.slug, json.dumps(fill_ids))


def fill_hint(manuscript: Manuscript, renderer: Renderer, edition: str, fill_ids: list[str]) -> dict[str, int]:
    """The writing lines each fill block got in the last build (only a first guess: layout checks it)."""
    if not fill_ids:
        return {}
    try:
        value = json.loads(read_entry(cache_dir(renderer), "fill", _fill_key(manuscript, edition, fill_ids)) or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if k in fill_ids and isinstance(v, int) and 0 <= v <= 200}


def store_fill_hint(manuscript: Manuscript, renderer: Renderer, edition: str, fill_ids: list[str],
                    extra: dict[str, int]) -> None:
    if fill_ids:
        write_entry(cache_dir(renderer), "fill", _fill_key(manuscript, edition, fill_ids), json.dumps(extra).encode())


def cover_png_cached(manuscript: Manuscript, renderer: Renderer) -> bytes:
    """The cover PNG (pdf.cover_png), from the cache when the cover's HTML has not changed."""
    from .pdf import cover_png

    folder = cache_dir(renderer)
    key = _key("cover", renderer.cover_html())
    data = read_entry(folder, "cover", key)
    if data and data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82"):
        return data
    data = cover_png(manuscript, renderer)
    write_entry(folder, "cover", key, data)
    return data
